/**
 * `npm run adopt` against fakes of Microsoft Graph and ARM on loopback (started once for this
 * file), answering with recorded-style objects of setups made by hand (support/handmade.ts):
 * everything found, partly found, nothing found, several candidates, and objects that exist
 * but cannot be adopted under the environment's settings. Then the written ids in Terraform
 * import blocks, offline, and one run as a separate process signing in through the AZURE_*
 * variables.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { adoptionProblems, type IntegrationAdoption } from "../lib/adoption";
import type { EnvironmentConfig } from "../lib/app";
import { DEAD_LETTER_CONTAINER_NAME, NETWORK_EVENTS_CONTAINER_NAME } from "../lib/constants";
import { type AdoptJson, type JsonError, main, USAGE } from "../tools/adopt";
import { planEnvironment } from "../tools/adopt-plan";
import { type FakeAzure, fakeCredential, startFakeAzure } from "./support/fake-azure";
import { startFakeEntra, type FakeEntra } from "./support/fake-entra";
import {
  ACCOUNT,
  ACCOUNT_ID,
  ADMIN,
  APP_OBJECT,
  candidatesWorld,
  COLLEAGUE,
  CONSENT_ID,
  DEFENDER_SP,
  emptyWorld,
  foundWorld,
  GROUP,
  OPERATOR,
  partlyWorld,
  QUEUE,
  ROLE_IDS,
  SECOND_APP_ID,
  SP_OBJECT,
  SUB,
  TOPIC_ID,
  TOPIC_NAME,
} from "./support/handmade";
import { typeScriptRunner, type TypeScriptRunner } from "./support/run-ts";
import { createTestCertificate, type TestCertificate } from "./support/tls-cert";

const ROLE = "/providers/Microsoft.Authorization/roleAssignments/";
const HANDMADE: EnvironmentConfig = {
  name: "handmade",
  subscriptionId: SUB,
  integration: {
    location: "westeurope",
    resourceGroupName: GROUP,
    storageAccountName: ACCOUNT,
    queueName: QUEUE,
    applicationDisplayName: "Xshield",
    allowedIpRanges: ["20.50.60.0/28"],
    dataRoleScope: "account",
    streamingApiOperatorObjectIds: [OPERATOR],
  },
};
const PARTLY: EnvironmentConfig = {
  name: "partly",
  subscriptionId: SUB,
  integration: { location: "westeurope", resourceGroupName: GROUP, storageAccountName: ACCOUNT, queueName: QUEUE, applicationDisplayName: "Xshield", allowedIpRanges: ["20.50.60.0/28"], createResourceGroup: false },
};
const FRESH: EnvironmentConfig = { name: "fresh", integration: { location: "westeurope", resourceGroupName: "rg-new", storageAccountName: "stnew", allowedIpRanges: ["20.50.60.0/28"] } };
const MOVED: EnvironmentConfig = { ...HANDMADE, name: "moved", integration: { ...HANDMADE.integration, resourceGroupName: "rg-other" } };
const RENAMED: EnvironmentConfig = { ...HANDMADE, name: "renamed", integration: { ...HANDMADE.integration, queueName: "xshield-mde-events" } };
const ELSEWHERE: EnvironmentConfig = { ...HANDMADE, name: "elsewhere", integration: { ...HANDMADE.integration, location: "northeurope" } };
const ZONAL: EnvironmentConfig = { ...HANDMADE, name: "zonal", integration: { ...HANDMADE.integration, accountReplicationType: "ZRS" } };
const ENVIRONMENTS = [HANDMADE, PARTLY, FRESH, MOVED, RENAMED, ELSEWHERE, ZONAL];

let cert: TestCertificate;
let fake: FakeAzure;
let projectDir: string;

beforeAll(async () => {
  cert = createTestCertificate();
  fake = await startFakeAzure({ certPem: cert.certPem, keyPem: cert.keyPem, world: emptyWorld() });
  projectDir = mkdtempSync(join(tmpdir(), "adopt-test-"));
});

afterAll(async () => {
  await fake?.close();
  cert?.remove();
  if (projectDir) rmSync(projectDir, { recursive: true, force: true });
});

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The --json answer (every run here but the text ones asks for it). */
  readonly json: AdoptJson;
  readonly file?: IntegrationAdoption;
}

async function adopt(world: ReturnType<typeof foundWorld>, args: readonly string[], extra: { env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  fake.world = world;
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    // The fakes' endpoints first: a flag the test gives after them wins.
    [args[0]!, "--graph-endpoint", fake.graphEndpoint, "--arm-endpoint", fake.armEndpoint, "--ca-file", cert.certPath, ...args.slice(1)],
    { out: (l) => out.push(l), err: (l) => err.push(l) },
    { env: extra.env ?? {}, projectDir, environments: ENVIRONMENTS, credential: fakeCredential(ADMIN), requestTimeoutMs: 10_000 },
  );
  const text = out.join("\n");
  const file = join(projectDir, "adopt", `${args[0]}.json`);
  return {
    code,
    out: text,
    err: err.join("\n"),
    json: (args.includes("--json") && text !== "" ? JSON.parse(text) : {}) as AdoptJson,
    ...(existsSync(file) ? { file: JSON.parse(readFileSync(file, "utf8")) as IntegrationAdoption } : {}),
  };
}

const statuses = (run: Run) => run.json.findings.map((f) => `${f.subject}:${f.status}`);
const differences = (run: Run) => run.json.differences.map((d) => `${d.effect} ${d.subject} ${d.attribute}`);
/** The plan an environment makes, for validating the file as the stack would. */
const plannedOf = (env: EnvironmentConfig, subscriptionId = SUB) => {
  const c = planEnvironment(env).config;
  return { subscriptionId, resourceGroupName: c.resourceGroupName, storageAccountName: c.storageAccountName, queueName: c.queueName, createResourceGroup: c.createResourceGroup, streamingApiOperatorObjectIds: c.streamingApiOperatorObjectIds };
};

/** The ids of the complete hand-made setup, written out from the provider docs' forms and the fixture's names. */
const FOUND_IDS: IntegrationAdoption = {
  application: `/applications/${APP_OBJECT}`,
  servicePrincipal: `/servicePrincipals/${SP_OBJECT}`,
  machineReadConsent: `/servicePrincipals/${DEFENDER_SP}/appRoleAssignedTo/${CONSENT_ID}`,
  resourceGroup: `/subscriptions/${SUB}/resourceGroups/${GROUP}`,
  storageAccount: ACCOUNT_ID,
  networkEventsContainer: `${ACCOUNT_ID}/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}`,
  deadLetterContainer: `${ACCOUNT_ID}/blobServices/default/containers/${DEAD_LETTER_CONTAINER_NAME}`,
  queue: `${ACCOUNT_ID}/queueServices/default/queues/${QUEUE}`,
  retentionPolicy: `${ACCOUNT_ID}/managementPolicies/default`,
  systemTopic: TOPIC_ID,
  eventSubscription: `${TOPIC_ID}/eventSubscriptions/xshield-blob-created`,
  blobReaderAssignment: `${ACCOUNT_ID}${ROLE}${ROLE_IDS.blobReader}`,
  queueProcessorAssignment: `${ACCOUNT_ID}${ROLE}${ROLE_IDS.processor}`,
  queueSenderAssignment: `${ACCOUNT_ID}/queueServices/default/queues/${QUEUE}${ROLE}${ROLE_IDS.sender}`,
  deadLetterWriterAssignment: `${ACCOUNT_ID}/blobServices/default/containers/${DEAD_LETTER_CONTAINER_NAME}${ROLE}${ROLE_IDS.deadLetterWriter}`,
  streamingApiOperatorAssignments: { [OPERATOR]: `${ACCOUNT_ID}${ROLE}${ROLE_IDS.operator}` },
};

describe("a complete setup made by hand", () => {
  let run: Run;
  beforeAll(async () => {
    run = await adopt(foundWorld(), ["handmade", "--json"]);
  });

  test("every adoptable resource is found, and the file holds exactly its import ids, which validate as the stack checks them", () => {
    expect(run.code).toBe(0);
    expect(run.json.findings.every((f) => f.status === "found")).toBe(true);
    expect(run.file).toEqual(FOUND_IDS);
    expect(run.json.adoption).toEqual(FOUND_IDS);
    expect(run.json.file).toBe("adopt/handmade.json");
    expect(adoptionProblems(run.file, { prop: "adopt/handmade.json", planned: plannedOf(HANDMADE) })).toEqual([]);
  });

  test("every difference from the plan is listed, with what the first plan does about it", () => {
    expect(differences(run).sort()).toEqual(
      [
        // The application: the portal's User.Read, no notes, a colleague as owner, the secret Xshield uses.
        "update application notes",
        "update application required_resource_access",
        "update application owners",
        "outside application hand-made client secret \"xshield\"",
        "update servicePrincipal owners",
        // The account as the portal makes it.
        "replace storageAccount infrastructure_encryption_enabled",
        "update storageAccount shared_access_key_enabled",
        "update storageAccount default_to_oauth_authentication",
        "update storageAccount local_user_enabled",
        "update storageAccount network_rules.default_action",
        "update storageAccount network_rules.ip_rules",
        "update storageAccount tags",
        "outside storageAccount container public-stuff",
        "update retentionPolicy rule",
        // Event Grid under its own names, without dead letters, with a webhook on the side.
        "replace systemTopic name",
        "replace eventSubscription name",
        "update eventSubscription storage_queue_endpoint.queue_message_time_to_live_in_seconds",
        "update eventSubscription dead_letter_identity.type",
        "update eventSubscription storage_blob_dead_letter_destination.storage_blob_container_name",
        "outside eventSubscription second subscription debug-webhook",
        // The portal writes no description, which the provider cannot change in place.
        "replace blobReaderAssignment description",
        "replace queueProcessorAssignment description",
        "replace queueSenderAssignment description",
        "replace deadLetterWriterAssignment description",
        `replace streamingApiOperatorAssignments.${OPERATOR} description`,
        // More than the plan for Xshield's principal.
        `outside blobReaderAssignment Storage Blob Data Contributor on ${ACCOUNT_ID}`,
        `outside blobReaderAssignment Reader on /subscriptions/${SUB}/resourceGroups/${GROUP}`,
      ].sort(),
    );
    const byAttribute = (attribute: string) => run.json.differences.find((d) => d.attribute === attribute)!;
    expect(byAttribute("infrastructure_encryption_enabled")).toMatchObject({ existing: "false", planned: "true", note: expect.stringContaining("its blobs and queue messages are lost") });
    expect(byAttribute("network_rules.ip_rules")).toMatchObject({ existing: "[]", planned: '["20.50.60.0/28"]' });
    expect(byAttribute("owners")).toMatchObject({ existing: `${ADMIN}, ${COLLEAGUE}`, planned: ADMIN, note: expect.stringContaining(`${COLLEAGUE} loses ownership`) });
    expect(byAttribute("rule").note).toContain('"delete-after-7-days" is removed');
    expect(byAttribute("hand-made client secret \"xshield\"").note).toContain("az ad app credential delete --id");
    expect(byAttribute("second subscription debug-webhook").note).toContain(`az eventgrid system-topic event-subscription delete --name debug-webhook --system-topic-name ${TOPIC_NAME} --resource-group ${GROUP}`);
    expect(byAttribute(`Reader on /subscriptions/${SUB}/resourceGroups/${GROUP}`).note).toContain(`az role assignment delete --ids /subscriptions/${SUB}/resourcegroups/${GROUP}${ROLE}${ROLE_IDS.readerOnGroup}`);
  });

  test("the caller's token goes to each service for that service only, and adopt only reads", () => {
    const graph = fake.requests.filter((r) => r.path.startsWith("/graph/"));
    const arm = fake.requests.filter((r) => r.path.startsWith("/arm/"));
    expect(graph.length + arm.length).toBe(fake.requests.length);
    expect(fake.requests.every((r) => r.method === "GET")).toBe(true);
    expect(graph.length).toBeGreaterThan(5);
    expect(arm.length).toBeGreaterThan(10);
    expect(graph.every((r) => r.audience === fake.graphEndpoint)).toBe(true);
    expect(arm.every((r) => r.audience === fake.armEndpoint)).toBe(true);
  });

  test("the text report says what it found, what the first plan changes, and what is never adopted", async () => {
    const text = await adopt(foundWorld(), ["handmade"]);
    expect(text.code).toBe(0);
    expect(text.out).toContain(`Environment "handmade", subscription ${SUB}`);
    expect(text.out).toContain("Found, imported by the first plan (16):");
    expect(text.out).toMatch(/± storageAccount {2}infrastructure_encryption_enabled: false → true \(REPLACED: Terraform deletes the account/);
    expect(text.out).toMatch(/~ storageAccount {2}shared_access_key_enabled: true → false \(updated in place: anything still signing with the account keys/);
    expect(text.out).toContain("Never adopted:\n  - The client secrets (azuread_application_password, slots A and B) are never imported: Terraform cannot read a secret's value");
    expect(text.out).toContain("Wrote adopt/handmade.json (16 import ids).\nNext: npx cdktf diff handmade");
    expect(text.err).toBe("");
  });

  test("pages are followed, and a page link to another origin is refused rather than sent the token", async () => {
    const paged = await adopt({ ...foundWorld(), pageSize: 1 }, ["handmade", "--json"]);
    expect(paged.json.adoption).toEqual(FOUND_IDS);
    const foreign = await adopt({ ...foundWorld(), pageSize: 1, foreignNextLink: "https://127.0.0.2:9/stolen" }, ["handmade", "--json"]);
    expect(foreign.code).toBe(2);
    expect((foreign.json as unknown as JsonError).error).toMatch(/sent a page link to https:\/\/127\.0\.0\.2:9, not https:\/\/127\.0\.0\.1:\d+; not followed/);
  });
});

describe("a setup made by the guide's steps and no more", () => {
  let run: Run;
  beforeAll(async () => {
    run = await adopt(partlyWorld(), ["partly", "--json"]);
  });

  test("what exists is adopted, the rest is created; a group that is only read is not adopted", () => {
    expect(run.code).toBe(0);
    expect(statuses(run)).toEqual([
      "application:found",
      "servicePrincipal:found",
      "machineReadConsent:found",
      "storageAccount:found",
      "networkEventsContainer:found",
      "deadLetterContainer:missing",
      "queue:found",
      "retentionPolicy:missing",
      "systemTopic:found",
      "eventSubscription:found",
      "blobReaderAssignment:missing",
      "queueProcessorAssignment:missing",
      "queueSenderAssignment:missing",
      "deadLetterWriterAssignment:missing",
    ]);
    expect(Object.keys(run.file!)).toEqual(["application", "servicePrincipal", "machineReadConsent", "storageAccount", "networkEventsContainer", "queue", "systemTopic", "eventSubscription"]);
    expect(adoptionProblems(run.file, { planned: plannedOf(PARTLY) })).toEqual([]);
    const sender = run.json.findings.find((f) => f.subject === "queueSenderAssignment")!;
    expect(sender.message).toBe("Not looked up: the system topic has no system-assigned identity yet; the first apply assigns it.");
  });

  test("roles on the account (the guide's way) stay outside, with the way to adopt them as they are; Event Grid gets an identity", () => {
    const outside = run.json.differences.filter((d) => d.effect === "outside");
    expect(outside.map((d) => `${d.subject} ${d.attribute}`).sort()).toEqual([
      'application hand-made client secret "xshield"',
      `blobReaderAssignment Storage Blob Data Reader on ${ACCOUNT_ID}`,
      "machineReadConsent app role assignment",
      `queueProcessorAssignment Storage Queue Data Message Processor on ${ACCOUNT_ID}`,
    ]);
    expect(outside.find((d) => d.attribute.startsWith("Storage Blob Data Reader"))!.note).toContain('or set dataRoleScope: "account" to adopt it as it is');
    expect(outside.find((d) => d.attribute === "app role assignment")!.existing).toBe("Microsoft Graph: app role df021288-bdef-4463-88db-98f22de89214");
    expect(differences(run)).toEqual(expect.arrayContaining(["update systemTopic identity.type", "update eventSubscription delivery_identity.type"]));
    expect(differences(run).filter((d) => d.includes(" systemTopic name") || d.includes("eventSubscription name"))).toEqual([]);
  });
});

describe("nothing made yet", () => {
  test("everything is to be created: an empty record, exit 0", async () => {
    const run = await adopt(emptyWorld(), ["fresh", "--json", "--subscription-id", SUB]);
    expect(run.code).toBe(0);
    expect(run.json.findings.every((f) => f.status === "missing")).toBe(true);
    expect(run.json.findings.find((f) => f.subject === "application")!.message).toBe(
      'No application with display name "Xshield MDE Integration": the first apply registers one (a new client id and secret to enter in Xshield).',
    );
    expect(run.file).toEqual({});
    expect(run.json.differences).toEqual([]);
  });

  test("--display-name looks the application up by another name; the plan then renames it", async () => {
    const run = await adopt(foundWorld(), ["fresh", "--json", "--subscription-id", SUB, "--display-name", "Xshield"]);
    expect(run.file!.application).toBe(`/applications/${APP_OBJECT}`);
    expect(run.json.differences.find((d) => d.attribute === "display_name")).toMatchObject({ subject: "application", effect: "update", existing: '"Xshield"', planned: '"Xshield MDE Integration"' });
    expect(run.file!.storageAccount).toBeUndefined();
  });

  test("an application looked up by a client id no one has is reported with how to check it", async () => {
    const run = await adopt(emptyWorld(), ["fresh", "--json", "--subscription-id", SUB, "--client-id", SECOND_APP_ID]);
    expect(run.json.findings[0]).toMatchObject({ subject: "application", status: "missing", message: expect.stringContaining(`client id ${SECOND_APP_ID}`), fix: expect.stringContaining("the client id Xshield uses") });
  });
});

describe("several candidates", () => {
  test("none is adopted, exit 1, each listed with the flag that picks one", async () => {
    const run = await adopt(candidatesWorld(), ["handmade", "--json"]);
    expect(run.code).toBe(1);
    const application = run.json.findings.find((f) => f.subject === "application")!;
    expect(application).toMatchObject({ status: "candidates", fix: "Pick the one Xshield uses: npm run adopt -- handmade --client-id <client id>." });
    expect(application.candidates).toHaveLength(2);
    expect(run.json.findings.find((f) => f.subject === "eventSubscription")).toMatchObject({ status: "candidates", candidates: ["xshield-blob-created", "xshield-old"] });
    expect(run.file!.application).toBeUndefined();
    expect(run.file!.servicePrincipal).toBeUndefined();
    expect(run.file!.eventSubscription).toBeUndefined();
    expect(run.file!.blobReaderAssignment).toBeUndefined();
    expect(run.file!.storageAccount).toBe(ACCOUNT_ID);
    const text = await adopt(candidatesWorld(), ["handmade"]);
    expect(text.out).toContain("Several candidates, none adopted (2):");
    expect(text.out).toContain("Resolve the ? and ✗ lines first");
  });

  test("--client-id and --event-subscription pick them; the other subscription is then one to delete", async () => {
    const run = await adopt(candidatesWorld(), ["handmade", "--json", "--client-id", SECOND_APP_ID.toUpperCase(), "--event-subscription", "xshield-old"]);
    expect(run.code).toBe(0);
    expect(run.file!.eventSubscription).toBe(`${TOPIC_ID}/eventSubscriptions/xshield-old`);
    expect(run.json.findings.find((f) => f.subject === "application")!.message).toContain(`client id ${SECOND_APP_ID}`);
    expect(differences(run)).toContain("outside eventSubscription second subscription xshield-blob-created");
  });
});

describe("objects that exist but cannot be adopted under the environment's settings", () => {
  test("an account in another resource group: blocked, with the setting to change, and nothing of it adopted", async () => {
    const run = await adopt(foundWorld(), ["moved", "--json"]);
    expect(run.code).toBe(1);
    expect(run.json.findings.find((f) => f.subject === "storageAccount")).toMatchObject({ status: "blocked", fix: expect.stringContaining(`Set resourceGroupName: "${GROUP}" for environment "moved"`) });
    expect(run.json.findings.find((f) => f.subject === "resourceGroup")!.status).toBe("missing");
    expect(Object.keys(run.file!)).toEqual(["application", "servicePrincipal", "machineReadConsent"]);
  });

  test("a queue of another name, the one Event Grid feeds: blocked, with queueName to set", async () => {
    const run = await adopt(foundWorld(), ["renamed", "--json"]);
    expect(run.code).toBe(1);
    expect(run.json.findings.find((f) => f.subject === "queue")).toMatchObject({ status: "blocked", fix: expect.stringContaining(`Set queueName: "${QUEUE}" for environment "renamed"`) });
    expect(run.json.findings.find((f) => f.subject === "eventSubscription")!.status).toBe("blocked");
    expect(run.file!.queue).toBeUndefined();
    expect(run.file!.queueSenderAssignment).toBeUndefined();
  });

  test("a group and an account in another region: both blocked (a location cannot change in place)", async () => {
    const run = await adopt(foundWorld(), ["elsewhere", "--json"]);
    expect(run.code).toBe(1);
    expect(run.json.findings.find((f) => f.subject === "resourceGroup")).toMatchObject({ status: "blocked", fix: expect.stringContaining("Set createResourceGroup: false") });
    expect(run.json.findings.find((f) => f.subject === "storageAccount")).toMatchObject({ status: "blocked", fix: 'Set location: "westeurope" for environment "elsewhere", then run adopt again.' });
    expect(run.file!.storageAccount).toBeUndefined();
  });
});

describe("redundancy", () => {
  test("from LRS to ZRS Azure cannot convert in place: the account is replaced", async () => {
    const run = await adopt(foundWorld(), ["zonal", "--json"]);
    expect(run.json.differences.find((d) => d.attribute === "account_replication_type")).toMatchObject({ effect: "replace", existing: '"LRS"', planned: '"ZRS"' });
  });
});

describe("when adopt cannot run (exit 2)", () => {
  const cannot = async (args: readonly string[], env: NodeJS.ProcessEnv = {}, world = foundWorld()) => {
    const run = await adopt(world, [...args, "--json"], { env });
    expect(run.code).toBe(2);
    return (run.json as unknown as JsonError).error;
  };

  test("usage, unknown environment, a bad client id, no subscription, NODE_DEBUG", async () => {
    expect(await cannot(["handmade", "--client-id"])).toBe("--client-id needs a value.");
    expect(await cannot(["nowhere"])).toBe('unknown environment "nowhere"; environments.ts has "handmade", "partly", "fresh", "moved", "renamed", "elsewhere", "zonal".');
    expect(await cannot(["handmade", "--client-id", "xshield"])).toContain('--client-id "xshield" must be the application (client) id Xshield uses, a GUID');
    expect(await cannot(["fresh", "--subscription-id", "prod"])).toBe('the subscription id "prod" must be a GUID (az account show --query id -o tsv).');
    expect(await cannot(["fresh"])).toContain("which subscription? Give --subscription-id <id>, set subscriptionId for environment \"fresh\", or export ARM_SUBSCRIPTION_ID");
    expect(await cannot(["handmade"], { NODE_DEBUG: "fs,https" })).toContain("turns on Node's own debug output for https");
    expect(await cannot(["handmade", "--arm-endpoint", "http://127.0.0.1:1"])).toContain("must be an https:// URL");
  });

  test("ARM_SUBSCRIPTION_ID is used when nothing else names the subscription", async () => {
    const run = await adopt(emptyWorld(), ["fresh", "--json"], { env: { ARM_SUBSCRIPTION_ID: SUB } });
    expect(run.code).toBe(0);
    expect(run.json.subscriptionId).toBe(SUB);
  });

  test("access refused: the status, the code and the rights adopt needs", async () => {
    const refused = { ...foundWorld(), failures: [{ pathIncludes: "roleAssignments", status: 403, code: "AuthorizationFailed", message: "The client does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/read'." }] };
    const error = await cannot(["handmade"], {}, refused);
    expect(error).toMatch(/^Azure Resource Manager answered 403 AuthorizationFailed to GET .*roleAssignments.*: The client does not have authorization.*\. adopt reads as you: it needs Reader on the subscription/);
  });
});

describe("the written ids in Terraform import blocks, offline", () => {
  const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
  (terraform ? test : test.skip)("each id parses in an import block, in HCL and in JSON, and reaches Terraform's import unchanged at its address (skipped without terraform)", async () => {
    // terraform_data stand-ins at the addresses' names: a provider-free check that the ids are
    // valid import ids as written (quoting, characters) and that there is one block per resource.
    // What only the providers check (each id's segments) is lib/adoption.ts's part, tested there.
    const run = await adopt(foundWorld(), ["handmade", "--json"]);
    // The stand-ins take the names of the addresses the plan imports at: azurerm_storage_account.<name> becomes terraform_data.<name>.
    const plan = planEnvironment(HANDMADE);
    const names: [string, string][] = run.json.findings.map((f) => [f.address!.split(".")[1]!, f.id!]);
    expect(names.map(([, id]) => id).sort()).toEqual([...Object.values(FOUND_IDS).filter((v): v is string => typeof v === "string"), ...Object.values(FOUND_IDS.streamingApiOperatorAssignments!)].sort());
    expect(names.map(([name]) => name).sort()).toEqual([...Object.values(plan.addresses), ...Object.values(plan.operatorAddresses)].map((a) => a.split(".")[1]).sort());
    expect(names).toHaveLength(16);
    const dirs = ["hcl", "json"].map((form) => {
      const dir = join(projectDir, `terraform-${form}`);
      mkdirSync(dir, { recursive: true });
      const blocks = names.map(([name, id]) => ({ address: `terraform_data.${name}`, name, id }));
      writeFileSync(
        join(dir, form === "hcl" ? "main.tf" : "main.tf.json"),
        form === "hcl"
          ? blocks.map((b) => `resource "terraform_data" "${b.name}" {}\nimport {\n  to = ${b.address}\n  id = "${b.id}"\n}\n`).join("\n")
          : JSON.stringify({ resource: { terraform_data: Object.fromEntries(blocks.map((b) => [b.name, [{}]])) }, import: blocks.map((b) => ({ to: b.address, id: b.id })) }),
      );
      return { dir, blocks };
    });
    const tf = (dir: string, ...args: string[]) => {
      const result = spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: dir, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: join(dir, "none.tfrc") } });
      if (result.status !== 0) throw new Error(`terraform ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    for (const { dir, blocks } of dirs) {
      tf(dir, "init", "-input=false", "-backend=false");
      tf(dir, "plan", "-input=false", "-lock=false", "-out=plan.bin");
      const shown = JSON.parse(tf(dir, "show", "-json", "plan.bin")) as { resource_changes: { address: string; change: { actions: string[]; importing?: { id: string } } }[] };
      expect(shown.resource_changes.map((c) => [c.address, c.change.importing?.id, c.change.actions.join()]).sort()).toEqual(blocks.map((b) => [b.address, b.id, "no-op"]).sort());
    }
    // Once applied, the same import blocks change nothing: the file may stay committed.
    const [, json] = dirs;
    tf(json!.dir, "apply", "-input=false", "-lock=false", "plan.bin");
    const again = spawnSync("terraform", ["plan", "-input=false", "-lock=false", "-detailed-exitcode"], { cwd: json!.dir, encoding: "utf8", env: { PATH: process.env.PATH ?? "", HOME: json!.dir, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: join(json!.dir, "none.tfrc") } });
    expect({ status: again.status, stdout: again.stdout.includes("No changes.") }).toEqual({ status: 0, stdout: true });
  }, 30_000);
});

describe("as a separate process, signed in through the AZURE_* variables", () => {
  let entra: FakeEntra;
  let runner: TypeScriptRunner;
  const clientId = randomUUID();
  const secret = `adopt~${randomUUID()}`;
  beforeAll(async () => {
    entra = await startFakeEntra({ certPem: cert.certPem, keyPem: cert.keyPem, apps: [{ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", clientId, secret, defenderRoles: [] }] });
    runner = typeScriptRunner();
  });
  afterAll(async () => {
    await entra?.close();
    runner?.remove();
  });

  test("npm run adopt -- dev: DefaultAzureCredential against the fake sign-in host, the file in the folder it runs from", async () => {
    fake.world = emptyWorld();
    const cwd = mkdtempSync(join(tmpdir(), "adopt-process-"));
    try {
      const result = await runner.run(
        join(__dirname, "..", "tools", "adopt.ts"),
        ["dev", "--subscription-id", SUB, "--authority-host", entra.url, "--graph-endpoint", fake.graphEndpoint, "--arm-endpoint", fake.armEndpoint, "--ca-file", cert.certPath],
        { cwd, env: { AZURE_TENANT_ID: "72f988bf-86f1-41af-91ab-2d7cd011db47", AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret, INIT_CWD: cwd } },
      );
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
      expect(result.stdout).toContain('No application with display name "Xshield MDE Integration (dev)"');
      expect(result.stdout).not.toContain(secret);
      expect(JSON.parse(readFileSync(join(cwd, "adopt", "dev.json"), "utf8"))).toEqual({});
      expect(entra.requests.some((r) => r.clientId === clientId && r.scope === `${fake.graphEndpoint}/.default`)).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  test("--help prints the usage", async () => {
    const out: string[] = [];
    expect(await main(["--help"], { out: (l) => out.push(l), err: () => undefined })).toBe(0);
    expect(out.join("\n")).toBe(USAGE);
  });
});
