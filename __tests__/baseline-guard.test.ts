import { Aspects, Testing, TerraformStack, TerraformVariable } from "cdktf";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { BASELINE_RULES, BaselineRule } from "../lib/baseline-guard";
import { XshieldMdeIntegration, XshieldMdeIntegrationProps } from "../lib/xshield-mde-integration";
import { VALID_PROPS, warningsOf } from "./support/synth";

type Tweak = (i: XshieldMdeIntegration) => void;

function synthWith(tweak: Tweak, props: Partial<XshieldMdeIntegrationProps> = {}): () => string {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(integration);
  return () => Testing.synth(stack);
}

const sa = (path: string, value: unknown): Tweak => (i) => i.storageAccount.addOverride(path, value);
const role = (name: keyof XshieldMdeIntegration, path: string, value: unknown): Tweak => (i) =>
  (i[name] as RoleAssignment).addOverride(path, value);

interface Case {
  readonly rule: BaselineRule;
  readonly compliant: Tweak;
  readonly broken: Tweak;
  readonly mentions: string;
}

// For each rule: an escape-hatch override that keeps the baseline, and one that breaks it.
const CASES: Case[] = [
  { rule: "MinimumTls12", compliant: sa("min_tls_version", "TLS1_3"), broken: sa("min_tls_version", "TLS1_0"), mentions: "min_tls_version" },
  { rule: "HttpsOnly", compliant: sa("https_traffic_only_enabled", true), broken: sa("https_traffic_only_enabled", false), mentions: "https_traffic_only_enabled" },
  { rule: "NoPublicBlobAccess", compliant: sa("allow_nested_items_to_be_public", false), broken: sa("allow_nested_items_to_be_public", true), mentions: "allow_nested_items_to_be_public" },
  { rule: "SharedKeyDisabled", compliant: sa("shared_access_key_enabled", false), broken: sa("shared_access_key_enabled", true), mentions: "shared_access_key_enabled" },
  { rule: "InfrastructureEncryption", compliant: sa("infrastructure_encryption_enabled", true), broken: sa("infrastructure_encryption_enabled", false), mentions: "infrastructure_encryption_enabled" },
  { rule: "LocalUsersDisabled", compliant: sa("local_user_enabled", false), broken: sa("sftp_enabled", true), mentions: "sftp_enabled" },
  { rule: "CrossTenantReplicationDisabled", compliant: sa("cross_tenant_replication_enabled", false), broken: sa("cross_tenant_replication_enabled", true), mentions: "cross_tenant_replication_enabled" },
  { rule: "FirewallDenyByDefault", compliant: sa("network_rules.ip_rules", ["20.50.60.0/28"]), broken: sa("network_rules.default_action", "Allow"), mentions: "default_action" },
  {
    rule: "LeastPrivilegeRoles",
    compliant: role("blobReaderAssignment", "description", "reviewed"),
    broken: role("blobReaderAssignment", "role_definition_name", "Storage Blob Data Owner"),
    mentions: "Storage Blob Data Owner",
  },
  {
    rule: "EventDeliveryScoped",
    compliant: (i) => i.eventSubscription.addOverride("subject_filter.case_sensitive", true),
    broken: (i) => i.eventSubscription.addOverride("subject_filter.subject_begins_with", "/blobServices/default/containers/"),
    mentions: "subject_begins_with",
  },
  {
    rule: "SingleTenantApplication",
    compliant: (i) => i.application.addOverride("notes", "reviewed"),
    broken: (i) => i.application.addOverride("sign_in_audience", "AzureADMultipleOrgs"),
    mentions: "AzureADMultipleOrgs",
  },
];

describe("secure-baseline guard", () => {
  test("every rule is covered by a case", () => {
    expect(CASES.map((c) => c.rule).sort()).toEqual(Object.keys(BASELINE_RULES).sort());
  });

  test("the default integration passes", () => {
    expect(synthWith(() => undefined)).not.toThrow();
  });

  describe.each(CASES)("$rule", ({ rule, compliant, broken, mentions }) => {
    test("an override that keeps the baseline passes", () => {
      expect(synthWith(compliant)).not.toThrow();
    });

    test("an override that weakens it fails synthesis, naming the rule and the attribute", () => {
      const synth = synthWith(broken);
      expect(synth).toThrow(`[${rule}]`);
      expect(synth).toThrow(mentions);
      expect(synth).toThrow(/baselineExceptions/);
    });

    test("a reasoned exception lets it through", () => {
      const app = Testing.app();
      const stack = new TerraformStack(app, "test");
      const integration = new XshieldMdeIntegration(stack, "integration", {
        ...VALID_PROPS,
        baselineExceptions: [{ rule, reason: "Accepted by the security review board, ticket SEC-1234." }],
      });
      broken(integration);
      expect(() => Testing.synth(stack)).not.toThrow();
    });
  });

  test("more firewall weakenings are caught: extra IPs, extra bypasses, subnets, public access in Disabled mode", () => {
    expect(synthWith(sa("network_rules.ip_rules", ["20.50.60.0/28", "1.2.3.4"]))).toThrow(/1\.2\.3\.4.*not in allowedIpRanges/);
    expect(synthWith(sa("network_rules.bypass", ["AzureServices", "Logging"]))).toThrow(/bypass/);
    expect(synthWith(sa("network_rules.virtual_network_subnet_ids", ["/subscriptions/x/subnets/y"]))).toThrow(/virtual_network_subnet_ids/);
    expect(
      synthWith(sa("public_network_access_enabled", true), { publicNetworkAccess: "Disabled", allowedIpRanges: [] }),
    ).toThrow(/public_network_access_enabled/);
  });

  test("documented relaxations through props are not violations", () => {
    expect(synthWith(() => undefined, { sharedAccessKeyEnabled: true })).not.toThrow();
    expect(synthWith(() => undefined, { publicNetworkAccess: "Enabled", allowedIpRanges: [] })).not.toThrow();
  });

  test("more role weakenings are caught: a broader scope, a role by id, another principal type, an unplanned assignment", () => {
    expect(synthWith(role("queueProcessorAssignment", "scope", "/subscriptions/x"))).toThrow(/scope.*narrower/);
    expect(synthWith(role("queueProcessorAssignment", "role_definition_id", "/providers/Microsoft.Authorization/roleDefinitions/x"))).toThrow(/role_definition_id/);
    expect(synthWith(role("queueSenderAssignment", "principal_type", "User"))).toThrow(/principal_type/);
    expect(
      synthWith((i) => {
        new RoleAssignment(i, "extra", { scope: i.storageAccountId, roleDefinitionName: "Owner", principalId: "x" });
      }),
    ).toThrow(/not one the construct planned/);
  });

  test("a role granted to another principal is caught", () => {
    expect(synthWith(role("blobReaderAssignment", "principal_id", "00000000-0000-0000-0000-000000000bad"))).toThrow(
      /\[LeastPrivilegeRoles\].*principal_id is "00000000-0000-0000-0000-000000000bad"; planned "\$\{azuread_service_principal\./,
    );
  });

  test("more event-delivery weakenings are caught: other event types, shared identities, other endpoints, another account", () => {
    const sub = (path: string, value: unknown): Tweak => (i) => i.eventSubscription.addOverride(path, value);
    expect(synthWith(sub("included_event_types", ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]))).toThrow(/included_event_types/);
    expect(synthWith(sub("delivery_identity", null))).toThrow(/delivery_identity\.type/);
    expect(synthWith(sub("dead_letter_identity.type", "UserAssigned"))).toThrow(/dead_letter_identity\.type/);
    expect(synthWith(sub("webhook_endpoint", { url: "https://example.com/hook" }))).toThrow(/also sends events to webhook_endpoint/);
    expect(synthWith(sub("storage_queue_endpoint.queue_name", "other-queue"))).toThrow(/storage_queue_endpoint/);
    expect(synthWith(sub("storage_blob_dead_letter_destination.storage_account_id", "/subscriptions/x/st"))).toThrow(/storage_blob_dead_letter_destination/);
    expect(synthWith((i) => i.queue.addOverride("storage_account_id", "/subscriptions/x/other"))).toThrow(/azurerm_storage_queue.*storage_account_id/);
    expect(synthWith((i) => i.networkEventsContainer.addOverride("storage_account_id", "/subscriptions/x/other"))).toThrow(
      /azurerm_storage_container.*storage_account_id/,
    );
  });

  test("an application asking for more, or for something else, than Machine.Read.All on the Defender API fails", () => {
    const graph = "00000003-0000-0000-c000-000000000000";
    const extra = (i: XshieldMdeIntegration) =>
      i.application.addOverride("required_resource_access.0.resource_access.1", { id: "x", type: "Role" });
    expect(synthWith(extra)).toThrow(/\[SingleTenantApplication\].*required_resource_access/);
    const otherApi = (i: XshieldMdeIntegration) =>
      i.application.putRequiredResourceAccess([{ resourceAppId: graph, resourceAccess: [{ id: "df021288-bdef-4463-88db-98f22de89214", type: "Role" }] }]);
    expect(synthWith(otherApi)).toThrow(new RegExp(`required_resource_access is .*${graph}`));
    const delegated = (i: XshieldMdeIntegration) => i.application.addOverride("required_resource_access.0.resource_access.0.type", "Scope");
    expect(synthWith(delegated)).toThrow(/\[SingleTenantApplication\]/);
  });

  test("the admin consent must grant Machine.Read.All on the Defender API to the integration's own service principal", () => {
    const consent = (key: string, value: string): Tweak => (i) => i.machineReadConsent.addOverride(key, value);
    expect(synthWith(consent("app_role_id", "00000000-0000-0000-0000-0000000000aa"))).toThrow(/azuread_app_role_assignment.*app_role_id/);
    expect(synthWith(consent("resource_object_id", "00000000-0000-0000-0000-0000000000bb"))).toThrow(/resource_object_id/);
    expect(synthWith(consent("principal_object_id", "00000000-0000-0000-0000-0000000000cc"))).toThrow(/principal_object_id/);
  });

  test("a weakening made by another aspect, after the guard visited the integration, is caught", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    Aspects.of(stack).add({
      visit: (node) => {
        if (node instanceof StorageAccount) node.addOverride("min_tls_version", "TLS1_0");
      },
    });
    expect(() => Testing.synth(stack)).toThrow(/\[MinimumTls12\]/);
  });

  test("a weakening through a property setter is caught", () => {
    expect(synthWith((i) => (i.storageAccount.sharedAccessKeyEnabled = true))).toThrow(/\[SharedKeyDisabled\]/);
  });

  test("allowed ranges given as tokens pass; an ip_rules expression that is not the planned list fails", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const range = new TerraformVariable(stack, "xshield_range", { type: "string" }).stringValue;
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, allowedIpRanges: ["20.50.60.0/28", range] });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(synthWith(sa("network_rules.ip_rules", "${var.anything}"))).toThrow(/ip_rules lets through "\$\{var\.anything\}"/);
    expect(synthWith(sa("network_rules.private_link_access", [{ endpoint_resource_id: "/subscriptions/x" }]))).toThrow(/private_link_access/);
  });

  test("all violations are reported together", () => {
    const synth = synthWith((i) => {
      sa("min_tls_version", "TLS1_0")(i);
      sa("shared_access_key_enabled", true)(i);
    });
    expect(synth).toThrow(/MinimumTls12[\s\S]*SharedKeyDisabled/);
  });

  test("an exception that is not needed draws a warning", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const integration = new XshieldMdeIntegration(stack, "integration", {
      ...VALID_PROPS,
      baselineExceptions: [{ rule: "MinimumTls12", reason: "Legacy client that only speaks TLS 1.0, until 2027." }],
    });
    Testing.synth(stack);
    expect(warningsOf(integration).join("\n")).toMatch(/MinimumTls12 is not needed/);
  });

  test("the guard applies in any stack that uses the construct", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "someone-elses-stack");
    const integration = new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
    integration.storageAccount.addOverride("min_tls_version", "TLS1_1");
    expect(() => Testing.synth(stack)).toThrow(/\[MinimumTls12\]/);
  });
});
