import { Element } from "../elements";
import { BaselineViolation } from "../plan";
import { show } from "../rule";
import { Touch } from "../touches";

/**
 * OutsideThePlan judges every element the construct did not make: any that touches the
 * integration is refused unless an exception names it (see `touches.ts` for what touching is, and
 * the harmless forms). This file only says, for the kinds a reviewer should recognise at once,
 * what such an element does.
 */

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const BY_TYPE: { readonly [type: string]: (body: Json) => string } = {
  azurerm_role_assignment: (b) => `grants ${show(b.role_definition_name ?? b.role_definition_id)}`,
  azurerm_pim_active_role_assignment: (b) => `grants ${show(b.role_definition_id)} through PIM`,
  azurerm_pim_eligible_role_assignment: (b) => `makes ${show(b.role_definition_id)} eligible through PIM`,
  azurerm_key_vault_access_policy: () => "grants Key Vault access",
  azuread_app_role_assignment: () => "grants an app role",
  azuread_directory_role_assignment: () => "grants an Entra directory role",
  azuread_application_password: () => "adds a client secret",
  azuread_application_certificate: () => "adds a certificate credential",
  azuread_application_federated_identity_credential: () => "adds a federated credential",
  azuread_application_flexible_federated_identity_credential: () => "adds a federated credential",
  azuread_service_principal_password: () => "adds a service principal secret",
  azuread_service_principal_certificate: () => "adds a service principal certificate",
  azuread_service_principal_token_signing_certificate: () => "adds a token signing certificate",
  azuread_application_api_access: () => "adds API permissions",
  azuread_group_member: () => "adds a group member",
  azurerm_storage_account_network_rules: () => "sets firewall rules",
  azurerm_storage_account_local_user: () => "adds a local user",
  azurerm_storage_object_replication: () => "replicates blobs",
  azurerm_storage_container: (b) => `is a container (access ${show(b.container_access_type ?? "private")})`,
  azurerm_storage_blob: () => "writes a blob",
  azurerm_storage_account_customer_managed_key: () => "sets the account's encryption key",
  azurerm_eventgrid_system_topic_event_subscription: () => "subscribes to events",
  azurerm_eventgrid_event_subscription: () => "subscribes to events",
  azurerm_eventgrid_system_topic: () => "makes a system topic",
  azurerm_monitor_alert_processing_rule_suppression: () => "suppresses alert notifications",
  azurerm_monitor_diagnostic_setting: () => "sends logs and metrics elsewhere",
  azurerm_private_endpoint: () => "opens a private endpoint",
  azurerm_management_lock: () => "locks a resource",
  azurerm_resource_group_template_deployment: () => "deploys an ARM template",
  azurerm_subscription_template_deployment: () => "deploys an ARM template",
  azurerm_resource_group_policy_assignment: () => "assigns a policy",
  azurerm_resource_policy_assignment: () => "assigns a policy",
};

/** What a touching element does, in words, when its kind is a well-known one; `undefined` otherwise. */
export function describeTouch(element: Element): string | undefined {
  const body = isObject(element.body) ? element.body : {};
  if (element.type !== undefined) {
    const known = BY_TYPE[element.type];
    if (known !== undefined) {
      return known(body);
    }
    if (element.type.startsWith("azapi_")) {
      return "changes resources through the ARM API (azapi)";
    }
    if (element.type.startsWith("msgraph_")) {
      return "changes directory objects through Microsoft Graph";
    }
  }
  switch (element.kind) {
    case "module":
      return "passes it to a module, which the guard cannot see into";
    case "provider":
      return "configures a provider with it";
    case "check":
      return "reads it in a check block";
    case "moved":
    case "import":
    case "removed":
      return `${element.kind === "moved" ? "moves" : element.kind === "import" ? "imports into" : "removes"} Terraform state`;
    case "terraform":
      return "configures Terraform itself (the backend) with it";
    default:
      return undefined;
  }
}

/** The violations of elements that touch the integration (`prefix` names another stack's). */
export function touchViolations(touches: readonly Touch[], prefix = ""): BaselineViolation[] {
  return touches.map(({ element, secret, how }) => {
    const does = describeTouch(element);
    const what = does === undefined ? how : `${does} and ${how}`;
    return {
      rule: secret ? "SecretLifetime" : "OutsideThePlan",
      path: `${prefix}${element.kind === "local" ? `locals.${element.name}` : element.key}`,
      message: secret
        ? `${what}: a copy of the integration's client secret, which lives only in the planned sensitive outputs and the planned Key Vault copy.`
        : `${what}; nothing outside the integration's plan may touch it.`,
      element: { key: `${prefix}${element.key}`, constructPath: element.constructPath, own: false },
    };
  });
}

