/**
 * The discovery behind `npm run adopt -- <env>`: finds, with the caller's read access to
 * Microsoft Graph and Azure Resource Manager, the objects a hand-made setup (ColorTokens' guide)
 * left for an environment, and compares each with what the library plans for it.
 *
 * - A resource found exactly once gets its import id (built in the form the provider's importer
 *   parses, never copied from a service's answer, whose casing varies).
 * - One not found is created by the first apply.
 * - Several candidates (applications of one display name, subscriptions delivering to the
 *   queue): none is adopted; the report says which flag picks one.
 * - Blocked: it exists, but importing it under the environment's settings would replace it with
 *   its data (another resource group or region, another queue name): the report says which
 *   setting to change.
 *
 * Every difference from the plan is listed with what the first plan does about it: `update` in
 * place, `replace` (destroy and create again: the provider marks the attribute ForceNew), or
 * `outside` Terraform (a hand-made object the plan does not hold, left as it is: remove it by hand).
 * The provider's reading of each ARM attribute (its defaults for absent values) is that of
 * azurerm 4.55.0 internal/services/storage/storage_account_resource.go, read function.
 *
 * Pure apart from the two REST clients: no console, no files.
 */
import { ADOPTION_TABLE, adoptionIds, adoptionProblems, type AdoptionField, type IntegrationAdoption, NOT_ADOPTABLE } from "../lib/adoption";
import { DEAD_LETTER_CONTAINER_NAME, DEFENDER_API_CLIENT_ID, MACHINE_READ_ALL, NETWORK_EVENTS_CONTAINER_NAME, ROLES } from "../lib/constants";
import type { EnvironmentPlan } from "./adopt-plan";
import { type AzureRest, isJson, type Json } from "./azure-rest";

/** A report line's subject: an adoption field, or one operator's assignment. */
export type Subject = AdoptionField | `streamingApiOperatorAssignments.${string}`;

/** What became of one resource the library plans. */
export interface Finding {
  readonly subject: Subject;
  /** `found` (adopted: `id` is written), `missing` (created), `candidates` (several: none adopted), `blocked` (exists, not adopted: change a setting). */
  readonly status: "found" | "missing" | "candidates" | "blocked";
  /** What was looked for, and what was found. */
  readonly message: string;
  /** The import id written, when found. */
  readonly id?: string;
  /** The Terraform address the id is imported at, when found. */
  readonly address?: string;
  /** For candidates: each one, and for candidates and blocked: what to do. */
  readonly candidates?: readonly string[];
  readonly fix?: string;
}

/** How the first plan treats a difference between what exists and the plan. */
export type Effect = "update" | "replace" | "outside";

/** One difference between what exists and the library's plan. */
export interface Difference {
  readonly subject: Subject;
  readonly effect: Effect;
  /** The Terraform attribute (or, for `outside`, the object) that differs. */
  readonly attribute: string;
  /** What exists, as Terraform reads it. */
  readonly existing: string;
  /** What the plan writes. */
  readonly planned: string;
  /** The consequence, or what to do by hand. */
  readonly note?: string;
}

/** What `npm run adopt` found for one environment. */
export interface AdoptReport {
  readonly environment: string;
  readonly subscriptionId: string;
  /** The record written to `adopt/<env>.json`. */
  readonly adoption: IntegrationAdoption;
  readonly findings: readonly Finding[];
  readonly differences: readonly Difference[];
  /** What is never adopted, and why. */
  readonly notAdoptable: readonly string[];
}

/** Options of {@link discover}. */
export interface DiscoverOptions {
  readonly graph: AzureRest;
  readonly arm: AzureRest;
  /** The subscription the environment deploys to. */
  readonly subscriptionId: string;
  /** `--client-id`: the application's client id; else it is looked up by display name. */
  readonly clientId?: string;
  /** `--display-name`: the name to look the application up by, instead of applicationDisplayName. */
  readonly displayName?: string;
  /** `--event-subscription`: which of several subscriptions delivering to the queue to adopt. */
  readonly eventSubscriptionName?: string;
  /** The caller's object id (the owner the first apply sets, when the same identity applies). */
  readonly callerObjectId?: string;
}

const STORAGE_API = { "api-version": "2023-05-01" };
const EVENT_GRID_API = { "api-version": "2025-02-15" };
const AUTHORIZATION_API = { "api-version": "2022-04-01" };
const RESOURCES_API = { "api-version": "2021-04-01" };

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const obj = (value: unknown): Json => (isJson(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] => list(value).filter((v): v is string => typeof v === "string");
/** A value the plan writes as a reference to another resource (`${…}`): known only when Terraform plans. */
const isReference = (value: unknown): boolean => typeof value === "string" && value.includes("${");
const shown = (value: unknown): string => (value === undefined || value === null ? "not set" : JSON.stringify(value));
const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a.map((s) => s.toLowerCase()));
  const right = new Set(b.map((s) => s.toLowerCase()));
  return left.size === right.size && [...left].every((s) => right.has(s));
};
const quoteOData = (value: string): string => `'${value.replace(/'/g, "''")}'`;
/** The last segment of an ARM id and, by name, the ones before it (matched case-insensitively, as ARM does). */
function armSegment(id: string, name: string): string | undefined {
  const segments = id.split("/");
  const at = segments.findIndex((s) => s.toLowerCase() === name.toLowerCase());
  return at >= 0 ? segments[at + 1] : undefined;
}
const roleIdOf = (roleDefinitionId: string): string => (roleDefinitionId.split("/").pop() ?? "").toLowerCase();
const normalizeLocation = (location: string): string => location.replace(/\s/g, "").toLowerCase();

/** Collects the report as discovery goes. */
class Report {
  public constructor(private readonly plan: EnvironmentPlan) {}

  public readonly findings: Finding[] = [];
  public readonly differences: Difference[] = [];
  public readonly adoption: { -readonly [F in keyof IntegrationAdoption]: IntegrationAdoption[F] } = {};

  public found(subject: Subject, id: string, message: string): void {
    if (subject.startsWith("streamingApiOperatorAssignments.")) {
      const objectId = subject.slice("streamingApiOperatorAssignments.".length);
      this.adoption.streamingApiOperatorAssignments = { ...this.adoption.streamingApiOperatorAssignments, [objectId]: id };
      this.findings.push({ subject, status: "found", message, id, address: this.plan.operatorAddresses[objectId] ?? "" });
    } else {
      this.adoption[subject as AdoptionField] = id;
      this.findings.push({ subject, status: "found", message, id, address: this.plan.addresses[subject as AdoptionField] ?? "" });
    }
  }

  public missing(subject: Subject, message: string, fix?: string): void {
    this.findings.push({ subject, status: "missing", message, ...(fix !== undefined ? { fix } : {}) });
  }

  public candidates(subject: Subject, message: string, candidates: readonly string[], fix: string): void {
    this.findings.push({ subject, status: "candidates", message, candidates, fix });
  }

  public blocked(subject: Subject, message: string, fix: string): void {
    this.findings.push({ subject, status: "blocked", message, fix });
  }

  public differ(subject: Subject, effect: Effect, attribute: string, existing: string, planned: string, note?: string): void {
    this.differences.push({ subject, effect, attribute, existing, planned, ...(note !== undefined ? { note } : {}) });
  }

  /** Compares one attribute the plan writes with what exists; references and absent plans are skipped. */
  public compare(subject: Subject, attribute: string, existing: unknown, planned: unknown, forcesNew: boolean, note?: string): void {
    if (planned === undefined || isReference(planned) || JSON.stringify(existing) === JSON.stringify(planned)) {
      return;
    }
    this.differ(subject, forcesNew ? "replace" : "update", attribute, shown(existing), shown(planned), note);
  }

  /** Tags: the plan writes exactly its tags (none when it has none), removing the others. */
  public compareTags(subject: Subject, existing: unknown, planned: unknown): void {
    if (isReference(planned)) {
      return;
    }
    const have = obj(existing);
    const want = obj(planned);
    const keys = (o: Json) => Object.keys(o).sort();
    if (JSON.stringify(keys(have).map((k) => [k, have[k]])) !== JSON.stringify(keys(want).map((k) => [k, want[k]]))) {
      this.differ(subject, "update", "tags", shown(existing ?? {}), shown(planned ?? {}), "the tags become exactly the planned ones");
    }
  }
}

/** What was found of the application side, for the role assignments and the operators. */
interface Principals {
  /** The application's service principal, when exactly one was found. */
  readonly application?: string;
  /** The system topic's system-assigned identity, when the topic was found with one. */
  readonly topic?: string;
}

/**
 * Finds every adoptable object of the environment and compares it with the plan.
 *
 * @throws AzureRestError when Graph or ARM refuses a request (no access), which the CLI reports
 */
export async function discover(plan: EnvironmentPlan, options: DiscoverOptions): Promise<AdoptReport> {
  const report = new Report(plan);
  const subscriptionId = options.subscriptionId.toLowerCase();
  const application = await discoverApplication(plan, options, report);
  const storage = await discoverStorage(plan, options, subscriptionId, report);
  await discoverRoleAssignments(plan, options, report, storage, { application: application.servicePrincipalId, topic: storage?.topicPrincipal });
  const adoption = report.adoption;
  const problems = adoptionProblems(adoption, {
    planned: {
      subscriptionId,
      resourceGroupName: plan.config.resourceGroupName,
      storageAccountName: plan.config.storageAccountName,
      queueName: plan.config.queueName,
      createResourceGroup: plan.config.createResourceGroup,
      streamingApiOperatorObjectIds: plan.config.streamingApiOperatorObjectIds,
    },
  });
  if (problems.length > 0) {
    // Every id is built from its parts, so this is a bug here, never the user's: say so, write nothing.
    throw new Error(`the import ids found do not validate (please report this): ${problems.join(" ")}`);
  }
  const order = (subject: Subject) => Object.keys(ADOPTION_TABLE).indexOf(subject.split(".")[0]!);
  return {
    environment: plan.environment,
    subscriptionId,
    adoption: ordered(adoption),
    findings: [...report.findings].sort((a, b) => order(a.subject) - order(b.subject)),
    differences: report.differences,
    notAdoptable: [NOT_ADOPTABLE.clientSecrets, NOT_ADOPTABLE.rolePropagationWait],
  };
}

/** The record's fields in the table's order (the file reads the same on every run). */
function ordered(adoption: IntegrationAdoption): IntegrationAdoption {
  const result: { [key: string]: unknown } = {};
  for (const field of Object.keys(ADOPTION_TABLE) as (keyof IntegrationAdoption)[]) {
    if (adoption[field] !== undefined) {
      result[field] = adoption[field];
    }
  }
  return result as IntegrationAdoption;
}

// ---------------------------------------------------------------------------------------------
// Entra ID: the application, its service principal, the consent
// ---------------------------------------------------------------------------------------------

async function discoverApplication(plan: EnvironmentPlan, options: DiscoverOptions, report: Report): Promise<{ servicePrincipalId?: string }> {
  const { graph } = options;
  const defender = (
    await graph.list("/v1.0/servicePrincipals", { $filter: `appId eq ${quoteOData(DEFENDER_API_CLIENT_ID)}`, $select: "id,appId,displayName,appRoles" })
  )[0];
  const machineReadAll = defender === undefined ? undefined : list(defender.appRoles).map(obj).find((r) => r.value === MACHINE_READ_ALL);

  const select = "id,appId,displayName,signInAudience,notes,requiredResourceAccess,passwordCredentials,keyCredentials,identifierUris,web,spa,publicClient,appRoles,api,createdDateTime";
  // Graph writes ids in lowercase.
  const clientId = options.clientId?.toLowerCase();
  const byClientId = clientId !== undefined;
  const displayName = options.displayName ?? plan.config.applicationDisplayName;
  const looked = byClientId ? `client id ${clientId}` : `display name ${JSON.stringify(displayName)}`;
  const apps = await graph.list("/v1.0/applications", {
    $filter: clientId !== undefined ? `appId eq ${quoteOData(clientId)}` : `displayName eq ${quoteOData(displayName)}`,
    $select: select,
  });
  const dependents: Subject[] = ["servicePrincipal", "machineReadConsent"];
  if (apps.length === 0) {
    report.missing(
      "application",
      `No application with ${looked}: the first apply registers one (a new client id and secret to enter in Xshield).`,
      byClientId
        ? "Check the client id Xshield uses (Xshield > Settings > Integrations > EDR > Microsoft Defender) and that you are signed in to its tenant."
        : "If Xshield already uses an application, give its client id: --client-id <client id> (or --display-name <its name>).",
    );
    for (const subject of dependents) report.missing(subject, "Not looked up: no application was adopted; created with the new one.");
    return {};
  }
  if (apps.length > 1) {
    report.candidates(
      "application",
      `${apps.length} applications with ${looked}; none is adopted.`,
      apps.map((a) => `client id ${str(a.appId)} (object id ${str(a.id)}, created ${str(a.createdDateTime) ?? "at an unknown date"})`),
      "Pick the one Xshield uses: npm run adopt -- " + `${plan.environment} --client-id <client id>.`,
    );
    for (const subject of dependents) report.missing(subject, "Not looked up: the application is not chosen yet (see its candidates).");
    return {};
  }
  const app = apps[0]!;
  const objectId = str(app.id)!.toLowerCase();
  const appId = str(app.appId)!;
  report.found("application", adoptionIds.application(objectId), `Application ${JSON.stringify(str(app.displayName))}, client id ${appId}.`);
  compareApplication(plan, report, app, machineReadAll);
  const owners = (await graph.list(`/v1.0/applications/${objectId}/owners`, { $select: "id" })).map((o) => str(o.id)!.toLowerCase());
  compareOwners(plan, options, report, "application", owners);

  const principals = await graph.list("/v1.0/servicePrincipals", { $filter: `appId eq ${quoteOData(appId)}`, $select: "id,appId,displayName,passwordCredentials,keyCredentials" });
  const principal = principals[0];
  if (principal === undefined) {
    report.missing("servicePrincipal", `Application ${appId} has no service principal in this tenant: the first apply creates it.`);
    report.missing("machineReadConsent", `Not consented (no service principal): the first apply grants ${MACHINE_READ_ALL}, which needs an Entra admin role (README, Rights).`);
    return {};
  }
  const principalId = str(principal.id)!.toLowerCase();
  report.found("servicePrincipal", adoptionIds.servicePrincipal(principalId), `Its service principal, object id ${principalId}.`);
  const principalOwners = (await graph.list(`/v1.0/servicePrincipals/${principalId}/owners`, { $select: "id" })).map((o) => str(o.id)!.toLowerCase());
  compareOwners(plan, options, report, "servicePrincipal", principalOwners);
  for (const [kind, what] of [
    ["passwordCredentials", "client secret"],
    ["keyCredentials", "certificate"],
  ] as const) {
    for (const credential of list(principal[kind]).map(obj)) {
      report.differ("servicePrincipal", "outside", `service principal ${what} ${JSON.stringify(str(credential.displayName) ?? "")}`, `key id ${str(credential.keyId)}`, "none",
        `a credential of the service principal itself, which the plan does not hold (SecretLifetime allows only the construct's secrets): delete it once Xshield uses the new secret.`);
    }
  }

  const assignments = await graph.list(`/v1.0/servicePrincipals/${principalId}/appRoleAssignments`);
  const defenderId = str(defender?.id)?.toLowerCase();
  const roleId = str(machineReadAll?.id)?.toLowerCase();
  const consent = assignments.find((a) => str(a.resourceId)?.toLowerCase() === defenderId && str(a.appRoleId)?.toLowerCase() === roleId);
  if (defender === undefined || roleId === undefined) {
    report.missing("machineReadConsent", "The WindowsDefenderATP service principal (or its Machine.Read.All role) is not in this tenant: MDE is not onboarded, and the first plan fails on data.azuread_service_principal until it is.");
  } else if (consent === undefined) {
    report.missing("machineReadConsent", `${MACHINE_READ_ALL} is not consented to the service principal: the first apply grants it (admin consent; README, Rights).`);
  } else {
    report.found("machineReadConsent", adoptionIds.appRoleAssignment(defenderId!, str(consent.id)!), `Admin consent to ${MACHINE_READ_ALL} on WindowsDefenderATP.`);
  }
  for (const other of assignments.filter((a) => a !== consent)) {
    report.differ("machineReadConsent", "outside", "app role assignment", `${str(other.resourceDisplayName) ?? str(other.resourceId)}: app role ${str(other.appRoleId)}`, `${MACHINE_READ_ALL} only`,
      `consented outside the plan and left as it is by the first apply; remove it: az rest --method DELETE --url https://graph.microsoft.com/v1.0/servicePrincipals/${principalId}/appRoleAssignments/${str(other.id)}`);
  }
  return { servicePrincipalId: principalId };
}

function compareApplication(plan: EnvironmentPlan, report: Report, app: Json, machineReadAll: Json | undefined): void {
  const planned = plan.resources.application ?? {};
  report.compare("application", "display_name", str(app.displayName), planned.display_name, false);
  report.compare("application", "sign_in_audience", str(app.signInAudience), planned.sign_in_audience, false, "the application becomes single-tenant (SingleTenantApplication)");
  report.compare("application", "notes", str(app.notes) ?? null, planned.notes, false);
  const access = list(app.requiredResourceAccess).map(obj);
  const exact =
    access.length === 1 &&
    str(access[0]!.resourceAppId)?.toLowerCase() === DEFENDER_API_CLIENT_ID &&
    list(access[0]!.resourceAccess).length === 1 &&
    str(obj(list(access[0]!.resourceAccess)[0]).id)?.toLowerCase() === str(machineReadAll?.id)?.toLowerCase() &&
    obj(list(access[0]!.resourceAccess)[0]).type === "Role";
  if (!exact) {
    const existing = access.map((a) => `${str(a.resourceAppId)}: ${list(a.resourceAccess).map(obj).map((r) => `${str(r.type)} ${str(r.id)}`).join(", ")}`).join("; ") || "none";
    report.differ("application", "update", "required_resource_access", existing, `WindowsDefenderATP: Role ${MACHINE_READ_ALL}`,
      "the application asks for exactly Machine.Read.All; a consent already granted for another permission is not revoked by this (see the consent lines)");
  }
  const removed: [string, unknown[]][] = [
    ["identifier_uris", list(app.identifierUris)],
    ["web.redirect_uris", list(obj(app.web).redirectUris)],
    ["single_page_application.redirect_uris", list(obj(app.spa).redirectUris)],
    ["public_client.redirect_uris", list(obj(app.publicClient).redirectUris)],
    ["app_role", list(app.appRoles)],
    ["api.oauth2_permission_scope", list(obj(app.api).oauth2PermissionScopes)],
  ];
  for (const [attribute, values] of removed) {
    if (values.length > 0) {
      report.differ("application", "update", attribute, shown(values.map((v) => (isJson(v) ? str(v.value) ?? str(v.id) : v))), "none", "removed: the library configures none");
    }
  }
  for (const [kind, what] of [
    ["passwordCredentials", "client secret"],
    ["keyCredentials", "certificate"],
  ] as const) {
    for (const credential of list(app[kind]).map(obj)) {
      report.differ("application", "outside", `hand-made ${what} ${JSON.stringify(str(credential.displayName) ?? "")}`, `key id ${str(credential.keyId)}, expires ${str(credential.endDateTime) ?? "never"}`, "slots A and B",
        what === "client secret"
          ? "kept: Terraform never manages a secret it did not make. Xshield may keep using it until you enter the new client_secret; then delete it: " +
            `az ad app credential delete --id ${str(app.appId)} --key-id ${str(credential.keyId)}`
          : `the plan holds no certificate: delete it once nothing signs in with it: az ad app credential delete --id ${str(app.appId)} --key-id ${str(credential.keyId)} --cert`);
    }
  }
}

function compareOwners(plan: EnvironmentPlan, options: DiscoverOptions, report: Report, subject: "application" | "servicePrincipal", owners: readonly string[]): void {
  const additional = plan.config.additionalOwnerObjectIds.map((o) => o.toLowerCase());
  const caller = options.callerObjectId?.toLowerCase();
  const planned = [...(caller !== undefined ? [caller] : []), ...additional];
  // Without the caller's object id the planned owners are not known here: the change is said, not computed.
  if (caller !== undefined && sameSet(owners, planned)) {
    return;
  }
  const who = `${caller === undefined ? "the deploying identity" : "you (the deploying identity)"}${additional.length > 0 ? " and additionalOwnerObjectIds" : ""}`;
  const losing = owners.filter((o) => !planned.includes(o));
  report.differ(subject, "update", "owners", owners.join(", ") || "none", caller !== undefined ? planned.join(", ") : who,
    `the owners become ${who}${losing.length > 0 ? `; ${losing.join(", ")} ${losing.length === 1 ? "loses" : "lose"} ownership (add to additionalOwnerObjectIds to keep)` : ""}`);
}

// ---------------------------------------------------------------------------------------------
// Azure: the resource group, the storage account and what is in it, Event Grid
// ---------------------------------------------------------------------------------------------

/** What the storage side found, for the role assignments. */
interface StorageFound {
  /** The adopted account's import id (canonical form). */
  readonly accountId: string;
  /** The planned scopes, by field. */
  readonly scopes: { readonly [F in AdoptionField]?: string };
  readonly topicPrincipal?: string;
}

const STORAGE_SUBJECTS: readonly Subject[] = ["storageAccount", "networkEventsContainer", "deadLetterContainer", "queue", "retentionPolicy", "systemTopic", "eventSubscription"];

async function discoverStorage(plan: EnvironmentPlan, options: DiscoverOptions, subscriptionId: string, report: Report): Promise<StorageFound | undefined> {
  const { arm } = options;
  const c = plan.config;
  const groupPath = `/subscriptions/${subscriptionId}/resourcegroups/${c.resourceGroupName}`;
  const group = await arm.get(groupPath, RESOURCES_API);
  if (c.createResourceGroup) {
    if (group === undefined) {
      report.missing("resourceGroup", `Resource group ${c.resourceGroupName} does not exist in subscription ${subscriptionId}: the first apply creates it.`);
    } else if (normalizeLocation(str(group.location) ?? "") !== normalizeLocation(c.location)) {
      report.blocked("resourceGroup", `Resource group ${c.resourceGroupName} is in ${str(group.location)}, not ${c.location}: adopted, it would be replaced (deleted with everything in it).`,
        `Set createResourceGroup: false for environment "${plan.environment}" (the resources may be in another region than their group), or location: ${JSON.stringify(str(group.location))}.`);
    } else {
      report.found("resourceGroup", adoptionIds.resourceGroup(subscriptionId, c.resourceGroupName), `Resource group ${c.resourceGroupName} (${str(group.location)}).`);
      report.compareTags("resourceGroup", group.tags, plan.resources.resourceGroup?.tags);
    }
  } else if (group === undefined) {
    report.missing("resourceGroup", `Resource group ${c.resourceGroupName} does not exist, and createResourceGroup is false: the first plan fails until it exists.`);
  }

  const accountId = adoptionIds.storageAccount(subscriptionId, c.resourceGroupName, c.storageAccountName);
  let account = await arm.get(accountId, STORAGE_API);
  if (account === undefined) {
    const elsewhere = (await arm.list(`/subscriptions/${subscriptionId}/providers/Microsoft.Storage/storageAccounts`, STORAGE_API)).find(
      (a) => str(a.name)?.toLowerCase() === c.storageAccountName,
    );
    if (elsewhere !== undefined) {
      const group2 = armSegment(str(elsewhere.id) ?? "", "resourceGroups");
      report.blocked("storageAccount", `Storage account ${c.storageAccountName} is in resource group ${group2}, not ${c.resourceGroupName}: adopted there, it would be replaced (deleted with its blobs and queue).`,
        `Set resourceGroupName: ${JSON.stringify(group2)} for environment "${plan.environment}" (and createResourceGroup: false if the group holds other things), then run adopt again.`);
    } else {
      report.missing("storageAccount", `No storage account ${c.storageAccountName} in subscription ${subscriptionId}: the first apply creates it (Defender's Streaming API must then be pointed at it).`,
        "If the hand-made account has another name, set storageAccountName to it in environments.ts and run adopt again.");
    }
    for (const subject of STORAGE_SUBJECTS.slice(1)) report.missing(subject, "Not looked up: the storage account is not adopted.");
    return undefined;
  }
  account = obj(account);
  if (normalizeLocation(str(account.location) ?? "") !== normalizeLocation(c.location)) {
    report.blocked("storageAccount", `Storage account ${c.storageAccountName} is in ${str(account.location)}, not ${c.location}: adopted, it would be replaced (deleted with its blobs and queue).`,
      `Set location: ${JSON.stringify(str(account.location))} for environment "${plan.environment}", then run adopt again.`);
    for (const subject of STORAGE_SUBJECTS.slice(1)) report.missing(subject, "Not looked up: the storage account is not adopted.");
    return undefined;
  }
  report.found("storageAccount", accountId, `Storage account ${c.storageAccountName} (${str(account.kind)}, ${str(obj(account.sku).name)}, ${str(account.location)}).`);
  compareStorageAccount(plan, report, account);

  const networkEventsId = adoptionIds.container(accountId, NETWORK_EVENTS_CONTAINER_NAME);
  const deadLetterId = adoptionIds.container(accountId, DEAD_LETTER_CONTAINER_NAME);
  const queueId = adoptionIds.queue(accountId, c.queueName);
  const containers = await arm.list(`${accountId}/blobServices/default/containers`, STORAGE_API);
  for (const [subject, name, id] of [
    ["networkEventsContainer", NETWORK_EVENTS_CONTAINER_NAME, networkEventsId],
    ["deadLetterContainer", DEAD_LETTER_CONTAINER_NAME, deadLetterId],
  ] as const) {
    const found = containers.find((x) => str(x.name) === name);
    if (found === undefined) {
      report.missing(subject, `No container ${name}: the first apply creates it.`);
      continue;
    }
    report.found(subject, id, `Container ${name}.`);
    const access = ({ None: "private", Blob: "blob", Container: "container" } as Record<string, string>)[str(obj(found.properties).publicAccess) ?? "None"];
    report.compare(subject, "container_access_type", access, plan.resources[subject]?.container_access_type, false, "anonymous reads end");
  }
  for (const other of containers.filter((x) => ![NETWORK_EVENTS_CONTAINER_NAME, DEAD_LETTER_CONTAINER_NAME].includes(str(x.name) ?? ""))) {
    const access = str(obj(other.properties).publicAccess) ?? "None";
    if (access !== "None") {
      report.differ("storageAccount", "outside", `container ${str(other.name)}`, `public access ${access}`, "private",
        "not the integration's: the account's allow_nested_items_to_be_public = false blocks its anonymous reads from the first apply on; set it private too (az storage container set-permission --public-access off)");
    }
  }

  const queues = await arm.list(`${accountId}/queueServices/default/queues`, STORAGE_API);
  const queue = queues.find((q) => str(q.name) === c.queueName);

  const policy = await arm.get(adoptionIds.managementPolicy(accountId), STORAGE_API);
  if (policy === undefined) {
    report.missing("retentionPolicy", "No lifecycle management policy: the first apply creates one (blobs deleted after blobRetentionDays).");
  } else {
    report.found("retentionPolicy", adoptionIds.managementPolicy(accountId), "Its lifecycle management policy.");
    compareRetentionPolicy(plan, report, policy);
  }

  // Event Grid: one system topic per source (Azure's rule), found by its source.
  const topics = await arm.list(`/subscriptions/${subscriptionId}/providers/Microsoft.EventGrid/systemTopics`, EVENT_GRID_API);
  const topic = topics.find((t) => str(obj(t.properties).source)?.toLowerCase() === accountId.toLowerCase());
  let topicPrincipal: string | undefined;
  let topicId: string | undefined;
  let subscriptionsOfTopic: Json[] = [];
  if (topic === undefined) {
    report.missing("systemTopic", `No Event Grid system topic for the account: the first apply creates ${plan.systemTopicName}.`);
  } else {
    const topicGroup = armSegment(str(topic.id) ?? "", "resourceGroups") ?? "";
    const topicName = str(topic.name) ?? "";
    topicId = adoptionIds.systemTopic(subscriptionId, topicGroup, topicName);
    report.found("systemTopic", topicId, `Event Grid system topic ${topicName} (resource group ${topicGroup}).`);
    const planned = plan.resources.systemTopic ?? {};
    const note = "Terraform deletes the topic (Azure deletes its subscriptions with it) and creates it again: events of blobs written in between are not announced";
    report.compare("systemTopic", "name", topicName, planned.name, true, note);
    if (topicGroup.toLowerCase() !== c.resourceGroupName.toLowerCase()) {
      report.differ("systemTopic", "replace", "resource_group_name", JSON.stringify(topicGroup), JSON.stringify(c.resourceGroupName), note);
    }
    const identity = obj(topic.identity);
    const identityType = str(identity.type) ?? "None";
    report.compare("systemTopic", "identity.type", identityType, obj(planned.identity).type, false, "Event Grid then delivers with the topic's own identity, which gets its two roles");
    report.compareTags("systemTopic", topic.tags, planned.tags);
    topicPrincipal = identityType.includes("SystemAssigned") ? str(identity.principalId)?.toLowerCase() : undefined;
    subscriptionsOfTopic = await arm.list(`${topicId}/eventSubscriptions`, EVENT_GRID_API);
  }

  // The planned queue; else the account's queue Event Grid feeds, which is then the one Xshield reads.
  const fed =
    queue !== undefined
      ? undefined
      : subscriptionsOfTopic
          .map((s) => destinationOf(s))
          .find((d) => d.resourceId.toLowerCase() === accountId.toLowerCase() && d.queueName !== undefined && queues.some((q) => str(q.name) === d.queueName));
  if (queue !== undefined) {
    report.found("queue", queueId, `Queue ${c.queueName}.`);
  } else if (fed !== undefined) {
    report.blocked("queue", `No queue ${c.queueName}; the hand-made subscription delivers to queue ${fed.queueName}, the one Xshield reads.`,
      `Set queueName: ${JSON.stringify(fed.queueName)} for environment "${plan.environment}" and run adopt again (otherwise the first apply creates ${c.queueName}, and Xshield must be given the new name).`);
  } else {
    report.missing("queue", `No queue ${c.queueName}: the first apply creates it.`);
  }
  if (topicId !== undefined) {
    discoverEventSubscription(plan, options, report, topicId, accountId, subscriptionsOfTopic, fed !== undefined);
  }

  return {
    accountId,
    scopes: {
      blobReaderAssignment: c.dataRoleScope === "account" ? accountId : networkEventsId,
      queueProcessorAssignment: c.dataRoleScope === "account" ? accountId : queueId,
      queueSenderAssignment: queueId,
      deadLetterWriterAssignment: deadLetterId,
    },
    ...(topicPrincipal !== undefined ? { topicPrincipal } : {}),
  };
}

/** The attributes Terraform reads from a storage account, as azurerm 4.55.0's read function defaults absent ones. */
function storageAccountAsRead(account: Json): Json {
  const p = obj(account.properties);
  const acls = obj(p.networkAcls);
  const sku = (str(obj(account.sku).name) ?? "_").split("_");
  const orDefault = <T>(value: unknown, fallback: T): unknown => (value === undefined || value === null ? fallback : value);
  return {
    account_kind: str(account.kind),
    account_tier: str(obj(account.sku).tier),
    account_replication_type: sku[1],
    access_tier: str(p.accessTier),
    min_tls_version: orDefault(p.minimumTlsVersion, "TLS1_0"),
    https_traffic_only_enabled: orDefault(p.supportsHttpsTrafficOnly, false),
    allow_nested_items_to_be_public: orDefault(p.allowBlobPublicAccess, true),
    shared_access_key_enabled: orDefault(p.allowSharedKeyAccess, true),
    default_to_oauth_authentication: orDefault(p.defaultToOAuthAuthentication, false),
    infrastructure_encryption_enabled: orDefault(obj(p.encryption).requireInfrastructureEncryption, false),
    local_user_enabled: orDefault(p.isLocalUserEnabled, true),
    sftp_enabled: orDefault(p.isSftpEnabled, false),
    is_hns_enabled: orDefault(p.isHnsEnabled, false),
    cross_tenant_replication_enabled: orDefault(p.allowCrossTenantReplication, false),
    public_network_access_enabled: p.publicNetworkAccess !== "Disabled",
    network_rules: {
      default_action: str(acls.defaultAction) ?? "Allow",
      bypass: (str(acls.bypass) ?? "AzureServices").split(",").map((b) => b.trim()).filter((b) => b !== "" && b !== "None"),
      ip_rules: list(acls.ipRules).map((r) => str(obj(r).value)).filter((v): v is string => v !== undefined),
      virtual_network_subnet_ids: list(acls.virtualNetworkRules).map((r) => str(obj(r).id)).filter((v): v is string => v !== undefined),
      private_link_access: list(acls.resourceAccessRules).map((r) => str(obj(r).resourceId)).filter((v): v is string => v !== undefined),
    },
  };
}

/** Replication changes Azure cannot make in place (azurerm's ForceNewIfChange on account_replication_type). */
function replicationForcesNew(from: string, to: string): boolean {
  const zonal = (r: string) => ["ZRS", "GZRS", "RAGZRS"].includes(r.toUpperCase());
  return zonal(from) !== zonal(to);
}

function compareStorageAccount(plan: EnvironmentPlan, report: Report, account: Json): void {
  const planned = plan.resources.storageAccount ?? {};
  const read = storageAccountAsRead(account);
  const replaced =
    "Terraform deletes the account and creates it again under the same name and id, and with it what is in it and on it (the containers, the queue, " +
    "the Event Grid topic and subscription, the role assignments): its blobs and queue messages are lost. Check with npm run verify that events arrive again";
  // ForceNew in azurerm 4.55.0 storage_account_resource.go: account_tier, is_hns_enabled, infrastructure_encryption_enabled; account_kind unless Storage → StorageV2.
  report.compare("storageAccount", "account_kind", read.account_kind, planned.account_kind, read.account_kind !== "Storage", read.account_kind === "Storage" ? "upgraded in place (one way)" : replaced);
  report.compare("storageAccount", "account_tier", read.account_tier, planned.account_tier, true, replaced);
  const fromReplication = String(read.account_replication_type);
  report.compare("storageAccount", "account_replication_type", fromReplication, planned.account_replication_type, replicationForcesNew(fromReplication, String(planned.account_replication_type ?? fromReplication)),
    replicationForcesNew(fromReplication, String(planned.account_replication_type ?? fromReplication)) ? replaced : "Azure converts the redundancy in place");
  report.compare("storageAccount", "is_hns_enabled", read.is_hns_enabled, planned.is_hns_enabled, true, replaced);
  report.compare("storageAccount", "infrastructure_encryption_enabled", read.infrastructure_encryption_enabled, planned.infrastructure_encryption_enabled, true,
    `${replaced}. Azure sets double encryption only when an account is created; nothing changes it in place (InfrastructureEncryption)`);
  for (const attribute of ["access_tier", "min_tls_version", "https_traffic_only_enabled", "allow_nested_items_to_be_public", "default_to_oauth_authentication", "local_user_enabled", "sftp_enabled", "cross_tenant_replication_enabled", "public_network_access_enabled"]) {
    report.compare("storageAccount", attribute, read[attribute], planned[attribute], false);
  }
  report.compare("storageAccount", "shared_access_key_enabled", read.shared_access_key_enabled, planned.shared_access_key_enabled, false,
    "anything still signing with the account keys or a SAS is refused from then on (Xshield and Event Grid use Entra ID after the first apply; if Defender's export stops, see Troubleshooting, No events arriving)");
  const rules = obj(read.network_rules);
  const wanted = obj(planned.network_rules);
  report.compare("storageAccount", "network_rules.default_action", rules.default_action, wanted.default_action, false,
    wanted.default_action === "Deny" ? "the firewall closes: only trusted Azure services and allowedIpRanges get through (Xshield's egress addresses must be there)" : undefined);
  for (const key of ["bypass", "ip_rules", "virtual_network_subnet_ids", "private_link_access"]) {
    const want = key in wanted ? strings(wanted[key]) : [];
    const have = strings(rules[key]);
    if (!sameSet(have, want)) {
      report.differ("storageAccount", "update", `network_rules.${key}`, shown(have), shown(want), key === "ip_rules" ? "the allowed addresses become exactly allowedIpRanges" : undefined);
    }
  }
  report.compareTags("storageAccount", account.tags, planned.tags);
}

function compareRetentionPolicy(plan: EnvironmentPlan, report: Report, policy: Json): void {
  const existing = list(obj(obj(obj(policy.properties).policy)).rules).map(obj).map((r) => {
    const definition = obj(r.definition);
    return {
      name: str(r.name),
      enabled: r.enabled !== false,
      blobTypes: strings(obj(definition.filters).blobTypes),
      prefixMatch: strings(obj(definition.filters).prefixMatch),
      deleteAfterDays: obj(obj(obj(definition.actions).baseBlob).delete).daysAfterModificationGreaterThan,
    };
  });
  const planned = list(plan.resources.retentionPolicy?.rule).map(obj).map((r) => ({
    name: str(r.name),
    enabled: r.enabled !== false,
    blobTypes: strings(obj(r.filters).blob_types),
    prefixMatch: strings(obj(r.filters).prefix_match),
    deleteAfterDays: obj(obj(r.actions).base_blob).delete_after_days_since_modification_greater_than,
  }));
  const text = (rules: typeof planned) => rules.map((r) => `${r.name}: ${r.enabled ? "" : "disabled, "}delete ${r.blobTypes.join("/")} under ${r.prefixMatch.join(", ") || "the whole account"} after ${r.deleteAfterDays ?? "?"} days`).join("; ");
  if (JSON.stringify(existing) !== JSON.stringify(planned)) {
    const removed = existing.filter((r) => !planned.some((p) => p.name === r.name)).map((r) => r.name);
    report.differ("retentionPolicy", "update", "rule", text(existing) || "none", text(planned),
      `the policy holds exactly the planned rule from then on${removed.length > 0 ? `; ${removed.map((n) => JSON.stringify(n)).join(", ")} ${removed.length === 1 ? "is" : "are"} removed` : ""}`);
  }
}

/** Where an event subscription delivers (with or without a delivery identity). */
function destinationOf(subscription: Json): { endpointType?: string; resourceId: string; queueName?: string; properties: Json; identity?: string } {
  const p = obj(subscription.properties);
  const withIdentity = obj(p.deliveryWithResourceIdentity);
  const destination = obj(isJson(p.deliveryWithResourceIdentity) ? withIdentity.destination : p.destination);
  const properties = obj(destination.properties);
  const identity = str(obj(withIdentity.identity).type);
  return {
    ...(str(destination.endpointType) !== undefined ? { endpointType: str(destination.endpointType) } : {}),
    resourceId: str(properties.resourceId) ?? "",
    ...(str(properties.queueName) !== undefined ? { queueName: str(properties.queueName) } : {}),
    properties,
    ...(identity !== undefined ? { identity } : {}),
  };
}

function discoverEventSubscription(plan: EnvironmentPlan, options: DiscoverOptions, report: Report, topicId: string, accountId: string, subscriptions: readonly Json[], queueBlocked: boolean): void {
  const c = plan.config;
  const toQueue = subscriptions.filter((s) => {
    const d = destinationOf(s);
    return d.endpointType === "StorageQueue" && d.resourceId.toLowerCase() === accountId.toLowerCase() && d.queueName === c.queueName;
  });
  let adopted: Json | undefined;
  if (toQueue.length === 0) {
    if (queueBlocked) {
      report.blocked("eventSubscription", `No subscription of the topic delivers to queue ${c.queueName} (see the queue line).`, "Set queueName as the queue line says, then run adopt again.");
    } else {
      report.missing("eventSubscription", `No subscription of the topic delivers to queue ${c.queueName}: the first apply creates ${plan.eventSubscriptionName}.`);
    }
  } else if (toQueue.length > 1 && options.eventSubscriptionName === undefined) {
    report.candidates("eventSubscription", `${toQueue.length} subscriptions of the topic deliver to queue ${c.queueName}; none is adopted.`, toQueue.map((s) => String(str(s.name))),
      `Pick one: npm run adopt -- ${plan.environment} --event-subscription <name> (the other is then a second subscription to delete by hand).`);
  } else {
    adopted = options.eventSubscriptionName === undefined ? toQueue[0] : toQueue.find((s) => str(s.name) === options.eventSubscriptionName);
    if (adopted === undefined) {
      report.candidates("eventSubscription", `No subscription named ${options.eventSubscriptionName} delivers to queue ${c.queueName}; none is adopted.`, toQueue.map((s) => String(str(s.name))),
        `Pick one of these with --event-subscription <name>.`);
    } else {
      const name = str(adopted.name) ?? "";
      report.found("eventSubscription", adoptionIds.eventSubscription(topicId, name), `Event subscription ${name}, delivering to queue ${c.queueName}.`);
      compareEventSubscription(plan, report, adopted);
    }
  }
  for (const other of subscriptions.filter((s) => s !== adopted)) {
    const d = destinationOf(other);
    report.differ("eventSubscription", "outside", `second subscription ${str(other.name)}`, `delivers to ${d.endpointType ?? "?"} ${d.queueName ?? d.resourceId ?? ""}`.trim(), "none",
      `the topic's events go there too, outside the plan (EventDeliveryScoped): delete it: az eventgrid system-topic event-subscription delete --name ${str(other.name)} ` +
        `--system-topic-name ${armSegment(topicId, "systemTopics")} --resource-group ${armSegment(topicId, "resourceGroups")}`);
  }
}

function compareEventSubscription(plan: EnvironmentPlan, report: Report, subscription: Json): void {
  const planned = plan.resources.eventSubscription ?? {};
  const p = obj(subscription.properties);
  const filter = obj(p.filter);
  const d = destinationOf(subscription);
  const deadLetterWithIdentity = obj(p.deadLetterWithResourceIdentity);
  const deadLetter = obj(obj(isJson(p.deadLetterWithResourceIdentity) ? deadLetterWithIdentity.deadLetterDestination : p.deadLetterDestination).properties);
  const replaced = "Terraform deletes the subscription and creates it again: blobs written in between are not announced to Xshield";
  report.compare("eventSubscription", "name", str(subscription.name), planned.name, true, replaced);
  report.compare("eventSubscription", "event_delivery_schema", str(p.eventDeliverySchema) ?? "EventGridSchema", planned.event_delivery_schema, true, replaced);
  const types = strings(filter.includedEventTypes);
  if (!sameSet(types, strings(planned.included_event_types))) {
    report.differ("eventSubscription", "update", "included_event_types", shown(types.length > 0 ? types : "all"), shown(planned.included_event_types), "only new blobs are announced");
  }
  const subject = obj(planned.subject_filter);
  report.compare("eventSubscription", "subject_filter.subject_begins_with", str(filter.subjectBeginsWith) ?? null, subject.subject_begins_with, false, "only blobs of the DeviceNetworkEvents container are announced");
  report.compare("eventSubscription", "subject_filter.case_sensitive", filter.isSubjectCaseSensitive === true, subject.case_sensitive, false);
  if (list(filter.advancedFilters).length > 0) {
    report.differ("eventSubscription", "update", "advanced_filter", `${list(filter.advancedFilters).length} filter(s)`, "none", "removed");
  }
  report.compare("eventSubscription", "delivery_identity.type", d.identity ?? "None", obj(planned.delivery_identity).type, false,
    "Event Grid delivers with the topic's identity, through the storage firewall (needs the queue-sender role, created or adopted with it)");
  const queueEndpoint = obj(planned.storage_queue_endpoint);
  report.compare("eventSubscription", "storage_queue_endpoint.queue_message_time_to_live_in_seconds", d.properties.queueMessageTimeToLiveInSeconds ?? null,
    queueEndpoint.queue_message_time_to_live_in_seconds, false, "a notification lives as long as the blob it announces (Azure's default is 7 days)");
  report.compare("eventSubscription", "dead_letter_identity.type", str(obj(deadLetterWithIdentity.identity).type) ?? "None", obj(planned.dead_letter_identity).type, false);
  report.compare("eventSubscription", "storage_blob_dead_letter_destination.storage_blob_container_name", str(deadLetter.blobContainerName) ?? null, DEAD_LETTER_CONTAINER_NAME, false,
    "undeliverable events are kept in the dead-letter container");
  const retry = obj(p.retryPolicy);
  const plannedRetry = obj(planned.retry_policy);
  report.compare("eventSubscription", "retry_policy.max_delivery_attempts", retry.maxDeliveryAttempts ?? null, plannedRetry.max_delivery_attempts, false);
  report.compare("eventSubscription", "retry_policy.event_time_to_live", retry.eventTimeToLiveInMinutes ?? null, plannedRetry.event_time_to_live, false);
}

// ---------------------------------------------------------------------------------------------
// Role assignments
// ---------------------------------------------------------------------------------------------

const ROLE_FIELDS = ["blobReaderAssignment", "queueProcessorAssignment", "queueSenderAssignment", "deadLetterWriterAssignment"] as const;
const ROLE_OF: { readonly [F in (typeof ROLE_FIELDS)[number]]: { role: { name: string; id: string }; principal: keyof Principals } } = {
  blobReaderAssignment: { role: ROLES.storageBlobDataReader, principal: "application" },
  queueProcessorAssignment: { role: ROLES.storageQueueDataMessageProcessor, principal: "application" },
  queueSenderAssignment: { role: ROLES.storageQueueDataMessageSender, principal: "topic" },
  deadLetterWriterAssignment: { role: ROLES.storageBlobDataContributor, principal: "topic" },
};

async function discoverRoleAssignments(plan: EnvironmentPlan, options: DiscoverOptions, report: Report, storage: StorageFound | undefined, principals: Principals): Promise<void> {
  const operators = plan.config.streamingApiOperatorObjectIds.map((o) => o.toLowerCase());
  if (storage === undefined) {
    for (const field of ROLE_FIELDS) report.missing(field, "Not looked up: the storage account is not adopted.");
    for (const o of operators) report.missing(`streamingApiOperatorAssignments.${o}`, "Not looked up: the storage account is not adopted.");
    return;
  }
  const { arm } = options;
  const known = new Map<string, string>(Object.values(ROLES).map((r) => [r.id, r.name]));
  const roleName = async (roleDefinitionId: string): Promise<string> => {
    const id = roleIdOf(roleDefinitionId);
    if (!known.has(id)) {
      const definition = await arm.get(`/subscriptions/${options.subscriptionId.toLowerCase()}/providers/Microsoft.Authorization/roleDefinitions/${id}`, AUTHORIZATION_API);
      known.set(id, str(obj(definition?.properties).roleName) ?? id);
    }
    return known.get(id)!;
  };
  const assignmentsOf = async (principalId: string): Promise<Json[]> =>
    arm.list(`${storage.accountId}/providers/Microsoft.Authorization/roleAssignments`, { ...AUTHORIZATION_API, $filter: `principalId eq ${quoteOData(principalId)}` });

  const matched = new Set<Json>();
  const adopt = async (subject: Subject, role: { name: string; id: string }, scope: string, principalId: string, assignments: readonly Json[], plannedBody: Json | undefined) => {
    const match = assignments.filter(
      (a) => roleIdOf(str(obj(a.properties).roleDefinitionId) ?? "") === role.id && str(obj(a.properties).scope)?.toLowerCase() === scope.toLowerCase(),
    );
    if (match.length === 0) {
      report.missing(subject, `No ${role.name} for principal ${principalId} on ${scope}: the first apply assigns it.`);
      return;
    }
    const assignment = match[0]!;
    for (const m of match) matched.add(m);
    const props = obj(assignment.properties);
    const name = str(assignment.name) ?? "";
    report.found(subject, adoptionIds.roleAssignment(scope, name.toLowerCase()), `${role.name} for principal ${principalId} on ${scope.slice(scope.lastIndexOf("/providers/") + 1)}.`);
    const planned = plannedBody ?? {};
    // ForceNew in azurerm 4.55.0 role_assignment_resource.go: scope (compared as written), description, condition, principal_type.
    const replaced = "Terraform deletes the assignment and creates it again: the access it gives stops until the new one takes effect (minutes)";
    if (str(props.scope) !== scope) {
      report.differ(subject, "replace", "scope", JSON.stringify(str(props.scope)), JSON.stringify(scope), `${replaced}; Azure stored the scope in another case`);
    }
    report.compare(subject, "description", str(props.description) ?? null, planned.description, true, replaced);
    report.compare(subject, "condition", str(props.condition) ?? null, planned.condition ?? null, true, replaced);
    report.compare(subject, "principal_type", str(props.principalType), planned.principal_type, true, replaced);
  };
  const leftOver = async (kind: keyof Principals, principalId: string, assignments: readonly Json[], who: string) => {
    for (const a of assignments.filter((x) => !matched.has(x))) {
      const props = obj(a.properties);
      const name = await roleName(str(props.roleDefinitionId) ?? "");
      // Under the planned assignment of the same role, if there is one; else under the principal's first.
      const fields = ROLE_FIELDS.filter((f) => ROLE_OF[f].principal === kind);
      const same = fields.find((f) => ROLE_OF[f].role.name === name);
      const planned = same !== undefined;
      const subject = same ?? fields[0]!;
      report.differ(subject, "outside", `${name} on ${str(props.scope)}`, `assigned to ${who} (${principalId})`, "not planned",
        `broader or other than the plan (LeastPrivilegeRoles), left as it is by the first apply; once the planned assignments exist, delete it: az role assignment delete --ids ${str(a.id)}` +
          (planned && plan.config.dataRoleScope === "resources" && str(props.scope)?.toLowerCase() === storage.accountId.toLowerCase()
            ? ' (or set dataRoleScope: "account" to adopt it as it is, as ColorTokens\' manual steps grant it)'
            : ""));
    }
  };

  for (const kind of ["application", "topic"] as const) {
    const fields = ROLE_FIELDS.filter((f) => ROLE_OF[f].principal === kind);
    const principalId = principals[kind];
    if (principalId === undefined) {
      const why = kind === "application" ? "no service principal was adopted" : "the system topic has no system-assigned identity yet";
      for (const field of fields) report.missing(field, `Not looked up: ${why}; the first apply assigns it.`);
      continue;
    }
    const assignments = await assignmentsOf(principalId);
    for (const field of fields) {
      await adopt(field, ROLE_OF[field].role, storage.scopes[field]!, principalId, assignments, plan.resources[field]);
    }
    await leftOver(kind, principalId, assignments, kind === "application" ? "Xshield's application" : "the system topic's identity");
  }
  for (const operator of operators) {
    const assignments = await assignmentsOf(operator);
    await adopt(`streamingApiOperatorAssignments.${operator}`, ROLES.contributor, storage.accountId, operator, assignments, plan.operators[operator]);
  }
}

// ---------------------------------------------------------------------------------------------
// The printed report
// ---------------------------------------------------------------------------------------------

const EFFECTS: { readonly [E in Effect]: { readonly symbol: string; readonly says: string } } = {
  update: { symbol: "~", says: "updated in place" },
  replace: { symbol: "±", says: "REPLACED" },
  outside: { symbol: "!", says: "outside Terraform" },
};

/** The human report: found, created, candidates, blocked, the differences, what is never adopted, and what was written. */
export function formatAdoptReport(report: AdoptReport, file: string): string[] {
  const lines = [`Environment "${report.environment}", subscription ${report.subscriptionId}: what exists of the setup, and what the first plan does with it.`];
  const width = Math.min(Math.max(...report.findings.map((f) => f.subject.length), 10), 26);
  const section = (status: Finding["status"], title: string, symbol: string) => {
    const findings = report.findings.filter((f) => f.status === status);
    if (findings.length === 0) return;
    lines.push("", `${title} (${findings.length}):`);
    for (const f of findings) {
      lines.push(`  ${symbol} ${f.subject.padEnd(width)}  ${f.message}`);
      if (f.id !== undefined) lines.push(`      ${f.address} ← ${f.id}`);
      for (const candidate of f.candidates ?? []) lines.push(`      - ${candidate}`);
      if (f.fix !== undefined) lines.push(`      ${status === "missing" ? "Note" : "Fix"}: ${f.fix}`);
    }
  };
  section("found", "Found, imported by the first plan", "✓");
  section("missing", "Not found, created by the first apply", "+");
  section("candidates", "Several candidates, none adopted", "?");
  section("blocked", "Exists, but not adopted under these settings", "✗");
  if (report.differences.length > 0) {
    lines.push("", `Differences from the library's plan (${report.differences.length}): ~ updated in place, ± replaced, ! outside Terraform (by hand):`);
    for (const d of report.differences) {
      const effect = EFFECTS[d.effect];
      const change = d.effect === "outside" ? `${d.attribute}: ${d.existing}` : `${d.attribute}: ${d.existing} → ${d.planned}`;
      lines.push(`  ${effect.symbol} ${d.subject}  ${change} (${effect.says}${d.note !== undefined ? `: ${d.note}` : ""})`);
    }
  } else {
    lines.push("", "No difference from the library's plan in what was found.");
  }
  lines.push("", "Never adopted:");
  for (const why of report.notAdoptable) lines.push(`  - ${why}`);
  const count = Object.values(report.adoption).reduce<number>((n, v) => n + (typeof v === "string" ? 1 : Object.keys(v ?? {}).length), 0);
  lines.push("", `Wrote ${file} (${count} import id${count === 1 ? "" : "s"}).`);
  if (report.findings.some((f) => f.status === "candidates" || f.status === "blocked")) {
    lines.push("Resolve the ? and ✗ lines first (a flag or a setting), then run adopt again: what they stand for is neither adopted nor safe to create.");
  } else {
    lines.push(`Next: npx cdktf diff ${report.environment}: the plan imports ${count === 1 ? "it" : `these ${count}`} and makes the changes above; nothing else should surprise.`);
  }
  return lines;
}
