import * as fs from "fs";
import * as path from "path";
import { TerraformLocal, TerraformStack, Testing } from "cdktf";
import { EnvironmentError, buildApp, collectWarnings } from "../lib/app";
import { SKIP_CROSS_STACK_PREPARATION, XshieldMdeStack } from "../lib/xshield-mde-stack";
import { XshieldMdeStackProps } from "../lib/props";
import { XshieldValidationError } from "../lib/validation";
import { VALID_PROPS, synthStack } from "./support/synth";

const OUTPUTS = [
  "client_id",
  "tenant_id",
  "client_secret",
  "storage_account_name",
  "queue_name",
  "storage_account_id",
  "client_secret_expires_at",
  "client_secret_previous_expires_at",
  "client_secret_next_rotation_at",
  "client_secret_slot",
];

/** Both slots' password references (without `${}`) for an attribute. */
function slots(s: ReturnType<typeof synthStack>, attribute: string): string[] {
  return ["client-secret-a", "client-secret-b"].map((part) => s.refNamed("azuread_application_password", part, attribute).slice(2, -1));
}

/** The JSON paths of every string in `json` that contains `needle`. */
function placesOf(json: unknown, needle: string): string[] {
  const places: string[] = [];
  const walk = (node: unknown, at: string) => {
    if (typeof node === "string" && node.includes(needle)) places.push(at);
    else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
  };
  walk(json, "");
  return places;
}

describe("XshieldMdeStack", () => {
  test("works with only `integration` given", () => {
    const app = Testing.app();
    expect(() => new XshieldMdeStack(app, "dev", { integration: VALID_PROPS })).not.toThrow();
  });

  test("configures azurerm with features, Entra ID storage auth, and registers only the resource providers it uses", () => {
    const s = synthStack();
    const azurerm = s.json.provider.azurerm;
    expect(azurerm).toHaveLength(1);
    expect(azurerm[0].features).toEqual([{ storage: [{ data_plane_available: false }] }]);
    expect(azurerm[0]).toMatchObject({
      storage_use_azuread: true,
      // Not azurerm's default "legacy" set of ~66; spelled as Azure returns them (the provider
      // compares case-sensitively, and Azure returns microsoft.insights in lowercase).
      resource_provider_registrations: "none",
      resource_providers_to_register: ["Microsoft.EventGrid", "Microsoft.Storage", "microsoft.insights"],
    });
    expect(azurerm[0].subscription_id).toBeUndefined();
    expect(s.json.provider.azuread).toHaveLength(1);
    expect(s.json.provider.time).toHaveLength(1);
  });

  test("passes subscriptionId and tenantId to the providers", () => {
    const sub = "00000000-0000-0000-0000-00000000000a";
    const tenant = "00000000-0000-0000-0000-00000000000b";
    const s = synthStack({ subscriptionId: sub, tenantId: tenant });
    expect(s.json.provider.azurerm[0]).toMatchObject({ subscription_id: sub, tenant_id: tenant });
    expect(s.json.provider.azuread[0]).toMatchObject({ tenant_id: tenant });
  });

  test("pins every provider to the version its prebuilt package was generated for", () => {
    const required = (synthStack().json.terraform as { required_providers: Record<string, { source: string; version: string }> })
      .required_providers;
    expect(required.azurerm.source).toBe("azurerm");
    expect(required.azurerm.version).toMatch(/^4\./);
    expect(required.azuread.version).toMatch(/^3\./);
    expect(Object.keys(required).sort()).toEqual(["azuread", "azurerm", "time"]);
  });

  test("requires Terraform 1.5 for plantimestamp(), and 1.7 when a removed block keeps the resource group", () => {
    const version = (s: ReturnType<typeof synthStack>) => (s.json.terraform as { required_version: string }).required_version;
    expect(version(synthStack())).toBe(">= 1.5.0");
    expect(version(synthStack({ integration: { ...VALID_PROPS, createResourceGroup: false } }))).toBe(">= 1.7.0");
  });

  test("has exactly the outputs Xshield and Defender ask for, each described, the secret sensitive, and the rotation's memory", () => {
    const s = synthStack();
    // The integration's own output, named after its path like its resources: what the next plan
    // reads back to continue the rotation. It holds renewal months and end dates, no secret.
    const memory = Object.keys(s.json.output).filter((n) => !OUTPUTS.includes(n));
    expect(memory).toEqual([expect.stringMatching(/^integration_secret-rotation-memory_[0-9A-F]{8}$/)]);
    expect(JSON.stringify(s.json.output[memory[0]].value)).not.toMatch(/\.value\b/);
    expect(s.json.output[memory[0]].sensitive).toBeUndefined();
    for (const name of [...OUTPUTS, memory[0]]) {
      expect(String(s.json.output[name].description).length).toBeGreaterThan(20);
    }
    expect(s.json.output.client_secret.sensitive).toBe(true);
    for (const name of OUTPUTS.filter((n) => n !== "client_secret")) {
      expect(s.json.output[name].sensitive).toBeUndefined();
    }
  });

  test("outputs point at the integration's resources", () => {
    const s = synthStack();
    const value = (name: string) => s.json.output[name].value;
    expect(value("client_id")).toBe(s.ref("azuread_application", "client_id"));
    expect(value("tenant_id")).toBe(s.dataRef("azuread_client_config", "tenant_id"));
    const [aValue, bValue] = slots(s, "value");
    // The newest of the two, as the secrets in state say (their renewal months), not a calendar.
    const newest = `local\\.integration_secret-rotation-next_[0-9A-F]{8}`;
    expect(value("client_secret")).toMatch(new RegExp(`^\\$\\{${newest}\\.a_is_newest \\? ${aValue} : ${bValue}\\}$`));
    expect(value("storage_account_name")).toBe(s.ref("azurerm_storage_account", "name"));
    expect(value("queue_name")).toBe(s.ref("azurerm_storage_queue", "name"));
    expect(value("storage_account_id")).toBe(s.ref("azurerm_storage_account", "id"));
    const [aEnd, bEnd] = slots(s, "end_date");
    expect(value("client_secret_expires_at")).toMatch(new RegExp(`\\? ${aEnd} : ${bEnd}\\}$`));
    expect(value("client_secret_previous_expires_at")).toMatch(new RegExp(`\\? ${bEnd} : ${aEnd}\\}$`));
    expect(value("client_secret_slot")).toMatch(/\? "a" : "b"\}$/);
    expect(value("client_secret_next_rotation_at")).toMatch(new RegExp(`^\\$\\{format\\("%04d-%02d-01T00:00:00Z", floor\\(\\(${newest}\\.next_rotation_month / 12\\)\\)`));
  });

  test("keeps local state in the project folder by a relative path", () => {
    const backend = (synthStack().json.terraform as { backend: Record<string, { path: string }> }).backend;
    expect(backend).toEqual({ local: { path: "../../../terraform.dev.tfstate" } });
  });

  test("uses azurerm remote state with Entra ID auth when asked", () => {
    const s = synthStack({
      backend: { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" },
    });
    expect((s.json.terraform as { backend: unknown }).backend).toEqual({
      azurerm: {
        resource_group_name: "rg-state",
        storage_account_name: "ststate",
        container_name: "tfstate",
        key: "xshield-mde/dev.tfstate",
        use_azuread_auth: true,
      },
    });
  });

  test("the rotation reads its memory back from the stack's own backend and workspace", () => {
    const remote = (s: ReturnType<typeof synthStack>) => Object.values(s.json.data.terraform_remote_state);
    const local = remote(synthStack());
    expect(local).toHaveLength(1);
    expect(local[0]).toMatchObject({ backend: "local", config: { path: "../../../terraform.dev.tfstate" }, workspace: "${terraform.workspace}" });
    // A local state file has content only after the first apply: read it only then.
    expect(local[0].count).toMatch(/^\$\{\(try\(filemd5\(\(terraform\.workspace == "default"\) \? "\.\.\/\.\.\/\.\.\/terraform\.dev\.tfstate" : /);
    const backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" } as const;
    const s = synthStack({ backend });
    const azurerm = remote(s);
    expect(azurerm).toEqual([
      expect.objectContaining({ backend: "azurerm", config: (s.json.terraform as { backend: { azurerm: unknown } }).backend.azurerm, workspace: "${terraform.workspace}" }),
    ]);
    expect(azurerm[0].count).toBeUndefined();
  });

  test("the state backend may live in another subscription", () => {
    const workload = "00000000-0000-0000-0000-00000000000a";
    const state = "00000000-0000-0000-0000-00000000000c";
    const backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" } as const;
    const tf = (s: ReturnType<typeof synthStack>) => (s.json.terraform as { backend: { azurerm: Record<string, unknown> } }).backend.azurerm;
    expect(tf(synthStack({ subscriptionId: workload, backend })).subscription_id).toBe(workload);
    expect(tf(synthStack({ subscriptionId: workload, backend: { ...backend, subscriptionId: state } })).subscription_id).toBe(state);
  });

  test("stack and integration problems come in one error", () => {
    const build = () =>
      new XshieldMdeStack(Testing.app(), "dev", {
        integration: { ...VALID_PROPS, storageAccountName: "Bad_Name" },
        subscriptionId: "not-a-guid",
        backend: { type: "local", path: "/home/me/state" },
      });
    expect(build).toThrow(/XshieldMdeStack "dev": 3 invalid properties[\s\S]*subscriptionId[\s\S]*backend\.path[\s\S]*storageAccountName/);
  });

  test.each([["missing", undefined], ["null", null], ["text", "prod"]])("an integration that is %s is one clear error, not a TypeError", (_, integration) => {
    const build = () => new XshieldMdeStack(Testing.app(), "dev", { integration } as unknown as XshieldMdeStackProps);
    expect(build).toThrow(XshieldValidationError);
    try {
      build();
    } catch (error) {
      expect((error as XshieldValidationError).problems).toEqual([expect.stringMatching(/^integration .*: is required/)]);
    }
  });

  test("with valid stack props, the integration reports its own problems under its own path", () => {
    expect(() => new XshieldMdeStack(Testing.app(), "dev", { integration: { ...VALID_PROPS, queueName: "a--b" } })).toThrow(
      /^XshieldMdeIntegration "dev\/integration": 1 invalid property/,
    );
  });

  test("with a Key Vault copy, the secret appears only as references: the sensitive output and the vault secret", () => {
    const vault = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x";
    const s = synthStack({ integration: { ...VALID_PROPS, clientSecretKeyVaultId: vault } });
    for (const reference of slots(s, "value")) {
      expect(placesOf(s.json, reference).sort()).toEqual(
        [".output.client_secret.value", `.resource.azurerm_key_vault_secret.${s.one("azurerm_key_vault_secret").name}.value`].sort(),
      );
    }
  });

  test("the secret appears only as a reference, in the sensitive output and nowhere else", () => {
    const s = synthStack();
    for (const reference of slots(s, "value")) {
      expect(placesOf(s.json, reference)).toEqual([".output.client_secret.value"]);
    }
  });
});

describe("buildApp", () => {
  const dev = { name: "dev", integration: VALID_PROPS };

  test("builds one stack per environment", () => {
    const app = buildApp([dev, { name: "prod", integration: { ...VALID_PROPS, storageAccountName: "stprod" } }], {
      outdir: Testing.app().outdir,
    });
    expect(app.node.children.map((c) => c.node.id).sort()).toEqual(["dev", "prod"]);
  });

  test("reports every failing environment by name, in one error", () => {
    const build = () =>
      buildApp([
        { name: "dev", integration: { ...VALID_PROPS, storageAccountName: "Bad_Name" } },
        dev,
        { name: "Prod!", integration: VALID_PROPS },
        { name: "dev", integration: VALID_PROPS },
      ]);
    expect(build).toThrow(EnvironmentError);
    try {
      build();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/environment "dev": .*storageAccountName/s);
      expect(message).toMatch(/environment "Prod!": name "Prod!"/);
      expect(message).toMatch(/defined twice/);
    }
  });

  test.each(["_dev", "dev_", "-dev", "dev-", "x".repeat(41), "Dev"])("the environment name %s is refused", (name) => {
    expect(() => buildApp([{ name, integration: VALID_PROPS }], { outdir: Testing.app().outdir })).toThrow(`environment "${name}": name "${name}"`);
  });

  test.each(["a", "dev", "prod-eu-1", "x".repeat(40)])("the environment name %s is accepted", (name) => {
    expect(() => buildApp([{ name, integration: VALID_PROPS }], { outdir: Testing.app().outdir })).not.toThrow();
  });

  test("the error: a count, then one line per failing environment; a bad name alone adds no empty prop report", () => {
    let thrown: unknown;
    try {
      buildApp([{ name: "Prod!", integration: VALID_PROPS }, { name: "Dev!", integration: VALID_PROPS }], { outdir: Testing.app().outdir });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnvironmentError);
    const error = thrown as EnvironmentError;
    expect(error.name).toBe("EnvironmentError");
    const lines = error.message.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("2 environment(s) failed:");
    expect(lines[1]).toMatch(/^environment "Prod!": name "Prod!"/);
    expect(lines[2]).toMatch(/^environment "Dev!": name "Dev!"/);
  });

  test("a bad environment name does not hide that environment's prop errors", () => {
    const build = () => buildApp([{ name: "Prod!", integration: { ...VALID_PROPS, queueName: "a--b" }, subscriptionId: "nope" }]);
    expect(build).toThrow(/environment "Prod!": name "Prod!"[\s\S]*subscriptionId "nope"[\s\S]*queueName "a--b"/);
  });
});

describe("collectWarnings", () => {
  test("lists every warning with its environment, and nothing for a clean app", () => {
    const outdir = Testing.app().outdir;
    const noisy = buildApp([{ name: "dev", integration: { ...VALID_PROPS, allowedIpRanges: [] } }], { outdir });
    noisy.synth();
    expect(collectWarnings(noisy).join("\n")).toMatch(/^\[dev\] dev\/integration: .*allowedIpRanges/m);
    const clean = buildApp([{ name: "dev", integration: VALID_PROPS }], { outdir });
    clean.synth();
    expect(collectWarnings(clean)).toEqual([]);
  });
});

describe("preparing for synthesis", () => {
  let fullPasses: jest.SpyInstance;
  beforeEach(() => {
    fullPasses = jest.spyOn(TerraformStack.prototype, "prepareStack");
  });
  afterEach(() => fullPasses.mockRestore());
  const optedIn = () => Testing.app({ context: { [SKIP_CROSS_STACK_PREPARATION]: true } });
  const devJson = (app: { outdir: string }) =>
    JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", "dev", "cdk.tf.json"), "utf8"));

  test("skips cdktf's cross-stack pass only when synthEnvironments asks and no prop is a token", () => {
    const app = optedIn();
    new XshieldMdeStack(app, "dev", { integration: VALID_PROPS });
    app.synth();
    expect(fullPasses).not.toHaveBeenCalled();
  });

  test("a stack built by anyone else always gets the full pass", () => {
    const app = Testing.app();
    new XshieldMdeStack(app, "dev", { integration: VALID_PROPS });
    app.synth();
    expect(fullPasses).toHaveBeenCalled();
  });

  test("without the opt-in, a resource changed in place to refer to another stack gets a correct cross-stack reference", () => {
    const app = Testing.app();
    const shared = new TerraformStack(app, "shared");
    const owner = new TerraformLocal(shared, "owner", "platform").asString;
    const stack = new XshieldMdeStack(app, "dev", { integration: VALID_PROPS });
    stack.integration.storageAccount.tags = { owner };
    app.synth();
    const tags = Object.values(devJson(app).resource.azurerm_storage_account as Record<string, { tags: { owner: string } }>)[0].tags;
    expect(tags.owner).toMatch(/^\$\{data\.terraform_remote_state\./);
  });

  test("a token anywhere in the props, in a list, an object or as a key, gets the stack the full pass", () => {
    const cases: [string, (owner: string) => XshieldMdeStackProps][] = [
      ["in a list", (owner) => ({ integration: { ...VALID_PROPS, additionalOwnerObjectIds: [owner] } })],
      ["in an object", (owner) => ({ integration: { ...VALID_PROPS, tags: { owner } } })],
      ["as a key", (owner) => ({ integration: { ...VALID_PROPS, tags: { [owner]: "platform" } } })],
    ];
    for (const [, props] of cases) {
      const app = optedIn();
      const owner = new TerraformLocal(new TerraformStack(app, "shared"), "owner", "00000000-0000-0000-0000-000000000009").asString;
      const dev = new XshieldMdeStack(app, "dev", props(owner));
      fullPasses.mockClear();
      app.synth();
      expect(fullPasses.mock.contexts).toContain(dev);
    }
    // And without a token, none for this stack (the other stack's pass is its own).
    const app = optedIn();
    new TerraformStack(app, "shared");
    const dev = new XshieldMdeStack(app, "dev", { integration: { ...VALID_PROPS, tags: { owner: "platform" }, additionalOwnerObjectIds: ["00000000-0000-0000-0000-000000000009"] } });
    app.synth();
    expect(fullPasses.mock.contexts).not.toContain(dev);
  });

  test("a prop that refers to another stack gets the full pass, and the reference crosses stacks correctly", () => {
    const app = optedIn();
    const shared = new TerraformStack(app, "shared");
    const vaultId = new TerraformLocal(
      shared,
      "vault_id",
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
    ).asString;
    new XshieldMdeStack(app, "dev", { integration: { ...VALID_PROPS, clientSecretKeyVaultId: vaultId } });
    app.synth();
    expect(fullPasses).toHaveBeenCalled();
    const secret = Object.values(devJson(app).resource.azurerm_key_vault_secret as Record<string, { key_vault_id: string }>)[0];
    expect(secret.key_vault_id).toMatch(/^\$\{data\.terraform_remote_state\./);
  });

});
