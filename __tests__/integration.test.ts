import { Testing, TerraformOutput, TerraformStack } from "cdktf";
import {
  DEAD_LETTER_CONTAINER_NAME,
  DEFENDER_API_CLIENT_ID,
  NETWORK_EVENTS_CONTAINER_NAME,
} from "../lib/constants";
import { XshieldMdeIntegration, streamingApiInstructions } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS, synthIntegration, warningsOf } from "./support/synth";

// Role names and ids as Microsoft's built-in roles reference states them (written out here
// rather than imported, so a wrong constant in lib/ fails these tests).
const BLOB_READER = "Storage Blob Data Reader";
const QUEUE_PROCESSOR = "Storage Queue Data Message Processor";
const QUEUE_SENDER = "Storage Queue Data Message Sender";
const BLOB_CONTRIBUTOR = "Storage Blob Data Contributor";
const WINDOWS_DEFENDER_ATP = "fc780465-2017-40d4-a0c5-307022471b92";

describe("XshieldMdeIntegration with default props", () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synthIntegration();
  });

  test("step 1: registers a single-tenant application owned by the deploying identity", () => {
    const app = s.one("azuread_application").body;
    expect(app.sign_in_audience).toBe("AzureADMyOrg");
    expect(app.display_name).toBe("Xshield MDE Integration");
    expect(app.owners).toEqual([s.dataRef("azuread_client_config", "object_id")]);
  });

  test("step 1b: creates the application's service principal from its client id", () => {
    const sp = s.one("azuread_service_principal").body;
    expect(sp.client_id).toBe(s.ref("azuread_application", "client_id"));
    expect(sp.owners).toEqual([s.dataRef("azuread_client_config", "object_id")]);
  });

  test("step 2: the client secret belongs to the application and expires after 24 months, from a time resource", () => {
    const password = s.one("azuread_application_password").body;
    expect(password.application_id).toBe(s.ref("azuread_application", "id"));
    expect(password.end_date).toBe(s.ref("time_offset", "rfc3339"));
    expect(password.end_date_relative).toBeUndefined();
    expect(password.rotate_when_changed).toEqual({ rotation: s.ref("time_rotating", "id") });
    expect(password.lifecycle).toEqual({ create_before_destroy: true });

    const expiry = s.one("time_offset").body;
    expect(expiry.base_rfc3339).toBe(s.ref("time_rotating", "rfc3339"));
    expect(expiry.offset_months).toBe(24);
    expect(s.one("time_rotating").body.rotation_months).toBe(23);
  });

  test("step 2: no date is computed from the clock at synth time", () => {
    expect(s.text).not.toMatch(/\d{4}-\d{2}-\d{2}/);
  });

  test("step 3: requests Machine.Read.All as an application permission, with the role id read from WindowsDefenderATP", () => {
    const defender = s.data("azuread_service_principal").body;
    expect(defender.client_id).toBe(WINDOWS_DEFENDER_ATP);
    expect(DEFENDER_API_CLIENT_ID).toBe(WINDOWS_DEFENDER_ATP);

    const roleId = `\${data.azuread_service_principal.${s.data("azuread_service_principal").name}.app_role_ids["Machine.Read.All"]}`;
    const app = s.one("azuread_application").body;
    expect(app.required_resource_access).toEqual([
      { resource_app_id: WINDOWS_DEFENDER_ATP, resource_access: [{ id: roleId, type: "Role" }] },
    ]);
  });

  test("step 4: grants admin consent: our service principal gets Machine.Read.All on WindowsDefenderATP", () => {
    const consent = s.one("azuread_app_role_assignment").body;
    expect(consent.app_role_id).toBe(s.dataRef("azuread_service_principal", 'app_role_ids["Machine.Read.All"]'));
    expect(consent.principal_object_id).toBe(s.ref("azuread_service_principal", "object_id"));
    expect(consent.resource_object_id).toBe(s.dataRef("azuread_service_principal", "object_id"));
  });

  test("step 5: creates the resource group and a StorageV2 account in it, in the location given", () => {
    const rg = s.one("azurerm_resource_group").body;
    expect(rg).toMatchObject({ name: "rg-xshield-test", location: "westeurope" });
    const sa = s.one("azurerm_storage_account").body;
    expect(sa).toMatchObject({
      name: "stxshieldtest",
      location: "westeurope",
      resource_group_name: s.ref("azurerm_resource_group", "name"),
      account_kind: "StorageV2",
      account_tier: "Standard",
      account_replication_type: "LRS",
    });
  });

  test("step 5: the storage account meets the secure baseline", () => {
    expect(s.one("azurerm_storage_account").body).toMatchObject({
      min_tls_version: "TLS1_2",
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      infrastructure_encryption_enabled: true,
      local_user_enabled: false,
      sftp_enabled: false,
      cross_tenant_replication_enabled: false,
      public_network_access_enabled: true,
      network_rules: { default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["20.50.60.0/28"] },
    });
  });

  test("step 6: creates the queue through the management plane", () => {
    const queue = s.one("azurerm_storage_queue").body;
    expect(queue).toEqual({
      name: "xshield-mde-events",
      storage_account_id: s.ref("azurerm_storage_account", "id"),
    });
    expect(queue.storage_account_name).toBeUndefined();
  });

  test("creates the private DeviceNetworkEvents container the Streaming API writes into", () => {
    const container = s.named("azurerm_storage_container", "network-events-container").body;
    expect(container).toEqual({
      name: "insights-logs-advancedhunting-devicenetworkevents",
      storage_account_id: s.ref("azurerm_storage_account", "id"),
      container_access_type: "private",
    });
    expect(NETWORK_EVENTS_CONTAINER_NAME).toBe("insights-logs-advancedhunting-devicenetworkevents");
  });

  test("step 7: a system topic on the storage account, with a system-assigned identity", () => {
    const topic = s.one("azurerm_eventgrid_system_topic").body;
    expect(topic).toMatchObject({
      source_resource_id: s.ref("azurerm_storage_account", "id"),
      topic_type: "Microsoft.Storage.StorageAccounts",
      location: "westeurope",
      resource_group_name: s.ref("azurerm_resource_group", "name"),
      identity: { type: "SystemAssigned" },
    });
  });

  test("step 7: the subscription sends only new DeviceNetworkEvents blobs to our queue, with the topic's identity", () => {
    const sub = s.one("azurerm_eventgrid_system_topic_event_subscription").body;
    expect(sub.system_topic).toBe(s.ref("azurerm_eventgrid_system_topic", "name"));
    expect(sub.resource_group_name).toBe(s.ref("azurerm_resource_group", "name"));
    expect(sub.included_event_types).toEqual(["Microsoft.Storage.BlobCreated"]);
    expect(sub.subject_filter).toMatchObject({
      subject_begins_with: "/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents/",
    });
    expect(sub.storage_queue_endpoint).toEqual({
      storage_account_id: s.ref("azurerm_storage_account", "id"),
      queue_name: s.ref("azurerm_storage_queue", "name"),
    });
    expect(sub.delivery_identity).toEqual({ type: "SystemAssigned" });
  });

  test("step 7: the subscription is created only after Event Grid's roles had time to take effect", () => {
    const sub = s.one("azurerm_eventgrid_system_topic_event_subscription").body;
    const wait = s.one("time_sleep");
    expect(sub.depends_on).toEqual([`time_sleep.${wait.name}`]);
    expect(wait.body).toEqual({
      create_duration: "120s",
      triggers: {
        queue_sender: s.refNamed("azurerm_role_assignment", "queue-sender", "id"),
        dead_letter_writer: s.refNamed("azurerm_role_assignment", "dead-letter-writer", "id"),
      },
    });
    expect(synthIntegration({ rolePropagationWaitSeconds: 0 }).one("time_sleep").body.create_duration).toBe("0s");
  });

  test("step 7: the subject filter matches the subject of a real DeviceNetworkEvents BlobCreated event, and no other container", () => {
    // The subject Azure Storage puts on a BlobCreated event for a blob the Streaming API writes.
    const subject =
      "/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents/blobs/" +
      "tenantId=00000000-0000-0000-0000-000000000000/y=2026/m=11/d=26/h=16/m=00/PT1H.json";
    const filter = (s.one("azurerm_eventgrid_system_topic_event_subscription").body.subject_filter as { subject_begins_with: string })
      .subject_begins_with;
    expect(subject.startsWith(filter)).toBe(true);
    expect("/blobServices/default/containers/eventgrid-deadletter/blobs/x".startsWith(filter)).toBe(false);
    expect("/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents2/blobs/x".startsWith(filter)).toBe(false);
  });

  const accountId = () => s.ref("azurerm_storage_account", "id");
  const containerScope = (part: string) =>
    `${accountId()}/blobServices/default/containers/${s.refNamed("azurerm_storage_container", part, "name")}`;
  const queueScope = () => `${accountId()}/queueServices/default/queues/${s.ref("azurerm_storage_queue", "name")}`;

  test("step 8: Storage Blob Data Reader for our service principal, on the DeviceNetworkEvents container only", () => {
    expect(s.named("azurerm_role_assignment", "blob-reader").body).toMatchObject({
      role_definition_name: BLOB_READER,
      principal_id: s.ref("azuread_service_principal", "object_id"),
      principal_type: "ServicePrincipal",
      scope: containerScope("network-events-container"),
    });
  });

  test("step 9: Storage Queue Data Message Processor for our service principal, on the queue only", () => {
    expect(s.named("azurerm_role_assignment", "queue-processor").body).toMatchObject({
      role_definition_name: QUEUE_PROCESSOR,
      principal_id: s.ref("azuread_service_principal", "object_id"),
      principal_type: "ServicePrincipal",
      scope: queueScope(),
    });
  });

  test("Event Grid's identity may send to the queue and write dead letters, nothing more", () => {
    const topicPrincipal = s.ref("azurerm_eventgrid_system_topic", "identity[0].principal_id");
    expect(s.named("azurerm_role_assignment", "queue-sender").body).toMatchObject({
      role_definition_name: QUEUE_SENDER,
      principal_id: topicPrincipal,
      principal_type: "ServicePrincipal",
      scope: queueScope(),
    });
    expect(s.named("azurerm_role_assignment", "dead-letter-writer").body).toMatchObject({
      role_definition_name: BLOB_CONTRIBUTOR,
      principal_id: topicPrincipal,
      principal_type: "ServicePrincipal",
      scope: containerScope("dead-letter-container"),
    });
  });

  test("exactly four role assignments, every one to a service principal, every scope an ARM id", () => {
    const assignments = s.all("azurerm_role_assignment");
    expect(assignments).toHaveLength(4);
    for (const [, body] of assignments) {
      expect(body.principal_type).toBe("ServicePrincipal");
      expect(String(body.scope)).toMatch(/^\$\{azurerm_storage_account\.[^}]+\.id\}\/(blobServices|queueServices)\/default\//);
      expect(String(body.scope)).not.toMatch(/core\.windows\.net|https?:/);
    }
  });

  test("no secret value is ever written: the password's value is referenced nowhere in a bare integration", () => {
    expect(s.text).not.toContain(`${s.one("azuread_application_password").name}.value`);
  });
});

describe("XshieldMdeIntegration attributes", () => {
  test("expose resources and token attributes that resolve to the right references", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const integration = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    const names = [
      "clientId", "tenantId", "clientSecret", "storageAccountName", "storageAccountId", "queueName",
      "clientSecretExpiresAt", "clientSecretRotatesAt", "servicePrincipalObjectId", "resourceGroupName",
    ] as const;
    for (const name of names) {
      new TerraformOutput(stack, name, { value: integration[name], sensitive: true });
    }
    const s = new Synthesized(Testing.synth(stack));
    const value = (name: string) => s.json.output[name].value;
    expect(value("clientId")).toBe(s.ref("azuread_application", "client_id"));
    expect(value("tenantId")).toBe(s.dataRef("azuread_client_config", "tenant_id"));
    expect(value("clientSecret")).toBe(s.ref("azuread_application_password", "value"));
    expect(value("storageAccountName")).toBe(s.ref("azurerm_storage_account", "name"));
    expect(value("storageAccountId")).toBe(s.ref("azurerm_storage_account", "id"));
    expect(value("queueName")).toBe(s.ref("azurerm_storage_queue", "name"));
    expect(value("clientSecretExpiresAt")).toBe(s.ref("azuread_application_password", "end_date"));
    expect(value("clientSecretRotatesAt")).toBe(s.ref("time_rotating", "rotation_rfc3339"));
    expect(value("servicePrincipalObjectId")).toBe(s.ref("azuread_service_principal", "object_id"));
    expect(value("resourceGroupName")).toBe(s.ref("azurerm_resource_group", "name"));
    expect(integration.application.terraformResourceType).toBe("azuread_application");
    expect(integration.servicePrincipal.terraformResourceType).toBe("azuread_service_principal");
    expect(integration.storageAccount.terraformResourceType).toBe("azurerm_storage_account");
    expect(integration.queue.terraformResourceType).toBe("azurerm_storage_queue");
    expect(integration.networkEventsContainerName).toBe("insights-logs-advancedhunting-devicenetworkevents");
  });

  test("the Streaming API instructions name the table and carry the resource id", () => {
    const text = streamingApiInstructions("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st");
    expect(text).toContain("Streaming API");
    expect(text).toContain("DeviceNetworkEvents");
    expect(text).toContain("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st");
  });
});

describe("options", () => {
  test("queueName, applicationDisplayName, accountReplicationType and tags reach the resources", () => {
    const s = synthIntegration({
      queueName: "my-queue",
      applicationDisplayName: "Xshield (prod)",
      accountReplicationType: "ZRS",
      tags: { environment: "prod" },
    });
    expect(s.one("azurerm_storage_queue").body.name).toBe("my-queue");
    expect(s.one("azuread_application").body.display_name).toBe("Xshield (prod)");
    expect(s.one("azurerm_storage_account").body.account_replication_type).toBe("ZRS");
    for (const type of ["azurerm_resource_group", "azurerm_storage_account", "azurerm_eventgrid_system_topic"]) {
      expect(s.one(type).body.tags).toEqual({ environment: "prod" });
    }
  });

  test("no tags block when no tags are given", () => {
    expect(synthIntegration().one("azurerm_storage_account").body.tags).toBeUndefined();
  });

  test("additionalOwnerObjectIds are owners next to the deploying identity", () => {
    const owner = "11111111-2222-3333-4444-555555555555";
    const s = synthIntegration({ additionalOwnerObjectIds: [owner] });
    const expected = [s.dataRef("azuread_client_config", "object_id"), owner];
    expect(s.one("azuread_application").body.owners).toEqual(expected);
    expect(s.one("azuread_service_principal").body.owners).toEqual(expected);
  });

  test("publicNetworkAccess Enabled opens the firewall and drops the IP rules", () => {
    const sa = synthIntegration({ publicNetworkAccess: "Enabled", allowedIpRanges: [] }).one("azurerm_storage_account").body;
    expect(sa.public_network_access_enabled).toBe(true);
    expect(sa.network_rules).toMatchObject({ default_action: "Allow", ip_rules: [] });
  });

  test("publicNetworkAccess Disabled turns public access off entirely", () => {
    const sa = synthIntegration({ publicNetworkAccess: "Disabled", allowedIpRanges: [] }).one("azurerm_storage_account").body;
    expect(sa.public_network_access_enabled).toBe(false);
    expect(sa.network_rules).toMatchObject({ default_action: "Deny", ip_rules: [] });
  });

  test("sharedAccessKeyEnabled is the one switch that turns shared keys on", () => {
    expect(synthIntegration({ sharedAccessKeyEnabled: true }).one("azurerm_storage_account").body.shared_access_key_enabled).toBe(true);
  });

  test("the default mode without allowed ranges synthesizes but warns that Xshield cannot read yet", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, allowedIpRanges: [] });
    Testing.synth(stack);
    expect(warningsOf(integration).join("\n")).toMatch(/allowedIpRanges/);
  });

  test("a typical configuration draws no warning", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const integration = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    Testing.synth(stack);
    expect(warningsOf(integration)).toEqual([]);
  });
});

describe("day 2", () => {
  test("clientSecretExpiryMonths and clientSecretRotationMonths set the expiry and the rotation point", () => {
    const s = synthIntegration({ clientSecretExpiryMonths: 12, clientSecretRotationMonths: 9 });
    expect(s.one("time_offset").body.offset_months).toBe(12);
    expect(s.one("time_rotating").body.rotation_months).toBe(9);
  });

  test("the rotation point defaults to one month before expiry, and never below one month", () => {
    expect(synthIntegration({ clientSecretExpiryMonths: 6 }).one("time_rotating").body.rotation_months).toBe(5);
    expect(synthIntegration({ clientSecretExpiryMonths: 1 }).one("time_rotating").body.rotation_months).toBe(1);
  });

  test("a new rotation replaces the expiry offset too", () => {
    const s = synthIntegration();
    expect(s.one("time_offset").body.triggers).toEqual({ rotation: s.ref("time_rotating", "id") });
  });

  test("without clientSecretKeyVaultId no Key Vault secret is created", () => {
    expect(synthIntegration().all("azurerm_key_vault_secret")).toEqual([]);
  });

  test("clientSecretKeyVaultId copies the secret into that vault, expiring with it", () => {
    const vault =
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-xshield";
    const s = synthIntegration({ clientSecretKeyVaultId: vault });
    const secret = s.one("azurerm_key_vault_secret").body;
    expect(secret).toMatchObject({
      name: "xshield-mde-client-secret",
      key_vault_id: vault,
      value: s.ref("azuread_application_password", "value"),
      expiration_date: s.ref("azuread_application_password", "end_date"),
    });
    expect(typeof secret.content_type).toBe("string");
    expect(synthIntegration({ clientSecretKeyVaultId: vault, clientSecretKeyVaultSecretName: "other" }).one("azurerm_key_vault_secret").body.name).toBe("other");
  });

  test("a lifecycle rule deletes DeviceNetworkEvents and dead-lettered blobs after blobRetentionDays (default 30)", () => {
    const check = (s: Synthesized, days: number) => {
      const policy = s.one("azurerm_storage_management_policy").body;
      expect(policy.storage_account_id).toBe(s.ref("azurerm_storage_account", "id"));
      const rules = policy.rule as { filters: { prefix_match: string[]; blob_types: string[] }; actions: { base_blob: Record<string, number> } }[];
      expect(rules).toHaveLength(1);
      expect(rules[0].filters.prefix_match.sort()).toEqual(
        [`${NETWORK_EVENTS_CONTAINER_NAME}/`, `${DEAD_LETTER_CONTAINER_NAME}/`].sort(),
      );
      expect(rules[0].filters.blob_types).toEqual(expect.arrayContaining(["appendBlob", "blockBlob"]));
      expect(rules[0].actions.base_blob).toEqual({ delete_after_days_since_modification_greater_than: days });
    };
    check(synthIntegration(), 30);
    check(synthIntegration({ blobRetentionDays: 400 }), 400);
  });

  test("undeliverable events go to the dead-letter container, written with the topic's identity", () => {
    const s = synthIntegration();
    const sub = s.one("azurerm_eventgrid_system_topic_event_subscription").body;
    expect(sub.dead_letter_identity).toEqual({ type: "SystemAssigned" });
    expect(sub.storage_blob_dead_letter_destination).toEqual({
      storage_account_id: s.ref("azurerm_storage_account", "id"),
      storage_blob_container_name: s.refNamed("azurerm_storage_container", "dead-letter-container", "name"),
    });
    expect(s.named("azurerm_storage_container", "dead-letter-container").body).toMatchObject({
      name: "eventgrid-deadletter",
      container_access_type: "private",
    });
  });

  test("the retry policy is explicit and follows the props", () => {
    expect(synthIntegration().one("azurerm_eventgrid_system_topic_event_subscription").body.retry_policy).toEqual({
      max_delivery_attempts: 30,
      event_time_to_live: 1440,
    });
    const s = synthIntegration({ eventDeliveryMaxAttempts: 5, eventTimeToLiveMinutes: 60 });
    expect(s.one("azurerm_eventgrid_system_topic_event_subscription").body.retry_policy).toEqual({
      max_delivery_attempts: 5,
      event_time_to_live: 60,
    });
  });

  test("createResourceGroup false uses the existing group through a data source", () => {
    const s = synthIntegration({ createResourceGroup: false });
    expect(s.all("azurerm_resource_group")).toEqual([]);
    expect(s.data("azurerm_resource_group").body).toEqual({ name: "rg-xshield-test" });
    const rgName = s.dataRef("azurerm_resource_group", "name");
    expect(s.one("azurerm_storage_account").body.resource_group_name).toBe(rgName);
    expect(s.one("azurerm_eventgrid_system_topic").body.resource_group_name).toBe(rgName);
    expect(s.one("azurerm_eventgrid_system_topic_event_subscription").body.resource_group_name).toBe(rgName);
  });
});
