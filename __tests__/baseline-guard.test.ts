import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, DataResource, Fn, IAspect, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { IConstruct } from "constructs";
import { AppRoleAssignment } from "@cdktf/provider-azuread/lib/app-role-assignment";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { Application } from "@cdktf/provider-azuread/lib/application";
import { ApplicationApiAccess } from "@cdktf/provider-azuread/lib/application-api-access";
import { ApplicationFederatedIdentityCredential } from "@cdktf/provider-azuread/lib/application-federated-identity-credential";
import { ApplicationPasswordA as ApplicationPassword } from "@cdktf/provider-azuread/lib/application-password";
import { DataAzureadServicePrincipal } from "@cdktf/provider-azuread/lib/data-azuread-service-principal";
import { DirectoryRoleAssignment } from "@cdktf/provider-azuread/lib/directory-role-assignment";
import { GroupMember } from "@cdktf/provider-azuread/lib/group-member";
import { DataAzurermResources } from "@cdktf/provider-azurerm/lib/data-azurerm-resources";
import { DataAzurermStorageAccount } from "@cdktf/provider-azurerm/lib/data-azurerm-storage-account";
import { MonitorAlertProcessingRuleSuppression } from "@cdktf/provider-azurerm/lib/monitor-alert-processing-rule-suppression";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { StorageObjectReplication } from "@cdktf/provider-azurerm/lib/storage-object-replication";
import { EventgridSystemTopicEventSubscription } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription";
import { KeyVaultAccessPolicyA as KeyVaultAccessPolicy } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageAccountLocalUser } from "@cdktf/provider-azurerm/lib/storage-account-local-user";
import { StorageAccountNetworkRulesA as StorageAccountNetworkRules } from "@cdktf/provider-azurerm/lib/storage-account-network-rules";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { BASELINE_RULES, BaselineRule, XshieldMdeIntegrationProps } from "../lib/props";
import { buildApp } from "../lib/app";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { XshieldMdeStack } from "../lib/xshield-mde-stack";
import { VALID_PROPS } from "./support/synth";

type Tweak = (i: XshieldMdeIntegration, stack: TerraformStack) => void;

/** Synthesizes one integration (in a bare stack) after `tweak`; returns a thunk for `toThrow`. */
function synthWith(tweak: Tweak, props: Partial<XshieldMdeIntegrationProps> = {}): () => string {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(integration, stack);
  return () => Testing.synth(stack);
}

const withException = (rule: BaselineRule) => ({
  baselineExceptions: [{ rule, reason: "Accepted by the security review board, ticket SEC-1234." }],
});

/** The JSON path of one of the integration's resources, as the guard names it. */
const at = (resource: { terraformResourceType: string; friendlyUniqueId: string }, key = "") =>
  `resource.${resource.terraformResourceType}.${resource.friendlyUniqueId}${key === "" ? "" : `.${key}`}`;

const sa = (key: string, value: unknown): Tweak => (i) => i.storageAccount.addOverride(key, value);

interface Case {
  readonly rule: BaselineRule;
  readonly compliant: Tweak;
  readonly broken: Tweak;
  /** Props the case needs (alerts exist only when asked for). */
  readonly props?: Partial<XshieldMdeIntegrationProps>;
  /** Part of the JSON path the message must name. */
  readonly path: (i: XshieldMdeIntegration) => string;
  /** The exception that lets the broken change through (a rule exception unless said). */
  readonly exception?: (i: XshieldMdeIntegration) => Partial<XshieldMdeIntegrationProps>;
}

// For each rule: an override that keeps the baseline, and one that breaks it.
const CASES: Case[] = [
  { rule: "MinimumTls12", compliant: sa("min_tls_version", "TLS1_3"), broken: sa("min_tls_version", "TLS1_0"), path: (i) => at(i.storageAccount, "min_tls_version") },
  { rule: "HttpsOnly", compliant: sa("https_traffic_only_enabled", true), broken: sa("https_traffic_only_enabled", false), path: (i) => at(i.storageAccount, "https_traffic_only_enabled") },
  { rule: "NoPublicBlobAccess", compliant: sa("allow_nested_items_to_be_public", false), broken: sa("allow_nested_items_to_be_public", true), path: (i) => at(i.storageAccount, "allow_nested_items_to_be_public") },
  { rule: "SharedKeyDisabled", compliant: sa("shared_access_key_enabled", false), broken: sa("shared_access_key_enabled", true), path: (i) => at(i.storageAccount, "shared_access_key_enabled") },
  { rule: "InfrastructureEncryption", compliant: sa("infrastructure_encryption_enabled", true), broken: sa("infrastructure_encryption_enabled", false), path: (i) => at(i.storageAccount, "infrastructure_encryption_enabled") },
  { rule: "LocalUsersDisabled", compliant: sa("local_user_enabled", false), broken: sa("sftp_enabled", true), path: (i) => at(i.storageAccount, "sftp_enabled") },
  { rule: "CrossTenantReplicationDisabled", compliant: sa("cross_tenant_replication_enabled", false), broken: sa("cross_tenant_replication_enabled", true), path: (i) => at(i.storageAccount, "cross_tenant_replication_enabled") },
  { rule: "FirewallDenyByDefault", compliant: sa("network_rules.ip_rules", ["20.50.60.0/28"]), broken: sa("network_rules.default_action", "Allow"), path: (i) => at(i.storageAccount, "network_rules.default_action") },
  {
    rule: "LeastPrivilegeRoles",
    compliant: (i) => i.blobReaderAssignment.addOverride("role_definition_name", "Storage Blob Data Reader"),
    broken: (i) => i.blobReaderAssignment.addOverride("role_definition_name", "Storage Blob Data Owner"),
    path: (i) => at(i.blobReaderAssignment, "role_definition_name"),
  },
  {
    rule: "EventDeliveryScoped",
    compliant: (i) => i.eventSubscription.addOverride("subject_filter.case_sensitive", true),
    broken: (i) => i.eventSubscription.addOverride("subject_filter.subject_begins_with", "/blobServices/default/containers/"),
    path: (i) => at(i.eventSubscription, "subject_filter.subject_begins_with"),
  },
  {
    rule: "SingleTenantApplication",
    compliant: (i) => i.application.addOverride("tags", ["team:security"]),
    broken: (i) => i.application.addOverride("sign_in_audience", "AzureADMultipleOrgs"),
    path: (i) => at(i.application, "sign_in_audience"),
  },
  {
    rule: "SecretLifetime",
    compliant: (i) => i.clientSecretSlotA.addOverride("lifecycle.create_before_destroy", true),
    broken: (i) => i.clientSecretSlotA.addOverride("end_date", "2099-01-01T00:00:00Z"),
    path: (i) => at(i.clientSecretSlotA, "end_date"),
  },
  {
    rule: "AlertsIntact",
    props: { alerts: { emailReceivers: ["secops@contoso.com"] } },
    compliant: (i) => i.alerts!.noEvents.addOverride("enabled", true),
    broken: (i) => i.alerts!.noEvents.addOverride("enabled", false),
    path: (i) => at(i.alerts!.noEvents, "enabled"),
  },
  {
    rule: "WrittenAsPlanned",
    compliant: (i) => i.storageAccount.addOverride("lifecycle.prevent_destroy", true),
    broken: (i) => i.storageAccount.addOverride("lifecycle.ignore_changes", ["min_tls_version"]),
    path: (i) => at(i.storageAccount, "lifecycle.ignore_changes"),
  },
  {
    rule: "SoftDeleteOn",
    compliant: sa("blob_properties.delete_retention_policy.days", 30),
    broken: sa("blob_properties.delete_retention_policy.days", 1),
    path: (i) => at(i.storageAccount, "blob_properties.delete_retention_policy.days"),
  },
  {
    rule: "OutsideThePlan",
    compliant: (_i, stack) => new RoleAssignment(stack, "unrelated", { scope: "/subscriptions/00000000-0000-0000-0000-000000000001", roleDefinitionName: "Reader", principalId: "00000000-0000-0000-0000-000000000002" }),
    broken: (i, stack) => new RoleAssignment(stack, "sneaky", { scope: i.storageAccountId, roleDefinitionName: "Owner", principalId: "00000000-0000-0000-0000-000000000002" }),
    path: () => "resource.azurerm_role_assignment.sneaky",
    exception: () => ({ baselineExceptions: [{ element: "test/sneaky", reason: "Accepted by the security review board, ticket SEC-1234." }] }),
  },
];

describe("secure-baseline guard: each rule", () => {
  test("every rule is covered by a case", () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(Object.keys(BASELINE_RULES).sort());
  });

  test("the default integration passes", () => {
    expect(synthWith(() => undefined)).not.toThrow();
  });

  describe.each(CASES)("$rule", ({ rule, compliant, broken, path, props = {}, exception }) => {
    test("a change that keeps the baseline passes", () => {
      expect(synthWith(compliant, props)).not.toThrow();
    });

    test("a change that weakens it fails synthesis, naming the rule and the JSON path", () => {
      let expectedPath = "";
      const synth = synthWith((i, s) => {
        broken(i, s);
        expectedPath = path(i);
      }, props);
      expect(synth).toThrow(`[${rule}] ${expectedPath}`);
      expect(synth).toThrow(/baselineExceptions/);
    });

    test("a reasoned exception lets it through", () => {
      const integration = new XshieldMdeIntegration(new TerraformStack(Testing.app(), "probe"), "integration", VALID_PROPS);
      expect(synthWith(broken, { ...props, ...(exception?.(integration) ?? withException(rule)) })).not.toThrow();
    });

    test("the exception excuses that rule only", () => {
      const other: BaselineRule = rule === "MinimumTls12" ? "HttpsOnly" : "MinimumTls12";
      const synth = synthWith(
        (i, s) => {
          broken(i, s);
          sa(other === "MinimumTls12" ? "min_tls_version" : "https_traffic_only_enabled", other === "MinimumTls12" ? "TLS1_0" : false)(i, s);
        },
        { ...props, ...(exception === undefined ? withException(rule) : exception(undefined as never)) },
      );
      expect(synth).toThrow(`[${other}]`);
      expect(synth).not.toThrow(`[${rule}]`);
    });
  });

  test("an exception for a rule nothing breaks fails, so it cannot hide a later weakening", () => {
    const synth = synthWith(() => undefined, withException("MinimumTls12"));
    expect(synth).toThrow(/baselineExceptions\[0\] \(MinimumTls12\): nothing it names breaks the baseline/);
  });

  test("all violations are reported together", () => {
    const synth = synthWith((i, s) => {
      sa("min_tls_version", "TLS1_0")(i, s);
      sa("shared_access_key_enabled", true)(i, s);
      i.application.addOverride("sign_in_audience", "AzureADMultipleOrgs");
    });
    expect(synth).toThrow(/MinimumTls12[\s\S]*SharedKeyDisabled[\s\S]*SingleTenantApplication/);
  });
});

describe("secure-baseline guard: the storage account, attribute by attribute", () => {
  test.each([
    ["MinimumTls12", "min_tls_version", "TLS1_1"],
    ["MinimumTls12", "min_tls_version", null],
    ["HttpsOnly", "https_traffic_only_enabled", null],
    ["NoPublicBlobAccess", "allow_nested_items_to_be_public", null],
    ["SharedKeyDisabled", "shared_access_key_enabled", null],
    ["SharedKeyDisabled", "default_to_oauth_authentication", false],
    ["SharedKeyDisabled", "default_to_oauth_authentication", null],
    ["InfrastructureEncryption", "infrastructure_encryption_enabled", null],
    ["LocalUsersDisabled", "local_user_enabled", true],
    ["LocalUsersDisabled", "local_user_enabled", null],
    ["LocalUsersDisabled", "sftp_enabled", null],
    ["CrossTenantReplicationDisabled", "cross_tenant_replication_enabled", null],
  ] as const)("[%s] %s set to %p fails (a removed attribute takes Azure's weaker default)", (rule, key, value) => {
    expect(synthWith(sa(key, value))).toThrow(`[${rule}]`);
  });

  test("the firewall: extra IPs, other bypasses, subnets, private links, a second block, an expression", () => {
    expect(synthWith(sa("network_rules.ip_rules", ["20.50.60.0/28", "1.2.3.4"]))).toThrow(/\[FirewallDenyByDefault\].*ip_rules lets through \["1\.2\.3\.4"\]/);
    expect(synthWith(sa("network_rules.bypass", ["AzureServices", "Logging"]))).toThrow(/\[FirewallDenyByDefault\].*bypass/);
    expect(synthWith(sa("network_rules.bypass", "AzureServices"))).toThrow(/\[FirewallDenyByDefault\].*bypass/);
    expect(synthWith(sa("network_rules.virtual_network_subnet_ids", ["/subscriptions/x/subnets/y"]))).toThrow(/virtual_network_subnet_ids/);
    expect(synthWith(sa("network_rules.private_link_access", [{ endpoint_resource_id: "/subscriptions/x" }]))).toThrow(/private_link_access/);
    expect(synthWith(sa("network_rules.ip_rules", "${var.anything}"))).toThrow(/ip_rules lets through "\$\{var\.anything\}"/);
    expect(synthWith(sa("network_rules", null))).toThrow(/\[FirewallDenyByDefault\].*default_action is unset/);
    const twice = [
      { default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["20.50.60.0/28"] },
      { default_action: "Allow" },
    ];
    expect(synthWith(sa("network_rules", twice))).toThrow(/\[FirewallDenyByDefault\].*network_rules is given 2 times/);
    expect(synthWith(sa("public_network_access_enabled", false))).not.toThrow();
    expect(synthWith(sa("public_network_access_enabled", null))).toThrow(/\[FirewallDenyByDefault\].*public_network_access_enabled is null/);
  });

  test("fewer allowed IPs than planned are not a weakening", () => {
    expect(synthWith(sa("network_rules.ip_rules", []))).not.toThrow();
  });

  test("documented relaxations through props are not violations", () => {
    expect(synthWith(() => undefined, { sharedAccessKeyEnabled: true })).not.toThrow();
    expect(synthWith(() => undefined, { publicNetworkAccess: "Enabled", allowedIpRanges: [] })).not.toThrow();
  });

  test("a prop's relaxation covers only its own attribute", () => {
    // sharedAccessKeyEnabled allows shared keys, not OAuth-off by default.
    expect(synthWith(sa("default_to_oauth_authentication", false), { sharedAccessKeyEnabled: true })).toThrow("[SharedKeyDisabled]");
    // "Enabled" opens the firewall's default action, not its bypass list.
    expect(synthWith(sa("network_rules.bypass", ["Logging"]), { publicNetworkAccess: "Enabled", allowedIpRanges: [] })).toThrow(
      "[FirewallDenyByDefault]",
    );
  });

  test("allowed ranges given as tokens pass, as written", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const range = new TerraformVariable(stack, "xshield_range", { type: "string" }).stringValue;
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, allowedIpRanges: ["20.50.60.0/28", range] });
    expect(() => Testing.synth(stack)).not.toThrow();
  });
});

describe("secure-baseline guard: role assignments, event delivery, application, secrets", () => {
  const role = (name: "blobReaderAssignment" | "queueProcessorAssignment" | "queueSenderAssignment", key: string, value: unknown): Tweak => (i) =>
    i[name].addOverride(key, value);

  test("a broader scope, a role by id, another principal or principal type are caught", () => {
    expect(synthWith(role("queueProcessorAssignment", "scope", "/subscriptions/x"))).toThrow(/\[LeastPrivilegeRoles\].*scope is "\/subscriptions\/x"/);
    expect(synthWith(role("queueProcessorAssignment", "role_definition_id", "/providers/Microsoft.Authorization/roleDefinitions/x"))).toThrow(/role_definition_id/);
    expect(synthWith(role("queueSenderAssignment", "principal_type", "User"))).toThrow(/principal_type/);
    expect(synthWith(role("blobReaderAssignment", "principal_id", "00000000-0000-0000-0000-000000000bad"))).toThrow(
      /\[LeastPrivilegeRoles\].*principal_id is "00000000-0000-0000-0000-000000000bad"; planned "\$\{azuread_service_principal\./,
    );
  });

  test("event delivery: other event types, identities, endpoints, queue, dead letters, account, topic", () => {
    const sub = (key: string, value: unknown): Tweak => (i) => i.eventSubscription.addOverride(key, value);
    expect(synthWith(sub("included_event_types", ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]))).toThrow(/included_event_types/);
    expect(synthWith(sub("included_event_types", ["Microsoft.Storage.BlobDeleted"]))).toThrow(/included_event_types/);
    expect(synthWith(sub("delivery_identity", null))).toThrow(/\[EventDeliveryScoped\].*delivery_identity is null/);
    expect(synthWith(sub("dead_letter_identity.type", "UserAssigned"))).toThrow(/dead_letter_identity\.type/);
    expect(synthWith(sub("storage_queue_endpoint.queue_name", "other-queue"))).toThrow(/storage_queue_endpoint\.queue_name/);
    expect(synthWith(sub("storage_queue_endpoint.storage_account_id", "/subscriptions/x/st"))).toThrow(/storage_queue_endpoint\.storage_account_id/);
    expect(synthWith(sub("storage_blob_dead_letter_destination.storage_account_id", "/subscriptions/x/st"))).toThrow(/storage_blob_dead_letter_destination/);
    expect(synthWith(sub("storage_blob_dead_letter_destination.storage_blob_container_name", "other"))).toThrow(/storage_blob_dead_letter_destination/);
    expect(synthWith(sub("system_topic", "another-topic"))).toThrow(/\[EventDeliveryScoped\].*system_topic/);
    expect(synthWith((i) => i.systemTopic.addOverride("source_resource_id", "/subscriptions/x/other"))).toThrow(/source_resource_id/);
    expect(synthWith((i) => i.queue.addOverride("storage_account_id", "/subscriptions/x/other"))).toThrow(/azurerm_storage_queue.*storage_account_id/);
    expect(synthWith((i) => i.networkEventsContainer.addOverride("storage_account_id", "/subscriptions/x/other"))).toThrow(
      /azurerm_storage_container.*storage_account_id/,
    );
  });

  test.each([
    "webhook_endpoint",
    "azure_function_endpoint",
    "eventhub_endpoint_id",
    "hybrid_connection_endpoint_id",
    "service_bus_queue_endpoint_id",
    "service_bus_topic_endpoint_id",
  ])("an event subscription that also sends to %s fails", (key) => {
    expect(synthWith((i) => i.eventSubscription.addOverride(key, "https://example.com"))).toThrow(`[EventDeliveryScoped]`);
    expect(synthWith((i) => i.eventSubscription.addOverride(key, "https://example.com"))).toThrow(key);
  });

  test("the application asks for Machine.Read.All on the Defender API, as a role, and nothing else", () => {
    const graph = "00000003-0000-0000-c000-000000000000";
    const extra = (i: XshieldMdeIntegration) => i.application.addOverride("required_resource_access.0.resource_access.1", { id: "x", type: "Role" });
    expect(synthWith(extra)).toThrow(/\[SingleTenantApplication\].*required_resource_access/);
    const otherApi = (i: XshieldMdeIntegration) =>
      i.application.putRequiredResourceAccess([{ resourceAppId: graph, resourceAccess: [{ id: "df021288-bdef-4463-88db-98f22de89214", type: "Role" }] }]);
    expect(synthWith(otherApi)).toThrow(new RegExp(`required_resource_access is .*${graph}`));
    expect(synthWith((i) => i.application.addOverride("required_resource_access.0.resource_access.0.type", "Scope"))).toThrow(/\[SingleTenantApplication\]/);
    expect(synthWith((i) => i.servicePrincipal.addOverride("client_id", "11111111-1111-1111-1111-111111111111"))).toThrow(
      /\[SingleTenantApplication\].*azuread_service_principal.*client_id/,
    );
    expect(synthWith((i) => i.defenderApi.addOverride("client_id", graph))).toThrow(/\[SingleTenantApplication\].*data\.azuread_service_principal/);
  });

  test("the admin consent grants Machine.Read.All on the Defender API to the integration's own service principal", () => {
    const consent = (key: string, value: string): Tweak => (i) => i.machineReadConsent.addOverride(key, value);
    expect(synthWith(consent("app_role_id", "00000000-0000-0000-0000-0000000000aa"))).toThrow(/azuread_app_role_assignment.*app_role_id/);
    expect(synthWith(consent("resource_object_id", "00000000-0000-0000-0000-0000000000bb"))).toThrow(/resource_object_id/);
    expect(synthWith(consent("principal_object_id", "00000000-0000-0000-0000-0000000000cc"))).toThrow(/principal_object_id/);
  });

  test("a secret's lifetime comes from the construct's schedule: a far end date, none, a relative one, a longer offset fail", () => {
    expect(synthWith((i) => i.clientSecretSlotA.addOverride("end_date", "2099-12-31T00:00:00Z"))).toThrow(/\[SecretLifetime\].*end_date is "2099/);
    expect(synthWith((i) => i.clientSecretSlotB.addOverride("end_date", null))).toThrow(/\[SecretLifetime\].*client-secret-b.*end_date is null/);
    expect(synthWith((i) => i.clientSecretSlotA.addOverride("end_date_relative", "876000h"))).toThrow(/\[SecretLifetime\].*end_date_relative/);
    expect(synthWith((i) => i.clientSecretSlotA.addOverride("rotate_when_changed", null))).toThrow(/\[SecretLifetime\].*rotate_when_changed/);
    // The schedule itself: a longer lifetime, or slots that never rotate, through the locals or the stack.
    const local = (name: string, value: string): Tweak => (i, stack) =>
      stack.addOverride(`locals.${(i.node.findChild(name) as TerraformLocal).friendlyUniqueId}`, value);
    expect(synthWith(local("secret-slot-a-month", "${0}"))).toThrow(/\[SecretLifetime\] locals\..*secret-slot-a-month.* is "\$\{0\}"/);
    expect(synthWith(local("secret-month", "${1}"))).toThrow(/\[SecretLifetime\] locals\..*secret-month/);
    // What the rotation remembers and decides: a slot that never renews, a remembered end date taken as it comes.
    expect(synthWith(local("secret-rotation-renewal", '${"none"}'))).toThrow(/\[SecretLifetime\] locals\..*secret-rotation-renewal/);
    expect(synthWith(local("secret-rotation-previous", "${local.whatever}"))).toThrow(/\[SecretLifetime\] locals\..*secret-rotation-previous/);
    expect(synthWith((i, stack) => stack.addOverride(`locals.${i.secretSlotBMonth.friendlyUniqueId}`, null))).toThrow(/\[SecretLifetime\]|\[WrittenAsPlanned\]/);
    // Where it remembers: another state, a read that never happens, a forged memory, no memory at all.
    expect(synthWith((i) => i.secretRotation.memoryRead.addOverride("config.path", "other.tfstate"))).toThrow(/\[SecretLifetime\] data\.terraform_remote_state\..*config/);
    expect(synthWith((i) => i.secretRotation.memoryRead.addOverride("count", 0))).toThrow(/\[SecretLifetime\] data\.terraform_remote_state\..*count/);
    expect(synthWith((i) => i.secretRotation.memory.addOverride("value", { a: { slot_month: "0" } }))).toThrow(/\[WrittenAsPlanned\] output\..*secret-rotation-memory.*value/);
    expect(synthWith((i, stack) => stack.addOverride(`output.${i.secretRotation.memory.friendlyUniqueId}`, null))).toThrow(/secret-rotation-memory/);
    expect(synthWith((i) => i.application.addOverride("password", { display_name: "extra" }))).toThrow(/\[SecretLifetime\].*password/);
  });

  test("resources written other than as one resource are caught", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("count", 0))).toThrow(/\[WrittenAsPlanned\].*count/);
    expect(synthWith((i) => i.blobReaderAssignment.addOverride("for_each", "${toset(var.scopes)}"))).toThrow(/\[WrittenAsPlanned\].*for_each/);
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", "all"))).toThrow(/\[WrittenAsPlanned\].*ignore_changes/);
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", ["tags"]))).not.toThrow();
  });
});

describe("secure-baseline guard: every route to the written JSON", () => {
  test("an override at the stack level, not on the resource", () => {
    const synth = synthWith((i, stack) => stack.addOverride(`${at(i.storageAccount)}.min_tls_version`, "TLS1_0"));
    expect(synth).toThrow("[MinimumTls12]");
  });

  test("stack-level overrides turning a data role into Owner at subscription scope, or the application multi-tenant", () => {
    expect(
      synthWith((i, stack) => {
        stack.addOverride(`${at(i.blobReaderAssignment)}.role_definition_name`, "Owner");
        stack.addOverride(`${at(i.blobReaderAssignment)}.scope`, "/subscriptions/00000000-0000-0000-0000-000000000000");
      }),
    ).toThrow(/\[LeastPrivilegeRoles\][\s\S]*Owner[\s\S]*\/subscriptions\//);
    expect(synthWith((i, stack) => stack.addOverride(`${at(i.application)}.sign_in_audience`, "AzureADMultipleOrgs"))).toThrow(
      "[SingleTenantApplication]",
    );
  });

  test("through buildApp and app.synth(), the path npm run synth takes: fails, and writes no JSON for that stack", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-"));
    try {
      const app = buildApp([{ name: "dev", integration: VALID_PROPS }], { outdir });
      const stack = app.node.findChild("dev") as XshieldMdeStack;
      stack.addOverride(`${at(stack.integration.storageAccount)}.min_tls_version`, "TLS1_0");
      expect(() => app.synth()).toThrow("[MinimumTls12]");
      expect(fs.existsSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("an aspect that weakens a resource when it visits a later node (the stack's outputs)", () => {
    const app = Testing.app();
    const stack = new XshieldMdeStack(app, "dev", { integration: VALID_PROPS });
    Aspects.of(stack).add({
      visit: (node: IConstruct) => {
        if (node instanceof TerraformOutput) {
          stack.integration.storageAccount.minTlsVersion = "TLS1_0";
        }
      },
    });
    expect(() => Testing.synth(stack)).toThrow("[MinimumTls12]");
  });

  test("an aspect added on the integration, or on its last node", () => {
    const weaken: IAspect = { visit: (node) => node instanceof StorageAccount && node.addOverride("min_tls_version", "TLS1_0") };
    expect(synthWith((i) => Aspects.of(i).add(weaken))).toThrow("[MinimumTls12]");
    const last: IAspect = {
      visit: (node) => {
        const i = node.node.scope as XshieldMdeIntegration;
        if (node === i.node.children[i.node.children.length - 1]) {
          i.storageAccount.addOverride("min_tls_version", "TLS1_0");
        }
      },
    };
    expect(synthWith((i) => Aspects.of(i.node.children[i.node.children.length - 1]).add(last))).toThrow("[MinimumTls12]");
  });

  test("an aspect that adds an Owner role assignment on the account", () => {
    const synth = synthWith((i, stack) =>
      Aspects.of(stack).add({
        visit: (node) => {
          if (node === i.storageAccount && stack.node.tryFindChild("sneaky") === undefined) {
            new RoleAssignment(stack, "sneaky", { scope: i.storageAccountId, roleDefinitionName: "Owner", principalId: "00000000-0000-0000-0000-000000000001" });
          }
        },
      }),
    );
    expect(synth).toThrow(/\[OutsideThePlan\] resource\.azurerm_role_assignment\.sneaky \(test\/sneaky\) grants "Owner"/);
  });

  test("a child removed and replaced by a weaker one with the same id", () => {
    const synth = synthWith((i) => {
      const old = i.storageAccount;
      i.node.tryRemoveChild("storage-account");
      new StorageAccount(i, "storage-account", {
        name: old.name,
        resourceGroupName: "rg",
        location: "westeurope",
        accountTier: "Standard",
        accountReplicationType: "LRS",
        minTlsVersion: "TLS1_0",
      });
    });
    expect(synth).toThrow(/\[HttpsOnly\][\s\S]*\[MinimumTls12\]/);
  });

  test("a child removed and not replaced: the resource is missing", () => {
    expect(synthWith((i) => i.node.tryRemoveChild("storage-account"))).toThrow(/\[WrittenAsPlanned\].*azurerm_storage_account.*is missing/);
  });

  test("a second element given the same logical id, whose JSON is merged into ours", () => {
    const synth = synthWith((i, stack) => {
      const shadow = new StorageAccount(stack, "shadow", {
        name: "shadow",
        resourceGroupName: "rg",
        location: "westeurope",
        accountTier: "Standard",
        accountReplicationType: "LRS",
        allowNestedItemsToBePublic: true,
      });
      shadow.overrideLogicalId(i.storageAccount.friendlyUniqueId);
    });
    expect(synth).toThrow("[NoPublicBlobAccess]");
  });

  test("the toTerraform of a guarded stack cannot be swapped for the unguarded one", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    expect(() => {
      (stack as unknown as { toTerraform: () => unknown }).toTerraform = () => ({});
    }).toThrow(TypeError);
  });
});

describe("secure-baseline guard: side doors elsewhere in the stack", () => {
  const GRAPH = "00000003-0000-0000-c000-000000000000";
  const OBJECT_ID = "00000000-0000-0000-0000-000000000001";

  test("a dynamic required_resource_access adding a Microsoft Graph write role", () => {
    const synth = synthWith((i) =>
      i.application.addOverride("dynamic.required_resource_access", {
        for_each: [GRAPH],
        content: { resource_app_id: "${required_resource_access.value}", resource_access: [{ id: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", type: "Role" }] },
      }),
    );
    expect(synth).toThrow(/\[WrittenAsPlanned\].*azuread_application.*dynamic block/);
  });

  test("an extra app role assignment to the integration's service principal", () => {
    const synth = synthWith((i, stack) => {
      new AppRoleAssignment(stack, "graph-write", {
        appRoleId: "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9",
        principalObjectId: i.servicePrincipalObjectId,
        resourceObjectId: OBJECT_ID,
      });
    });
    expect(synth).toThrow(/\[OutsideThePlan\] resource\.azuread_app_role_assignment\.graph-write \(test\/graph-write\) grants an app role/);
  });

  test("more azuread side doors: API access, directory role, group membership, extra credentials", () => {
    const cases: [Tweak, string][] = [
      [(i, s) => new ApplicationApiAccess(s, "x", { applicationId: i.application.id, apiClientId: GRAPH, roleIds: ["a"] }), "[OutsideThePlan]"],
      [(i, s) => new DirectoryRoleAssignment(s, "x", { principalObjectId: i.servicePrincipalObjectId, roleId: "62e90394-69f5-4237-9190-012177145e10" }), "[OutsideThePlan]"],
      [(i, s) => new GroupMember(s, "x", { groupObjectId: OBJECT_ID, memberObjectId: i.servicePrincipalObjectId }), "[OutsideThePlan]"],
      [(i, s) => new ApplicationPassword(s, "x", { applicationId: i.application.id }), "[OutsideThePlan]"],
      [
        (i, s) =>
          new ApplicationFederatedIdentityCredential(s, "x", {
            applicationId: i.application.id,
            audiences: ["api://AzureADTokenExchange"],
            displayName: "ci",
            issuer: "https://token.actions.githubusercontent.com",
            subject: "repo:x/y:ref:refs/heads/main",
          }),
        "[OutsideThePlan]",
      ],
    ];
    for (const [tweak, rule] of cases) {
      expect(synthWith(tweak)).toThrow(`${rule} resource.`);
    }
  });

  test("a role or access policy for the integration's principals, anywhere in the stack", () => {
    expect(
      synthWith((i, s) => new RoleAssignment(s, "sub-owner", { scope: "/subscriptions/x", roleDefinitionName: "Owner", principalId: i.servicePrincipalObjectId })),
    ).toThrow(/\[OutsideThePlan\] resource\.azurerm_role_assignment\.sub-owner \(test\/sub-owner\) grants "Owner" and refers to azuread_service_principal\.\S+\.object_id \(the integration's service principal\)/);
    expect(
      synthWith((i, s) =>
        new RoleAssignment(s, "topic-owner", { scope: "/subscriptions/x", roleDefinitionName: "Owner", principalId: i.systemTopic.identity.principalId }),
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.topic-owner");
    expect(
      synthWith((i, s) =>
        new KeyVaultAccessPolicy(s, "vault", { keyVaultId: "/subscriptions/x/v", tenantId: i.tenantId, objectId: i.servicePrincipalObjectId, secretPermissions: ["Get"] }),
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_key_vault_access_policy.vault");
  });

  test("an Owner role assignment on the account, its containers or its resource group, placed elsewhere in the stack", () => {
    const owner = (scope: (i: XshieldMdeIntegration) => string): Tweak => (i, s) =>
      new RoleAssignment(s, "owner", { scope: scope(i), roleDefinitionName: "Owner", principalId: OBJECT_ID });
    expect(synthWith(owner((i) => i.storageAccountId))).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(synthWith(owner((i) => `${i.storageAccountId}/blobServices/default/containers/${i.networkEventsContainer.name}`))).toThrow("[OutsideThePlan]");
    expect(synthWith(owner((i) => i.resourceGroup!.id))).toThrow("[OutsideThePlan]");
    expect(
      synthWith(owner(() => "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-xshield-test/providers/Microsoft.Storage/storageAccounts/stxshieldtest")),
    ).toThrow("[OutsideThePlan]");
    expect(synthWith(owner(() => "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG-xshield-test"))).toThrow("[OutsideThePlan]");
  });

  test("the account looked up again by name, or through a local, is still the account", () => {
    expect(
      synthWith((_, s) => {
        const again = new DataAzurermStorageAccount(s, "again", { name: "stxshieldtest", resourceGroupName: "rg-xshield-test" });
        new RoleAssignment(s, "owner", { scope: again.id, roleDefinitionName: "Owner", principalId: OBJECT_ID });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((i, s) => {
        const local = new TerraformLocal(s, "account", i.storageAccountId);
        new RoleAssignment(s, "owner", { scope: local.asString, roleDefinitionName: "Owner", principalId: OBJECT_ID });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((i, s) => {
        const sp = new DataAzureadServicePrincipal(s, "sp", { clientId: i.clientId });
        new RoleAssignment(s, "owner", { scope: "/subscriptions/x", roleDefinitionName: "Owner", principalId: sp.objectId });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
  });

  test("network rules, local users, a public container or another event subscription on the account", () => {
    expect(
      synthWith((i, s) => new StorageAccountNetworkRules(s, "open", { storageAccountId: i.storageAccountId, defaultAction: "Allow" })),
    ).toThrow("[OutsideThePlan] resource.azurerm_storage_account_network_rules.open");
    expect(
      synthWith((i, s) => new StorageAccountLocalUser(s, "sftp", { name: "x", storageAccountId: i.storageAccountId, sshPasswordEnabled: true })),
    ).toThrow("[OutsideThePlan] resource.azurerm_storage_account_local_user.sftp");
    expect(
      synthWith((i, s) => new StorageContainer(s, "public", { name: "public", storageAccountId: i.storageAccountId, containerAccessType: "blob" })),
    ).toThrow("[OutsideThePlan] resource.azurerm_storage_container.public");
    expect(
      synthWith((i, s) =>
        new EventgridSystemTopicEventSubscription(s, "copy", {
          name: "copy",
          systemTopic: i.systemTopic.name,
          resourceGroupName: i.resourceGroupName,
          webhookEndpoint: { url: "https://example.com/hook" },
        }),
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_eventgrid_system_topic_event_subscription.copy");
  });

  test("a copy of the client secret outside the construct", () => {
    const synth = synthWith((i, s) => new KeyVaultSecret(s, "copy", { name: "copy", keyVaultId: "/subscriptions/x/v", value: i.clientSecret }));
    expect(synth).toThrow(/\[SecretLifetime\] resource\.azurerm_key_vault_secret\.copy \(test\/copy\) refers to \(local\.\S+ > local\.\S+\) \? azuread_application_password|\[SecretLifetime\] resource\.azurerm_key_vault_secret\.copy \(test\/copy\) refers to azuread_application_password\.\S+\.value \(the integration's client secret a\): a copy of the integration's client secret/);
  });

  test("unrelated resources in the same stack are left alone", () => {
    const synth = synthWith((_, s) => {
      new StorageAccount(s, "legacy", {
        name: "stlegacy",
        resourceGroupName: "rg-other",
        location: "westeurope",
        accountTier: "Standard",
        accountReplicationType: "LRS",
        minTlsVersion: "TLS1_0",
        allowNestedItemsToBePublic: true,
      });
      new RoleAssignment(s, "owner", { scope: "/subscriptions/x/resourceGroups/rg-other", roleDefinitionName: "Owner", principalId: OBJECT_ID });
      new RoleAssignment(s, "rg-like", { scope: "/subscriptions/x/resourceGroups/rg-xshield-test-2", roleDefinitionName: "Owner", principalId: OBJECT_ID });
      new Application(s, "other-app", { displayName: "Other", signInAudience: "AzureADMultipleOrgs" });
      new StorageContainer(s, "public", { name: "public", storageAccountId: "/subscriptions/x/other", containerAccessType: "blob" });
      new KeyVaultSecret(s, "client-id", { name: "id", keyVaultId: "/subscriptions/x/v", value: "not ours" });
    });
    expect(synth).not.toThrow();
  });

  test("the integration's own client id stored elsewhere is a touch, not a copy of the secret: it needs an exception naming the element", () => {
    const store: Tweak = (i, s) => new KeyVaultSecret(s, "client-id", { name: "id", keyVaultId: "/subscriptions/x/v", value: i.clientId });
    expect(synthWith(store)).toThrow(/\[OutsideThePlan\] resource\.azurerm_key_vault_secret\.client-id \(test\/client-id\) refers to azuread_application\.\S+\.client_id \(the integration's application\)/);
    expect(synthWith(store, { baselineExceptions: [{ element: "test/client-id", reason: "The platform's inventory vault lists every app's client id." }] })).not.toThrow();
  });
});

describe("secure-baseline guard: several integrations, and integrations removed", () => {
  test("two integrations in one stack are judged each on its own", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    const b = new XshieldMdeIntegration(stack, "b", { ...VALID_PROPS, storageAccountName: "stxshieldtestb", resourceGroupName: "rg-b", applicationDisplayName: "Xshield B" });
    expect(() => Testing.synth(stack)).not.toThrow();
    b.storageAccount.addOverride("min_tls_version", "TLS1_0");
    expect(() => Testing.synth(stack)).toThrow(/Secure baseline violated in test\/b;[\s\S]*\[MinimumTls12\]/);
  });

  test("an integration removed from the construct tree is no longer judged", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const i = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    i.storageAccount.addOverride("min_tls_version", "TLS1_0");
    stack.node.tryRemoveChild("integration");
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  test("the guard applies in any stack, through any app, and cdktf's skipValidation does not turn it off", () => {
    for (const skipValidation of [false, true]) {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "guard-"));
      const app = new App({ outdir, skipValidation });
      const stack = new TerraformStack(app, "someone-elses-stack");
      new AzureadProvider(stack, "azuread", {});
      new AzurermProvider(stack, "azurerm", { features: [{}] });
      new TimeProvider(stack, "time");
      const integration = new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
      integration.storageAccount.addOverride("min_tls_version", "TLS1_1");
      expect(() => app.synth()).toThrow("[MinimumTls12]");
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("secure-baseline guard: routes found in review", () => {
  const OBJECT_ID = "00000000-0000-0000-0000-000000000001";
  const owner = (scope: string): Tweak => (_, s) => new RoleAssignment(s, "owner", { scope, roleDefinitionName: "Owner", principalId: OBJECT_ID });

  test("a value routed through terraform_data is still the integration's", () => {
    expect(
      synthWith((i, s) => {
        const alias = new DataResource(s, "alias", { input: Token.asAny(i.storageAccountId) as never });
        new RoleAssignment(s, "owner", { scope: Token.asString(alias.output), roleDefinitionName: "Owner", principalId: OBJECT_ID });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((i, s) => {
        const alias = new DataResource(s, "app", { input: Token.asAny(i.application.id) as never });
        new ApplicationPassword(s, "third", { applicationId: Token.asString(alias.output), endDate: "2099-01-01T00:00:00Z" });
      }),
    ).toThrow("[OutsideThePlan] resource.azuread_application_password.third (test/third) adds a client secret and refers to terraform_data.app.output");
    expect(
      synthWith((i, s) => {
        const alias = new DataResource(s, "sp", { input: Token.asAny(i.servicePrincipalObjectId) as never });
        new RoleAssignment(s, "owner", { scope: "/subscriptions/x", roleDefinitionName: "Owner", principalId: Token.asString(alias.output) });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner (test/owner) grants");
  });

  test("spaces or comments inside a reference change nothing", () => {
    expect(synthWith((i, s) => owner(`\${azurerm_storage_account . ${i.storageAccount.friendlyUniqueId} . id}`)(i, s))).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(synthWith((i, s) => owner(`\${azurerm_storage_account/* x */.${i.storageAccount.friendlyUniqueId}.id}`)(i, s))).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
  });

  test("the account looked up by its name in any case, through another data source, or a variable's default", () => {
    expect(
      synthWith((_, s) => {
        const found = new DataAzurermResources(s, "found", { name: "stxshieldtest", type: "Microsoft.Storage/storageAccounts" });
        owner(found.resources.get(0).id)(_ as never, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((_, s) => {
        const again = new DataAzurermStorageAccount(s, "again", { name: Fn.lower("STXSHIELDTEST"), resourceGroupName: "rg-xshield-test" });
        owner(again.id)(_ as never, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((_, s) => {
        const name = new TerraformVariable(s, "account", { type: "string", default: "stxshieldtest" });
        const again = new DataAzurermStorageAccount(s, "again", { name: name.stringValue, resourceGroupName: "rg-xshield-test" });
        owner(again.id)(_ as never, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
    expect(
      synthWith((_, s) => {
        const rg = new TerraformVariable(s, "rg", { type: "string", default: "RG-XSHIELD-TEST" });
        owner(`/subscriptions/x/resourceGroups/${rg.stringValue}`)(_ as never, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.owner");
  });

  test("more owners of the application or its service principal", () => {
    expect(synthWith((i) => i.application.addOverride("owners", [OBJECT_ID]))).toThrow(/\[SingleTenantApplication\] resource\.azuread_application\..*\.owners/);
    expect(synthWith((i) => i.servicePrincipal.addOverride("owners", [OBJECT_ID]))).toThrow(/\[SingleTenantApplication\] resource\.azuread_service_principal\..*\.owners/);
    expect(synthWith(() => undefined, { additionalOwnerObjectIds: [OBJECT_ID] })).not.toThrow();
  });

  test("an output that would print the client secret", () => {
    expect(synthWith((i, s) => new TerraformOutput(s, "leak", { value: Fn.nonsensitive(i.clientSecret), sensitive: true }))).toThrow(
      /\[SecretLifetime\] output\.leak refers to .*azuread_application_password\.\S+\.value \(the integration's client secret a\): a copy of the integration's client secret/,
    );
    expect(synthWith((i, s) => new TerraformOutput(s, "plain", { value: i.clientSecretSlotA.value }))).toThrow("[SecretLifetime] output.plain refers to azuread_application_password.");
    expect(synthWith((i, s) => new TerraformLocal(s, "bare", Fn.nonsensitive(i.clientSecret)))).toThrow("[SecretLifetime] locals.bare refers to");
    // A sensitive output of exactly the secret (the construct's expression, or one slot's value) is one of the harmless forms.
    expect(synthWith((i, s) => new TerraformOutput(s, "secret", { value: i.clientSecret, sensitive: true }))).not.toThrow();
    expect(synthWith((i, s) => new TerraformOutput(s, "slot_a", { value: i.clientSecretSlotA.value, sensitive: true }))).not.toThrow();
  });

  test("copying the account's blobs elsewhere, or silencing the alerts", () => {
    expect(
      synthWith((i, s) =>
        new StorageObjectReplication(s, "copy", {
          sourceStorageAccountId: i.storageAccountId,
          destinationStorageAccountId: "/subscriptions/x/other",
          rules: [{ sourceContainerName: i.networkEventsContainerName, destinationContainerName: "copy" }],
        }),
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_storage_object_replication.copy (test/copy) replicates blobs");
    expect(
      synthWith(
        (i, s) =>
          new MonitorAlertProcessingRuleSuppression(s, "quiet", {
            name: "quiet",
            resourceGroupName: "rg-monitoring",
            scopes: [i.resourceGroup!.id],
          }),
        { alerts: { emailReceivers: ["secops@contoso.com"] } },
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_monitor_alert_processing_rule_suppression.quiet (test/quiet) suppresses alert notifications");
  });

  test("platform wiring on the topic or the account is a touch, allowed by one exception per element; the secrets' expiry through a pass-through is not a secret", () => {
    const wiring: Tweak = (i, s) => {
      new MonitorDiagnosticSetting(s, "diagnostics", {
        name: "d",
        targetResourceId: i.systemTopic.id,
        logAnalyticsWorkspaceId: "/subscriptions/x/workspaces/w",
        enabledLog: [{ category: "DeliveryFailures" }],
      });
      new DataResource(s, "expiry", { input: Token.asAny(i.clientSecretExpiresAt) as never });
      new KeyVaultSecret(s, "key-id", { name: "key-id", keyVaultId: "/subscriptions/x/v", value: i.clientSecretSlotA.keyId });
      new PrivateEndpoint(s, "pe", {
        name: "pe",
        location: "westeurope",
        resourceGroupName: "rg-network",
        subnetId: "/subscriptions/x/subnets/s",
        privateServiceConnection: { name: "blob", isManualConnection: false, privateConnectionResourceId: i.storageAccountId, subresourceNames: ["blob"] },
      });
    };
    const message = (() => {
      try {
        synthWith(wiring)();
      } catch (error) {
        return (error as Error).message;
      }
      return "";
    })();
    // Each element is named once, as a touch (OutsideThePlan), none as a copy of the secret.
    expect(message.split("\n").filter((l) => l.startsWith("  - ")).map((l) => /^  - \[(\w+)\] (\S+)/.exec(l)!.slice(1)).sort()).toEqual([
      ["OutsideThePlan", "resource.azurerm_key_vault_secret.key-id"],
      ["OutsideThePlan", "resource.azurerm_monitor_diagnostic_setting.diagnostics"],
      ["OutsideThePlan", "resource.azurerm_private_endpoint.pe"],
      ["OutsideThePlan", "resource.terraform_data.expiry"],
    ]);
    const reason = "Platform wiring reviewed in SEC-1234, owned by the platform team.";
    const exceptions = ["test/diagnostics", "test/expiry", "test/key-id", "test/pe"].map((element) => ({ element, reason }));
    expect(synthWith(wiring, { baselineExceptions: exceptions })).not.toThrow();
  });
});
