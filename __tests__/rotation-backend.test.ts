import { join } from "path";
import { AzurermBackend, LocalBackend, S3Backend, TerraformStack, Testing } from "cdktf";
import { selfStateProblem } from "../lib/secret-rotation";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { VALID_PROPS } from "./support/synth";

// The rotation remembers its slots in an output and reads it back from the stack's own state
// (lib/secret-rotation.ts). What it reads must be the state the stack writes, whatever the order
// in which a platform team's code declares the backend.

type Json = { [key: string]: any };

const AZURERM = { resourceGroupName: "rg-tfstate", storageAccountName: "sttfstate", containerName: "tfstate", key: "security.tfstate", useAzureadAuth: true };

function synth(build: (stack: TerraformStack) => XshieldMdeIntegration): { json: Json; read: Json } {
  const stack = new TerraformStack(Testing.app(), "security");
  const mde = build(stack);
  const json = JSON.parse(Testing.synth(stack)) as Json;
  return { json, read: json.data.terraform_remote_state[mde.secretRotation.memoryRead.friendlyUniqueId] };
}

describe("the rotation reads the state the stack writes", () => {
  test("an azurerm backend declared first: the read names it with every setting, in the current workspace", () => {
    const { json, read } = synth((stack) => {
      new AzurermBackend(stack, AZURERM);
      return new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
    });
    expect(read.backend).toBe("azurerm");
    expect(read.config).toEqual(json.terraform.backend.azurerm);
    expect(read.workspace).toBe("${terraform.workspace}");
  });

  test("no backend at all: cdktf's default local state, and nothing is added that a later backend would clash with", () => {
    // What cdktf's LocalBackend, added when the app synthesizes, writes (Testing.synth adds none).
    const { json, read } = synth((stack) => new XshieldMdeIntegration(stack, "mde", VALID_PROPS));
    expect(json.terraform.backend).toBeUndefined();
    const app = Testing.app();
    const stack = new TerraformStack(app, "security");
    new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
    expect(stack.node.tryFindChild("backend")).toBeUndefined();
    const written = stack.ensureBackendExists().toTerraform() as Json;
    expect(written.terraform.backend).toEqual({ local: { path: join(process.cwd(), "terraform.security.tfstate") } });
    expect(read.backend).toBe("local");
    expect(read.config.path).toBe(written.terraform.backend.local.path);
  });

  test("a backend declared after the integration is no construct clash: synthesis names the problem and the fix", () => {
    const stack = new TerraformStack(Testing.app(), "security");
    new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
    expect(() => new AzurermBackend(stack, AZURERM)).not.toThrow();
    expect(() => Testing.synth(stack)).toThrow(
      /\[SecretLifetime\] data\.terraform_remote_state\..*secret-rotation-memory-read.*\.config reads "local" .* but the stack writes its state to "azurerm" .*could renew both client secrets\. Declare the stack's backend before the integration/,
    );
  });

  test("a backend replaced by an override, or a local path changed, is caught the same way", () => {
    const override = new TerraformStack(Testing.app(), "security");
    new LocalBackend(override, { path: "a.tfstate" });
    new XshieldMdeIntegration(override, "mde", VALID_PROPS);
    override.addOverride("terraform.backend", { s3: { bucket: "b", key: "k", region: "eu-west-1" } });
    expect(() => Testing.synth(override)).toThrow(/\[SecretLifetime\].*reads "local", but the stack writes 2 backends \(local, s3\)/);

    const path = new TerraformStack(Testing.app(), "security");
    new LocalBackend(path, { path: "a.tfstate" });
    new XshieldMdeIntegration(path, "mde", VALID_PROPS);
    path.addOverride("terraform.backend.local.path", "b.tfstate");
    expect(() => Testing.synth(path)).toThrow(/\[SecretLifetime\].*reads "local" \{"path":"a.tfstate".* writes its state to "local" \{"path":"b.tfstate"\}/);
  });

  test("an s3 backend (another state manager) works the same as azurerm", () => {
    const { json, read } = synth((stack) => {
      new S3Backend(stack, { bucket: "state", key: "security.tfstate", region: "eu-west-1" });
      return new XshieldMdeIntegration(stack, "mde", VALID_PROPS);
    });
    expect(read.backend).toBe("s3");
    expect(read.config).toMatchObject(json.terraform.backend.s3);
  });
});

describe("selfStateProblem", () => {
  const read = (backend: string, config: Json) => ({ data: { terraform_remote_state: { m: { backend, config, workspace: "${terraform.workspace}" } } } });
  test("the read may add its own settings; the backend's must all be there, equal", () => {
    expect(selfStateProblem({ ...read("local", { path: "p", workspace_dir: "w" }), terraform: { backend: { local: { path: "p" } } } }, "m")).toBeUndefined();
    expect(selfStateProblem({ ...read("local", { path: "p" }), terraform: { backend: { local: { path: "p", workspace_dir: "w" } } } }, "m")).toMatch(/writes its state to "local"/);
    expect(selfStateProblem({ ...read("azurerm", { key: "a" }), terraform: { backend: { azurerm: { key: "b" } } } }, "m")).toMatch(/reads "azurerm" \{"key":"a"\}/);
    // HCP Terraform's cloud block, read through the remote backend as cdktf's CloudBackend does.
    const cloud = { organization: "contoso", workspaces: { name: "xshield" } };
    expect(selfStateProblem({ ...read("remote", cloud), terraform: { cloud } }, "m")).toBeUndefined();
    expect(selfStateProblem({ ...read("remote", cloud), terraform: { cloud: { ...cloud, workspaces: { name: "other" } } } }, "m")).toMatch(/writes its state to "remote"/);
    // No backend written: Terraform's default is local state in terraform.tfstate.
    expect(selfStateProblem({ ...read("local", { path: "p" }), terraform: {} }, "m")).toBeUndefined();
    expect(selfStateProblem({ ...read("azurerm", {}), terraform: {} }, "m")).toMatch(/writes its state to "local"/);
    // Not written at all: the guard's own-element check reports it.
    expect(selfStateProblem({ terraform: { backend: { local: {} } } }, "m")).toBeUndefined();
    expect(selfStateProblem({ ...read("local", {}), terraform: { backend: { local: {}, s3: {} } } }, "m")).toMatch(/writes 2 backends \(local, s3\)/);
  });
});
