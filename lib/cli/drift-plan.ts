/**
 * What `verify --drift` expects to find live: read from the synthesized stack (`cdk.tf.json`)
 * and the deployed outputs, so that it works on any stack that holds the integration, however
 * many integrations it holds and whatever its addresses.
 *
 * The integration's storage account is the `azurerm_storage_account` whose literal name is the
 * deployed `storage_account_name` (or the one the `storage_account_id` output refers to); its
 * containers, queue, role assignments, system topic and event subscription are the elements
 * whose expressions refer to it (or to each other); its application is the one the `client_id`
 * output refers to. Only literal values are expected: an attribute written as a Terraform
 * expression (a variable, a function) cannot be known here and is listed as not compared.
 *
 * cdktf writes references as whole `${type.name.attribute}` interpolations, which is what is
 * read here; anything else is not resolved (and said so), never guessed.
 */
import { ROLES } from "../constants";
import { DeployedOutputs, outputName } from "./outputs";

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** A bad stack: the integration the outputs name is not in it. verify reports it and does not run. */
export class DriftPlanError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "DriftPlanError";
  }
}

/** A storage account attribute the plan sets to a literal, and its value. */
export type AccountAttribute =
  | "min_tls_version"
  | "https_traffic_only_enabled"
  | "allow_nested_items_to_be_public"
  | "shared_access_key_enabled"
  | "default_to_oauth_authentication"
  | "local_user_enabled"
  | "sftp_enabled"
  | "cross_tenant_replication_enabled"
  | "infrastructure_encryption_enabled"
  | "public_network_access_enabled";

/** The security attributes of the account compared with what is live. */
export const ACCOUNT_ATTRIBUTES: readonly AccountAttribute[] = [
  "min_tls_version",
  "https_traffic_only_enabled",
  "allow_nested_items_to_be_public",
  "shared_access_key_enabled",
  "default_to_oauth_authentication",
  "local_user_enabled",
  "sftp_enabled",
  "cross_tenant_replication_enabled",
  "infrastructure_encryption_enabled",
  "public_network_access_enabled",
];

/** The firewall (`network_rules`) as planned; each field undefined when it is not a literal. */
export interface PlannedFirewall {
  readonly defaultAction?: string;
  readonly bypass?: readonly string[];
  readonly ipRules?: readonly string[];
  readonly subnetIds?: readonly string[];
  /** `private_link_access` entries planned (their count). */
  readonly privateLinkAccess?: number;
}

/** A planned role assignment on the account or below it. */
export interface PlannedRoleAssignment {
  /** The Terraform address, for messages. */
  readonly address: string;
  /** `role_definition_name`, when a literal. */
  readonly roleName?: string;
  /** The role definition's GUID, when `role_definition_id` is a literal or the name is a known built-in role. */
  readonly roleId?: string;
  /** The scope below the account: "" (the account), `/blobServices/default/containers/<n>` or `/queueServices/default/queues/<n>`. */
  readonly scopePath: string;
  /** Whose: the application's service principal, the system topic's identity, a literal object id, or not known here. */
  readonly principal:
    | { readonly kind: "application" }
    | { readonly kind: "topic" }
    | { readonly kind: "literal"; readonly id: string }
    | { readonly kind: "unknown" };
}

/** The event subscription as planned; each field undefined when it is not a literal. */
export interface PlannedSubscription {
  readonly name: string;
  readonly includedEventTypes?: readonly string[];
  readonly subjectBeginsWith?: string;
  readonly subjectEndsWith?: string;
  /** The queue it delivers to (the integration's own queue). */
  readonly queueName?: string;
  /** Whether delivery uses the topic's system-assigned identity. */
  readonly deliveryIdentity: boolean;
  /** The dead-letter container, when planned. */
  readonly deadLetterContainer?: string;
}

/** An API permission the application asks for, or one granted to its service principal. */
export interface PlannedPermission {
  /** The API's application (client) id. */
  readonly resourceAppId: string;
  /** `Role` (application permission) or `Scope` (delegated). */
  readonly type: "Role" | "Scope";
  /** The permission by value (`Machine.Read.All`), when written as the API's `app_role_ids["…"]`. */
  readonly value?: string;
  /** The permission's GUID, when a literal. */
  readonly id?: string;
}

/** The application as planned. */
export interface PlannedApplication {
  readonly address: string;
  readonly signInAudience?: string;
  /** The display names of its planned passwords (the two slots). */
  readonly passwordNames: readonly string[];
  /** How many certificates are planned for it. */
  readonly certificates: number;
  /** The display names of its planned federated credentials. */
  readonly federatedCredentials: readonly string[];
  /** What it asks for (`required_resource_access`); undefined when not literal. */
  readonly requiredResourceAccess?: readonly PlannedPermission[];
  /** What is granted to its service principal (`azuread_app_role_assignment`s). */
  readonly grantedRoles: readonly PlannedPermission[];
}

/** Everything `--drift` compares, read from the synthesized stack. */
export interface DriftPlan {
  /** The storage account's Terraform address. */
  readonly accountAddress: string;
  /** The literal security attributes of the account. */
  readonly account: Partial<Record<AccountAttribute, string | boolean>>;
  readonly firewall?: PlannedFirewall;
  /** Blob and container soft delete, when the stack asks for it (days). */
  readonly softDelete?: { readonly blobDays?: number; readonly containerDays?: number };
  /** The planned containers: name and public access ("None", "Blob", "Container"). */
  readonly containers: readonly { readonly name: string; readonly publicAccess?: string }[];
  readonly queueName?: string;
  readonly roleAssignments: readonly PlannedRoleAssignment[];
  readonly systemTopic?: { readonly name: string; readonly resourceGroupName?: string };
  readonly eventSubscription?: PlannedSubscription;
  readonly application?: PlannedApplication;
  /** What could not be taken from the stack, and so is not compared. */
  readonly notCompared: readonly string[];
}

/** `${type.name.attribute}` and nothing else: the reference, or undefined. */
function wholeReference(expression: unknown): { type: string; name: string; attribute: string } | undefined {
  if (typeof expression !== "string") return undefined;
  const match = /^\$\{((?:data\.)?[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_.[\]"]+)\}$/.exec(expression);
  return match ? { type: match[1]!, name: match[2]!, attribute: match[3]! } : undefined;
}

/** Whether `expression` (any JSON value) refers to element `type.name`, in any attribute. */
function refersTo(expression: unknown, type: string, name: string): boolean {
  const text = typeof expression === "string" ? expression : JSON.stringify(expression ?? null);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(?:^|[^A-Za-z0-9_.-])${escape(type)}\\.${escape(name)}(?:[.[}\\s)]|$)`).test(text);
}

const isLiteral = (value: unknown): boolean =>
  (typeof value === "string" && !value.includes("${")) || typeof value === "boolean" || typeof value === "number";

/** A single nested block: cdktf writes an object, Terraform JSON allows a one-element list. */
function block(value: unknown): Json | undefined {
  if (isObject(value)) return value;
  return Array.isArray(value) && value.length === 1 && isObject(value[0]) ? value[0] : undefined;
}

function literalStrings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === "string" && !v.includes("${")) ? (value as string[]) : undefined;
}

/** The stack's elements of a type: `[name, body]`. */
function elements(stack: Json, kind: "resource" | "data", type: string): [string, Json][] {
  const all = isObject(stack[kind]) ? stack[kind] : {};
  const ofType = isObject(all[type]) ? all[type] : {};
  return Object.entries(ofType).filter((entry): entry is [string, Json] => isObject(entry[1]));
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Known built-in roles by name (their GUIDs are the same in every tenant). */
const BUILT_IN_ROLE_IDS: ReadonlyMap<string, string> = new Map(Object.values(ROLES).map((role) => [role.name.toLowerCase(), role.id]));

/**
 * Reads what `--drift` expects from the synthesized stack `stack` (parsed `cdk.tf.json`) for
 * the integration whose outputs are `outputs` (named with `prefix`, if any).
 *
 * @throws DriftPlanError when the stack holds no storage account of that name
 */
export function driftPlan(stack: unknown, outputs: Pick<DeployedOutputs, "storageAccountName">, prefix?: string): DriftPlan {
  if (!isObject(stack)) throw new DriftPlanError("the synthesized stack is not a JSON object.");
  const notCompared: string[] = [];
  const stackOutputs = isObject(stack.output) ? stack.output : {};
  const outputRef = (key: "storageAccountId" | "clientId") => {
    const output = stackOutputs[outputName(key, prefix)];
    return wholeReference(isObject(output) ? output.value : undefined);
  };

  const accounts = elements(stack, "resource", "azurerm_storage_account");
  const byName = accounts.find(([, body]) => body.name === outputs.storageAccountName);
  const byOutput = outputRef("storageAccountId");
  // By the output only when the account's name is not a literal (a literal that differs is another account).
  const found =
    byName ?? accounts.find(([name, body]) => byOutput?.type === "azurerm_storage_account" && byOutput.name === name && !isLiteral(body.name));
  if (found === undefined) {
    throw new DriftPlanError(
      `the synthesized stack holds no azurerm_storage_account named "${outputs.storageAccountName}" (the deployed storage_account_name)` +
        (accounts.length > 0 ? `; it has ${accounts.map(([, b]) => (typeof b.name === "string" ? b.name : "(a computed name)")).join(", ")}` : "") +
        ". Compare with the stack that was deployed: synthesize it again, or give its folder with --stack-dir (and --prefix for one of several integrations).",
    );
  }
  const [accountName, accountBody] = found;
  const accountAddress = `azurerm_storage_account.${accountName}`;
  const onAccount = (expression: unknown) => refersTo(expression, "azurerm_storage_account", accountName);

  const account: Partial<Record<AccountAttribute, string | boolean>> = {};
  for (const attribute of ACCOUNT_ATTRIBUTES) {
    const value = accountBody[attribute];
    if (value === undefined) continue;
    if (typeof value === "string" || typeof value === "boolean") {
      if (isLiteral(value)) {
        account[attribute] = value;
        continue;
      }
    }
    notCompared.push(`${attribute} (not a literal in the stack)`);
  }

  const rules = block(accountBody.network_rules);
  let firewall: PlannedFirewall | undefined;
  if (rules !== undefined) {
    const strings = (key: string) => {
      const value = literalStrings(rules[key] ?? []);
      if (value === undefined) notCompared.push(`network_rules.${key} (not a literal in the stack)`);
      return value;
    };
    const defaultAction = isLiteral(rules.default_action) ? String(rules.default_action) : undefined;
    if (defaultAction === undefined) notCompared.push("network_rules.default_action (not a literal in the stack)");
    const privateLink = rules.private_link_access;
    firewall = {
      ...(defaultAction !== undefined ? { defaultAction } : {}),
      ...optional("bypass", strings("bypass")),
      ...optional("ipRules", strings("ip_rules")),
      ...optional("subnetIds", strings("virtual_network_subnet_ids")),
      privateLinkAccess: Array.isArray(privateLink) ? privateLink.length : privateLink === undefined ? 0 : 1,
    };
  }

  const blobProperties = block(accountBody.blob_properties);
  const days = (policy: unknown, what: string) => {
    const value = block(policy)?.days;
    if (value === undefined) return undefined;
    if (typeof value === "number") return value;
    notCompared.push(`${what} (not a literal in the stack)`);
    return undefined;
  };
  const blobDays = blobProperties !== undefined ? days(blobProperties.delete_retention_policy, "blob soft delete days") : undefined;
  const containerDays = blobProperties !== undefined ? days(blobProperties.container_delete_retention_policy, "container soft delete days") : undefined;
  const softDelete =
    blobDays !== undefined || containerDays !== undefined
      ? { ...optional("blobDays", blobDays), ...optional("containerDays", containerDays) }
      : undefined;

  const containerElements = elements(stack, "resource", "azurerm_storage_container").filter(([, body]) => onAccount(body.storage_account_id ?? body.storage_account_name));
  const containerNames = new Map(containerElements.map(([name, body]) => [name, typeof body.name === "string" && isLiteral(body.name) ? body.name : undefined]));
  const ACCESS: Readonly<Record<string, string>> = { private: "None", blob: "Blob", container: "Container" };
  const containers = containerElements.flatMap(([name, body]) => {
    const containerName = containerNames.get(name);
    if (containerName === undefined) {
      notCompared.push(`azurerm_storage_container.${name} (its name is not a literal in the stack)`);
      return [];
    }
    const access = body.container_access_type ?? "private";
    return [{ name: containerName, ...(typeof access === "string" && ACCESS[access] !== undefined ? { publicAccess: ACCESS[access] } : {}) }];
  });

  const queues = elements(stack, "resource", "azurerm_storage_queue").filter(([, body]) => onAccount(body.storage_account_id ?? body.storage_account_name));
  const queueNames = new Map(queues.map(([name, body]) => [name, typeof body.name === "string" && isLiteral(body.name) ? body.name : undefined]));
  const queueName = [...queueNames.values()].find((n) => n !== undefined);

  const topics = elements(stack, "resource", "azurerm_eventgrid_system_topic").filter(([, body]) => onAccount(body.source_resource_id ?? body.source_arm_resource_id));
  const topic = topics[0];
  let systemTopic: DriftPlan["systemTopic"];
  if (topic !== undefined) {
    const [, body] = topic;
    if (typeof body.name === "string" && isLiteral(body.name)) {
      const group = resourceGroupName(stack, body.resource_group_name);
      systemTopic = { name: body.name, ...optional("resourceGroupName", group) };
    } else {
      notCompared.push(`azurerm_eventgrid_system_topic.${topic[0]} (its name is not a literal in the stack)`);
    }
  }

  const subscriptionElement =
    topic !== undefined
      ? elements(stack, "resource", "azurerm_eventgrid_system_topic_event_subscription").find(([, body]) => refersTo(body.system_topic, "azurerm_eventgrid_system_topic", topic[0]))
      : undefined;
  let eventSubscription: PlannedSubscription | undefined;
  if (subscriptionElement !== undefined) {
    const [name, body] = subscriptionElement;
    if (typeof body.name === "string" && isLiteral(body.name)) {
      const filter = block(body.subject_filter) ?? {};
      const endpoint = block(body.storage_queue_endpoint);
      const deadLetter = block(body.storage_blob_dead_letter_destination);
      const nameOf = (expression: unknown, names: Map<string, string | undefined>, type: string) => {
        if (isLiteral(expression)) return String(expression);
        const ref = wholeReference(expression);
        return ref !== undefined && ref.type === type && ref.attribute === "name" ? names.get(ref.name) : undefined;
      };
      const eventTypes = literalStrings(body.included_event_types);
      eventSubscription = {
        name: body.name,
        ...optional("includedEventTypes", eventTypes),
        ...optional("subjectBeginsWith", typeof filter.subject_begins_with === "string" && isLiteral(filter.subject_begins_with) ? filter.subject_begins_with : undefined),
        ...optional("subjectEndsWith", typeof filter.subject_ends_with === "string" && isLiteral(filter.subject_ends_with) ? filter.subject_ends_with : undefined),
        ...optional("queueName", endpoint !== undefined ? nameOf(endpoint.queue_name, queueNames, "azurerm_storage_queue") : undefined),
        deliveryIdentity: block(body.delivery_identity)?.type === "SystemAssigned",
        ...optional("deadLetterContainer", deadLetter !== undefined ? nameOf(deadLetter.storage_blob_container_name, containerNames, "azurerm_storage_container") : undefined),
      };
    } else {
      notCompared.push(`azurerm_eventgrid_system_topic_event_subscription.${name} (its name is not a literal in the stack)`);
    }
  }

  // The application: the one the client_id output refers to, else the one whose service principal
  // holds a role on the account, else the only one.
  const applications = elements(stack, "resource", "azuread_application");
  const principals = elements(stack, "resource", "azuread_service_principal");
  const roleElements = elements(stack, "resource", "azurerm_role_assignment").filter(([, body]) => onAccount(body.scope));
  const clientIdRef = outputRef("clientId");
  const principalOfRole = roleElements
    .map(([, body]) => wholeReference(body.principal_id))
    .find((ref) => ref?.type === "azuread_service_principal");
  const applicationOfPrincipal = principals
    .filter(([name]) => name === principalOfRole?.name)
    .map(([, body]) => wholeReference(body.client_id))
    .find((ref) => ref?.type === "azuread_application");
  const applicationName =
    (clientIdRef?.type === "azuread_application" ? clientIdRef.name : undefined) ??
    applicationOfPrincipal?.name ??
    (applications.length === 1 ? applications[0]![0] : undefined);
  const applicationBody = applications.find(([name]) => name === applicationName)?.[1];
  const servicePrincipal =
    applicationName !== undefined ? principals.find(([, body]) => refersTo(body.client_id, "azuread_application", applicationName)) : undefined;

  const principalOf = (expression: unknown): PlannedRoleAssignment["principal"] => {
    if (typeof expression === "string" && GUID.test(expression)) return { kind: "literal", id: expression.toLowerCase() };
    const ref = wholeReference(expression);
    if (ref?.type === "azuread_service_principal" && ref.name === servicePrincipal?.[0] && ref.attribute === "object_id") return { kind: "application" };
    if (ref?.type === "azurerm_eventgrid_system_topic" && ref.name === topic?.[0] && ref.attribute === "identity[0].principal_id") return { kind: "topic" };
    return { kind: "unknown" };
  };
  const roleAssignments = roleElements.flatMap(([name, body]): PlannedRoleAssignment[] => {
    const address = `azurerm_role_assignment.${name}`;
    const scopePath = scopeBelowAccount(body.scope, accountName, containerNames, queueNames);
    if (scopePath === undefined) {
      notCompared.push(`${address} (its scope is not the account, one of its containers or its queue written out)`);
      return [];
    }
    const roleName = typeof body.role_definition_name === "string" && isLiteral(body.role_definition_name) ? body.role_definition_name : undefined;
    const literalId = typeof body.role_definition_id === "string" ? /([0-9a-fA-F-]{36})$/.exec(body.role_definition_id)?.[1] : undefined;
    const roleId = literalId?.toLowerCase() ?? (roleName !== undefined ? BUILT_IN_ROLE_IDS.get(roleName.toLowerCase()) : undefined);
    if (roleName === undefined && roleId === undefined) {
      notCompared.push(`${address} (its role is not a literal in the stack)`);
      return [];
    }
    const principal = principalOf(body.principal_id);
    if (principal.kind === "unknown") notCompared.push(`the principal of ${address} (not a literal or a reference to the integration's identities; compared by role and scope)`);
    return [{ address, ...optional("roleName", roleName), ...optional("roleId", roleId), scopePath, principal }];
  });

  let application: PlannedApplication | undefined;
  if (applicationName !== undefined && applicationBody !== undefined) {
    const forApplication = (type: string) =>
      elements(stack, "resource", type).filter(([, body]) => refersTo(body.application_id ?? body.application_object_id, "azuread_application", applicationName));
    const passwordNames = forApplication("azuread_application_password").flatMap(([name, body]) => {
      if (typeof body.display_name === "string" && isLiteral(body.display_name)) return [body.display_name];
      notCompared.push(`the display name of azuread_application_password.${name} (not a literal in the stack)`);
      return [];
    });
    const federated = forApplication("azuread_application_federated_identity_credential").flatMap(([, body]) =>
      typeof body.display_name === "string" && isLiteral(body.display_name) ? [body.display_name] : [],
    );
    const access = requiredResourceAccess(applicationBody.required_resource_access);
    if (access === undefined) notCompared.push("the application's required_resource_access (not literal in the stack)");
    const granted = servicePrincipal === undefined
      ? []
      : elements(stack, "resource", "azuread_app_role_assignment")
          .filter(([, body]) => refersTo(body.principal_object_id, "azuread_service_principal", servicePrincipal[0]))
          .flatMap(([name, body]): PlannedPermission[] => {
            const resourceAppId = resourceAppIdOf(stack, body.resource_object_id);
            const role = permission(body.app_role_id);
            if (resourceAppId === undefined || role === undefined) {
              notCompared.push(`azuread_app_role_assignment.${name} (its API or role is not known from the stack)`);
              return [];
            }
            return [{ resourceAppId, type: "Role", ...role }];
          });
    application = {
      address: `azuread_application.${applicationName}`,
      ...optional("signInAudience", typeof applicationBody.sign_in_audience === "string" && isLiteral(applicationBody.sign_in_audience) ? applicationBody.sign_in_audience : undefined),
      passwordNames,
      certificates: forApplication("azuread_application_certificate").length,
      federatedCredentials: federated,
      ...optional("requiredResourceAccess", access),
      grantedRoles: granted,
    };
  } else {
    notCompared.push("the application (the stack names none for this integration)");
  }

  return {
    accountAddress,
    account,
    ...optional("firewall", firewall),
    ...optional("softDelete", softDelete),
    containers,
    ...optional("queueName", queueName),
    roleAssignments,
    ...optional("systemTopic", systemTopic),
    ...optional("eventSubscription", eventSubscription),
    ...optional("application", application),
    notCompared,
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** A resource group name: a literal, or a reference to a resource group (or its data source) with a literal name. */
function resourceGroupName(stack: Json, expression: unknown): string | undefined {
  if (typeof expression === "string" && isLiteral(expression)) return expression;
  const ref = wholeReference(expression);
  if (ref === undefined || ref.attribute !== "name") return undefined;
  const isData = ref.type.startsWith("data.");
  const type = isData ? ref.type.slice("data.".length) : ref.type;
  if (type !== "azurerm_resource_group") return undefined;
  const body = elements(stack, isData ? "data" : "resource", type).find(([name]) => name === ref.name)?.[1];
  return typeof body?.name === "string" && isLiteral(body.name) ? body.name : undefined;
}

/**
 * A role assignment's scope as the path below the account ("" for the account itself), when it
 * is written as the account's id followed by a container's or the queue's path (by name, or
 * their `resource_manager_id`).
 */
function scopeBelowAccount(
  scope: unknown,
  accountName: string,
  containerNames: ReadonlyMap<string, string | undefined>,
  queueNames: ReadonlyMap<string, string | undefined>,
): string | undefined {
  if (typeof scope !== "string") return undefined;
  let text = scope;
  const substitute = (pattern: RegExp, value: (name: string) => string | undefined) => {
    text = text.replace(pattern, (whole, name: string) => value(name) ?? whole);
  };
  substitute(/\$\{azurerm_storage_container\.([A-Za-z0-9_-]+)\.name\}/g, (n) => containerNames.get(n));
  substitute(/\$\{azurerm_storage_queue\.([A-Za-z0-9_-]+)\.name\}/g, (n) => queueNames.get(n));
  substitute(/\$\{azurerm_storage_container\.([A-Za-z0-9_-]+)\.resource_manager_id\}/g, (n) => {
    const name = containerNames.get(n);
    return name !== undefined ? `\${azurerm_storage_account.${accountName}.id}/blobServices/default/containers/${name}` : undefined;
  });
  substitute(/\$\{azurerm_storage_queue\.([A-Za-z0-9_-]+)\.resource_manager_id\}/g, (n) => {
    const name = queueNames.get(n);
    return name !== undefined ? `\${azurerm_storage_account.${accountName}.id}/queueServices/default/queues/${name}` : undefined;
  });
  const prefix = `\${azurerm_storage_account.${accountName}.id}`;
  if (!text.startsWith(prefix)) return undefined;
  const path = text.slice(prefix.length);
  if (path.includes("${")) return undefined;
  return /^(?:|\/blobServices\/default\/containers\/[a-z0-9-]+|\/queueServices\/default\/queues\/[a-z0-9-]+)$/.test(path) ? path : undefined;
}

/** A permission written as `${data.azuread_service_principal.X.app_role_ids["V"]}` (by value) or a literal GUID. */
function permission(expression: unknown): { value: string } | { id: string } | undefined {
  if (typeof expression === "string" && GUID.test(expression)) return { id: expression.toLowerCase() };
  const match = typeof expression === "string" ? /^\$\{[^}]*\.(?:app_role_ids|oauth2_permission_scope_ids)\["([^"\\]+)"\]\}$/.exec(expression) : null;
  return match ? { value: match[1]! } : undefined;
}

/** The client id of the API a `resource_object_id` refers to: a service principal data source looked up by a literal `client_id`. */
function resourceAppIdOf(stack: Json, expression: unknown): string | undefined {
  const ref = wholeReference(expression);
  if (ref?.type !== "data.azuread_service_principal" || ref.attribute !== "object_id") return undefined;
  const body = elements(stack, "data", "azuread_service_principal").find(([name]) => name === ref.name)?.[1];
  const clientId = body?.client_id ?? body?.application_id;
  return typeof clientId === "string" && GUID.test(clientId) ? clientId.toLowerCase() : undefined;
}

/** `required_resource_access` as planned permissions; undefined when any part is not literal. */
function requiredResourceAccess(value: unknown): PlannedPermission[] | undefined {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? value : [value];
  const permissions: PlannedPermission[] = [];
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.resource_app_id !== "string" || !GUID.test(entry.resource_app_id)) return undefined;
    const access = Array.isArray(entry.resource_access) ? entry.resource_access : [entry.resource_access];
    for (const item of access) {
      if (!isObject(item) || (item.type !== "Role" && item.type !== "Scope")) return undefined;
      const which = permission(item.id);
      if (which === undefined) return undefined;
      permissions.push({ resourceAppId: entry.resource_app_id.toLowerCase(), type: item.type, ...which });
    }
  }
  return permissions;
}
