import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { ADOPTION_FIELDS, IntegrationAdoption } from "../lib/adoption";
import { buildApp, EnvironmentConfig } from "../lib/app";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { VALID_PROPS } from "./support/synth";

// The adoption record reaching the JSON: one import block per adopted resource, at its address,
// with the given id; none for the secrets; read from adopt/<env>.json by the environments.

const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const OPERATOR = "6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b";
const ACCOUNT = `/subscriptions/${SUB}/resourceGroups/rg-xshield-test/providers/Microsoft.Storage/storageAccounts/stxshieldtest`;
const TOPIC = `/subscriptions/${SUB}/resourceGroups/rg-xshield-test/providers/Microsoft.EventGrid/systemTopics/stxshieldtest-events`;
const ROLE = (scope: string, guid: string) => `${scope}/providers/Microsoft.Authorization/roleAssignments/${guid}`;

/** A record of every adoptable resource, in the forms lib/adoption.ts documents. */
const FULL: IntegrationAdoption = {
  application: "/applications/11111111-1111-4111-8111-111111111111",
  servicePrincipal: "/servicePrincipals/22222222-2222-4222-8222-222222222222",
  machineReadConsent: "/servicePrincipals/33333333-3333-4333-8333-333333333333/appRoleAssignedTo/sXSzAAAAAAAAAAAAAAAAAA",
  resourceGroup: `/subscriptions/${SUB}/resourceGroups/rg-xshield-test`,
  storageAccount: ACCOUNT,
  networkEventsContainer: `${ACCOUNT}/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents`,
  deadLetterContainer: `${ACCOUNT}/blobServices/default/containers/eventgrid-deadletter`,
  queue: `${ACCOUNT}/queueServices/default/queues/xshield-mde-events`,
  retentionPolicy: `${ACCOUNT}/managementPolicies/default`,
  systemTopic: TOPIC,
  eventSubscription: `${TOPIC}/eventSubscriptions/xshield-network-events`,
  blobReaderAssignment: ROLE(`${ACCOUNT}/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents`, "44444444-4444-4444-8444-444444444444"),
  queueProcessorAssignment: ROLE(`${ACCOUNT}/queueServices/default/queues/xshield-mde-events`, "55555555-5555-4555-8555-555555555555"),
  queueSenderAssignment: ROLE(`${ACCOUNT}/queueServices/default/queues/xshield-mde-events`, "66666666-6666-4666-8666-666666666666"),
  deadLetterWriterAssignment: ROLE(`${ACCOUNT}/blobServices/default/containers/eventgrid-deadletter`, "77777777-7777-4777-8777-777777777777"),
  streamingApiOperatorAssignments: { [OPERATOR.toUpperCase()]: ROLE(ACCOUNT, "88888888-8888-4888-8888-888888888888") },
};

function synth(props: Partial<XshieldMdeIntegrationProps>): { json: { import?: { to: string; id: string; provider?: string }[]; resource: { [t: string]: { [n: string]: { description?: string } } } }; i: XshieldMdeIntegration } {
  const stack = new TerraformStack(Testing.app(), "test");
  const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, streamingApiOperatorObjectIds: [OPERATOR], ...props });
  return { json: JSON.parse(Testing.synth(stack)), i };
}

const address = (r: { terraformResourceType: string; friendlyUniqueId: string }) => `${r.terraformResourceType}.${r.friendlyUniqueId}`;

describe("the adopt prop", () => {
  test("one import block per adopted resource, at its address, with the given id; none for the secrets", () => {
    const { json, i } = synth({ adopt: FULL });
    const expected = [
      ...ADOPTION_FIELDS.map((field) => [address((i as unknown as { [k: string]: { terraformResourceType: string; friendlyUniqueId: string } })[field]), FULL[field]]),
      [address(i.streamingApiOperatorAssignments[0]), Object.values(FULL.streamingApiOperatorAssignments!)[0]],
    ];
    expect(json.import!.map((b) => [b.to, b.id]).sort()).toEqual(expected.sort());
    expect(json.import!.some((b) => b.to.startsWith("azuread_application_password."))).toBe(false);
  });

  test("only what the record names is imported; the rest is created", () => {
    const { json, i } = synth({ adopt: { storageAccount: ACCOUNT, queue: FULL.queue } });
    expect(json.import).toEqual([
      { to: address(i.storageAccount), id: ACCOUNT },
      { to: address(i.queue), id: FULL.queue },
    ]);
    expect(synth({}).json.import).toBeUndefined();
  });

  test("an adopted role assignment keeps no description (a hand-made one has none, and it would force a new one); the others keep theirs", () => {
    const { json, i } = synth({ adopt: { blobReaderAssignment: FULL.blobReaderAssignment } });
    const roles = json.resource.azurerm_role_assignment;
    expect(roles[i.blobReaderAssignment.friendlyUniqueId].description).toBeUndefined();
    expect(roles[i.queueProcessorAssignment.friendlyUniqueId].description).toBe("Xshield reads and removes blob-created notifications.");
  });

  test("an import block through an aliased provider names that provider", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const { AzurermProvider } = jest.requireActual<typeof import("@cdktf/provider-azurerm/lib/provider")>("@cdktf/provider-azurerm/lib/provider");
    const second = new AzurermProvider(stack, "second", { alias: "second", features: [{}] });
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, providers: { azurerm: second }, adopt: { storageAccount: ACCOUNT } });
    expect(JSON.parse(Testing.synth(stack)).import).toEqual([expect.objectContaining({ id: ACCOUNT, provider: "azurerm.second" })]);
  });

  test("a record that does not fit is refused when the construct is built, naming the field", () => {
    expect(() => synth({ adopt: { storageAccount: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/other" } })).toThrow(/- adopt\.storageAccount /);
    expect(() => synth({ adopt: { clientSecretSlotA: "x" } as IntegrationAdoption })).toThrow(/- adopt\.clientSecretSlotA/);
  });

  test("the guard judges adopted resources like created ones: the import blocks are planned, another one is not", () => {
    expect(() => synth({ adopt: FULL })).not.toThrow();
    const stack = new TerraformStack(Testing.app(), "test");
    const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, adopt: { storageAccount: ACCOUNT } });
    i.queue.importFrom(`${ACCOUNT}/queueServices/default/queues/attacker`);
    expect(() => Testing.synth(stack)).toThrow(/\[OutsideThePlan\] import\[azurerm_storage_queue\.\S+\] imports into Terraform state/);
  });

  test("the import blocks as written are ones Terraform accepts (terraform_data stand-ins at the same names)", () => {
    const { json } = synth({ adopt: FULL });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-import-"));
    try {
      const standIns: { [name: string]: object } = {};
      const imports = json.import!.map((b) => {
        const name = b.to.replace(/^[^.]+\./, "");
        standIns[name] = { input: "x" };
        return { ...b, to: `terraform_data.${name}` };
      });
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ resource: { terraform_data: standIns }, import: imports }));
      const env = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" };
      expect(spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8" }).status).toBe(0);
      const validate = spawnSync("terraform", ["validate", "-no-color"], { cwd: dir, env, encoding: "utf8" });
      expect({ status: validate.status, out: validate.stdout.trim() }).toEqual({ status: 0, out: "Success! The configuration is valid." });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("adopt/<env>.json", () => {
  // dev keeps the account the records name; the others have their own (names are unique in Azure, and in an App).
  const env = (name: string, integration: Partial<XshieldMdeIntegrationProps> = {}): EnvironmentConfig => ({
    name,
    integration: { ...VALID_PROPS, ...(name === "dev" ? {} : { storageAccountName: `stxshield${name}` }), ...integration },
  });
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const adoptDir = (files: { [name: string]: string }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "adopt-dir-"));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };
  const imports = (app: ReturnType<typeof buildApp>, name: string) =>
    (JSON.parse(JSON.stringify((app.node.findChild(name) as TerraformStack).toTerraform())) as { import?: { id: string }[] }).import?.map((b) => b.id);

  test("an environment's record is read when present; an environment without one creates everything; the props' own adopt wins", () => {
    const dir = adoptDir({ "dev.json": JSON.stringify({ storageAccount: ACCOUNT }) });
    const app = buildApp([env("dev"), env("prod"), { ...env("ci", { adopt: { queue: FULL.queue } }) }], undefined, { adoptDir: dir });
    expect([imports(app, "dev"), imports(app, "prod"), imports(app, "ci")]).toEqual([[ACCOUNT], undefined, [FULL.queue]]);
  });

  test("a record that is not JSON, or does not fit, fails that environment with the file named", () => {
    const dir = adoptDir({ "dev.json": "{ not json", "prod.json": JSON.stringify({ storageAccount: "/nope" }) });
    expect(() => buildApp([env("dev"), env("prod")], undefined, { adoptDir: dir })).toThrow(
      /2 environment\(s\) failed:\nenvironment "dev": .*dev\.json: is not JSON .*write it again with npm run adopt -- dev\.\nenvironment "prod": [\s\S]*adopt\.storageAccount "\/nope"/,
    );
  });
});
