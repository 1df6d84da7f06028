import { Testing, TerraformOutput, TerraformStack } from "cdktf";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
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

/** `${(slot A's month > slot B's month) ? <slot A's attribute> : <slot B's>}`: the newest secret's attribute, as written. */
function newestOf(s: Synthesized, attribute: string, older = false): string {
  const locals = Object.keys((s.json as unknown as { locals: object }).locals);
  const slotA = `local.${locals.find((n) => n.includes("_secret-slot-a-month_"))}`;
  const slotB = `local.${locals.find((n) => n.includes("_secret-slot-b-month_"))}`;
  const a = s.refNamed("azuread_application_password", "client-secret-a", attribute).slice(2, -1);
  const b = s.refNamed("azuread_application_password", "client-secret-b", attribute).slice(2, -1);
  return older ? `\${(${slotA} > ${slotB}) ? ${b} : ${a}}` : `\${(${slotA} > ${slotB}) ? ${a} : ${b}}`;
}

describe("XshieldMdeIntegration with default props", () => {
  // Synthesized in each test (not once in beforeAll), so a mutation test attributes the code each
  // test runs to that test.
  let s: Synthesized;
  beforeEach(() => {
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

  test("step 2: two client secrets of the application, in slots renewed in turn, each expiring 24 months after its slot's month", () => {
    const local = (part: string) => `\${local.${Object.keys((s.json as unknown as { locals: object }).locals).find((n) => n.includes(`_${part}_`))}}`;
    for (const [slot, month] of [["a", "secret-slot-a-month"], ["b", "secret-slot-b-month"]]) {
      const password = s.named("azuread_application_password", `client-secret-${slot}`).body;
      expect(password.application_id).toBe(s.ref("azuread_application", "id"));
      expect(password.display_name).toBe(`Xshield (slot ${slot.toUpperCase()})`);
      const m = local(month).slice(2, -1);
      expect(password.end_date).toBe(`\${format("%04d-%02d-01T00:00:00Z", floor(((${m} + 24) / 12)), (((${m} + 24) % 12) + 1))}`);
      expect(password.end_date_relative).toBeUndefined();
      expect(password.rotate_when_changed).toEqual({ slot_month: `\${tostring(${m})}` });
      expect(password.lifecycle).toEqual({ create_before_destroy: true });
    }
    // Slot A is due every 12 months (2 × the default rotation of 6), slot B 6 months later.
    const month = local("secret-month").slice(2, -1);
    const locals = (s.json as unknown as { locals: { [name: string]: string } }).locals;
    expect(locals[month.replace("local.", "")]).toBe('${(((tonumber(formatdate("YYYY", plantimestamp())) * 12) + tonumber(formatdate("M", plantimestamp()))) - 1)}');
    expect(locals[local("secret-slot-a-month").slice(8, -1)]).toBe(`\${(${month} - (${month} % 12))}`);
    expect(locals[local("secret-slot-b-month").slice(8, -1)]).toBe(`\${(${month} - ((${month} - 6) % 12))}`);
    expect(s.all("time_rotating")).toEqual([]);
    expect(s.all("time_offset")).toEqual([]);
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
      // A notification lives as long as its blob: 30 days by default, not the queue's 7.
      queue_message_time_to_live_in_seconds: 30 * 24 * 60 * 60,
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

  test("no secret value is ever written: the passwords' values are referenced nowhere in a bare integration", () => {
    for (const [name] of s.all("azuread_application_password")) {
      expect(s.text).not.toContain(`${name}.value`);
    }
  });
});

describe("XshieldMdeIntegration attributes", () => {
  test("expose resources and token attributes that resolve to the right references", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const integration = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    const names = [
      "clientId", "tenantId", "clientSecret", "storageAccountName", "storageAccountId", "queueName",
      "clientSecretExpiresAt", "clientSecretPreviousExpiresAt", "clientSecretNextRotationAt", "clientSecretSlot",
      "servicePrincipalObjectId", "resourceGroupName",
    ] as const;
    for (const name of names) {
      new TerraformOutput(stack, name, { value: integration[name], sensitive: true });
    }
    const s = new Synthesized(Testing.synth(stack));
    const value = (name: string) => s.json.output[name].value;
    expect(value("clientId")).toBe(s.ref("azuread_application", "client_id"));
    expect(value("tenantId")).toBe(s.dataRef("azuread_client_config", "tenant_id"));
    const locals = Object.keys((s.json as unknown as { locals: object }).locals);
    const slotA = `local.${locals.find((n) => n.includes("_secret-slot-a-month_"))}`;
    const slotB = `local.${locals.find((n) => n.includes("_secret-slot-b-month_"))}`;
    expect(value("clientSecret")).toBe(newestOf(s, "value"));
    expect(value("clientSecretExpiresAt")).toBe(newestOf(s, "end_date"));
    expect(value("clientSecretPreviousExpiresAt")).toBe(newestOf(s, "end_date", true));
    expect(value("clientSecretSlot")).toBe(`\${(${slotA} > ${slotB}) ? "a" : "b"}`);
    expect(value("clientSecretNextRotationAt")).toBe(
      `\${format("%04d-%02d-01T00:00:00Z", floor(((max(${slotA}, ${slotB}) + 6) / 12)), (((max(${slotA}, ${slotB}) + 6) % 12) + 1))}`,
    );
    expect(value("storageAccountName")).toBe(s.ref("azurerm_storage_account", "name"));
    expect(value("storageAccountId")).toBe(s.ref("azurerm_storage_account", "id"));
    expect(value("queueName")).toBe(s.ref("azurerm_storage_queue", "name"));
    expect(value("servicePrincipalObjectId")).toBe(s.ref("azuread_service_principal", "object_id"));
    expect(value("resourceGroupName")).toBe(s.ref("azurerm_resource_group", "name"));
    expect(integration.application.terraformResourceType).toBe("azuread_application");
    expect(integration.servicePrincipal.terraformResourceType).toBe("azuread_service_principal");
    expect(integration.storageAccount.terraformResourceType).toBe("azurerm_storage_account");
    expect(integration.queue.terraformResourceType).toBe("azurerm_storage_queue");
    expect(integration.networkEventsContainerName).toBe("insights-logs-advancedhunting-devicenetworkevents");
  });

  test("the Streaming API instructions name the table, carry the resource id and both rights the operator needs", () => {
    const id = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st";
    const text = streamingApiInstructions(id);
    expect(text).toContain("Streaming API");
    expect(text).toContain("DeviceNetworkEvents");
    expect(text).toContain(`Storage Account Resource ID: ${id}`);
    expect(text).toMatch(/Security Administrator[\s\S]*AND Contributor on that storage account/);
    expect(text).toContain(`az role assignment create --role Contributor\n  --assignee <user or group object id> --scope ${id}`);
    expect(text).toContain("streamingApiOperatorObjectIds");
  });

  test("the construct's own instructions carry its account's id, or the id given", () => {
    const integration = new XshieldMdeIntegration(new TerraformStack(Testing.app(), "test"), "integration", VALID_PROPS);
    expect(integration.streamingApiInstructions("/x")).toBe(streamingApiInstructions("/x"));
    expect(integration.streamingApiInstructions()).toBe(streamingApiInstructions(integration.storageAccountId));
    expect(integration.streamingApiInstructions()).not.toBe(streamingApiInstructions("/x"));
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

  test("owner ids are written in lower case, as Graph returns them, so the owners do not churn", () => {
    const s = synthIntegration({ additionalOwnerObjectIds: ["AAAAAAAA-2222-3333-4444-55555555555F"] });
    expect(s.one("azuread_application").body.owners).toEqual([s.dataRef("azuread_client_config", "object_id"), "aaaaaaaa-2222-3333-4444-55555555555f"]);
  });

  test("publicNetworkAccess Enabled opens the firewall and drops the IP rules", () => {
    const sa = synthIntegration({ publicNetworkAccess: "Enabled", allowedIpRanges: [] }).one("azurerm_storage_account").body;
    expect(sa.public_network_access_enabled).toBe(true);
    expect(sa.network_rules).toMatchObject({ default_action: "Allow", ip_rules: [] });
  });

  test("public network access stays on in every mode: Event Grid and Defender deliver through it, behind the firewall's bypass", () => {
    for (const publicNetworkAccess of ["SelectedNetworks", "Enabled"] as const) {
      expect(synthIntegration({ publicNetworkAccess, allowedIpRanges: [] }).one("azurerm_storage_account").body.public_network_access_enabled).toBe(true);
    }
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
  const schedule = (s: Synthesized) => {
    const locals = (s.json as unknown as { locals: { [name: string]: string } }).locals;
    const slotB = Object.entries(locals).find(([n]) => n.includes("_secret-slot-b-month_"))![1];
    const endDate = String(s.named("azuread_application_password", "client-secret-a").body.end_date);
    return {
      period: Number(/% (\d+)\)\)\}$/.exec(slotB)?.[1]),
      offset: Number(/ - (\d+)\) %/.exec(slotB)?.[1]),
      lifetime: Number(/\+ (\d+)\) \/ 12\)/.exec(endDate)?.[1]),
    };
  };

  test("clientSecretExpiryMonths and clientSecretRotationMonths set the lifetime and the turns", () => {
    expect(schedule(synthIntegration({ clientSecretExpiryMonths: 12, clientSecretRotationMonths: 5 }))).toEqual({ period: 10, offset: 5, lifetime: 12 });
  });

  test("the rotation defaults to a quarter of the lifetime, and never below one month", () => {
    expect(schedule(synthIntegration())).toEqual({ period: 12, offset: 6, lifetime: 24 });
    expect(schedule(synthIntegration({ clientSecretExpiryMonths: 6 }))).toEqual({ period: 2, offset: 1, lifetime: 6 });
    expect(schedule(synthIntegration({ clientSecretExpiryMonths: 3 }))).toEqual({ period: 2, offset: 1, lifetime: 3 });
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
    });
    expect(secret.value).toBe(newestOf(s, "value"));
    expect(secret.expiration_date).toBe(newestOf(s, "end_date"));
    // What the vault shows a reader about the secret.
    expect(secret.content_type).toBe("Xshield MDE integration client secret");
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

describe("a real tenant: the Streaming API operator, notification lifetime, data-role scope, keeping the resource group", () => {
  const OPERATOR = "3b9d4e1f-2a6c-4f8e-9b0d-7c5a1e2f3d4b";

  test("each streamingApiOperatorObjectIds entry gets Contributor on the storage account only, named after its id", () => {
    const s = synthIntegration({ streamingApiOperatorObjectIds: [OPERATOR, "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"] });
    const operators = s.all("azurerm_role_assignment").filter(([name]) => name.includes("streaming-api-operator"));
    expect(operators.map(([name]) => name.split("_")[1]).sort()).toEqual([
      "streaming-api-operator-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      `streaming-api-operator-${OPERATOR}`,
    ]);
    for (const [, body] of operators) {
      expect(body.role_definition_name).toBe("Contributor");
      expect(body.scope).toBe(s.ref("azurerm_storage_account", "id"));
      // A user or a group: Azure looks the principal up itself.
      expect(body.principal_type).toBeUndefined();
    }
    // In lower case, as Azure returns object ids: principal_id is ForceNew (azurerm v4.55.0
    // role_assignment_resource.go), so an id in another case would be replaced on every apply.
    expect(operators.map(([, body]) => body.principal_id).sort()).toEqual(["0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", OPERATOR]);
    expect(synthIntegration().all("azurerm_role_assignment").filter(([name]) => name.includes("streaming-api-operator"))).toEqual([]);
  });

  test("the guard holds an operator's assignment to what was planned", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, streamingApiOperatorObjectIds: [OPERATOR] });
    i.streamingApiOperatorAssignments[0].addOverride("scope", "/subscriptions/00000000-0000-0000-0000-000000000000");
    expect(() => Testing.synth(stack)).toThrow(/\[LeastPrivilegeRoles\].*streaming-api-operator.*scope/);
  });

  test("queue notifications live as long as the blobs they announce", () => {
    const ttl = (s: Synthesized) =>
      (s.one("azurerm_eventgrid_system_topic_event_subscription").body.storage_queue_endpoint as { queue_message_time_to_live_in_seconds: number })
        .queue_message_time_to_live_in_seconds;
    expect(ttl(synthIntegration())).toBe(30 * 86400);
    expect(ttl(synthIntegration({ blobRetentionDays: 400 }))).toBe(400 * 86400);
  });

  test('dataRoleScope "account" grants both of Xshield\'s data roles on the storage account, as ColorTokens\' manual steps do', () => {
    const s = synthIntegration({ dataRoleScope: "account" });
    expect(s.named("azurerm_role_assignment", "blob-reader").body.scope).toBe(s.ref("azurerm_storage_account", "id"));
    expect(s.named("azurerm_role_assignment", "queue-processor").body.scope).toBe(s.ref("azurerm_storage_account", "id"));
    // Event Grid's roles stay on the queue and the dead-letter container.
    expect(s.named("azurerm_role_assignment", "queue-sender").body.scope).toContain("/queueServices/default/queues/");
    const narrow = synthIntegration();
    expect(narrow.named("azurerm_role_assignment", "blob-reader").body.scope).toContain("/blobServices/default/containers/");
  });

  test("createResourceGroup false forgets the group of an earlier deploy instead of destroying it", () => {
    const s = synthIntegration({ createResourceGroup: false });
    const removed = (s.json as unknown as { removed: unknown[] }).removed;
    expect(removed).toEqual([{ from: `azurerm_resource_group.${s.data("azurerm_resource_group").name}`, lifecycle: { destroy: false } }]);
    // The same name the group has as a resource when createResourceGroup is true.
    expect(s.data("azurerm_resource_group").name).toBe(synthIntegration().one("azurerm_resource_group").name);
    expect((synthIntegration().json as unknown as { removed?: unknown }).removed).toBeUndefined();
  });
});

describe("providers", () => {
  function stackWithAliases() {
    const stack = new TerraformStack(Testing.app(), "platform");
    new AzurermProvider(stack, "azurerm", {
      features: [{ storage: [{ dataPlaneAvailable: false }] }],
      storageUseAzuread: true,
      resourceProviderRegistrations: "none",
    });
    new AzureadProvider(stack, "azuread", {});
    new TimeProvider(stack, "time");
    const azurerm = new AzurermProvider(stack, "security-subscription", {
      alias: "security",
      subscriptionId: "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
      features: [{ storage: [{ dataPlaneAvailable: false }] }],
      storageUseAzuread: true,
      resourceProviderRegistrations: "none",
    });
    const azuread = new AzureadProvider(stack, "other-tenant", { alias: "tenant", tenantId: "6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71" });
    const time = new TimeProvider(stack, "time-alias", { alias: "t" });
    return { stack, azurerm, azuread, time };
  }

  test("every resource and data source of a kind uses the provider given for that kind", () => {
    const { stack, azurerm, azuread, time } = stackWithAliases();
    new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, providers: { azurerm, azuread, time } });
    const tf = JSON.parse(Testing.synth(stack)) as { resource: { [type: string]: { [name: string]: { provider?: string } } }; data: typeof tf.resource };
    const elements = [...Object.entries(tf.resource), ...Object.entries(tf.data)].flatMap(([type, byName]) =>
      Object.values(byName).map((body) => [type, body.provider] as const),
    );
    expect(elements.length).toBeGreaterThan(15);
    for (const [type, provider] of elements) {
      const kind = type.split("_")[0];
      expect({ type, provider }).toEqual({ type, provider: { azurerm: "azurerm.security", azuread: "azuread.tenant", time: "time.t" }[kind] });
    }
  });

  test("a kind not given uses the stack's default provider", () => {
    const { stack, azuread } = stackWithAliases();
    new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, providers: { azuread } });
    // cdktf's own matchers work here (Testing.setupJest() runs in the jest set-up).
    expect(Testing.synth(stack)).toHaveResourceWithProperties(StorageAccount, { name: "stxshieldtest" });
    const tf = JSON.parse(Testing.synth(stack)) as { resource: { azurerm_storage_account: { [name: string]: { provider?: string } } } };
    expect(Object.values(tf.resource.azurerm_storage_account)[0].provider).toBeUndefined();
  });

  test("a provider of the wrong kind is refused, naming the prop", () => {
    const { stack, azuread } = stackWithAliases();
    expect(() => new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, providers: { azurerm: azuread } })).toThrow(
      /providers\.azurerm: must be an azurerm provider .* but it is an "azuread" provider/,
    );
  });

  /** A stack with the three providers, azurerm as given (bare by default), and an integration on the defaults. */
  function platformStack(id: string, azurerm: ConstructorParameters<typeof AzurermProvider>[2] = { features: [{}] }) {
    const stack = new TerraformStack(Testing.app(), id);
    new AzurermProvider(stack, "azurerm", azurerm);
    new AzureadProvider(stack, "azuread", {});
    new TimeProvider(stack, "time");
    return { stack, mde: new XshieldMdeIntegration(stack, "mde", VALID_PROPS) };
  }

  test("synthesis warns when the azurerm provider the account uses lacks what the construct needs, naming each setting", () => {
    const { stack, mde } = platformStack("platform");
    Testing.synth(stack, true);
    const warnings = warningsOf(mde).filter((w) => w.startsWith("the azurerm provider platform/azurerm"));
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toContain("storage_use_azuread is undefined");
    expect(warnings[1]).toContain("features.storage.data_plane_available is undefined");
    expect(warnings[2]).toContain('resource_provider_registrations is undefined, so azurerm registers its "legacy" set');
  });

  test("the provider warnings come once however often the stack is synthesized, and an aliased provider the account does not use gives none", () => {
    const { stack, mde } = platformStack("platform");
    Testing.synth(stack, true);
    Testing.synth(stack, true);
    expect(warningsOf(mde).filter((w) => w.startsWith("the azurerm provider platform/azurerm"))).toHaveLength(3);
    const { stack: aliased, mde: quiet } = platformStack("aliased", { features: [{}], alias: "other" });
    Testing.synth(aliased, true);
    expect(warningsOf(quiet).filter((w) => w.includes("azurerm provider"))).toEqual([]);
  });

  test("no allowedIpRanges: the firewall lets no IP range through", () => {
    const { allowedIpRanges: _, ...withoutRanges } = VALID_PROPS;
    const stack = new TerraformStack(Testing.app(), "test");
    new XshieldMdeIntegration(stack, "integration", withoutRanges);
    const tf = JSON.parse(Testing.synth(stack)) as { resource: { azurerm_storage_account: { [name: string]: { network_rules: { ip_rules: unknown } } } } };
    expect(Object.values(tf.resource.azurerm_storage_account)[0].network_rules.ip_rules).toEqual([]);
  });

  test("an empty tags map writes no tags", () => {
    const tf = synthIntegration({ tags: {} }).json as { resource: { [type: string]: { [name: string]: { tags?: unknown } } } };
    expect(Object.keys(tf.resource).length).toBeGreaterThan(5);
    const tagged = Object.entries(tf.resource).flatMap(([type, byName]) => Object.values(byName).filter((b) => "tags" in b).map(() => type));
    expect(tagged).toEqual([]);
  });

  test("no provider warning when the provider is set up right, or for what a documented relaxation does not need", () => {
    const { stack, azurerm } = stackWithAliases();
    const mde = new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, providers: { azurerm } });
    Testing.synth(stack, true);
    expect(warningsOf(mde).filter((w) => w.includes("azurerm provider"))).toEqual([]);
    const open = new TerraformStack(Testing.app(), "open");
    new AzurermProvider(open, "azurerm", { features: [{}], resourceProviderRegistrations: "none" });
    new AzureadProvider(open, "azuread", {});
    new TimeProvider(open, "time");
    const relaxed = new XshieldMdeIntegration(open, "mde", {
      ...VALID_PROPS,
      sharedAccessKeyEnabled: true,
      publicNetworkAccess: "Enabled",
      allowedIpRanges: [],
    });
    Testing.synth(open, true);
    expect(warningsOf(relaxed).filter((w) => w.includes("azurerm provider"))).toEqual([]);
  });
});
