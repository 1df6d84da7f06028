/**
 * `verify --drift` against fakes of Resource Manager and Graph (support/fake-azure.ts), signed in
 * through a fake Entra ID as an operator's own identity: each listed drift is found and named
 * with what to do, a live state that matches the synthesized stack passes, and nothing but GETs
 * is sent. The expectations come from the reviewed golden file of the dev environment (the
 * synthesized stack) and its deployed outputs; the matching live state below is written by hand
 * in the shapes the Azure REST APIs return.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { CheckResult, DRIFT_CHECK_IDS, trustedTls } from "../lib/cli/checks";
import { checkDrift, DriftOptions } from "../lib/cli/drift";
import { driftPlan, DriftPlanError } from "../lib/cli/drift-plan";
import type { DeployedOutputs } from "../lib/cli/outputs";
import { DEFENDER_API_CLIENT_ID, ROLES } from "../lib/constants";
import { emptyLiveAzure, FakeLiveAzure, LiveAzure, startFakeLiveAzure } from "./support/fake-live-azure";
import { FakeEntra, startFakeEntra } from "./support/fake-entra";
import { FakeStorage, startFakeStorage } from "./support/fake-storage";
import { createTestCertificate, TestCertificate } from "./support/tls-cert";
import { app, TENANT, VerifyHarness } from "./support/verify-harness";

jest.setTimeout(30_000);

type Json = { [key: string]: unknown };
const GOLDEN_DEV = JSON.parse(readFileSync(join(__dirname, "golden", "dev.tf.json"), "utf8")) as Json;
/** A fresh copy of the synthesized dev stack, to change. */
const devStack = (): Json => JSON.parse(JSON.stringify(GOLDEN_DEV)) as Json;
const resources = (stack: Json) => stack.resource as { [type: string]: { [name: string]: Json } };
const only = (stack: Json, type: string): Json => Object.values(resources(stack)[type]!)[0]!;

// ---- The deployment: the dev environment as deployed ------------------------------------------

const SUBSCRIPTION = randomUUID();
const RG = "rg-xshield-mde-dev"; // the dev environment's group (environments.ts, the golden file)
const ACCOUNT = "stxshieldmdedev";
const ACCOUNT_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
const QUEUE = "xshield-mde-events";
const EVENTS = "insights-logs-advancedhunting-devicenetworkevents";
const DEAD_LETTERS = "eventgrid-deadletter";
const TOPIC_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.EventGrid/systemTopics/${ACCOUNT}-events`;
const integration = app("integration");
const operator = app("operator");
const ids = {
  application: randomUUID(),
  servicePrincipal: randomUUID(),
  topicPrincipal: randomUUID(),
  defenderPrincipal: randomUUID(),
  machineReadAll: randomUUID(),
  machineIsolate: randomUUID(),
  slotA: randomUUID(),
  slotB: randomUUID(),
};
const EXPIRES_B = "2026-07-01T00:00:00Z";
const EXPIRES_A = "2026-03-01T00:00:00Z";
const OUTPUTS: DeployedOutputs = {
  clientId: integration.clientId,
  tenantId: TENANT,
  clientSecret: integration.secret,
  storageAccountName: ACCOUNT,
  queueName: QUEUE,
  storageAccountId: ACCOUNT_ID,
  clientSecretExpiresAt: EXPIRES_B,
  clientSecretPreviousExpiresAt: EXPIRES_A,
  clientSecretSlot: "b",
};

const roleAssignment = (role: string, scope: string, principalId: string, principalType = "ServicePrincipal"): Json => ({
  id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${randomUUID()}`,
  name: randomUUID(),
  properties: { roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${role}`, principalId, principalType, scope },
});
const CONTAINER_SCOPE = (name: string) => `${ACCOUNT_ID}/blobServices/default/containers/${name}`;
const QUEUE_SCOPE = `${ACCOUNT_ID}/queueServices/default/queues/${QUEUE}`;
const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"; // Owner, a built-in role (Azure built-in roles reference)

/** What Azure holds for the dev environment deployed as planned, in the REST APIs' shapes. */
function matchingLive(): LiveAzure {
  const live = emptyLiveAzure();
  live.storageAccounts.set(ACCOUNT_ID, {
    id: ACCOUNT_ID,
    name: ACCOUNT,
    type: "Microsoft.Storage/storageAccounts",
    kind: "StorageV2",
    location: "westeurope",
    properties: {
      minimumTlsVersion: "TLS1_2",
      supportsHttpsTrafficOnly: true,
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: false,
      defaultToOAuthAuthentication: true,
      isLocalUserEnabled: false,
      isSftpEnabled: false,
      allowCrossTenantReplication: false,
      publicNetworkAccess: "Enabled",
      encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: true },
      networkAcls: { bypass: "AzureServices", defaultAction: "Deny", ipRules: [], virtualNetworkRules: [], resourceAccessRules: [] },
    },
  });
  live.blobServices.set(ACCOUNT_ID, {
    name: "default",
    properties: { deleteRetentionPolicy: { enabled: true, days: 7 }, containerDeleteRetentionPolicy: { enabled: true, days: 7 } },
  });
  live.containers.set(ACCOUNT_ID, [
    { name: EVENTS, properties: { publicAccess: "None" } },
    { name: DEAD_LETTERS, properties: { publicAccess: "None" } },
  ]);
  live.roleAssignments.push(
    roleAssignment(ROLES.storageBlobDataReader.id, CONTAINER_SCOPE(EVENTS), ids.servicePrincipal),
    roleAssignment(ROLES.storageBlobDataContributor.id, CONTAINER_SCOPE(DEAD_LETTERS), ids.topicPrincipal),
    roleAssignment(ROLES.storageQueueDataMessageProcessor.id, QUEUE_SCOPE, ids.servicePrincipal),
    roleAssignment(ROLES.storageQueueDataMessageSender.id, QUEUE_SCOPE, ids.topicPrincipal),
    // Above the account: inherited, none of the integration's business.
    roleAssignment(OWNER, `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}`, randomUUID(), "User"),
    roleAssignment(ROLES.contributor.id, `/subscriptions/${SUBSCRIPTION}`, randomUUID(), "Group"),
  );
  live.systemTopics.set(TOPIC_ID, {
    id: TOPIC_ID,
    name: `${ACCOUNT}-events`,
    identity: { type: "SystemAssigned", principalId: ids.topicPrincipal, tenantId: TENANT },
    properties: { source: ACCOUNT_ID, topicType: "Microsoft.Storage.StorageAccounts" },
  });
  live.eventSubscriptions.set(TOPIC_ID, [subscription()]);
  live.applications.set(integration.clientId, {
    id: ids.application,
    appId: integration.clientId,
    signInAudience: "AzureADMyOrg",
    passwordCredentials: [
      { keyId: ids.slotA, displayName: "Xshield (slot A)", endDateTime: EXPIRES_A, hint: "abc" },
      { keyId: ids.slotB, displayName: "Xshield (slot B)", endDateTime: EXPIRES_B, hint: "def" },
    ],
    keyCredentials: [],
    requiredResourceAccess: [{ resourceAppId: DEFENDER_API_CLIENT_ID, resourceAccess: [{ id: ids.machineReadAll, type: "Role" }] }],
  });
  live.servicePrincipals.set(integration.clientId, { id: ids.servicePrincipal, appId: integration.clientId, passwordCredentials: [], keyCredentials: [] });
  live.servicePrincipals.set(DEFENDER_API_CLIENT_ID, {
    id: ids.defenderPrincipal,
    appId: DEFENDER_API_CLIENT_ID,
    appRoles: [
      { id: ids.machineReadAll, value: "Machine.Read.All", allowedMemberTypes: ["Application"] },
      { id: ids.machineIsolate, value: "Machine.Isolate", allowedMemberTypes: ["Application"] },
    ],
    oauth2PermissionScopes: [],
  });
  live.appRoleAssignments.set(ids.servicePrincipal, [grant(ids.machineReadAll)]);
  return live;
}

function subscription(name = "xshield-network-events"): Json {
  return {
    id: `${TOPIC_ID}/eventSubscriptions/${name}`,
    name,
    properties: {
      deliveryWithResourceIdentity: {
        identity: { type: "SystemAssigned" },
        destination: { endpointType: "StorageQueue", properties: { resourceId: ACCOUNT_ID, queueName: QUEUE, queueMessageTimeToLiveInSeconds: 604800 } },
      },
      filter: {
        includedEventTypes: ["Microsoft.Storage.BlobCreated"],
        subjectBeginsWith: `/blobServices/default/containers/${EVENTS}/`,
        subjectEndsWith: "",
        isSubjectCaseSensitive: false,
        advancedFilters: [],
      },
      deadLetterWithResourceIdentity: {
        identity: { type: "SystemAssigned" },
        deadLetterDestination: { endpointType: "StorageBlob", properties: { resourceId: ACCOUNT_ID, blobContainerName: DEAD_LETTERS } },
      },
    },
  };
}

function grant(appRoleId: string): Json {
  return { id: `AAAA${randomUUID().replace(/-/g, "").slice(0, 20)}`, appRoleId, principalId: ids.servicePrincipal, resourceId: ids.defenderPrincipal, resourceDisplayName: "WindowsDefenderATP", createdDateTime: "2025-01-01T00:00:00Z" };
}

// ---- Servers ----------------------------------------------------------------------------------

let cert: TestCertificate;
let entra: FakeEntra;
let azure: FakeLiveAzure;
let storage: FakeStorage;
let workDir: string;
let credential: TokenCredential;

beforeAll(async () => {
  cert = createTestCertificate();
  workDir = mkdtempSync(join(tmpdir(), "drift-"));
  [entra, azure, storage] = await Promise.all([
    startFakeEntra({ certPem: cert.certPem, keyPem: cert.keyPem, apps: [integration, operator] }),
    startFakeLiveAzure({ certPem: cert.certPem, keyPem: cert.keyPem }),
    // verify's own checks are verify.test.ts's business: here storage refuses at once.
    startFakeStorage({ certPem: cert.certPem, keyPem: cert.keyPem, account: ACCOUNT, status: 403, errorCode: "AuthorizationFailure" }),
  ]);
  // The operator's own identity, as DefaultAzureCredential would sign in with a client secret.
  credential = new ClientSecretCredential(TENANT, operator.clientId, operator.secret, {
    authorityHost: entra.url,
    disableInstanceDiscovery: true,
    tlsOptions: trustedTls(cert.certPem),
  });
});

afterAll(async () => {
  await Promise.all([entra?.close(), azure?.close(), storage?.close()]);
  cert?.remove();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const options = (extra: Partial<DriftOptions> = {}): DriftOptions => ({
  credential,
  armEndpoint: azure.armUrl,
  graphEndpoint: azure.graphUrl,
  tls: trustedTls(cert.certPem),
  timeoutMs: 10_000,
  environmentName: "dev",
  ...extra,
});

/** Runs --drift for `stack` against `live`; returns the results. */
async function drift(live: LiveAzure, stack: Json = devStack(), outputs: DeployedOutputs = OUTPUTS, extra: Partial<DriftOptions> = {}): Promise<CheckResult[]> {
  azure.live = live;
  return checkDrift(driftPlan(stack, outputs), outputs, options(extra));
}
const failures = (results: readonly CheckResult[]) => results.filter((r) => r.status === "fail").map((r) => `${r.check}: ${r.message}`);
const statusOf = (results: readonly CheckResult[]) => results.map((r) => `${r.check}:${r.status}`);

/** A matching state with one change made by `change`. */
function drifted(change: (live: LiveAzure) => void): LiveAzure {
  const live = matchingLive();
  change(live);
  return live;
}
const accountProps = (live: LiveAzure) => (live.storageAccounts.get(ACCOUNT_ID)!.properties as Json);
const application = (live: LiveAzure) => live.applications.get(integration.clientId)!;

// ---- The plan, from the synthesized stack ------------------------------------------------------

describe("what --drift expects, read from the synthesized stack", () => {
  test("the dev environment: the account's settings, its containers, queue, roles, topic, subscription and application", () => {
    const plan = driftPlan(devStack(), OUTPUTS);
    expect(plan.account).toEqual({
      min_tls_version: "TLS1_2",
      https_traffic_only_enabled: true,
      allow_nested_items_to_be_public: false,
      shared_access_key_enabled: false,
      default_to_oauth_authentication: true,
      local_user_enabled: false,
      sftp_enabled: false,
      cross_tenant_replication_enabled: false,
      infrastructure_encryption_enabled: true,
      public_network_access_enabled: true,
    });
    expect(plan.firewall).toEqual({ defaultAction: "Deny", bypass: ["AzureServices"], ipRules: [], subnetIds: [], privateLinkAccess: 0 });
    expect(plan.containers).toEqual([
      { name: DEAD_LETTERS, publicAccess: "None" },
      { name: EVENTS, publicAccess: "None" },
    ]);
    expect(plan.queueName).toBe(QUEUE);
    expect(plan.roleAssignments.map((r) => [r.roleName, r.roleId, r.scopePath, r.principal.kind]).sort()).toEqual(
      [
        ["Storage Blob Data Contributor", ROLES.storageBlobDataContributor.id, `/blobServices/default/containers/${DEAD_LETTERS}`, "topic"],
        ["Storage Blob Data Reader", ROLES.storageBlobDataReader.id, `/blobServices/default/containers/${EVENTS}`, "application"],
        ["Storage Queue Data Message Processor", ROLES.storageQueueDataMessageProcessor.id, `/queueServices/default/queues/${QUEUE}`, "application"],
        ["Storage Queue Data Message Sender", ROLES.storageQueueDataMessageSender.id, `/queueServices/default/queues/${QUEUE}`, "topic"],
      ].sort(),
    );
    expect(plan.systemTopic).toEqual({ name: `${ACCOUNT}-events`, resourceGroupName: RG });
    expect(plan.eventSubscription).toEqual({
      name: "xshield-network-events",
      includedEventTypes: ["Microsoft.Storage.BlobCreated"],
      subjectBeginsWith: `/blobServices/default/containers/${EVENTS}/`,
      queueName: QUEUE,
      deliveryIdentity: true,
      deadLetterContainer: DEAD_LETTERS,
    });
    expect(plan.application).toMatchObject({
      signInAudience: "AzureADMyOrg",
      passwordNames: ["Xshield (slot A)", "Xshield (slot B)"],
      certificates: 0,
      federatedCredentials: [],
      requiredResourceAccess: [{ resourceAppId: DEFENDER_API_CLIENT_ID, type: "Role", value: "Machine.Read.All" }],
      grantedRoles: [{ resourceAppId: DEFENDER_API_CLIENT_ID, type: "Role", value: "Machine.Read.All" }],
    });
    // Soft delete is on by default (7 days for blobs and containers).
    expect(plan.softDelete).toEqual({ blobDays: 7, containerDays: 7 });
    expect(plan.notCompared).toEqual([]);
  });

  test("a stack of two integrations: --prefix picks each one's resources by its outputs", () => {
    // Two copies of the dev integration under other addresses and names, with prefixed outputs, as
    // a platform team's stack holds them.
    const two: Json = { resource: {}, data: {}, output: {} };
    for (const [prefix, account] of [["emea", "stemea"], ["americas", "stamericas"]] as const) {
      const copy = JSON.parse(JSON.stringify(GOLDEN_DEV).replaceAll("integration_", `${prefix}_`).replaceAll(ACCOUNT, account)) as Json;
      for (const kind of ["resource", "data"] as const) {
        for (const [type, byName] of Object.entries(copy[kind] as Json)) {
          Object.assign(((two[kind] as Json)[type] ??= {}) as Json, byName);
        }
      }
      for (const [name, output] of Object.entries(copy.output as Json)) (two.output as Json)[`${prefix}_${name}`] = output;
    }
    const emea = driftPlan(two, { storageAccountName: "stemea" }, "emea");
    const americas = driftPlan(two, { storageAccountName: "stamericas" }, "americas");
    expect([emea.accountAddress, americas.accountAddress]).toEqual([
      "azurerm_storage_account.emea_storage-account_6BAE30E3",
      "azurerm_storage_account.americas_storage-account_6BAE30E3",
    ]);
    expect([emea.systemTopic?.name, americas.systemTopic?.name]).toEqual(["stemea-events", "stamericas-events"]);
    expect([emea.application?.address, americas.application?.address]).toEqual([
      "azuread_application.emea_application_4FE7F2E9",
      "azuread_application.americas_application_4FE7F2E9",
    ]);
    expect(emea.roleAssignments.map((r) => r.address).every((a) => a.startsWith("azurerm_role_assignment.emea_"))).toBe(true);
    expect(emea.roleAssignments).toHaveLength(4);
  });

  test("what the stack writes as an expression is named as not compared, never guessed", () => {
    const stack = devStack();
    const account = only(stack, "azurerm_storage_account");
    (account.network_rules as Json).ip_rules = "${var.xshield_egress_ranges}";
    account.min_tls_version = "${var.tls}";
    const plan = driftPlan(stack, OUTPUTS);
    expect(plan.firewall?.ipRules).toBeUndefined();
    expect(plan.account.min_tls_version).toBeUndefined();
    expect(plan.notCompared).toEqual(["min_tls_version (not a literal in the stack)", "network_rules.ip_rules (not a literal in the stack)"]);
  });

  test("a stack without the deployed account is refused, naming what it has", () => {
    expect(() => driftPlan(devStack(), { storageAccountName: "stother" })).toThrow(DriftPlanError);
    expect(() => driftPlan(devStack(), { storageAccountName: "stother" })).toThrow(
      /^the synthesized stack holds no azurerm_storage_account named "stother" \(the deployed storage_account_name\); it has stxshieldmdedev\. /,
    );
  });
});

// ---- Live state against the plan ---------------------------------------------------------------

describe("verify --drift against Resource Manager and Graph", () => {
  test("a live state that matches the stack passes every area; only GETs are sent, each with the token of its API", async () => {
    const before = azure.requests.length;
    const results = await drift(matchingLive());
    expect(statusOf(results)).toEqual([
      "drift-sign-in:pass",
      "drift-storage-account:pass",
      "drift-soft-delete:pass",
      "drift-containers:pass",
      "drift-role-assignments:pass",
      "drift-event-subscription:pass",
      "drift-application:pass",
    ]);
    expect(results.map((r) => r.check)).toEqual([...DRIFT_CHECK_IDS]);
    const sent = azure.requests.slice(before);
    expect(sent.length).toBeGreaterThan(10);
    expect(sent.filter((r) => r.method !== "GET")).toEqual([]);
    expect(sent.filter((r) => r.audience !== (r.path.startsWith("arm ") ? azure.armUrl : azure.graphUrl))).toEqual([]);
    // Six role assignments apply to the account: two pages of three, both read.
    expect(sent.filter((r) => r.path.endsWith("/roleAssignments")).length).toBe(2);
  });

  test("the storage account's security properties: each one changed is one failure, with the fix", async () => {
    const changes: [string, Json][] = [
      ["shared_access_key_enabled", { allowSharedKeyAccess: true }],
      ["min_tls_version", { minimumTlsVersion: "TLS1_0" }],
      ["https_traffic_only_enabled", { supportsHttpsTrafficOnly: false }],
      ["allow_nested_items_to_be_public", { allowBlobPublicAccess: true }],
      ["default_to_oauth_authentication", { defaultToOAuthAuthentication: false }],
      ["local_user_enabled", { isLocalUserEnabled: true }],
      ["sftp_enabled", { isSftpEnabled: true }],
      ["cross_tenant_replication_enabled", { allowCrossTenantReplication: true }],
      ["infrastructure_encryption_enabled", { encryption: { keySource: "Microsoft.Storage", requireInfrastructureEncryption: false } }],
      ["public_network_access_enabled", { publicNetworkAccess: "Disabled" }],
    ];
    for (const [attribute, change] of changes) {
      const results = await drift(drifted((live) => Object.assign(accountProps(live), change)));
      const found = results.filter((r) => r.status === "fail");
      expect([attribute, found.map((r) => r.check), found[0]?.message.startsWith(`${attribute} is `)]).toEqual([attribute, ["drift-storage-account"], true]);
      expect(found[0]!.fix).toMatch(/^Run `npx cdktf deploy dev` \(or `terraform apply`\): Terraform sets .* back as planned\. Then find who changed it/);
    }
    // A property Azure leaves out reads as azurerm's default: shared keys allowed (the provider's read).
    const unset = await drift(drifted((live) => delete accountProps(live).allowSharedKeyAccess));
    expect(failures(unset)).toEqual(['drift-storage-account: shared_access_key_enabled is true on the live account, planned false.']);
  });

  test("the firewall: default action, IP rules, bypass, subnets and resource instances", async () => {
    const acls = (live: LiveAzure) => accountProps(live).networkAcls as Json;
    const cases: [string, (live: LiveAzure) => void, RegExp][] = [
      ["default action", (l) => (acls(l).defaultAction = "Allow"), /^The firewall's default action is "Allow" on the live account, planned "Deny"\.$/],
      ["an IP rule", (l) => (acls(l).ipRules = [{ value: "203.0.113.0/24", action: "Allow" }]), /^network_rules\.ip_rules differs from the plan: live but not planned 203\.0\.113\.0\/24\.$/],
      ["bypass", (l) => (acls(l).bypass = "Logging, Metrics, AzureServices"), /^network_rules\.bypass differs from the plan: live but not planned "logging", "metrics"\.$/],
      ["no bypass", (l) => (acls(l).bypass = "None"), /^network_rules\.bypass differs from the plan: planned but not live "azureservices"\.$/],
      ["a subnet", (l) => (acls(l).virtualNetworkRules = [{ id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/v/subnets/s`, action: "Allow" }]), /^network_rules\.virtual_network_subnet_ids differs from the plan: live but not planned \/subscriptions\//],
      ["a resource instance", (l) => (acls(l).resourceAccessRules = [{ tenantId: TENANT, resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/x/providers/Microsoft.Synapse/workspaces/w` }]), /^The firewall lets 1 resource instance\(s\) through \(private link access\), planned 0: \/subscriptions\//],
    ];
    for (const [name, change, message] of cases) {
      const found = (await drift(drifted(change))).filter((r) => r.status === "fail");
      expect([name, found.length, found[0]?.check]).toEqual([name, 1, "drift-storage-account"]);
      expect(found[0]!.message).toMatch(message);
    }
    // A single address Azure writes without /32 is the planned /32.
    const stack = devStack();
    (only(stack, "azurerm_storage_account").network_rules as Json).ip_rules = ["203.0.113.7/32"];
    const same = await drift(drifted((l) => (acls(l).ipRules = [{ value: "203.0.113.7", action: "Allow" }])), stack);
    expect(failures(same)).toEqual([]);
  });

  test("soft delete, when the stack asks for it: off, or fewer days, is a failure; not asked for, not compared", async () => {
    const stack = devStack();
    expect(only(stack, "azurerm_storage_account").blob_properties).toEqual({ delete_retention_policy: { days: 7 }, container_delete_retention_policy: { days: 7 } });
    expect(failures(await drift(matchingLive(), stack))).toEqual([]);
    const without = devStack();
    delete only(without, "azurerm_storage_account").blob_properties;
    const notAsked = (await drift(drifted((l) => l.blobServices.clear()), without)).find((r) => r.check === "drift-soft-delete")!;
    expect([notAsked.status, notAsked.message]).toEqual(["skip", "Not planned: the synthesized stack asks for no blob or container soft delete."]);
    const service = (live: LiveAzure) => live.blobServices.get(ACCOUNT_ID)!.properties as Json;
    const off = await drift(drifted((l) => (service(l).deleteRetentionPolicy = { enabled: false })), stack);
    expect(failures(off)).toEqual([
      "drift-soft-delete: Blob soft delete is off on the live account, planned 7 day(s): a deleted one cannot be recovered for as long as planned.",
    ]);
    const shorter = await drift(drifted((l) => (service(l).containerDeleteRetentionPolicy = { enabled: true, days: 1 })), stack);
    expect(failures(shorter)).toEqual([
      "drift-soft-delete: Container soft delete is on for 1 day(s) on the live account, planned 7 day(s): a deleted one cannot be recovered for as long as planned.",
    ]);
  });

  test("the containers: a planned one public or gone, another one public", async () => {
    const containers = (live: LiveAzure) => live.containers.get(ACCOUNT_ID)!;
    expect(failures(await drift(drifted((l) => (containers(l)[0]!.properties = { publicAccess: "Blob" }))))).toEqual([
      `drift-containers: Container ${EVENTS} allows public access "Blob", planned "None".`,
    ]);
    expect(failures(await drift(drifted((l) => containers(l).splice(1, 1))))).toEqual([`drift-containers: Container ${DEAD_LETTERS} does not exist.`]);
    const other = await drift(drifted((l) => containers(l).push({ name: "exports", properties: { publicAccess: "Container" } }, { name: "private-one", properties: { publicAccess: "None" } })));
    expect(failures(other)).toEqual(['drift-containers: Container "exports", not in the stack, allows public access "Container".']);
  });

  test("the role assignments on the account, its containers and queue: exactly the planned ones", async () => {
    const stranger = randomUUID();
    const extra = await drift(drifted((l) => l.roleAssignments.push(roleAssignment(OWNER, ACCOUNT_ID, stranger, "User"), roleAssignment(ROLES.storageBlobDataReader.id, CONTAINER_SCOPE(EVENTS), stranger, "User"))));
    expect(failures(extra)).toEqual([
      `drift-role-assignments: role ${OWNER} on the account for principal ${stranger} ("User") is live but not planned.`,
      `drift-role-assignments: Storage Blob Data Reader on "/blobServices/default/containers/${EVENTS}" for principal ${stranger} ("User") is live but not planned.`,
    ]);
    expect(extra.find((r) => r.status === "fail")!.fix).toMatch(/^If nobody can say why it is there \(Activity log\), remove it: `az role assignment delete --ids \/subscriptions\/.*\/roleAssignments\/[0-9a-f-]{36}`\./);
    // A planned one gone, or given to someone else: the planned one is missing (and the other one is extra).
    const gone = await drift(drifted((l) => l.roleAssignments.splice(3, 1)));
    expect(failures(gone)).toEqual([
      expect.stringMatching(/^drift-role-assignments: The planned Storage Queue Data Message Sender on \/queueServices\/default\/queues\/xshield-mde-events for the system topic's identity \(azurerm_role_assignment\.integration_queue-sender_FFBBF6B9\) is not live\.$/),
    ]);
    const moved = await drift(drifted((l) => ((l.roleAssignments[0]!.properties as Json).principalId = stranger)));
    expect(failures(moved).map((f) => f.replace(/ \(.*/, ""))).toEqual([
      "drift-role-assignments: The planned Storage Blob Data Reader on /blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents for the application's service principal",
      `drift-role-assignments: Storage Blob Data Reader on "/blobServices/default/containers/${EVENTS}" for principal ${stranger}`,
    ]);
  });

  test("streamingApiOperatorObjectIds: Contributor on the account for each operator, as the stack writes it", async () => {
    const operatorId = randomUUID();
    const stack = devStack();
    resources(stack).azurerm_role_assignment![`integration_streaming-api-operator-${operatorId}_0A1B2C3D`] = {
      principal_id: operatorId,
      role_definition_name: "Contributor",
      scope: "${azurerm_storage_account.integration_storage-account_6BAE30E3.id}",
    };
    expect(failures(await drift(drifted((l) => l.roleAssignments.push(roleAssignment(ROLES.contributor.id, ACCOUNT_ID, operatorId, "User"))), stack))).toEqual([]);
    expect(failures(await drift(matchingLive(), stack))).toEqual([
      `drift-role-assignments: The planned Contributor on the account for ${operatorId} (azurerm_role_assignment.integration_streaming-api-operator-${operatorId}_0A1B2C3D) is not live.`,
    ]);
  });

  test("the event subscription: endpoint, identity, filter, and no other subscription on the topic", async () => {
    const props = (l: LiveAzure) => l.eventSubscriptions.get(TOPIC_ID)![0]!.properties as Json;
    const destination = (l: LiveAzure) => (props(l).deliveryWithResourceIdentity as Json).destination as Json;
    const filter = (l: LiveAzure) => props(l).filter as Json;
    const cases: [string, (l: LiveAzure) => void, string][] = [
      ["another queue", (l) => ((destination(l).properties as Json).queueName = "elsewhere"), 'the endpoint\'s queue: "elsewhere" live, "xshield-mde-events" planned.'],
      ["another account", (l) => ((destination(l).properties as Json).resourceId = ACCOUNT_ID.replace(ACCOUNT, "stattacker")), `the endpoint's storage account: ${ACCOUNT_ID.replace(ACCOUNT, "stattacker")} live, the integration's account planned.`],
      ["a webhook", (l) => (destination(l).endpointType = "WebHook"), 'the endpoint type: "WebHook" live, "StorageQueue" planned.'],
      ["no identity", (l) => (((props(l).deliveryWithResourceIdentity as Json).identity as Json).type = "None"), "delivery: without the topic's system-assigned identity live"],
      ["more event types", (l) => (filter(l).includedEventTypes = ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]), "the event types: Microsoft.Storage.BlobCreated, Microsoft.Storage.BlobDeleted live, Microsoft.Storage.BlobCreated planned."],
      ["all containers", (l) => (filter(l).subjectBeginsWith = ""), `the subject filter (begins with): "" live, "/blobServices/default/containers/${EVENTS}/" planned.`],
      ["an advanced filter", (l) => (filter(l).advancedFilters = [{ operatorType: "StringContains", key: "subject", values: ["x"] }]), "advanced filters: 1 filter(s) live, none planned."],
    ];
    for (const [name, change, message] of cases) {
      const found = failures(await drift(drifted(change)));
      expect([name, found]).toEqual([name, [expect.stringContaining(`drift-event-subscription: Event subscription xshield-network-events, ${message}`)]]);
    }
    const webhook = subscription("exfiltrate");
    ((webhook.properties as Json).deliveryWithResourceIdentity as Json).destination = { endpointType: "WebHook", properties: { endpointBaseUrl: "https://attacker.example" } };
    expect(failures(await drift(drifted((l) => l.eventSubscriptions.get(TOPIC_ID)!.push(webhook))))).toEqual([
      'drift-event-subscription: Event subscription "exfiltrate" on the integration\'s system topic is not in the stack (endpoint type "WebHook"): it receives the account\'s events.',
    ]);
    expect(failures(await drift(drifted((l) => l.eventSubscriptions.set(TOPIC_ID, []))))).toEqual([
      "drift-event-subscription: Event subscription xshield-network-events does not exist: no blob notification reaches the queue.",
    ]);
    expect(failures(await drift(drifted((l) => l.systemTopics.clear())))).toContain(
      "drift-event-subscription: System topic stxshieldmdedev-events does not exist: no blob notification reaches the queue.",
    );
  });

  test("the application: any password but the two slots, certificates, federated credentials, extra API permissions", async () => {
    const backdoor = randomUUID();
    const cases: [string, (l: LiveAzure) => void, RegExp][] = [
      ["a third password", (l) => (application(l).passwordCredentials as Json[]).push({ keyId: backdoor, displayName: "ops", endDateTime: "2027-01-01T00:00:00Z" }), new RegExp(`^The application has a password that is not one of its slots: "ops" \\(key id ${backdoor}, expires 2027-01-01T00:00:00Z\\)\\.$`)],
      ["a slot's name twice", (l) => (application(l).passwordCredentials as Json[]).push({ keyId: backdoor, displayName: "Xshield (slot A)", endDateTime: EXPIRES_A }), /^The application has two passwords named "Xshield \(slot A\)": one of them is not the integration's/],
      ["a slot replaced outside Terraform", (l) => ((application(l).passwordCredentials as Json[])[0]!.endDateTime = "2027-12-31T00:00:00Z"), /^The password "Xshield \(slot A\)" \(key id [0-9a-f-]{36}\) expires 2027-12-31T00:00:00Z, not when the deployed slots do/],
      ["a certificate", (l) => (application(l).keyCredentials = [{ keyId: backdoor, displayName: "CN=ops", type: "AsymmetricX509Cert", usage: "Verify" }]), /^The application has a certificate credential that is not planned: "CN=ops" \(key id /],
      ["a federated credential", (l) => l.federatedCredentials.set(ids.application, [{ id: backdoor, name: "github-main", issuer: "https://token.actions.githubusercontent.com", subject: "repo:someone/else:ref:refs/heads/main" }]), /^The application trusts a federated credential that is not planned: "github-main" \(issuer "https:\/\/token\.actions\.githubusercontent\.com", subject "repo:someone\/else:ref:refs\/heads\/main"\)\.$/],
      ["a password on the service principal", (l) => (l.servicePrincipals.get(integration.clientId)!.passwordCredentials = [{ keyId: backdoor }]), /^The application's service principal has a password of its own \(key id /],
      ["another permission asked for", (l) => ((application(l).requiredResourceAccess as Json[])[0]!.resourceAccess as Json[]).push({ id: ids.machineIsolate, type: "Role" }), new RegExp(`^The application asks for an API permission that is not planned: ${ids.machineIsolate} \\("Role"\\) of API ${DEFENDER_API_CLIENT_ID}\\.$`)],
      ["another permission granted", (l) => l.appRoleAssignments.get(ids.servicePrincipal)!.push(grant(ids.machineIsolate)), new RegExp(`^The application's service principal holds an application permission that is not planned: role ${ids.machineIsolate} of "WindowsDefenderATP"`)],
      ["the consent gone", (l) => l.appRoleAssignments.set(ids.servicePrincipal, []), /^The admin consent for Machine\.Read\.All \(application\) of API fc780465-2017-40d4-a0c5-307022471b92 is not live\.$/],
      ["another audience", (l) => (application(l).signInAudience = "AzureADMultipleOrgs"), /^The application's sign-in audience is "AzureADMultipleOrgs", planned "AzureADMyOrg"\.$/],
    ];
    for (const [name, change, message] of cases) {
      const found = (await drift(drifted(change))).filter((r) => r.status === "fail");
      expect([name, found.map((r) => r.check)]).toEqual([name, ["drift-application"]]);
      expect([name, found[0]!.message]).toEqual([name, expect.stringMatching(message)]);
    }
    const third = (await drift(drifted(cases[0]![1]))).find((r) => r.status === "fail")!;
    expect(third.fix).toBe(
      `Whoever holds it can sign in as the integration. If nobody can say why it is there (Entra audit log), delete it: \`az ad app credential delete --id ${integration.clientId} --key-id ${backdoor}\`.`,
    );
  });

  test("what verify cannot read is a failure naming the right to add; the server's words are not printed", async () => {
    azure.denied.add(ACCOUNT_ID.toLowerCase());
    azure.denied.add(`/v1.0/applications(appid='${integration.clientId}')`);
    try {
      const results = await drift(matchingLive());
      const account = results.find((r) => r.check === "drift-storage-account")!;
      expect(account.status).toBe("fail");
      expect(account.message).toMatch(/^Could not read storage account stxshieldmdedev \(HTTP 403, AuthorizationFailed, request id [0-9a-f-]{36}, correlation id [0-9a-f-]{36}\)\.$/);
      expect(account.fix).toMatch(/^Your identity needs Reader on the storage account \(read-only\)/);
      const app = results.find((r) => r.check === "drift-application")!;
      expect(app.message).toMatch(/^Could not read application .* in Microsoft Graph \(HTTP 403, Authorization_RequestDenied, request id [0-9a-f-]{36}\)\.$/);
      expect(JSON.stringify(results)).not.toMatch(/does not have authorization|Insufficient privileges/);
    } finally {
      azure.denied.clear();
    }
  });

  test("a resource that is gone is said to be gone, with the fix", async () => {
    const results = await drift(drifted((l) => l.storageAccounts.clear()));
    const account = results.find((r) => r.check === "drift-storage-account")!;
    expect([account.status, account.message]).toEqual(["fail", expect.stringMatching(/^Storage account stxshieldmdedev does not exist \(HTTP 404, ResourceNotFound, request id [0-9a-f-]{36}\)\.$/)]);
    expect(account.fix).toMatch(/^Run `npx cdktf deploy dev`/);
  });

  test("no token for the caller: one failure that says how to sign in, the rest not run", async () => {
    const noLogin: TokenCredential = { getToken: () => Promise.reject(Object.assign(new Error("Please run 'az login' to set up an account."), { name: "CredentialUnavailableError" })) };
    const results = await drift(matchingLive(), devStack(), OUTPUTS, { credential: noLogin });
    expect(statusOf(results)).toEqual(["drift-sign-in:fail", ...DRIFT_CHECK_IDS.slice(1).map((id) => `${id}:skip`)]);
    expect(results[0]!.message).toBe(`No token for ${new URL(azure.armUrl).host} with your Azure credentials: CredentialUnavailableError.`);
    expect(results[0]!.fix).toMatch(/sign in \(`az login`\)/);
  });
});

// ---- The command line ------------------------------------------------------------------------

describe("npm run verify -- <env> --drift", () => {
  let harness: VerifyHarness;
  let stackDir: string;
  beforeAll(() => {
    harness = new VerifyHarness(cert, entra, workDir, { blob: storage.endpoint, queue: storage.endpoint });
    stackDir = join(workDir, "cdktf.out", "stacks", "dev");
    mkdirSync(stackDir, { recursive: true });
    writeFileSync(join(stackDir, "cdk.tf.json"), JSON.stringify(GOLDEN_DEV));
  });
  const outputsFile = () => {
    const file = join(workDir, `outputs-${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ dev: { client_id: OUTPUTS.clientId, tenant_id: TENANT, client_secret: OUTPUTS.clientSecret, storage_account_name: ACCOUNT, queue_name: QUEUE, storage_account_id: ACCOUNT_ID, client_secret_expires_at: EXPIRES_B, client_secret_previous_expires_at: EXPIRES_A } }));
    return file;
  };
  const flags = () => [...harness.endpointFlags(), "--arm-endpoint", azure.armUrl, "--graph-endpoint", azure.graphUrl];

  test("the drift checks follow verify's seven, in the report and --json; a drift fails the run", async () => {
    azure.live = drifted((l) => Object.assign(accountProps(l), { allowSharedKeyAccess: true }));
    const json = await harness.cli(["dev", "--drift", "--json", "--outputs-file", outputsFile(), ...flags()], { projectDir: workDir, driftCredential: credential });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out[0]!) as CheckResult[];
    expect(report.slice(7).map((r) => `${r.check}:${r.status}`)).toEqual([
      "drift-sign-in:pass",
      "drift-storage-account:fail",
      "drift-soft-delete:pass",
      "drift-containers:pass",
      "drift-role-assignments:pass",
      "drift-event-subscription:pass",
      "drift-application:pass",
    ]);
    const text = await harness.cli(["dev", "--drift", "--outputs-file", outputsFile(), ...flags()], { projectDir: workDir, driftCredential: credential });
    expect(text.out).toContain("✗ Drift: storage account security and firewall: shared_access_key_enabled is true on the live account, planned false.");
    expect(text.out).toContain("✓ Drift: event subscription: As planned: subscription xshield-network-events, endpoint, delivery identity, event types, subject filter, no advanced filter, dead-letter container, no other subscription.");
  });

  test("--drift needs the synthesized stack, and the stack must hold the deployed account: both say so before anything is sent", async () => {
    const before = azure.requests.length + entra.requests.length;
    const empty = mkdtempSync(join(tmpdir(), "drift-nostack-"));
    try {
      const missing = await harness.cli(["dev", "--drift", "--outputs-file", outputsFile(), ...flags()], { projectDir: empty, driftCredential: credential });
      expect([missing.code, missing.err[0]]).toEqual([2, expect.stringMatching(/^verify: --drift: no synthesized stack at .*cdktf\.out\/stacks\/dev \(no cdk\.tf\.json there\)\. Synthesize it first/)]);
      const other = join(empty, "other");
      mkdirSync(other);
      const stack = devStack();
      only(stack, "azurerm_storage_account").name = "stother";
      writeFileSync(join(other, "cdk.tf.json"), JSON.stringify(stack));
      const wrong = await harness.cli(["dev", "--drift", "--stack-dir", other, "--outputs-file", outputsFile(), ...flags()], { projectDir: empty, driftCredential: credential });
      expect([wrong.code, wrong.err[0]]).toEqual([2, expect.stringMatching(/^verify: --drift: the synthesized stack holds no azurerm_storage_account named "stxshieldmdedev"/)]);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    expect(azure.requests.length + entra.requests.length).toBe(before);
  });

  test("the arm and graph endpoints must be https", async () => {
    const run = await harness.cli(["dev", "--drift", "--outputs-file", outputsFile(), ...harness.endpointFlags(), "--arm-endpoint", "http://127.0.0.1:1"], { projectDir: workDir, driftCredential: credential });
    expect([run.code, run.err[0]]).toEqual([2, 'verify: Resource Manager endpoint "http://127.0.0.1:1" must be an https:// URL: the application\'s tokens are only ever sent over TLS.']);
  });
});
