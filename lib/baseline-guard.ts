import { BLOB_CREATED_EVENT_TYPE, DEFENDER_API_CLIENT_ID, MAX_SECRET_MONTHS, NETWORK_EVENTS_CONTAINER_NAME } from "./constants";
import { BASELINE_RULES, BaselineException, BaselineRule, PublicNetworkAccess } from "./props";
import type { TerraformJson } from "./written-json";

/**
 * The secure-baseline guard: a pure check of the Terraform JSON a stack finally writes against
 * what an `XshieldMdeIntegration` planned. It judges the integration's own resources, wherever
 * their attributes came from (props, property setters, `addOverride` on the resource or the stack,
 * aspects, a replaced or shadowing element), and every other element of the stack that targets
 * them. Unrelated resources are left alone.
 */

/** Thrown at synthesis when the secure baseline is broken without a reasoned exception. */
export class SecureBaselineError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "SecureBaselineError";
  }
}

/** Where a resource or data source lives in the JSON: `resource.<type>.<name>` or `data.<type>.<name>`. */
export interface Address {
  readonly type: string;
  readonly name: string;
  /** A data source rather than a resource. */
  readonly data?: boolean;
}

/** One role assignment the integration makes on purpose, with the expressions it must carry. */
export interface PlannedRoleAssignment {
  readonly address: Address;
  readonly roleDefinitionName: string;
  /** The scope expression, as written (`${azurerm_storage_account.x.id}/queueServices/…`). */
  readonly scope: string;
  /** The principal expression, as written. */
  readonly principalId: string;
  /** `principal_type` as written; `undefined`: must be absent (Azure looks the principal up). */
  readonly principalType?: string;
}

/** An element whose written attributes must be exactly the planned ones (metadata and `depends_on` aside). */
export interface PlannedExactly {
  readonly address: Address;
  readonly attributes: { readonly [key: string]: unknown };
}

/** What the props allow, so that a documented relaxation is not a violation. */
export interface PlannedStorageAccess {
  readonly sharedAccessKeyEnabled: boolean;
  readonly publicNetworkAccess: PublicNetworkAccess;
  /** The allowed ranges as written (tokens resolved). */
  readonly allowedIpRanges: unknown;
}

/** Everything one integration planned, in terms of the JSON (every token already resolved). */
export interface BaselinePlan {
  /** The integration's construct path, for messages. */
  readonly subject: string;
  readonly storageAccount: Address;
  readonly networkEventsContainer: Address;
  readonly deadLetterContainer: Address;
  readonly queue: Address;
  readonly systemTopic: Address;
  readonly eventSubscription: Address;
  readonly application: Address;
  readonly servicePrincipal: Address;
  readonly consent: Address;
  readonly defenderApi: Address;
  /** The resource group: a resource, or a data source when the group already exists. */
  readonly resourceGroup: Address;
  readonly roleAssignments: readonly PlannedRoleAssignment[];
  /** The client secrets, with the attributes that decide their expiry and rotation. */
  readonly passwords: readonly PlannedExactly[];
  /** The elements the secrets' expiry is computed from (time resources, locals). */
  readonly secretSchedule: readonly PlannedExactly[];
  /** The lifetime of each secret, in months, as planned. */
  readonly secretLifetimeMonths: number;
  /** The owners of the application and its service principal, as written. */
  readonly owners: unknown;
  /** Every other element of the integration (not judged here, and not a side door). */
  readonly otherElements: readonly Address[];
  readonly access: PlannedStorageAccess;
  /** Literal names, to recognise the integration's resources when something names them instead of referring to them. */
  readonly literalNames: {
    readonly storageAccount?: string;
    readonly resourceGroup?: string;
    readonly applicationDisplayName?: string;
  };
  /** The alerts, when the integration has them. */
  readonly alerts?: {
    /** Each alert with the attributes it must keep (enabled unless written otherwise). */
    readonly metricAlerts: readonly PlannedExactly[];
    /** The action group the construct created, with its e-mail addresses. */
    readonly actionGroup?: { readonly address: Address; readonly emails: readonly string[] };
  };
  readonly exceptions: readonly BaselineException[];
}

/** One broken rule: which rule, where in the JSON, and what is wrong. */
export interface BaselineViolation {
  readonly rule: BaselineRule;
  /** The JSON path (`resource.azurerm_storage_account.x.min_tls_version`). */
  readonly path: string;
  /** What is wrong there, read after the path: `is "TLS1_0"; the baseline requires "TLS1_2" or "TLS1_3".` */
  readonly message: string;
}

type Json = { [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/** `${type.name.attribute}` (or `${data.type.name.attribute}`), as cdktf writes a reference. */
export function reference(address: Address, attribute: string): string {
  return `\${${address.data ? "data." : ""}${address.type}.${address.name}.${attribute}}`;
}

function addressKey(address: Address): string {
  // Stryker disable next-line StringLiteral: with another prefix a planned data source would count as a lookup, and it stands only for itself, already in its set
  return `${address.data ? "data" : "resource"}.${address.type}.${address.name}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A test for "refers to any of these" in an expression: `azurerm_storage_account.x` (not
 * `data.azurerm_storage_account.x`), `data.…`, `local.…`, each as a whole name.
 */
class Targets {
  private readonly names = new Set<string>();
  private pattern?: RegExp;

  public add(name: string): boolean {
    if (this.names.has(name)) {
      return false;
    }
    this.names.add(name);
    this.pattern = undefined;
    return true;
  }

  public isReferredToBy(text: string): boolean {
    // Stryker disable all: defensive; targets() gives every set at least one address (an empty set's pattern would match anything)
    if (this.names.size === 0) {
      return false;
    }
    // Stryker restore all
    this.pattern ??= new RegExp(
      `(?:^|[^A-Za-z0-9_.-])(?:${[...this.names].map(escapeRegExp).join("|")})(?![A-Za-z0-9_-])`,
    );
    return this.pattern.test(normalizeReferences(text));
  }
}

/**
 * JSON text (the guard reads elements as `JSON.stringify` writes them) with the escaped tabs and
 * line breaks of its strings turned back into spaces, so a break inside an expression separates
 * tokens as it does for Terraform.
 */
function plainText(text: string): string {
  return text.replace(/\\[nrt]/g, " ");
}

/**
 * Expressions as Terraform reads them for references: comments dropped, and no space or line
 * break around the dots of a traversal (`azurerm_storage_account . x . id` is the same reference).
 */
function normalizeReferences(text: string): string {
  return (
    plainText(text)
      .replace(/\/\*[\s\S]*?\*\//g, " ")
      .replace(/\s*\.\s*/g, ".")
  );
}

/** `name` as a whole word in `text`, in any case (names written out rather than referred to). */
function mentions(text: string, name: string | undefined): boolean {
  return name !== undefined && new RegExp(`(?:^|[^A-Za-z0-9])${escapeRegExp(name)}(?![A-Za-z0-9])`, "i").test(plainText(text));
}

/** The attributes of a JSON block without cdktf's `//` metadata. */
function withoutMetadata(body: Json): Json {
  const { ["//"]: _metadata, ...rest } = body;
  return rest;
}

/** A single nested block (`network_rules`), or why it is not one. */
function singleBlock(value: unknown): { block: Json; problem?: string } {
  if (Array.isArray(value)) {
    if (value.length === 1 && isObject(value[0])) {
      return { block: value[0] };
    }
    return value.length === 0 ? { block: {} } : { block: {}, problem: `is given ${value.length} times` };
  }
  return { block: isObject(value) ? value : {} };
}

function containsKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) {
    return value.some((v) => containsKey(v, key));
  }
  if (isObject(value)) {
    return Object.entries(value).some(([k, v]) => k === key || containsKey(v, key));
  }
  return false;
}

/** The attributes of the storage account the baseline rules read, by rule. */
const STORAGE_ACCOUNT_RULES: readonly { rule: BaselineRule; key: string; ok: (v: unknown) => boolean; wanted: string }[] = [
  { rule: "MinimumTls12", key: "min_tls_version", ok: (v) => v === "TLS1_2" || v === "TLS1_3", wanted: '"TLS1_2" or "TLS1_3"' },
  { rule: "HttpsOnly", key: "https_traffic_only_enabled", ok: (v) => v === true, wanted: "true" },
  { rule: "NoPublicBlobAccess", key: "allow_nested_items_to_be_public", ok: (v) => v === false, wanted: "false" },
  { rule: "SharedKeyDisabled", key: "default_to_oauth_authentication", ok: (v) => v === true, wanted: "true" },
  { rule: "InfrastructureEncryption", key: "infrastructure_encryption_enabled", ok: (v) => v === true, wanted: "true" },
  { rule: "LocalUsersDisabled", key: "local_user_enabled", ok: (v) => v === false, wanted: "false" },
  { rule: "LocalUsersDisabled", key: "sftp_enabled", ok: (v) => v === false, wanted: "false" },
  { rule: "CrossTenantReplicationDisabled", key: "cross_tenant_replication_enabled", ok: (v) => v === false, wanted: "false" },
];

/** Attributes whose drift `ignore_changes` would hide, per resource type of the integration. */
const GUARDED_ATTRIBUTES: { readonly [type: string]: readonly string[] } = {
  azurerm_storage_account: [
    ...STORAGE_ACCOUNT_RULES.map((r) => r.key),
    "shared_access_key_enabled",
    "public_network_access_enabled",
    "network_rules",
  ],
  azurerm_role_assignment: ["scope", "role_definition_name", "role_definition_id", "principal_id", "principal_type"],
  azurerm_storage_container: ["container_access_type", "storage_account_id"],
  azurerm_eventgrid_system_topic_event_subscription: [
    "included_event_types",
    "subject_filter",
    "storage_queue_endpoint",
    "delivery_identity",
    "dead_letter_identity",
    "storage_blob_dead_letter_destination",
  ],
  azuread_application: ["sign_in_audience", "required_resource_access", "password"],
  azuread_app_role_assignment: ["app_role_id", "principal_object_id", "resource_object_id"],
  azuread_application_password: ["end_date", "rotate_when_changed"],
  azurerm_monitor_metric_alert: ["enabled", "scopes", "criteria", "window_size", "frequency", "action"],
  azurerm_monitor_action_group: ["enabled", "email_receiver", "webhook_receiver"],
};

/** Event subscription endpoints other than a storage queue: each would send events elsewhere. */
const OTHER_ENDPOINT_KEYS = [
  "webhook_endpoint",
  "azure_function_endpoint",
  "eventhub_endpoint_id",
  "hybrid_connection_endpoint_id",
  "service_bus_queue_endpoint_id",
  "service_bus_topic_endpoint_id",
] as const;

/**
 * Resource types that hold and pass on what they are given (their outputs repeat their inputs), so
 * a value routed through one is still the value. Other resources derive new things (a Key Vault in
 * the integration's resource group is not the group).
 */
const PASS_THROUGH_TYPES: ReadonlySet<string> = new Set(["terraform_data", "null_resource", "time_static", "time_rotating", "time_offset", "time_sleep"]);

/** azuread resource types that add a credential to an application or service principal. */
const CREDENTIAL_TYPES: ReadonlySet<string> = new Set([
  "azuread_application_password",
  "azuread_application_certificate",
  "azuread_application_federated_identity_credential",
  "azuread_application_flexible_federated_identity_credential",
  "azuread_service_principal_password",
  "azuread_service_principal_certificate",
  "azuread_service_principal_token_signing_certificate",
]);

/** Checks one integration's plan against the written JSON. */
class Check {
  public readonly violations: BaselineViolation[] = [];
  private readonly resources: { [type: string]: { [name: string]: Json } };
  private readonly dataSources: { [type: string]: { [name: string]: Json } };
  private readonly planned = new Set<string>();

  public constructor(
    private readonly json: TerraformJson,
    private readonly plan: BaselinePlan,
  ) {
    this.resources = (isObject(json.resource) ? json.resource : {}) as { [type: string]: { [name: string]: Json } };
    this.dataSources = (isObject(json.data) ? json.data : {}) as { [type: string]: { [name: string]: Json } };
    for (const address of this.plannedAddresses()) {
      this.planned.add(addressKey(address));
    }
  }

  private plannedAddresses(): Address[] {
    const p = this.plan;
    return [
      p.storageAccount,
      p.networkEventsContainer,
      p.deadLetterContainer,
      p.queue,
      p.systemTopic,
      p.eventSubscription,
      p.application,
      p.servicePrincipal,
      p.consent,
      p.defenderApi,
      p.resourceGroup,
      ...p.roleAssignments.map((r) => r.address),
      ...p.passwords.map((x) => x.address),
      // Stryker disable next-line all: an alert is no side door of any kind, so whether it counts as planned changes no verdict today
      ...(p.alerts?.metricAlerts.map((x) => x.address) ?? []),
      // Stryker disable next-line all: an action group is no side door of any kind either, so whether it counts as planned changes no verdict today
      ...(p.alerts?.actionGroup !== undefined ? [p.alerts.actionGroup.address] : []),
      ...p.secretSchedule.map((x) => x.address),
      ...p.otherElements,
    ];
  }

  private fail(rule: BaselineRule, path: string, message: string): void {
    this.violations.push({ rule, path, message });
  }

  private pathOf(address: Address): string {
    if (address.type === "local") {
      return `locals.${address.name}`;
    }
    return `${address.data ? "data" : "resource"}.${address.type}.${address.name}`;
  }

  /** The written body of a planned element, or `undefined` (reported) when it is not written as one resource. */
  private body(address: Address): Json | undefined {
    const path = this.pathOf(address);
    if (address.type === "local") {
      const locals = isObject(this.json.locals) ? this.json.locals : {};
      if (!(address.name in locals)) {
        this.fail("WrittenAsPlanned", path, `is missing from the synthesized configuration.`);
        return undefined;
      }
      return { value: locals[address.name] };
    }
    const table = address.data ? this.dataSources : this.resources;
    const body = table[address.type]?.[address.name];
    if (!isObject(body)) {
      this.fail(
        "WrittenAsPlanned",
        path,
        `is missing from the synthesized configuration (removed from the construct tree, or renamed).`,
      );
      return undefined;
    }
    for (const key of ["count", "for_each"]) {
      if (body[key] !== undefined) {
        this.fail("WrittenAsPlanned", `${path}.${key}`, `is ${show(body[key])}; the integration writes one resource, without ${key}.`);
      }
    }
    if (containsKey(withoutMetadata(body), "dynamic")) {
      this.fail("WrittenAsPlanned", `${path}.dynamic`, "is a dynamic block; the integration writes every block out in full.");
    }
    // Stryker disable next-line ArrayDeclaration: a type with no guarded attributes; no attribute is named "Stryker was here"
    const guarded = GUARDED_ATTRIBUTES[address.type] ?? [];
    const ignored = isObject(body.lifecycle) ? body.lifecycle.ignore_changes : undefined;
    // Stryker disable next-line ConditionalExpression,ArrayDeclaration: [undefined] or a made-up entry names no guarded attribute, just as []
    const ignoredList = Array.isArray(ignored) ? ignored : ignored === undefined ? [] : [ignored];
    const hidden = ignoredList.filter((key) => key === "all" || guarded.includes(String(key).split(/[.[]/)[0]));
    if (hidden.length > 0) {
      this.fail(
        "WrittenAsPlanned",
        `${path}.lifecycle.ignore_changes`,
        `lists ${show(hidden)}, so a change made outside Terraform there would never be corrected.`,
      );
    }
    return body;
  }

  // ------------------------------------------------------------------ the integration's own resources

  public checkStorageAccount(): void {
    const address = this.plan.storageAccount;
    const sa = this.body(address);
    if (sa === undefined) {
      return;
    }
    const path = this.pathOf(address);
    const expect = (rule: BaselineRule, key: string, ok: boolean, wanted: string) => {
      if (!ok) {
        this.fail(rule, `${path}.${key}`, `is ${show(sa[key])}; the baseline requires ${wanted}.`);
      }
    };
    for (const r of STORAGE_ACCOUNT_RULES) {
      expect(r.rule, r.key, r.ok(sa[r.key]), r.wanted);
    }
    const access = this.plan.access;
    if (!access.sharedAccessKeyEnabled) {
      expect("SharedKeyDisabled", "shared_access_key_enabled", sa.shared_access_key_enabled === false, "false (or sharedAccessKeyEnabled: true)");
    }

    const firewall = (key: string, message: string) =>
      this.fail("FirewallDenyByDefault", `${path}.${key}`, message);
    const { block: rules, problem } = singleBlock(sa.network_rules);
    if (problem !== undefined) {
      firewall("network_rules", `${problem}; the firewall is one block.`);
    }
    const mode = access.publicNetworkAccess;
    if (mode !== "Enabled" && rules.default_action !== "Deny") {
      firewall("network_rules.default_action", `is ${show(rules.default_action)}; the baseline requires "Deny" (or publicNetworkAccess: "Enabled").`);
    }
    if (mode === "Disabled" && sa.public_network_access_enabled !== false) {
      firewall("public_network_access_enabled", `is ${show(sa.public_network_access_enabled)} although publicNetworkAccess is "Disabled".`);
    }
    const bypass = rules.bypass;
    if (bypass !== undefined && (!Array.isArray(bypass) || bypass.some((b) => b !== "AzureServices"))) {
      firewall("network_rules.bypass", `is ${show(bypass)}; only "AzureServices" is planned.`);
    }
    // Stryker disable next-line ArrayDeclaration: a made-up planned entry is never written, so what is extra stays the same
    const planned = mode === "SelectedNetworks" ? access.allowedIpRanges : [];
    const written = rules.ip_rules;
    if (written !== undefined && JSON.stringify(written) !== JSON.stringify(planned)) {
      const extra = Array.isArray(written) && Array.isArray(planned) ? written.filter((ip) => !planned.includes(ip)) : written;
      if (!Array.isArray(extra) || extra.length > 0) {
        firewall("network_rules.ip_rules", `lets through ${show(extra)}, which is not in allowedIpRanges.`);
      }
    }
    for (const key of ["virtual_network_subnet_ids", "private_link_access"]) {
      const value = rules[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        firewall(`network_rules.${key}`, `lets through ${show(value)}, which is not planned.`);
      }
    }
  }

  public checkRoleAssignments(): void {
    for (const planned of this.plan.roleAssignments) {
      const ra = this.body(planned.address);
      if (ra === undefined) {
        continue;
      }
      const path = this.pathOf(planned.address);
      const fail = (key: string, message: string) =>
        this.fail("LeastPrivilegeRoles", `${path}.${key}`, message);
      if (ra.role_definition_name !== planned.roleDefinitionName) {
        fail("role_definition_name", `is ${show(ra.role_definition_name)}; planned "${planned.roleDefinitionName}".`);
      }
      if (ra.role_definition_id !== undefined) {
        fail("role_definition_id", `is set to ${show(ra.role_definition_id)}; planned the role by name "${planned.roleDefinitionName}" only.`);
      }
      if (ra.scope !== planned.scope) {
        fail("scope", `is ${show(ra.scope)}; planned ${show(planned.scope)}.`);
      }
      if (ra.principal_id !== planned.principalId) {
        fail("principal_id", `is ${show(ra.principal_id)}; planned ${show(planned.principalId)}.`);
      }
      if (ra.principal_type !== planned.principalType) {
        fail("principal_type", `is ${show(ra.principal_type)}; planned ${show(planned.principalType)}.`);
      }
    }
  }

  public checkEventDelivery(): void {
    const p = this.plan;
    const accountId = reference(p.storageAccount, "id");
    const fail = (path: string, message: string) => this.fail("EventDeliveryScoped", path, message);
    for (const address of [p.networkEventsContainer, p.deadLetterContainer, p.queue]) {
      const body = this.body(address);
      const path = this.pathOf(address);
      if (body !== undefined && body.storage_account_id !== accountId) {
        fail(`${path}.storage_account_id`, `is ${show(body.storage_account_id)}; planned ${show(accountId)}.`);
      }
      if (body !== undefined && address.type === "azurerm_storage_container" && body.container_access_type !== "private") {
        this.fail(
          "NoPublicBlobAccess",
          `${path}.container_access_type`,
          `is ${show(body.container_access_type)}; the baseline requires "private".`,
        );
      }
    }
    const sub = this.body(p.eventSubscription);
    if (sub === undefined) {
      return;
    }
    const path = this.pathOf(p.eventSubscription);
    const types = sub.included_event_types;
    if (!Array.isArray(types) || types.length !== 1 || types[0] !== BLOB_CREATED_EVENT_TYPE) {
      fail(`${path}.included_event_types`, `is ${show(types)}; planned ["${BLOB_CREATED_EVENT_TYPE}"] only.`);
    }
    const block = (key: string): Json => {
      const { block: b, problem } = singleBlock(sub[key]);
      if (problem !== undefined) {
        fail(`${path}.${key}`, `${problem}; planned once.`);
      }
      return b;
    };
    const prefix = `/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}/`;
    const filter = block("subject_filter");
    if (filter.subject_begins_with !== prefix) {
      fail(`${path}.subject_filter.subject_begins_with`, `is ${show(filter.subject_begins_with)}; planned ${show(prefix)}.`);
    }
    for (const key of ["delivery_identity", "dead_letter_identity"]) {
      const identity = block(key);
      if (identity.type !== "SystemAssigned") {
        fail(`${path}.${key}.type`, `is ${show(identity.type)}; planned "SystemAssigned" (the system topic's identity).`);
      }
    }
    const queue = block("storage_queue_endpoint");
    const plannedQueue = { storage_account_id: accountId, queue_name: reference(p.queue, "name") };
    for (const [key, value] of Object.entries(plannedQueue)) {
      if (queue[key] !== value) {
        fail(`${path}.storage_queue_endpoint.${key}`, `is ${show(queue[key])}; planned ${show(value)} (the integration's queue).`);
      }
    }
    const deadLetter = block("storage_blob_dead_letter_destination");
    const plannedDeadLetter = {
      storage_account_id: accountId,
      storage_blob_container_name: reference(p.deadLetterContainer, "name"),
    };
    for (const [key, value] of Object.entries(plannedDeadLetter)) {
      if (deadLetter[key] !== value) {
        fail(
          `${path}.storage_blob_dead_letter_destination.${key}`,
          `is ${show(deadLetter[key])}; planned ${show(value)} (the integration's dead-letter container).`,
        );
      }
    }
    for (const key of OTHER_ENDPOINT_KEYS) {
      if (sub[key] !== undefined) {
        fail(`${path}.${key}`, `is set: events would also go to ${key}; planned the queue only.`);
      }
    }
    const topic = this.body(p.systemTopic);
    if (topic !== undefined && topic.source_resource_id !== accountId) {
      fail(`${this.pathOf(p.systemTopic)}.source_resource_id`, `is ${show(topic.source_resource_id)}; planned ${show(accountId)}.`);
    }
    if (sub.system_topic !== reference(p.systemTopic, "name")) {
      fail(`${path}.system_topic`, `is ${show(sub.system_topic)}; planned ${show(reference(p.systemTopic, "name"))}.`);
    }
  }

  /** The resource group (made or looked up): the account lives in it, so it must be written too. */
  public checkResourceGroup(): void {
    this.body(this.plan.resourceGroup);
  }

  public checkApplication(): void {
    const p = this.plan;
    const fail = (path: string, message: string) => this.fail("SingleTenantApplication", path, message);
    const machineReadAll = reference(p.defenderApi, 'app_role_ids["Machine.Read.All"]');
    const app = this.body(p.application);
    if (app !== undefined) {
      const path = this.pathOf(p.application);
      if (app.sign_in_audience !== "AzureADMyOrg") {
        fail(`${path}.sign_in_audience`, `is ${show(app.sign_in_audience)}; the baseline requires "AzureADMyOrg".`);
      }
      const planned = [{ resource_access: [{ id: machineReadAll, type: "Role" }], resource_app_id: DEFENDER_API_CLIENT_ID }];
      if (JSON.stringify(sortKeys(app.required_resource_access)) !== JSON.stringify(planned)) {
        fail(
          `${path}.required_resource_access`,
          `is ${show(app.required_resource_access)}; planned Machine.Read.All (type "Role") on the Defender API (${DEFENDER_API_CLIENT_ID}) only.`,
        );
      }
      if (app.password !== undefined) {
        this.fail("SecretLifetime", `${path}.password`, `adds a client secret the construct does not manage.`);
      }
    }
    const sp = this.body(p.servicePrincipal);
    if (sp !== undefined && sp.client_id !== reference(p.application, "client_id")) {
      fail(`${this.pathOf(p.servicePrincipal)}.client_id`, `is ${show(sp.client_id)}; planned ${show(reference(p.application, "client_id"))}.`);
    }
    // An owner can add credentials and act as the application.
    for (const [address, body] of [[p.application, app], [p.servicePrincipal, sp]] as const) {
      if (body !== undefined && JSON.stringify(body.owners) !== JSON.stringify(p.owners)) {
        fail(`${this.pathOf(address)}.owners`, `is ${show(body.owners)}; planned ${show(p.owners)} (the deployer and additionalOwnerObjectIds).`);
      }
    }
    const consent = this.body(p.consent);
    if (consent !== undefined) {
      const plannedConsent = {
        app_role_id: machineReadAll,
        principal_object_id: reference(p.servicePrincipal, "object_id"),
        resource_object_id: reference(p.defenderApi, "object_id"),
      };
      for (const [key, value] of Object.entries(plannedConsent)) {
        if (consent[key] !== value) {
          fail(
            `${this.pathOf(p.consent)}.${key}`,
            `is ${show(consent[key])}; planned ${show(value)} (Machine.Read.All on the Defender API, to the integration's service principal).`,
          );
        }
      }
    }
    const defender = this.body(p.defenderApi);
    if (defender !== undefined && defender.client_id !== DEFENDER_API_CLIENT_ID) {
      fail(`${this.pathOf(p.defenderApi)}.client_id`, `is ${show(defender.client_id)}; the Defender API is ${DEFENDER_API_CLIENT_ID}.`);
    }
  }

  public checkSecrets(): void {
    const p = this.plan;
    if (p.secretLifetimeMonths > MAX_SECRET_MONTHS) {
      this.fail("SecretLifetime", p.subject, `plans secrets that live ${p.secretLifetimeMonths} months; Entra ID and the baseline allow at most ${MAX_SECRET_MONTHS}.`);
    }
    for (const planned of [...p.passwords, ...p.secretSchedule]) {
      const body = this.body(planned.address);
      if (body === undefined) {
        continue;
      }
      const path = this.pathOf(planned.address);
      const written = withoutMetadata(body);
      const keys = new Set([...Object.keys(written), ...Object.keys(planned.attributes)]);
      // Stryker disable next-line MethodExpression: only the order of the messages
      for (const key of [...keys].sort()) {
        if (key === "depends_on" || key === "lifecycle" || key === "provider") {
          continue;
        }
        if (JSON.stringify(sortKeys(written[key])) !== JSON.stringify(sortKeys(planned.attributes[key]))) {
          this.fail(
            "SecretLifetime",
            `${path}.${key}`,
            `is ${show(written[key])}; planned ${show(planned.attributes[key])} (each secret's expiry comes from the construct's schedule).`,
          );
        }
      }
    }
  }

  public checkAlerts(): void {
    const alerts = this.plan.alerts;
    if (alerts === undefined) {
      return;
    }
    for (const planned of alerts.metricAlerts) {
      const body = this.body(planned.address);
      if (body === undefined) {
        continue;
      }
      const path = this.pathOf(planned.address);
      if (body.enabled === false) {
        this.fail("AlertsIntact", `${path}.enabled`, `is false; the alert must stay on.`);
      }
      for (const [key, value] of Object.entries(planned.attributes)) {
        if (JSON.stringify(sortKeys(body[key])) !== JSON.stringify(sortKeys(value))) {
          this.fail("AlertsIntact", `${path}.${key}`, `is ${show(body[key])}; planned ${show(value)}.`);
        }
      }
    }
    const group = alerts.actionGroup;
    if (group === undefined) {
      return; // a given action group: not the integration's to check
    }
    const body = this.body(group.address);
    if (body !== undefined) {
      const path = this.pathOf(group.address);
      if (body.enabled === false) {
        this.fail("AlertsIntact", `${path}.enabled`, `is false; the action group must stay on.`);
      }
      for (const key of Object.keys(body).filter((k) => k.endsWith("_receiver") && k !== "email_receiver")) {
        const value = body[key];
        // Stryker disable next-line ConditionalExpression: JSON holds no undefined value; the check stays for objects built by hand
        if (value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0)) {
          this.fail("AlertsIntact", `${path}.${key}`, `adds a receiver that is not planned; the action group only mails the planned addresses.`);
        }
      }
      const receivers = Array.isArray(body.email_receiver) ? body.email_receiver : body.email_receiver === undefined ? [] : [body.email_receiver];
      const written = receivers.map((r) => (isObject(r) ? r.email_address : undefined));
      if (JSON.stringify([...written].sort()) !== JSON.stringify([...group.emails].sort())) {
        this.fail("AlertsIntact", `${path}.email_receiver`, `mails ${show(written)}; planned ${show(group.emails)}.`);
      }
    }
  }

  // ------------------------------------------------------------------ everything else in the stack

  /** Side doors: other elements that grant, credential, open, copy, silence or re-route the integration's resources. */
  public checkOtherElements(): void {
    const p = this.plan;
    const sets = this.targets();
    const { storage, group, application, principals, secrets, topic, alerting } = sets;
    const names = p.literalNames;
    const accountInId =
      names.storageAccount !== undefined
        ? new RegExp(`/providers/Microsoft\\.Storage/storageAccounts/${escapeRegExp(names.storageAccount)}(?:/|$|")`, "i")
        : undefined;
    const groupAtEnd =
      names.resourceGroup !== undefined ? new RegExp(`/resourceGroups/${escapeRegExp(names.resourceGroup)}/?$`, "i") : undefined;
    /** A value as JSON text (a string in quotes, which the patterns allow for). */
    const textOf = (value: unknown): string => JSON.stringify(value ?? null);
    const targetsStorage = (value: unknown): boolean => storage.isReferredToBy(textOf(value)) || (accountInId?.test(textOf(value)) ?? false);
    /** A scope at the resource group itself (which covers the account). */
    const targetsGroup = (value: unknown): boolean => {
      if (typeof value !== "string") {
        return false;
      }
      const text = normalizeReferences(value);
      const lastReference = /\$\{([^}]*)\}\/?$/.exec(text);
      return (lastReference !== null && group.isReferredToBy(lastReference[1])) || (groupAtEnd?.test(text) ?? false);
    };

    for (const [type, byName] of Object.entries(this.resources)) {
      for (const [name, raw] of Object.entries(byName)) {
        if (this.planned.has(`resource.${type}.${name}`) || !isObject(raw)) {
          continue;
        }
        const body = withoutMetadata(raw);
        const path = `resource.${type}.${name}`;
        const text = JSON.stringify(body);
        const fail = (rule: BaselineRule, message: string) => this.fail(rule, path, message);
        const role = show(body.role_definition_name ?? body.role_definition_id);
        switch (type) {
          case "azurerm_role_assignment":
            if (principals.isReferredToBy(textOf(body.principal_id))) {
              fail("LeastPrivilegeRoles", `grants ${role} to a principal of the integration; it is not one of the planned assignments.`);
            } else if (targetsStorage(body.scope) || targetsGroup(body.scope)) {
              fail("LeastPrivilegeRoles", `grants ${role} on ${show(body.scope)}, which covers the integration's storage; it is not one of the planned assignments.`);
            }
            continue;
          case "azurerm_storage_account_network_rules":
            if (targetsStorage(body.storage_account_id)) {
              fail("FirewallDenyByDefault", "sets the firewall of the integration's storage account outside its network_rules block.");
            }
            continue;
          case "azurerm_storage_account_local_user":
            if (targetsStorage(body.storage_account_id)) {
              fail("LocalUsersDisabled", "adds a local user to the integration's storage account.");
            }
            continue;
          case "azurerm_storage_object_replication":
            if (targetsStorage(body.source_storage_account_id)) {
              fail("CrossTenantReplicationDisabled", "replicates the integration's blobs to another storage account.");
            }
            continue;
          case "azurerm_storage_container":
            if (
              (targetsStorage(body.storage_account_id) || targetsStorage(body.storage_account_name) || mentions(textOf(body.storage_account_name), names.storageAccount)) &&
              body.container_access_type !== undefined &&
              body.container_access_type !== "private"
            ) {
              fail("NoPublicBlobAccess", `is a ${show(body.container_access_type)} container in the integration's storage account; every container there must be private.`);
            }
            continue;
          case "azurerm_eventgrid_system_topic_event_subscription":
            if (topic.isReferredToBy(textOf(body.system_topic))) {
              fail("EventDeliveryScoped", "subscribes to the integration's system topic; only the planned subscription may.");
            }
            continue;
          case "azurerm_eventgrid_event_subscription":
          case "azurerm_eventgrid_system_topic":
            if (targetsStorage(body.scope) || targetsStorage(body.source_resource_id)) {
              fail("EventDeliveryScoped", "subscribes to the events of the integration's storage account; only the planned subscription may.");
            }
            continue;
          case "azurerm_monitor_alert_processing_rule_suppression":
            if (p.alerts !== undefined && (alerting.isReferredToBy(textOf(body.scopes)) || (Array.isArray(body.scopes) && body.scopes.some(targetsGroup)))) {
              fail("AlertsIntact", "suppresses the notifications of the integration's alerts.");
            }
            continue;
        }
        if (secrets.isReferredToBy(text)) {
          fail("SecretLifetime", "refers to the integration's client secret; copy it with clientSecretKeyVaultId, or read it from a sensitive output.");
        } else if (type.startsWith("azuread_") && application.isReferredToBy(text)) {
          fail(
            CREDENTIAL_TYPES.has(type) ? "SecretLifetime" : "SingleTenantApplication",
            CREDENTIAL_TYPES.has(type)
              ? "adds a credential to the integration's application or service principal; its only credentials are the construct's client secrets."
              : "changes or grants something to the integration's application or service principal.",
          );
        } else if (!PASS_THROUGH_TYPES.has(type) && principals.isReferredToBy(text)) {
          fail("LeastPrivilegeRoles", "passes a principal of the integration to a resource that can grant it access.");
        }
      }
    }
    const modules = isObject(this.json.module) ? this.json.module : {};
    for (const [name, raw] of Object.entries(modules)) {
      const text = JSON.stringify(isObject(raw) ? withoutMetadata(raw) : raw);
      if (secrets.isReferredToBy(text) || application.isReferredToBy(text) || principals.isReferredToBy(text)) {
        this.fail(
          "LeastPrivilegeRoles",
          `module.${name}`,
          `receives the integration's application, principal or client secret; the guard cannot see inside a module.`,
        );
      }
    }
    this.checkSecretExposure(secrets);
  }

  /** Outputs and locals that would show the client secret: an output must be sensitive, and nothing may call nonsensitive() on it. */
  private checkSecretExposure(secrets: Targets): void {
    const outputs = isObject(this.json.output) ? this.json.output : {};
    for (const [name, raw] of Object.entries(outputs)) {
      const body = isObject(raw) ? raw : {};
      const text = JSON.stringify(body.value ?? null);
      if (!secrets.isReferredToBy(text)) {
        continue;
      }
      const path = `output.${name}`;
      if (body.sensitive !== true) {
        this.fail("SecretLifetime", `${path}.sensitive`, "is not true, but the output shows the integration's client secret; Terraform would print it.");
      }
      if (/nonsensitive\s*\(/.test(normalizeReferences(text))) {
        this.fail("SecretLifetime", `${path}.value`, `calls nonsensitive() on the integration's client secret; Terraform would print it.`);
      }
    }
    const locals = isObject(this.json.locals) ? this.json.locals : {};
    for (const [name, value] of Object.entries(locals)) {
      const text = JSON.stringify(value ?? null);
      if (/nonsensitive\s*\(/.test(normalizeReferences(text)) && secrets.isReferredToBy(text)) {
        this.fail("SecretLifetime", `locals.${name}`, `calls nonsensitive() on the integration's client secret.`);
      }
    }
  }

  /**
   * What counts as the integration's resources, for the side doors: their addresses (at the
   * attribute that matters where one does: a principal's id, a secret's value), and every element
   * that stands for them — a data source that looks them up (by reference, or by their name written
   * out in any case), a local, a variable whose default names them, a module, or a resource that
   * only passes values through (terraform_data, null_resource, time_*). Found until nothing new
   * turns up.
   */
  private targets(): { [set in "storage" | "group" | "application" | "principals" | "secrets" | "topic" | "alerting"]: Targets } {
    const p = this.plan;
    const sets = {
      storage: new Targets(),
      group: new Targets(),
      application: new Targets(),
      principals: new Targets(),
      secrets: new Targets(),
      topic: new Targets(),
      alerting: new Targets(),
    };
    const ref = (address: Address, attribute?: string) =>
      `${address.data ? "data." : ""}${address.type}.${address.name}${attribute === undefined ? "" : `.${attribute}`}`;
    [p.storageAccount, p.networkEventsContainer, p.deadLetterContainer, p.queue].forEach((a) => sets.storage.add(ref(a)));
    sets.group.add(ref(p.resourceGroup));
    sets.application.add(ref(p.application));
    sets.application.add(ref(p.servicePrincipal));
    sets.principals.add(ref(p.servicePrincipal));
    sets.principals.add(ref(p.systemTopic, "identity"));
    sets.topic.add(ref(p.systemTopic));
    p.passwords.forEach((x) => sets.secrets.add(ref(x.address, "value")));
    // Stryker disable next-line ArrayDeclaration: a made-up address is never referred to
    [p.systemTopic, p.storageAccount, ...(p.alerts?.metricAlerts.map((a) => a.address) ?? [])].forEach((a) => sets.alerting.add(ref(a)));
    sets.alerting.add(ref(p.resourceGroup));

    const names = p.literalNames;
    /**
     * `lookup`: the type of a data source (which stands only for what it looks up); none for a
     * value that can stand for anything. `value`: what a local or variable default holds, to
     * compare with a name.
     */
    const candidates: { name: string; text: string; lookup?: string; value?: unknown }[] = [];
    for (const [type, byName] of Object.entries(this.dataSources)) {
      for (const [name, raw] of Object.entries(byName)) {
        // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: a planned data source stands only for itself, already in its set
        if (!this.planned.has(`data.${type}.${name}`) && isObject(raw)) {
          candidates.push({ name: `data.${type}.${name}`, text: JSON.stringify(withoutMetadata(raw)), lookup: type });
        }
      }
    }
    for (const [type, byName] of Object.entries(this.resources)) {
      for (const [name, raw] of Object.entries(byName)) {
        // Stryker disable next-line StringLiteral: the construct's own pass-throughs (the role wait, the secret schedule) refer to nothing in the sets, so counting them changes nothing
        if (PASS_THROUGH_TYPES.has(type) && !this.planned.has(`resource.${type}.${name}`) && isObject(raw)) {
          candidates.push({ name: `${type}.${name}`, text: JSON.stringify(withoutMetadata(raw)) });
        }
      }
    }
    const blocks: [string, string][] = [["locals", "local"], ["variable", "var"], ["module", "module"]];
    for (const [block, prefix] of blocks) {
      const entries = isObject(this.json[block]) ? (this.json[block] as Json) : {};
      for (const [name, value] of Object.entries(entries)) {
        // Stryker disable next-line ConditionalExpression,LogicalOperator: a local that is an object, or a variable that is not, holds no name either way
        const held = prefix === "var" && isObject(value) ? value.default : prefix === "local" ? value : undefined;
        candidates.push({ name: `${prefix}.${name}`, text: JSON.stringify(value ?? null), value: held });
      }
    }
    /** Which sets a data source of this type can stand for: the things it looks up. */
    const looksUp = (type: string): (keyof typeof sets)[] => {
      switch (type) {
        case "azurerm_storage_account":
        case "azurerm_storage_container":
        case "azurerm_storage_queue":
        case "azurerm_resources":
          return ["storage"];
        case "azurerm_resource_group":
          return ["group"];
        case "azuread_application":
          return ["application"];
        case "azuread_service_principal":
          return ["application", "principals"];
        default:
          return [];
      }
    };
    /** The sets a candidate can stand for: a data source only what it looks up, a value anything. */
    const standsFor = (c: (typeof candidates)[number]): (keyof typeof sets)[] =>
      c.lookup === undefined ? (Object.keys(sets) as (keyof typeof sets)[]) : looksUp(c.lookup);
    for (const c of candidates) {
      // The storage account's name is unique in Azure: whatever names it stands for it.
      if (mentions(c.text, names.storageAccount) && standsFor(c).includes("storage")) {
        sets.storage.add(c.name);
      }
      // A resource group's name is not: only a lookup of the group, or a local or variable that is exactly it.
      const isGroupName = typeof c.value === "string" && names.resourceGroup !== undefined && c.value.toLowerCase() === names.resourceGroup.toLowerCase();
      if ((c.lookup === "azurerm_resource_group" && mentions(c.text, names.resourceGroup)) || isGroupName) {
        sets.group.add(c.name);
      }
      if ((c.lookup === "azuread_application" || c.lookup === "azuread_service_principal") && mentions(c.text, names.applicationDisplayName)) {
        sets.application.add(c.name);
        if (c.lookup === "azuread_service_principal") {
          sets.principals.add(c.name);
        }
      }
    }
    let grew = true;
    while (grew) {
      grew = false;
      for (const c of candidates) {
        // A service principal looked up by the application's client id is the integration's principal
        // (for the other set a service principal lookup stands for, the application, the reference itself counts).
        const principalOfApplication = c.lookup === "azuread_service_principal" && sets.application.isReferredToBy(c.text);
        for (const key of standsFor(c)) {
          if ((sets[key].isReferredToBy(c.text) || principalOfApplication) && sets[key].add(c.name)) {
            grew = true;
          }
        }
      }
    }
    return sets;
  }
}

/** Object keys sorted, so two JSON values compare by content. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (isObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}

/** Every way the written JSON breaks the baseline for one integration, exceptions not applied. */
export function findBaselineViolations(json: TerraformJson, plan: BaselinePlan): BaselineViolation[] {
  const check = new Check(json, plan);
  check.checkStorageAccount();
  check.checkRoleAssignments();
  check.checkEventDelivery();
  check.checkResourceGroup();
  check.checkApplication();
  check.checkSecrets();
  check.checkAlerts();
  check.checkOtherElements();
  return check.violations;
}

/**
 * Throws a {@link SecureBaselineError} listing every violation without a reasoned exception, and
 * every exception that excuses nothing (an unused exception would silently let a later weakening
 * of that rule through).
 */
export function enforceBaseline(json: TerraformJson, plan: BaselinePlan): void {
  const violations = findBaselineViolations(json, plan);
  const excepted = new Set(plan.exceptions.map((e) => e.rule));
  const unexcused = violations.filter((v) => !excepted.has(v.rule));
  const unused = plan.exceptions
    .map((e, i) => ({ rule: e.rule, index: i }))
    .filter((e) => !violations.some((v) => v.rule === e.rule));
  if (unexcused.length === 0 && unused.length === 0) {
    return;
  }
  const lines = [
    ...unexcused.map((v) => `  - [${v.rule}] ${v.path} ${v.message}`),
    ...unused.map(
      (e) =>
        `  - baselineExceptions[${e.index}] (${e.rule}): nothing breaks this rule, so the exception would only hide a later weakening; remove it.`,
    ),
  ];
  const rules = [...new Set(unexcused.map((v) => v.rule))];
  throw new SecureBaselineError(
    `Secure baseline violated in ${plan.subject}; nothing was synthesized.\n` +
      lines.join("\n") +
      (rules.length > 0 ? `\nEach rule: ${rules.map((r) => `${r}: ${BASELINE_RULES[r]}`).join("; ")}.` : "") +
      (unexcused.length > 0
        ? "\nIf this is deliberate, add { rule, reason } to the baselineExceptions prop of XshieldMdeIntegration; " +
          "otherwise remove the override or element that causes it."
        : ""),
  );
}
