/**
 * `verify --drift`: is what is live still what the stack planned, on day 200? The guard stops a
 * weakening made through Terraform, not one made in the portal or by another tool (shared keys
 * turned on, the firewall opened, a third credential added to the application in Entra ID).
 *
 * With the caller's own Azure credentials (DefaultAzureCredential: the Azure CLI login, a
 * workload identity, a managed identity, `AZURE_*` variables), read-only — Reader on the storage
 * account and on the system topic, and the right to read the application in Microsoft Graph —
 * it compares, with the expectations of ./drift-plan.ts:
 *
 * - the storage account's security properties and firewall (Resource Manager, Microsoft.Storage 2023-05-01,
 *   the API version azurerm 4.55 uses);
 * - blob and container soft delete, when the stack asks for it;
 * - the containers' access level;
 * - the role assignments on the account, its containers and its queue: exactly the planned ones
 *   (Microsoft.Authorization 2022-04-01);
 * - the event subscription's endpoint and filter, and no other subscription on the system topic
 *   (Microsoft.EventGrid 2025-02-15, as azurerm 4.55);
 * - the application's credentials and permissions: no password but the planned slots, no
 *   certificate or federated credential but planned ones, no API permission asked for or granted
 *   but the planned ones (Graph v1.0).
 *
 * Each difference is one failed check with what to do; an area without one is one passed check.
 * What is printed of live data is shape-checked like everything else verify prints (no free text).
 */
import type { TokenCredential } from "@azure/identity";
import { type RestAnswer, restClient, type RestClient } from "./azure-rest";
import { CheckId, CheckResult, DRIFT_CHECK_IDS, fail, networkProblem, pass, rawErrorText, skip, type TrustedTls } from "./checks";
import { ACCOUNT_ATTRIBUTES, type DriftPlan, type PlannedPermission, type PlannedRoleAssignment } from "./drift-plan";
import type { DeployedOutputs } from "./outputs";
import { describeFailure, httpFailure, safeId, type SafeFailure, type Service, tokenFailure } from "./safe-fields";
import { ROLES } from "../constants";

/** Options of {@link checkDrift}. */
export interface DriftOptions {
  /** The caller's credential (DefaultAzureCredential in the command). */
  readonly credential: TokenCredential;
  /** Resource Manager's base URL, e.g. `https://management.azure.com`. */
  readonly armEndpoint: string;
  /** Microsoft Graph's base URL, e.g. `https://graph.microsoft.com`. */
  readonly graphEndpoint: string;
  readonly tls?: TrustedTls;
  readonly timeoutMs: number;
  /** For the fixes' commands (`npx cdktf deploy <name>`). */
  readonly environmentName: string;
}

const STORAGE_API = "api-version=2023-05-01";
const AUTHORIZATION_API = "api-version=2022-04-01";
const EVENT_GRID_API = "api-version=2025-02-15";

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => (isObject(at) ? at[key] : undefined), value);
const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

// ---- What may be printed of live data: shape-checked, like every other text of verify --------

const SHAPES = {
  ip: /^(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?$/,
  armId: /^\/subscriptions\/[0-9a-fA-F-]{36}\/[A-Za-z0-9/_.()-]{1,400}$/,
  name: /^[A-Za-z0-9._ ()=,-]{1,120}$/,
  eventType: /^[A-Za-z0-9.]{1,120}$/,
  subject: /^[A-Za-z0-9/_.=:@-]{0,240}$/,
  date: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/,
  key: /^[A-Za-z0-9_-]{1,120}$/,
} as const;

/** `value` quoted when it has the shape, else a placeholder: live data is printed only in its expected shape. */
function shown(value: unknown, shape: keyof typeof SHAPES): string {
  if (typeof value === "string" && SHAPES[shape].test(value)) return shape === "name" || shape === "subject" ? JSON.stringify(value) : value;
  return "(a value of another shape, not shown)";
}

const idOf = (value: unknown): string => safeId(value) ?? "(an id of another shape)";

/** Names of the built-in roles the integration assigns, by GUID, for messages. */
const ROLE_NAMES: ReadonlyMap<string, string> = new Map(Object.values(ROLES).map((r) => [r.id, r.name]));

// ---- Results ----------------------------------------------------------------------------------

/** The differences found in one area, or why it could not be compared. */
interface Area {
  readonly check: CheckId;
  readonly differences: { readonly message: string; readonly fix: string }[];
  /** What was compared, for the pass message. */
  readonly compared: string[];
}

const area = (check: CheckId): Area => ({ check, differences: [], compared: [] });

function resultsOf(a: Area): CheckResult[] {
  if (a.differences.length > 0) return a.differences.map((d) => fail(a.check, d.message, d.fix));
  return [pass(a.check, `As planned: ${a.compared.join(", ")}.`)];
}

/** An HTTP answer that is not what a read should get, as a failed check (safe fields only). */
function unreadable(check: CheckId, what: string, service: Service, answer: RestAnswer, rights: string, options: DriftOptions): CheckResult {
  const failure = httpFailure(service, answer.status, answer.headers, answer.json);
  const text = describeFailure(failure);
  if (answer.status === 404) {
    return fail(check, `${what[0]!.toUpperCase()}${what.slice(1)} does not exist (${text}).`, deployFix(options, "it"));
  }
  return fail(
    check,
    `Could not read ${what}${text !== "" ? ` (${text})` : ""}.`,
    answer.status === 401 || answer.status === 403
      ? `Your identity needs ${rights} (read-only); see docs/scheduled-verify.md. Then run verify --drift again.`
      : "Run verify --drift again; if it persists, check the resource in the Azure portal.",
  );
}

// ---- The checks -------------------------------------------------------------------------------

/** The account id's parts: `/subscriptions/{s}/resourceGroups/{g}/providers/Microsoft.Storage/storageAccounts/{n}`. */
function accountIdParts(id: string): { subscription: string; resourceGroup: string } | undefined {
  const match = /^\/subscriptions\/([0-9a-fA-F-]{36})\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i.exec(id);
  return match ? { subscription: match[1]!, resourceGroup: match[2]! } : undefined;
}

const deployFix = (options: DriftOptions, what: string) =>
  `Run \`npx cdktf deploy ${options.environmentName}\` (or \`terraform apply\`): Terraform sets ${what} back as planned. ` +
  "Then find who changed it: Azure portal > the resource > Activity log.";

/** The storage account's security properties and firewall. */
function compareAccount(plan: DriftPlan, live: Json, options: DriftOptions): Area {
  const a = area("drift-storage-account");
  const p = isObject(live.properties) ? live.properties : {};
  // The values as azurerm reads them back, with its defaults for properties Azure leaves out
  // (terraform-provider-azurerm v4.55.0, internal/services/storage/storage_account_resource.go, read).
  const actual: Record<(typeof ACCOUNT_ATTRIBUTES)[number], string | boolean> = {
    min_tls_version: str(p.minimumTlsVersion) ?? "TLS1_0",
    https_traffic_only_enabled: p.supportsHttpsTrafficOnly === true,
    allow_nested_items_to_be_public: p.allowBlobPublicAccess !== false,
    shared_access_key_enabled: p.allowSharedKeyAccess !== false,
    default_to_oauth_authentication: p.defaultToOAuthAuthentication === true,
    local_user_enabled: p.isLocalUserEnabled !== false,
    sftp_enabled: p.isSftpEnabled === true,
    cross_tenant_replication_enabled: p.allowCrossTenantReplication === true,
    infrastructure_encryption_enabled: field(p, "encryption", "requireInfrastructureEncryption") === true,
    public_network_access_enabled: p.publicNetworkAccess !== "Disabled",
  };
  for (const attribute of ACCOUNT_ATTRIBUTES) {
    const planned = plan.account[attribute];
    if (planned === undefined) continue;
    a.compared.push(attribute);
    const value = actual[attribute];
    if (value !== planned) {
      const live = typeof value === "string" ? shown(value, "name") : String(value);
      a.differences.push({
        message: `${attribute} is ${live} on the live account, planned ${JSON.stringify(planned)}.`,
        fix: deployFix(options, attribute),
      });
    }
  }
  const firewall = plan.firewall;
  if (firewall !== undefined) {
    const acls = isObject(p.networkAcls) ? p.networkAcls : {};
    const compare = (name: string, planned: readonly string[] | undefined, liveValues: string[], shape: keyof typeof SHAPES, normalize = (v: string) => v) => {
      if (planned === undefined) return;
      a.compared.push(`network_rules.${name}`);
      const want = new Set(planned.map(normalize));
      const have = new Set(liveValues.map(normalize));
      const extra = [...have].filter((v) => !want.has(v));
      const missing = [...want].filter((v) => !have.has(v));
      if (extra.length > 0 || missing.length > 0) {
        const parts = [
          ...(extra.length > 0 ? [`live but not planned ${extra.map((v) => shown(v, shape)).join(", ")}`] : []),
          ...(missing.length > 0 ? [`planned but not live ${missing.map((v) => shown(v, shape)).join(", ")}`] : []),
        ];
        a.differences.push({
          message: `network_rules.${name} differs from the plan: ${parts.join("; ")}.`,
          fix: deployFix(options, `the firewall's ${name}`),
        });
      }
    };
    if (firewall.defaultAction !== undefined) {
      a.compared.push("network_rules.default_action");
      if (acls.defaultAction !== firewall.defaultAction) {
        a.differences.push({
          message: `The firewall's default action is ${shown(acls.defaultAction, "name")} on the live account, planned "${firewall.defaultAction}".`,
          fix: deployFix(options, "the firewall's default action"),
        });
      }
    }
    const bypass = str(acls.bypass);
    compare("bypass", firewall.bypass, bypass === undefined || bypass === "None" ? [] : bypass.split(/,\s*/), "name", (v) => v.toLowerCase());
    const ipRules = Array.isArray(acls.ipRules) ? acls.ipRules.map((r) => str(field(r, "value")) ?? "") : [];
    // Azure writes a single address without /32.
    compare("ip_rules", firewall.ipRules, ipRules, "ip", (v) => v.replace(/\/32$/, ""));
    const subnets = Array.isArray(acls.virtualNetworkRules) ? acls.virtualNetworkRules.map((r) => str(field(r, "id")) ?? "") : [];
    compare("virtual_network_subnet_ids", firewall.subnetIds, subnets, "armId", (v) => v.toLowerCase());
    const resourceRules = Array.isArray(acls.resourceAccessRules) ? acls.resourceAccessRules : [];
    a.compared.push("network_rules.private_link_access");
    if (resourceRules.length !== (firewall.privateLinkAccess ?? 0)) {
      a.differences.push({
        message: `The firewall lets ${resourceRules.length} resource instance(s) through (private link access), planned ${firewall.privateLinkAccess ?? 0}: ` +
          resourceRules.map((r) => shown(field(r, "resourceId"), "armId")).join(", ") + ".",
        fix: deployFix(options, "the firewall's resource access rules"),
      });
    }
  }
  return a;
}

/** Blob and container soft delete on the blob service. */
function compareSoftDelete(plan: NonNullable<DriftPlan["softDelete"]>, live: Json, options: DriftOptions): Area {
  const a = area("drift-soft-delete");
  const p = isObject(live.properties) ? live.properties : {};
  const check = (what: string, planned: number | undefined, policy: unknown) => {
    if (planned === undefined) return;
    a.compared.push(`${what} soft delete ${planned} day(s)`);
    const enabled = field(policy, "enabled") === true;
    const days = field(policy, "days");
    if (!enabled || days !== planned) {
      a.differences.push({
        message: `${what[0]!.toUpperCase()}${what.slice(1)} soft delete is ${enabled ? `on for ${typeof days === "number" ? days : "an unknown number of"} day(s)` : "off"} on the live account, planned ${planned} day(s): ` +
          "a deleted one cannot be recovered for as long as planned.",
        fix: deployFix(options, `${what} soft delete`),
      });
    }
  };
  check("blob", plan.blobDays, p.deleteRetentionPolicy);
  check("container", plan.containerDays, p.containerDeleteRetentionPolicy);
  return a;
}

/** The planned containers exist with their access level, and no other container is public. */
function compareContainers(plan: DriftPlan, live: readonly unknown[], account: string, options: DriftOptions): Area {
  const a = area("drift-containers");
  const byName = new Map(live.map((c) => [str(field(c, "name")) ?? "", str(field(c, "properties", "publicAccess")) ?? "None"]));
  for (const planned of plan.containers) {
    a.compared.push(`container ${planned.name}`);
    const access = byName.get(planned.name);
    if (access === undefined) {
      a.differences.push({ message: `Container ${planned.name} does not exist.`, fix: deployFix(options, "the container") });
    } else if (planned.publicAccess !== undefined && access !== planned.publicAccess) {
      a.differences.push({
        message: `Container ${planned.name} allows public access ${shown(access, "name")}, planned ${JSON.stringify(planned.publicAccess)}.`,
        fix: deployFix(options, "the container's access level"),
      });
    }
  }
  a.compared.push("no other container public");
  for (const [name, access] of byName) {
    if (plan.containers.some((c) => c.name === name) || access === "None") continue;
    a.differences.push({
      message: `Container ${shown(name, "name")}, not in the stack, allows public access ${shown(access, "name")}.`,
      fix:
        `Make it private: \`az storage container-rm update --storage-account ${account} --name <container> --public-access off\`, ` +
        "after checking who made it public (Activity log).",
    });
  }
  return a;
}

/** The role assignments on the account or below: exactly the planned ones. */
function compareRoleAssignments(
  planned: readonly PlannedRoleAssignment[],
  live: readonly unknown[],
  ids: { application?: string; topic?: string; roleIds: ReadonlyMap<string, string> },
  accountId: string,
  options: DriftOptions,
): Area {
  const a = area("drift-role-assignments");
  const account = accountId.toLowerCase();
  const below = live.filter((r) => {
    const scope = str(field(r, "properties", "scope"))?.toLowerCase();
    return scope !== undefined && (scope === account || scope.startsWith(`${account}/`));
  });
  const liveKeys = below.map((r) => {
    const roleId = /([0-9a-fA-F-]{36})$/.exec(str(field(r, "properties", "roleDefinitionId")) ?? "")?.[1]?.toLowerCase();
    return { r, roleId, scope: str(field(r, "properties", "scope")) ?? "", principal: str(field(r, "properties", "principalId"))?.toLowerCase() };
  });
  const matched = new Set<number>();
  for (const p of planned) {
    const roleId = p.roleId ?? (p.roleName !== undefined ? ids.roleIds.get(p.roleName.toLowerCase()) : undefined);
    const scope = `${accountId}${p.scopePath}`;
    const principal =
      p.principal.kind === "application" ? ids.application : p.principal.kind === "topic" ? ids.topic : p.principal.kind === "literal" ? p.principal.id : undefined;
    a.compared.push(`${p.roleName ?? roleId ?? "a role"} on ${p.scopePath === "" ? "the account" : p.scopePath.split("/").slice(-2).join(" ")}`);
    const index = liveKeys.findIndex(
      (l, i) => !matched.has(i) && l.roleId === roleId && l.scope.toLowerCase() === scope.toLowerCase() && (principal === undefined || l.principal === principal),
    );
    if (index >= 0) {
      matched.add(index);
    } else {
      a.differences.push({
        message: `The planned ${p.roleName ?? roleId} on ${p.scopePath === "" ? "the account" : p.scopePath} for ${p.principal.kind === "literal" ? p.principal.id : p.principal.kind === "application" ? "the application's service principal" : p.principal.kind === "topic" ? "the system topic's identity" : "its principal"} (${p.address}) is not live.`,
        fix: deployFix(options, "the role assignment"),
      });
    }
  }
  liveKeys.forEach((l, i) => {
    if (matched.has(i)) return;
    const roleName = l.roleId !== undefined ? ROLE_NAMES.get(l.roleId) ?? `role ${l.roleId}` : "a role";
    a.differences.push({
      message:
        `${roleName} on ${l.scope.toLowerCase() === account ? "the account" : shown(l.scope.slice(accountId.length), "subject")} for principal ${idOf(field(l.r, "properties", "principalId"))} ` +
        `(${shown(field(l.r, "properties", "principalType"), "name")}) is live but not planned.`,
      fix:
        `If nobody can say why it is there (Activity log), remove it: \`az role assignment delete --ids ${shown(field(l.r, "id"), "armId")}\`. ` +
        "If it is wanted, plan it in the stack (a role assignment there, with a reviewed baseline exception if the guard needs one), so it is seen in review.",
    });
  });
  return a;
}

/** The event subscription's endpoint and filter, and no other subscription on the topic. */
function compareSubscriptions(plan: NonNullable<DriftPlan["eventSubscription"]>, live: readonly unknown[], accountId: string, options: DriftOptions): Area {
  const a = area("drift-event-subscription");
  const mine = live.find((s) => field(s, "name") === plan.name);
  a.compared.push(`subscription ${plan.name}`);
  if (mine === undefined) {
    a.differences.push({ message: `Event subscription ${plan.name} does not exist: no blob notification reaches the queue.`, fix: deployFix(options, "the event subscription") });
  } else {
    const p = isObject(field(mine, "properties")) ? (field(mine, "properties") as Json) : {};
    const withIdentity = field(p, "deliveryWithResourceIdentity");
    const destination = field(withIdentity, "destination") ?? p.destination;
    const differ = (what: string, liveText: string, plannedText: string) =>
      a.differences.push({ message: `Event subscription ${plan.name}, ${what}: ${liveText} live, ${plannedText} planned.`, fix: deployFix(options, `the event subscription's ${what}`) });
    a.compared.push("endpoint", "delivery identity", "event types", "subject filter", "no advanced filter");
    if (field(destination, "endpointType") !== "StorageQueue") differ("the endpoint type", shown(field(destination, "endpointType"), "name"), '"StorageQueue"');
    const resourceId = str(field(destination, "properties", "resourceId"));
    if (resourceId?.toLowerCase() !== accountId.toLowerCase()) differ("the endpoint's storage account", shown(resourceId, "armId"), "the integration's account");
    if (plan.queueName !== undefined && field(destination, "properties", "queueName") !== plan.queueName) {
      differ("the endpoint's queue", shown(field(destination, "properties", "queueName"), "name"), JSON.stringify(plan.queueName));
    }
    if (plan.deliveryIdentity && field(withIdentity, "identity", "type") !== "SystemAssigned") {
      differ("delivery", "without the topic's system-assigned identity", "with it (the storage firewall lets only that through)");
    }
    const filter = isObject(p.filter) ? p.filter : {};
    const types = Array.isArray(filter.includedEventTypes) ? filter.includedEventTypes.map((t) => String(t)) : [];
    if (plan.includedEventTypes !== undefined && [...types].sort().join(",") !== [...plan.includedEventTypes].sort().join(",")) {
      differ("the event types", types.map((t) => shown(t, "eventType")).join(", ") || "all", plan.includedEventTypes.join(", "));
    }
    const begins = str(filter.subjectBeginsWith) ?? "";
    if (plan.subjectBeginsWith !== undefined && begins !== plan.subjectBeginsWith) {
      differ("the subject filter (begins with)", shown(begins, "subject"), JSON.stringify(plan.subjectBeginsWith));
    }
    const ends = str(filter.subjectEndsWith) ?? "";
    if (ends !== (plan.subjectEndsWith ?? "")) differ("the subject filter (ends with)", shown(ends, "subject"), JSON.stringify(plan.subjectEndsWith ?? ""));
    const advanced = Array.isArray(filter.advancedFilters) ? filter.advancedFilters.length : 0;
    if (advanced > 0) differ("advanced filters", `${advanced} filter(s)`, "none");
    if (plan.deadLetterContainer !== undefined) {
      a.compared.push("dead-letter container");
      const deadLetter = field(p, "deadLetterWithResourceIdentity", "deadLetterDestination") ?? p.deadLetterDestination;
      if (field(deadLetter, "properties", "blobContainerName") !== plan.deadLetterContainer || str(field(deadLetter, "properties", "resourceId"))?.toLowerCase() !== accountId.toLowerCase()) {
        differ("the dead-letter destination", shown(field(deadLetter, "properties", "blobContainerName"), "name"), `container ${plan.deadLetterContainer} of the integration's account`);
      }
    }
  }
  a.compared.push("no other subscription");
  for (const other of live) {
    if (field(other, "name") === plan.name) continue;
    const type = field(other, "properties", "deliveryWithResourceIdentity", "destination", "endpointType") ?? field(other, "properties", "destination", "endpointType");
    a.differences.push({
      message: `Event subscription ${shown(field(other, "name"), "name")} on the integration's system topic is not in the stack (endpoint type ${shown(type, "name")}): ` +
        "it receives the account's events.",
      fix: "If nobody can say why it is there (Activity log), delete it: `az eventgrid system-topic event-subscription delete --name <name> " +
        "--system-topic-name <topic> --resource-group <group>`.",
    });
  }
  return a;
}

/** A service principal of an API: its object id, app roles and delegated scopes by value. */
interface ApiPrincipal {
  readonly id?: string;
  readonly roles: ReadonlyMap<string, string>;
  readonly scopes: ReadonlyMap<string, string>;
}

function apiPrincipal(json: unknown): ApiPrincipal {
  const byValue = (list: unknown) =>
    new Map(
      (Array.isArray(list) ? list : []).flatMap((r) => {
        const value = str(field(r, "value"));
        const id = safeId(field(r, "id"));
        return value !== undefined && id !== undefined ? [[value, id.toLowerCase()] as const] : [];
      }),
    );
  const id = safeId(field(json, "id"));
  return { ...(id !== undefined ? { id: id.toLowerCase() } : {}), roles: byValue(field(json, "appRoles")), scopes: byValue(field(json, "oauth2PermissionScopes")) };
}

/** The application's credentials and permissions. */
function compareApplication(
  plan: NonNullable<DriftPlan["application"]>,
  live: { application: Json; federated: readonly unknown[]; servicePrincipal: Json; granted: readonly unknown[]; apis: ReadonlyMap<string, ApiPrincipal> },
  values: Pick<DeployedOutputs, "clientId" | "clientSecretExpiresAt" | "clientSecretPreviousExpiresAt">,
  options: DriftOptions,
): Area {
  const a = area("drift-application");
  const { clientId } = values;
  const redeploy = (what: string) => deployFix(options, what);

  if (plan.signInAudience !== undefined) {
    a.compared.push("sign-in audience");
    if (live.application.signInAudience !== plan.signInAudience) {
      a.differences.push({
        message: `The application's sign-in audience is ${shown(live.application.signInAudience, "name")}, planned "${plan.signInAudience}".`,
        fix: redeploy("the sign-in audience"),
      });
    }
  }

  // Passwords: only the planned slots, one each, with the expiries the deployment wrote.
  a.compared.push(`passwords (${plan.passwordNames.map((n) => JSON.stringify(n)).join(", ") || "none"})`);
  const passwords = Array.isArray(live.application.passwordCredentials) ? live.application.passwordCredentials : [];
  const seen = new Map<string, number>();
  for (const password of passwords) {
    const name = str(field(password, "displayName")) ?? "";
    const keyId = idOf(field(password, "keyId"));
    seen.set(name, (seen.get(name) ?? 0) + 1);
    if (!plan.passwordNames.includes(name)) {
      a.differences.push({
        message: `The application has a password that is not one of its slots: ${shown(name, "name")} (key id ${keyId}, expires ${shown(field(password, "endDateTime"), "date")}).`,
        fix: `Whoever holds it can sign in as the integration. If nobody can say why it is there (Entra audit log), delete it: \`az ad app credential delete --id ${clientId} --key-id ${keyId}\`.`,
      });
    } else if (seen.get(name) === 2) {
      a.differences.push({
        message: `The application has two passwords named ${JSON.stringify(name)}: one of them is not the integration's (key ids ${passwords
          .filter((p) => field(p, "displayName") === name)
          .map((p) => idOf(field(p, "keyId")))
          .join(", ")}).`,
        fix: `Keep the one in Terraform state (terraform state show the slot's azuread_application_password: key_id) and delete the other: \`az ad app credential delete --id ${clientId} --key-id <key id>\`.`,
      });
    }
  }
  const expiries = [values.clientSecretExpiresAt, values.clientSecretPreviousExpiresAt].filter((d): d is string => d !== undefined).map((d) => Date.parse(d));
  if (expiries.length === 2 && expiries.every((d) => !Number.isNaN(d))) {
    a.compared.push("the slots' expiries");
    for (const password of passwords) {
      const end = Date.parse(str(field(password, "endDateTime")) ?? "");
      if (plan.passwordNames.includes(str(field(password, "displayName")) ?? "") && !expiries.includes(end)) {
        a.differences.push({
          message: `The password ${shown(field(password, "displayName"), "name")} (key id ${idOf(field(password, "keyId"))}) expires ${shown(field(password, "endDateTime"), "date")}, ` +
            "not when the deployed slots do: it was made outside Terraform.",
          fix: `Delete it (\`az ad app credential delete --id ${clientId} --key-id <key id>\`) and ${redeploy("the slot").replace(/^Run/, "run")}`,
        });
      }
    }
  }

  a.compared.push(`certificates (${plan.certificates})`);
  const certificates = Array.isArray(live.application.keyCredentials) ? live.application.keyCredentials : [];
  if (certificates.length > plan.certificates) {
    for (const certificate of certificates) {
      const keyId = idOf(field(certificate, "keyId"));
      a.differences.push({
        message: `The application has a certificate credential that is not planned: ${shown(field(certificate, "displayName"), "name")} (key id ${keyId}).`,
        fix: `Whoever holds its private key can sign in as the integration. If nobody can say why it is there, delete it: \`az ad app credential delete --id ${clientId} --key-id ${keyId} --cert\`.`,
      });
    }
  }

  a.compared.push("federated credentials");
  for (const credential of live.federated) {
    const name = str(field(credential, "name")) ?? "";
    if (plan.federatedCredentials.includes(name)) continue;
    a.differences.push({
      message: `The application trusts a federated credential that is not planned: ${shown(name, "name")} (issuer ${shown(field(credential, "issuer"), "subject")}, ` +
        `subject ${shown(field(credential, "subject"), "subject")}).`,
      fix: `A workload of that issuer can sign in as the integration, no secret needed. If nobody can say why it is there, delete it: ` +
        `\`az ad app federated-credential delete --id ${clientId} --federated-credential-id ${idOf(field(credential, "id"))}\`.`,
    });
  }

  a.compared.push("the service principal's credentials");
  for (const kind of ["passwordCredentials", "keyCredentials"] as const) {
    const credentials = Array.isArray(live.servicePrincipal[kind]) ? (live.servicePrincipal[kind] as unknown[]) : [];
    for (const credential of credentials) {
      const keyId = idOf(field(credential, "keyId"));
      a.differences.push({
        message: `The application's service principal has a ${kind === "passwordCredentials" ? "password" : "certificate"} of its own (key id ${keyId}): the integration plans none there.`,
        fix: `Delete it: \`az ad sp credential delete --id ${clientId} --key-id ${keyId}${kind === "keyCredentials" ? " --cert" : ""}\`.`,
      });
    }
  }

  const resolve = (permission: PlannedPermission): string | undefined => {
    if (permission.id !== undefined) return permission.id;
    const api = live.apis.get(permission.resourceAppId);
    return permission.value !== undefined ? (permission.type === "Role" ? api?.roles : api?.scopes)?.get(permission.value) : undefined;
  };
  const label = (p: PlannedPermission) => `${p.value ?? p.id} (${p.type === "Role" ? "application" : "delegated"}) of API ${p.resourceAppId}`;

  if (plan.requiredResourceAccess !== undefined) {
    a.compared.push("API permissions asked for");
    const planned = new Map(plan.requiredResourceAccess.map((p) => [`${p.resourceAppId}|${p.type}|${resolve(p) ?? p.value}`, p]));
    const access = Array.isArray(live.application.requiredResourceAccess) ? live.application.requiredResourceAccess : [];
    const liveKeys = new Set<string>();
    for (const entry of access) {
      const api = str(field(entry, "resourceAppId"))?.toLowerCase() ?? "";
      for (const item of Array.isArray(field(entry, "resourceAccess")) ? (field(entry, "resourceAccess") as unknown[]) : []) {
        const key = `${api}|${str(field(item, "type")) ?? ""}|${str(field(item, "id"))?.toLowerCase() ?? ""}`;
        liveKeys.add(key);
        if (!planned.has(key)) {
          a.differences.push({
            message: `The application asks for an API permission that is not planned: ${idOf(field(item, "id"))} (${shown(field(item, "type"), "name")}) of API ${idOf(api)}.`,
            fix: redeploy("the application's API permissions (required_resource_access)"),
          });
        }
      }
    }
    for (const [key, p] of planned) {
      if (!liveKeys.has(key)) a.differences.push({ message: `The application no longer asks for ${label(p)}.`, fix: redeploy("the application's API permissions") });
    }
  }

  a.compared.push("API permissions granted");
  const grantedKeys = new Map(
    plan.grantedRoles.map((p) => [`${live.apis.get(p.resourceAppId)?.id ?? "?"}|${resolve(p) ?? "?"}`, p]),
  );
  const liveGranted = new Set<string>();
  for (const grant of live.granted) {
    const key = `${str(field(grant, "resourceId"))?.toLowerCase() ?? ""}|${str(field(grant, "appRoleId"))?.toLowerCase() ?? ""}`;
    liveGranted.add(key);
    if (!grantedKeys.has(key)) {
      a.differences.push({
        message: `The application's service principal holds an application permission that is not planned: role ${idOf(field(grant, "appRoleId"))} of ` +
          `${shown(field(grant, "resourceDisplayName"), "name")} (service principal ${idOf(field(grant, "resourceId"))}), granted ${shown(field(grant, "createdDateTime"), "date")}.`,
        fix: `If nobody can say why (Entra audit log), remove it: \`az rest --method DELETE --url ${options.graphEndpoint}/v1.0/servicePrincipals/${idOf(live.servicePrincipal.id)}/appRoleAssignments/${shown(field(grant, "id"), "key")}\`.`,
      });
    }
  }
  for (const [key, p] of grantedKeys) {
    if (!liveGranted.has(key)) {
      a.differences.push({ message: `The admin consent for ${label(p)} is not live.`, fix: redeploy("the consent (it needs an identity that may grant it: see the README's rights)") });
    }
  }
  return a;
}

// ---- Entry point ------------------------------------------------------------------------------

/** Why a token could not be had, in safe fields only. */
function signInProblem(error: unknown): string {
  const network = networkProblem(error);
  if (network !== undefined) return network;
  const fields: SafeFailure = tokenFailure(rawErrorText(error));
  const text = describeFailure(fields);
  const name = error instanceof Error && /^[A-Za-z]{1,40}$/.test(error.name) ? error.name : "an error";
  return `${name}${text !== "" ? ` (${text})` : ""}`;
}

/**
 * Compares what is live with `plan`, reading with `options.credential`. Never throws for what it
 * finds: each difference, and each area it could not read, is a failed check.
 */
export async function checkDrift(plan: DriftPlan, values: DeployedOutputs, options: DriftOptions): Promise<CheckResult[]> {
  const armScope = `${new URL(options.armEndpoint).origin}/.default`;
  const graphScope = `${new URL(options.graphEndpoint).origin}/.default`;
  const later = DRIFT_CHECK_IDS.filter((id) => id !== "drift-sign-in");
  for (const scope of [armScope, graphScope]) {
    try {
      const token = await options.credential.getToken(scope, { abortSignal: AbortSignal.timeout(options.timeoutMs * 2) });
      if (token === null) throw new Error("no token");
    } catch (error) {
      return [
        fail(
          "drift-sign-in",
          `No token for ${new URL(scope).host} with your Azure credentials: ${signInProblem(error)}.`,
          "--drift reads with your own identity, not the integration's: sign in (`az login`), or set up a workload or managed identity " +
            "(AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE in a pipeline). It needs Reader on the storage account and the " +
            "system topic, and to read the application in Microsoft Graph (docs/scheduled-verify.md).",
        ),
        ...later.map((id) => skip(id, "skipped: no token for your Azure identity (see the sign-in check).")),
      ];
    }
  }
  // What the stack writes as an expression (a variable, a function) is not known here: said once.
  const notCompared = plan.notCompared.length > 0 ? ` Not compared, as the stack does not write them as literals: ${plan.notCompared.join("; ")}.` : "";
  const results: CheckResult[] = [
    pass("drift-sign-in", `Signed in with your own Azure credentials for Resource Manager and Microsoft Graph (read-only).${notCompared}`),
  ];
  const arm = restClient({ endpoint: options.armEndpoint, scope: armScope, credential: options.credential, timeoutMs: options.timeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
  const graph = restClient({ endpoint: `${options.graphEndpoint}/v1.0`, scope: graphScope, credential: options.credential, timeoutMs: options.timeoutMs, ...(options.tls ? { tls: options.tls } : {}) });
  const accountId = values.storageAccountId;
  const parts = accountIdParts(accountId);
  if (parts === undefined) {
    return [
      ...results,
      ...later.map((id) => fail(id, "The deployed storage_account_id is not a storage account's Resource Manager id.", "Check the storage_account_id output; deploy again if it is wrong.")),
    ];
  }
  const accountRights = "Reader on the storage account";

  const [account, blobService, containers, assignments, topic, subscriptions, app] = await Promise.all([
    arm.get(`${accountId}?${STORAGE_API}`),
    plan.softDelete !== undefined ? arm.get(`${accountId}/blobServices/default?${STORAGE_API}`) : Promise.resolve(undefined),
    arm.list(`${accountId}/blobServices/default/containers?${STORAGE_API}`),
    // No filter: the assignments at, above and below the account ("List Azure role assignments
    // using the REST API"); those above it are left out below.
    arm.list(`${accountId}/providers/Microsoft.Authorization/roleAssignments?${AUTHORIZATION_API}`),
    plan.systemTopic !== undefined ? arm.get(`${topicPath(parts, plan.systemTopic)}?${EVENT_GRID_API}`) : Promise.resolve(undefined),
    plan.systemTopic !== undefined ? arm.list(`${topicPath(parts, plan.systemTopic)}/eventSubscriptions?${EVENT_GRID_API}`) : Promise.resolve(undefined),
    readApplication(graph, values.clientId, plan),
  ]);

  // Storage account.
  if (account.status === 200 && isObject(account.json)) {
    results.push(...resultsOf(compareAccount(plan, account.json, options)));
  } else {
    results.push(unreadable("drift-storage-account", `storage account ${values.storageAccountName}`, "arm", account, accountRights, options));
  }

  if (plan.softDelete === undefined || blobService === undefined) {
    results.push(skip("drift-soft-delete", "Not planned: the synthesized stack asks for no blob or container soft delete."));
  } else if (blobService.status === 200 && isObject(blobService.json)) {
    results.push(...resultsOf(compareSoftDelete(plan.softDelete, blobService.json, options)));
  } else {
    results.push(unreadable("drift-soft-delete", "the blob service's properties", "arm", blobService, accountRights, options));
  }

  results.push(
    ...(containers.ok
      ? resultsOf(compareContainers(plan, containers.items, values.storageAccountName, options))
      : [unreadable("drift-containers", "the account's containers", "arm", containers.answer, accountRights, options)]),
  );

  const topicPrincipal = topic?.status === 200 ? safeId(field(topic.json, "identity", "principalId"))?.toLowerCase() : undefined;
  if (!assignments.ok) {
    results.push(unreadable("drift-role-assignments", "the role assignments on the account", "arm", assignments.answer, accountRights, options));
  } else {
    const roleIds = await roleDefinitionIds(arm, accountId, plan.roleAssignments);
    const applicationPrincipal = app.ok ? safeId(app.servicePrincipal.id)?.toLowerCase() : undefined;
    const ids = { roleIds, ...(applicationPrincipal !== undefined ? { application: applicationPrincipal } : {}), ...(topicPrincipal !== undefined ? { topic: topicPrincipal } : {}) };
    results.push(...resultsOf(compareRoleAssignments(plan.roleAssignments, assignments.items, ids, accountId, options)));
  }

  if (plan.systemTopic === undefined || plan.eventSubscription === undefined || topic === undefined || subscriptions === undefined) {
    results.push(skip("drift-event-subscription", "Not compared: the synthesized stack has no event subscription of this account whose name is a literal."));
  } else if (topic.status === 404) {
    results.push(fail("drift-event-subscription", `System topic ${plan.systemTopic.name} does not exist: no blob notification reaches the queue.`, deployFix(options, "the system topic")));
  } else if (topic.status !== 200) {
    results.push(unreadable("drift-event-subscription", `system topic ${plan.systemTopic.name}`, "arm", topic, "Reader on the system topic (or its resource group)", options));
  } else if (!subscriptions.ok) {
    results.push(unreadable("drift-event-subscription", "the system topic's event subscriptions", "arm", subscriptions.answer, "Reader on the system topic (or its resource group)", options));
  } else {
    results.push(...resultsOf(compareSubscriptions(plan.eventSubscription, subscriptions.items, accountId, options)));
  }

  if (plan.application === undefined) {
    results.push(skip("drift-application", "Not compared: the synthesized stack names no application for this integration."));
  } else if (!app.ok) {
    results.push(unreadable("drift-application", `application ${values.clientId} in Microsoft Graph`, "graph", app.answer, "the right to read the application (Application.Read.All, or a directory role that reads applications)", options));
  } else {
    results.push(...resultsOf(compareApplication(plan.application, app, values, options)));
  }

  return results;
}

function topicPath(parts: { subscription: string; resourceGroup: string }, topic: NonNullable<DriftPlan["systemTopic"]>): string {
  const group = topic.resourceGroupName ?? parts.resourceGroup;
  return `/subscriptions/${parts.subscription}/resourceGroups/${encodeURIComponent(group)}/providers/Microsoft.EventGrid/systemTopics/${encodeURIComponent(topic.name)}`;
}

/** Role definition ids of the planned role names that are not built-in roles the integration knows, looked up at the account. */
async function roleDefinitionIds(arm: RestClient, accountId: string, planned: readonly PlannedRoleAssignment[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const unknown = [...new Set(planned.filter((p) => p.roleId === undefined && p.roleName !== undefined).map((p) => p.roleName!))];
  await Promise.all(
    unknown.map(async (name) => {
      const filter = encodeURIComponent(`roleName eq '${name.replace(/'/g, "''")}'`);
      const answer = await arm.get(`${accountId}/providers/Microsoft.Authorization/roleDefinitions?$filter=${filter}&${AUTHORIZATION_API}`);
      const id = safeId(field(Array.isArray(field(answer.json, "value")) ? (field(answer.json, "value") as unknown[])[0] : undefined, "name"));
      if (id !== undefined) ids.set(name.toLowerCase(), id.toLowerCase());
    }),
  );
  return ids;
}

type ApplicationRead =
  | { readonly ok: true; readonly application: Json; readonly federated: readonly unknown[]; readonly servicePrincipal: Json; readonly granted: readonly unknown[]; readonly apis: ReadonlyMap<string, ApiPrincipal> }
  | { readonly ok: false; readonly answer: RestAnswer };

/** The application, its federated credentials, its service principal and what is granted to it, and the APIs the plan names. */
async function readApplication(graph: RestClient, clientId: string, plan: DriftPlan): Promise<ApplicationRead> {
  const appId = encodeURIComponent(clientId);
  const [application, servicePrincipal] = await Promise.all([
    graph.get(`/applications(appId='${appId}')?$select=id,appId,signInAudience,passwordCredentials,keyCredentials,requiredResourceAccess`),
    graph.get(`/servicePrincipals(appId='${appId}')?$select=id,appId,passwordCredentials,keyCredentials`),
  ]);
  if (application.status !== 200 || !isObject(application.json)) return { ok: false, answer: application };
  if (servicePrincipal.status !== 200 || !isObject(servicePrincipal.json)) return { ok: false, answer: servicePrincipal };
  const objectId = safeId(application.json.id);
  const principalId = safeId(servicePrincipal.json.id);
  if (objectId === undefined || principalId === undefined) return { ok: false, answer: application };
  const apiIds = new Set([...(plan.application?.requiredResourceAccess ?? []), ...(plan.application?.grantedRoles ?? [])].map((p) => p.resourceAppId));
  const [federated, granted, ...apis] = await Promise.all([
    graph.list(`/applications/${objectId}/federatedIdentityCredentials`),
    graph.list(`/servicePrincipals/${principalId}/appRoleAssignments`),
    ...[...apiIds].map((id) => graph.get(`/servicePrincipals(appId='${encodeURIComponent(id)}')?$select=id,appId,appRoles,oauth2PermissionScopes`)),
  ]);
  if (!federated.ok) return { ok: false, answer: federated.answer };
  if (!granted.ok) return { ok: false, answer: granted.answer };
  const apiMap = new Map([...apiIds].map((id, i) => [id, apiPrincipal(apis[i]?.status === 200 ? apis[i]!.json : undefined)]));
  return { ok: true, application: application.json, federated: federated.items, servicePrincipal: servicePrincipal.json, granted: granted.items, apis: apiMap };
}
