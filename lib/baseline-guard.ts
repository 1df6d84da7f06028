import { Annotations, DefaultTokenResolver, IAspect, StringConcat, TerraformResource, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { BLOB_CREATED_EVENT_TYPE, DEFENDER_API_CLIENT_ID, MACHINE_READ_ALL, NETWORK_EVENTS_CONTAINER_NAME } from "./constants";
import type { XshieldMdeIntegration } from "./xshield-mde-integration";

/** The rules of the secure baseline the guard enforces on the synthesized configuration. */
export const BASELINE_RULES = {
  MinimumTls12: "the storage account accepts TLS 1.2 or newer only (min_tls_version TLS1_2)",
  HttpsOnly: "the storage account accepts HTTPS only (https_traffic_only_enabled true)",
  NoPublicBlobAccess: "no container may allow anonymous reads (allow_nested_items_to_be_public false)",
  SharedKeyDisabled:
    "shared-key and SAS authorisation are off, so every request is authorised by Entra ID (shared_access_key_enabled false, default_to_oauth_authentication true)",
  InfrastructureEncryption: "data is encrypted twice at rest (infrastructure_encryption_enabled true)",
  LocalUsersDisabled: "no local (SFTP) users (local_user_enabled false, sftp_enabled false)",
  CrossTenantReplicationDisabled:
    "objects cannot be replicated to another tenant (cross_tenant_replication_enabled false)",
  FirewallDenyByDefault:
    "the storage firewall denies by default and lets through only trusted Azure services and allowedIpRanges (network_rules)",
  LeastPrivilegeRoles:
    "role assignments are exactly the planned ones: the planned role, on the planned scope, to the planned service principal",
  EventDeliveryScoped:
    "only new DeviceNetworkEvents blobs are forwarded, only to the integration's queue, with the topic's managed identity; the containers and the queue stay in the integration's storage account",
  SingleTenantApplication:
    "the Entra application is single-tenant, asks for Machine.Read.All on the Defender API only, and only that role is granted, to its own service principal",
} as const;

/** Thrown at synthesis when the secure baseline is broken without a reasoned exception. */
export class SecureBaselineError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "SecureBaselineError";
  }
}

/** A rule of the secure baseline. */
export type BaselineRule = keyof typeof BASELINE_RULES;

/**
 * A deliberate, reviewed exception to one rule of the secure baseline.
 */
export interface BaselineException {
  /** The rule that may be broken. */
  readonly rule: BaselineRule;
  /** Why, in words a reviewer understands (at least 20 characters). */
  readonly reason: string;
}

/** What the construct planned for one role assignment. */
export interface PlannedRoleAssignment {
  readonly roleDefinitionName: string;
  readonly scope: string;
  readonly principalId: string;
}

/** What the props allow, so that a documented relaxation is not a violation. */
export interface PlannedStorageAccess {
  readonly sharedAccessKeyEnabled: boolean;
  readonly publicNetworkAccess: "SelectedNetworks" | "Enabled" | "Disabled";
  readonly allowedIpRanges: string[];
}

type Json = { [key: string]: unknown };

/** The synthesized attributes of a resource, with escape-hatch overrides applied. */
function synthesizedAttributes(resource: TerraformResource, keys: readonly string[]): Json {
  const tf = resource.toTerraform() as { resource?: { [type: string]: { [id: string]: Json } } };
  const attributes = Object.values(tf.resource?.[resource.terraformResourceType] ?? {})[0] ?? {};
  // Resolving is the costly part; resolve only what the rules look at.
  const picked: Json = {};
  for (const key of keys) {
    if (attributes[key] !== undefined) {
      picked[key] = attributes[key];
    }
  }
  return (resolve(resource, picked) as Json) ?? {};
}

/**
 * Tokens resolved to the Terraform expressions they stand for, so two reads of the same attribute
 * (`${azurerm_storage_account.x.id}`) compare equal although their token strings differ.
 */
function resolve(scope: IConstruct, value: unknown): unknown {
  return Tokenization.resolve(value, {
    scope,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? "unset";
}

function asBlock(value: unknown): Json {
  const block = Array.isArray(value) ? value[0] : value;
  return typeof block === "object" && block !== null ? (block as Json) : {};
}

/**
 * Fails synthesis when the synthesized storage account, role assignments, event subscription,
 * application or admin consent of an {@link XshieldMdeIntegration} no longer meet the secure
 * baseline — including when they were weakened through `addOverride`, property setters or other
 * aspects — unless the rule has a reasoned {@link BaselineException}.
 *
 * The construct adds it to its own scope, so it applies in any stack that uses the construct. It
 * inspects the integration's own resources; resources created elsewhere (another role assignment
 * on the account, an `azurerm_storage_account_network_rules`) are outside its reach.
 */
export class SecureBaselineGuard implements IAspect {
  private readonly plannedRoles = new Map<TerraformResource, PlannedRoleAssignment>();

  public constructor(
    private readonly integration: XshieldMdeIntegration,
    private readonly access: PlannedStorageAccess,
    private readonly exceptions: BaselineException[],
  ) {}

  /** Records a role assignment the construct made on purpose. */
  public planRoleAssignment(resource: TerraformResource, planned: PlannedRoleAssignment): void {
    this.plannedRoles.set(resource, planned);
  }

  /** The integration's last node in cdktf's visiting order, fixed on the first visit. */
  private lastNode?: IConstruct;

  /**
   * Checks once, when cdktf visits the integration's last node: by then every aspect of the app
   * has visited every resource of the integration, so changes other aspects make (an
   * organisation-wide override aspect, say) are checked too.
   */
  public visit(node: IConstruct): void {
    if (node === this.integration) {
      const all = this.integration.node.findAll();
      this.lastNode = all[all.length - 1];
    }
    if (node !== this.lastNode) {
      return;
    }
    const violations = this.check();
    const excepted = new Set(this.exceptions.map((e) => e.rule));
    const unexcused = violations.filter((v) => !excepted.has(v.rule));
    for (const exception of this.exceptions) {
      if (!violations.some((v) => v.rule === exception.rule)) {
        Annotations.of(this.integration).addWarning(
          `baselineExceptions: the exception for ${exception.rule} is not needed (nothing breaks that rule); remove it.`,
        );
      }
    }
    if (unexcused.length > 0) {
      throw new SecureBaselineError(
        `Secure baseline violated in ${this.integration.node.path}; nothing was synthesized.\n` +
          unexcused.map((v) => `  - [${v.rule}] ${v.message}`).join("\n") +
          "\nEach rule: " +
          [...new Set(unexcused.map((v) => v.rule))].map((r) => `${r}: ${BASELINE_RULES[r]}`).join("; ") +
          ".\nIf this is deliberate, add { rule, reason } to the baselineExceptions prop of XshieldMdeIntegration; " +
          "otherwise remove the override or resource that causes it.",
      );
    }
  }

  /** Every way the synthesized configuration breaks the baseline. */
  public check(): { rule: BaselineRule; message: string }[] {
    const out: { rule: BaselineRule; message: string }[] = [];
    const sa = synthesizedAttributes(this.integration.storageAccount, [
      "min_tls_version",
      "https_traffic_only_enabled",
      "allow_nested_items_to_be_public",
      "shared_access_key_enabled",
      "default_to_oauth_authentication",
      "infrastructure_encryption_enabled",
      "local_user_enabled",
      "sftp_enabled",
      "cross_tenant_replication_enabled",
      "public_network_access_enabled",
      "network_rules",
    ]);
    const where = `azurerm_storage_account (${this.integration.storageAccount.node.path})`;
    const expect = (rule: BaselineRule, key: string, ok: (v: unknown) => boolean, wanted: string) => {
      if (!ok(sa[key])) {
        out.push({ rule, message: `${where}: ${key} is ${show(sa[key])}; the baseline requires ${wanted}.` });
      }
    };
    expect("MinimumTls12", "min_tls_version", (v) => v === "TLS1_2" || v === "TLS1_3", '"TLS1_2"');
    expect("HttpsOnly", "https_traffic_only_enabled", (v) => v === true, "true");
    expect("NoPublicBlobAccess", "allow_nested_items_to_be_public", (v) => v === false, "false");
    if (!this.access.sharedAccessKeyEnabled) {
      expect("SharedKeyDisabled", "shared_access_key_enabled", (v) => v === false, "false (or sharedAccessKeyEnabled: true)");
    }
    expect("SharedKeyDisabled", "default_to_oauth_authentication", (v) => v === true, "true");
    expect("InfrastructureEncryption", "infrastructure_encryption_enabled", (v) => v === true, "true");
    expect("LocalUsersDisabled", "local_user_enabled", (v) => v === false, "false");
    expect("LocalUsersDisabled", "sftp_enabled", (v) => v === false, "false");
    expect("CrossTenantReplicationDisabled", "cross_tenant_replication_enabled", (v) => v === false, "false");

    const mode = this.access.publicNetworkAccess;
    const rules = asBlock(sa.network_rules);
    const firewall = (message: string) => out.push({ rule: "FirewallDenyByDefault", message: `${where}: ${message}` });
    if (mode !== "Enabled" && rules.default_action !== "Deny") {
      firewall(`network_rules.default_action is ${show(rules.default_action)}; the baseline requires "Deny" (or publicNetworkAccess: "Enabled").`);
    }
    if (mode === "Disabled" && sa.public_network_access_enabled !== false) {
      firewall(`public_network_access_enabled is ${show(sa.public_network_access_enabled)} although publicNetworkAccess is "Disabled".`);
    }
    if (rules.bypass !== undefined && (!Array.isArray(rules.bypass) || rules.bypass.some((b) => b !== "AzureServices"))) {
      firewall(`network_rules.bypass is ${show(rules.bypass)}; only "AzureServices" is planned.`);
    }
    // Compared resolved on both sides, so allowed ranges given as tokens (variables) match.
    const planned = resolve(this.integration, mode === "SelectedNetworks" ? this.access.allowedIpRanges : []);
    if (rules.ip_rules !== undefined && JSON.stringify(rules.ip_rules) !== JSON.stringify(planned)) {
      const extra = Array.isArray(rules.ip_rules) && Array.isArray(planned)
        ? rules.ip_rules.filter((ip) => !planned.includes(ip))
        : rules.ip_rules;
      if (!Array.isArray(extra) || extra.length > 0) {
        firewall(`network_rules.ip_rules lets through ${show(extra)}, which is not in allowedIpRanges.`);
      }
    }
    for (const key of ["virtual_network_subnet_ids", "private_link_access"]) {
      const value = rules[key];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        firewall(`network_rules.${key} lets through ${show(value)}, which is not planned.`);
      }
    }

    out.push(...this.checkRoleAssignments());
    out.push(...this.checkEventDelivery());
    out.push(...this.checkApplication());
    return out;
  }

  private checkRoleAssignments(): { rule: BaselineRule; message: string }[] {
    const out: { rule: BaselineRule; message: string }[] = [];
    const roleAssignments = this.integration.node
      .findAll()
      .filter(
        (c): c is TerraformResource =>
          TerraformResource.isTerraformResource(c) && c.terraformResourceType === "azurerm_role_assignment",
      );
    for (const resource of roleAssignments) {
      const where = `azurerm_role_assignment (${resource.node.path})`;
      const planned = this.plannedRoles.get(resource);
      const ra = synthesizedAttributes(resource, [
        "role_definition_name",
        "role_definition_id",
        "scope",
        "principal_id",
        "principal_type",
      ]);
      const fail = (message: string) => out.push({ rule: "LeastPrivilegeRoles", message: `${where}: ${message}` });
      if (planned === undefined) {
        fail("is not one the construct planned; grant extra access outside the construct, where it is reviewed on its own.");
        continue;
      }
      if (ra.role_definition_name !== planned.roleDefinitionName) {
        fail(`role_definition_name is ${show(ra.role_definition_name)}; planned "${planned.roleDefinitionName}".`);
      }
      if (ra.role_definition_id !== undefined) {
        fail(`role_definition_id is set to ${show(ra.role_definition_id)}; planned the role by name "${planned.roleDefinitionName}" only.`);
      }
      const plannedScope = resolve(resource, planned.scope);
      if (ra.scope !== plannedScope) {
        fail(`scope is ${show(ra.scope)}; planned the narrower ${show(plannedScope)}.`);
      }
      const plannedPrincipal = resolve(resource, planned.principalId);
      if (ra.principal_id !== plannedPrincipal) {
        fail(`principal_id is ${show(ra.principal_id)}; planned ${show(plannedPrincipal)}.`);
      }
      if (ra.principal_type !== "ServicePrincipal") {
        fail(`principal_type is ${show(ra.principal_type)}; planned "ServicePrincipal".`);
      }
    }
    return out;
  }

  private checkEventDelivery(): { rule: BaselineRule; message: string }[] {
    const out: { rule: BaselineRule; message: string }[] = [];
    const i = this.integration;
    const accountId = resolve(i, i.storageAccount.id);
    const queueName = resolve(i, i.queue.name);
    const deadLetterContainerName = resolve(i, i.deadLetterContainer.name);
    const fail = (where: string, message: string) =>
      out.push({ rule: "EventDeliveryScoped", message: `${where}: ${message}` });
    for (const resource of [i.networkEventsContainer, i.deadLetterContainer, i.queue]) {
      const attributes = synthesizedAttributes(resource, ["storage_account_id"]);
      if (attributes.storage_account_id !== accountId) {
        fail(
          `${resource.terraformResourceType} (${resource.node.path})`,
          `storage_account_id is ${show(attributes.storage_account_id)}; planned the integration's storage account.`,
        );
      }
    }
    const otherEndpointKeys = [
      "webhook_endpoint",
      "azure_function_endpoint",
      "eventhub_endpoint_id",
      "hybrid_connection_endpoint_id",
      "service_bus_queue_endpoint_id",
      "service_bus_topic_endpoint_id",
    ];
    const sub = synthesizedAttributes(i.eventSubscription, [
      "included_event_types",
      "subject_filter",
      "delivery_identity",
      "dead_letter_identity",
      "storage_queue_endpoint",
      "storage_blob_dead_letter_destination",
      ...otherEndpointKeys,
    ]);
    const where = `azurerm_eventgrid_system_topic_event_subscription (${i.eventSubscription.node.path})`;
    const types = sub.included_event_types;
    if (!Array.isArray(types) || types.length !== 1 || types[0] !== BLOB_CREATED_EVENT_TYPE) {
      fail(where, `included_event_types is ${show(types)}; planned ["${BLOB_CREATED_EVENT_TYPE}"] only.`);
    }
    const filter = asBlock(sub.subject_filter);
    const prefix = `/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}/`;
    if (filter.subject_begins_with !== prefix) {
      fail(where, `subject_filter.subject_begins_with is ${show(filter.subject_begins_with)}; planned ${show(prefix)}.`);
    }
    for (const block of ["delivery_identity", "dead_letter_identity"]) {
      const identity = asBlock(sub[block]);
      if (identity.type !== "SystemAssigned") {
        fail(where, `${block}.type is ${show(identity.type)}; planned "SystemAssigned" (the system topic's identity).`);
      }
    }
    const queue = asBlock(sub.storage_queue_endpoint);
    if (queue.storage_account_id !== accountId || queue.queue_name !== queueName) {
      fail(where, `storage_queue_endpoint is ${show(queue)}; planned the integration's queue.`);
    }
    const deadLetter = asBlock(sub.storage_blob_dead_letter_destination);
    if (
      deadLetter.storage_account_id !== accountId ||
      deadLetter.storage_blob_container_name !== deadLetterContainerName
    ) {
      fail(where, `storage_blob_dead_letter_destination is ${show(deadLetter)}; planned the integration's dead-letter container.`);
    }
    const otherEndpoints = otherEndpointKeys.filter((key) => sub[key] !== undefined);
    if (otherEndpoints.length > 0) {
      fail(where, `also sends events to ${otherEndpoints.join(", ")}; planned the queue only.`);
    }
    return out;
  }

  private checkApplication(): { rule: BaselineRule; message: string }[] {
    const out: { rule: BaselineRule; message: string }[] = [];
    const i = this.integration;
    const fail = (where: string, message: string) => out.push({ rule: "SingleTenantApplication", message: `${where}: ${message}` });
    const app = synthesizedAttributes(i.application, ["sign_in_audience", "required_resource_access"]);
    const where = `azuread_application (${i.application.node.path})`;
    if (app.sign_in_audience !== "AzureADMyOrg") {
      fail(where, `sign_in_audience is ${show(app.sign_in_audience)}; the baseline requires "AzureADMyOrg".`);
    }
    const machineReadAll = resolve(i, i.defenderApi.appRoleIds.lookup(MACHINE_READ_ALL));
    const planned = [{ resource_app_id: DEFENDER_API_CLIENT_ID, resource_access: [{ id: machineReadAll, type: "Role" }] }];
    if (JSON.stringify(app.required_resource_access) !== JSON.stringify(planned)) {
      fail(
        where,
        `required_resource_access is ${show(app.required_resource_access)}; planned Machine.Read.All (type "Role") on the Defender API (${DEFENDER_API_CLIENT_ID}) only.`,
      );
    }
    const consent = synthesizedAttributes(i.machineReadConsent, ["app_role_id", "principal_object_id", "resource_object_id"]);
    const plannedConsent = {
      app_role_id: machineReadAll,
      principal_object_id: resolve(i, i.servicePrincipalObjectId),
      resource_object_id: resolve(i, i.defenderApi.objectId),
    };
    for (const [key, value] of Object.entries(plannedConsent)) {
      if (consent[key] !== value) {
        fail(
          `azuread_app_role_assignment (${i.machineReadConsent.node.path})`,
          `${key} is ${show(consent[key])}; planned ${show(value)} (Machine.Read.All on the Defender API, to the integration's service principal).`,
        );
      }
    }
    return out;
  }
}
