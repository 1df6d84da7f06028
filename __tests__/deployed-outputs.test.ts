import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { DeployedOutputsError, ReadDeployedOutputsOptions, readDeployedOutputs as readAny } from "../lib/cli/outputs";
import type { EnvironmentConfig } from "../lib/app";

/** As this repository's tools read: a name is an environment of environments.ts. */
const readDeployedOutputs = (name: string, options: ReadDeployedOutputsOptions) => readAny(name, { environments: ENVIRONMENTS, ...options });

const SECRET = "Qx8~abcdefGHIJKLmnopQRSTuvwxYZ0123456789"; // 40 chars, the shape Entra ID issues
const VALUES = {
  client_id: "11111111-2222-3333-4444-555555555555",
  tenant_id: "66666666-7777-8888-9999-000000000000",
  client_secret: SECRET,
  storage_account_name: "stxshieldmdedev",
  queue_name: "xshield-mde-events",
  storage_account_id:
    "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-xshield-mde-dev/providers/Microsoft.Storage/storageAccounts/stxshieldmdedev",
  client_secret_expires_at: "2026-05-26T16:53:00Z",
  client_secret_previous_expires_at: "2026-03-01T00:00:00Z",
  client_secret_next_rotation_at: "2026-02-01T00:00:00Z",
  client_secret_slot: "a",
};

/** A Terraform 1.x (state format v4) file as `cdktf deploy` leaves it with the local backend. */
function tfstate(values: { [name: string]: string } = VALUES): string {
  const outputs = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [
      name,
      name === "client_secret" ? { value, type: "string", sensitive: true } : { value, type: "string" },
    ]),
  );
  return JSON.stringify(
    {
      version: 4,
      terraform_version: "1.11.4",
      serial: 31,
      lineage: "3f0c5a8e-2b1d-4c6e-9a7f-0d1e2f3a4b5c",
      outputs,
      resources: [
        {
          mode: "managed",
          type: "azuread_application_password",
          name: "integration_client-secret_B3AA5D57",
          provider: 'provider["registry.terraform.io/hashicorp/azuread"]',
          instances: [
            {
              schema_version: 1,
              attributes: { display_name: "Xshield", end_date: values.client_secret_expires_at, value: values.client_secret },
              sensitive_attributes: [[{ type: "get_attr", value: "value" }]],
            },
          ],
        },
      ],
      check_results: null,
    },
    null,
    2,
  );
}

const roots: string[] = [];
function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-outputs-"));
  roots.push(dir);
  return dir;
}
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DeployedOutputsError);
    return (error as Error).message;
  }
  throw new Error("expected a DeployedOutputsError");
}

describe("readDeployedOutputs from local state", () => {
  test("reads terraform.<env>.tfstate in the project folder (the dev default)", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate());
    const values = readDeployedOutputs("dev", { projectDir: dir });
    expect(values).toEqual({
      clientId: VALUES.client_id,
      tenantId: VALUES.tenant_id,
      clientSecret: SECRET,
      storageAccountName: VALUES.storage_account_name,
      queueName: VALUES.queue_name,
      storageAccountId: VALUES.storage_account_id,
      clientSecretExpiresAt: VALUES.client_secret_expires_at,
      clientSecretPreviousExpiresAt: VALUES.client_secret_previous_expires_at,
      clientSecretNextRotationAt: VALUES.client_secret_next_rotation_at,
      clientSecretSlot: VALUES.client_secret_slot,
      source: path.join(dir, "terraform.dev.tfstate"),
    });
  });

  test("follows an environment's own local backend path, relative to cdktf.out/stacks/<env>", () => {
    const dir = project();
    const environments: EnvironmentConfig[] = [
      {
        name: "lab",
        integration: { location: "westeurope", resourceGroupName: "rg", storageAccountName: "stlab" },
        backend: { type: "local", path: "../../../state/lab.tfstate" },
      },
    ];
    fs.mkdirSync(path.join(dir, "state"));
    fs.writeFileSync(path.join(dir, "state", "lab.tfstate"), tfstate());
    const values = readDeployedOutputs("lab", { projectDir: dir, environments });
    expect(values.queueName).toBe(VALUES.queue_name);
    expect(values.source).toBe(path.join(dir, "state", "lab.tfstate"));
  });

  test("the expiry is optional", () => {
    const dir = project();
    const { client_secret_expires_at: _omit, ...rest } = VALUES;
    void _omit;
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate(rest));
    expect(readDeployedOutputs("dev", { projectDir: dir }).clientSecretExpiresAt).toBeUndefined();
  });
});

describe("readDeployedOutputs errors say what to do", () => {
  test("unknown environment lists the known ones", () => {
    const message = messageOf(() => readDeployedOutputs("staging", { projectDir: project() }));
    expect(message).toBe('unknown environment "staging". Known environments (environments.ts): dev, prod.');
  });

  test("no state file: not deployed, run cdktf deploy", () => {
    const dir = project();
    const message = messageOf(() => readDeployedOutputs("dev", { projectDir: dir }));
    expect(message).toContain('environment "dev" is not deployed');
    expect(message).toContain(path.join(dir, "terraform.dev.tfstate"));
    expect(message).toContain("npx cdktf deploy dev");
  });

  test("a state with no outputs (destroyed, or never applied): not deployed", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), JSON.stringify({ version: 4, outputs: {}, resources: [] }));
    const message = messageOf(() => readDeployedOutputs("dev", { projectDir: dir }));
    expect(message).toMatch(/is not deployed: .* holds no outputs/);
    expect(message).toContain("npx cdktf deploy dev");
  });

  test("a missing output is named", () => {
    const dir = project();
    const { queue_name: _omit, ...rest } = VALUES;
    void _omit;
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate(rest));
    const message = messageOf(() => readDeployedOutputs("dev", { projectDir: dir }));
    expect(message).toContain('output "queue_name" missing in');
    expect(message).not.toContain(SECRET);
  });

  test("a broken state file is reported, not thrown as a SyntaxError", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), "{ not json");
    expect(messageOf(() => readDeployedOutputs("dev", { projectDir: dir }))).toContain("is not valid JSON");
  });
});

describe("readDeployedOutputs from a cdktf --outputs-file", () => {
  test("reads the { <stack>: { <output>: value } } shape cdktf writes", () => {
    const dir = project();
    const file = path.join(dir, "outputs.json");
    fs.writeFileSync(file, JSON.stringify({ dev: VALUES, prod: { ...VALUES, queue_name: "other" } }, null, 2));
    const values = readDeployedOutputs("dev", { projectDir: dir, outputsFile: "outputs.json" });
    expect(values.queueName).toBe(VALUES.queue_name);
    expect(values.clientSecret).toBe(SECRET);
    expect(values.source).toBe(file);
  });

  test("takes the outputs file over the state file", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate({ ...VALUES, queue_name: "from-state" }));
    fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify({ dev: VALUES }));
    expect(readDeployedOutputs("dev", { projectDir: dir, outputsFile: "o.json" }).queueName).toBe(VALUES.queue_name);
  });

  test("accepts camelCase keys and terraform output -json entries", () => {
    const dir = project();
    fs.writeFileSync(
      path.join(dir, "camel.json"),
      JSON.stringify({
        dev: {
          clientId: VALUES.client_id,
          tenantId: VALUES.tenant_id,
          clientSecret: SECRET,
          storageAccountName: VALUES.storage_account_name,
          queueName: VALUES.queue_name,
          storageAccountId: VALUES.storage_account_id,
        },
      }),
    );
    expect(readDeployedOutputs("dev", { projectDir: dir, outputsFile: "camel.json" }).clientId).toBe(VALUES.client_id);
    const wrapped = Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, { sensitive: false, type: "string", value: v }]));
    fs.writeFileSync(path.join(dir, "tf.json"), JSON.stringify(wrapped));
    expect(readDeployedOutputs("dev", { projectDir: dir, outputsFile: "tf.json" }).storageAccountId).toBe(
      VALUES.storage_account_id,
    );
  });

  test("without --outputs-file-include-sensitive-outputs the secret is missing, and the message says so", () => {
    const dir = project();
    const { client_secret: _omit, ...rest } = VALUES;
    void _omit;
    fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify({ dev: rest }));
    const message = messageOf(() => readDeployedOutputs("dev", { projectDir: dir, outputsFile: "o.json" }));
    expect(message).toContain('output "client_secret" missing');
    expect(message).toContain("--outputs-file-include-sensitive-outputs");
  });

  test("a file for other stacks names the stacks it has", () => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify({ prod: VALUES }));
    const message = messageOf(() => readDeployedOutputs("dev", { projectDir: dir, outputsFile: "o.json" }));
    expect(message).toContain('has no outputs of environment "dev" (it has: prod)');
  });

  test("a missing outputs file is reported", () => {
    const dir = project();
    expect(messageOf(() => readDeployedOutputs("dev", { projectDir: dir, outputsFile: "nope.json" }))).toContain(
      "cannot read outputs file",
    );
  });
});

describe("readDeployedOutputs for a remote backend runs terraform output -json in the stack folder", () => {
  function fakeTerraform(dir: string, body: string): string {
    const bin = path.join(dir, "fake-terraform");
    fs.writeFileSync(bin, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return bin;
  }

  test("reads the outputs terraform prints", () => {
    const dir = project();
    const stackDir = path.join(dir, "cdktf.out", "stacks", "prod");
    fs.mkdirSync(path.join(stackDir, ".terraform"), { recursive: true });
    const wrapped = Object.fromEntries(
      Object.entries(VALUES).map(([k, v]) => [k, { sensitive: k === "client_secret", type: "string", value: v }]),
    );
    fs.writeFileSync(path.join(dir, "out.json"), JSON.stringify(wrapped));
    // Prints the outputs only when called as `terraform output -json ...` from the stack folder.
    const bin = fakeTerraform(
      dir,
      `[ "$1 $2" = "output -json" ] && [ "$(pwd)" = "${stackDir}" ] && cat "${path.join(dir, "out.json")}" && exit 0\nexit 9`,
    );
    const values = readDeployedOutputs("prod", { projectDir: dir, terraformCommand: bin });
    expect(values.clientSecret).toBe(SECRET);
    expect(values.source).toBe(`terraform output -json (in ${stackDir})`);
  });

  test("an uninitialised stack folder: run cdktf deploy", () => {
    const dir = project();
    const message = messageOf(() => readDeployedOutputs("prod", { projectDir: dir }));
    expect(message).toContain("remote backend");
    expect(message).toContain("npx cdktf deploy prod");
  });

  test("empty remote outputs: not deployed", () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "prod", ".terraform"), { recursive: true });
    const bin = fakeTerraform(dir, "echo '{}'");
    const message = messageOf(() => readDeployedOutputs("prod", { projectDir: dir, terraformCommand: bin }));
    expect(message).toContain('environment "prod" is not deployed');
  });

  test("terraform failing, or missing, is reported in one line", () => {
    const dir = project();
    fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "prod", ".terraform"), { recursive: true });
    const failing = fakeTerraform(dir, "echo '╷' >&2; echo '│ Error: Backend initialization required' >&2; exit 1");
    const message = messageOf(() => readDeployedOutputs("prod", { projectDir: dir, terraformCommand: failing }));
    expect(message).toContain("failed (exit 1): Error: Backend initialization required");
    expect(message).not.toContain("\n");
    const absent = messageOf(() =>
      readDeployedOutputs("prod", { projectDir: dir, terraformCommand: path.join(dir, "no-such-terraform") }),
    );
    expect(absent).toContain("needs terraform on PATH");
  });
});

// ---- Any stack: prefixed outputs, stack folders, the package's commands ------------------------

/** VALUES under `<prefix>_` names, as a stack with several integrations writes them. */
const prefixed = (prefix: string, values: { [name: string]: string } = VALUES) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [`${prefix}_${name}`, value]));
/** `terraform output -json`'s shape: `{ name: { sensitive, type, value } }`. */
const outputJson = (values: { [name: string]: string }) =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { sensitive: name.endsWith("client_secret"), type: "string", value }]));

describe("readDeployedOutputs of any stack: --prefix for several integrations", () => {
  const file = (data: unknown) => {
    const dir = project();
    fs.writeFileSync(path.join(dir, "o.json"), JSON.stringify(data));
    return { dir, file: path.join(dir, "o.json") };
  };

  test("reads <prefix>_<name> outputs from terraform output -json, each integration its own", () => {
    const { file: f } = file(outputJson({ ...prefixed("emea"), ...prefixed("americas", { ...VALUES, queue_name: "q-americas" }) }));
    expect(readAny(undefined, { outputsFile: f, prefix: "emea" }).queueName).toBe(VALUES.queue_name);
    expect(readAny(undefined, { outputsFile: f, prefix: "americas" }).queueName).toBe("q-americas");
    // "dev_" and "dev" are the same prefix.
    expect(readAny(undefined, { outputsFile: f, prefix: "americas_" }).queueName).toBe("q-americas");
    expect(readAny(undefined, { outputsFile: f, prefix: "emea" })).toMatchObject({ clientSecret: SECRET, clientSecretSlot: "a", source: f });
  });

  test("with this repository's environments, an outputs file of another stack is read too (its name is no environment)", () => {
    const { file: f } = file({ security: prefixed("emea") });
    expect(readDeployedOutputs("security", { outputsFile: f, prefix: "emea" }).clientId).toBe(VALUES.client_id);
  });

  test("and from a cdktf outputs file, the stack named", () => {
    const { file: f } = file({ security: prefixed("emea"), other: VALUES });
    expect(readAny("security", { outputsFile: f, prefix: "emea" }).clientId).toBe(VALUES.client_id);
    expect(messageOf(() => readAny(undefined, { outputsFile: f, prefix: "emea" }))).toBe(
      `outputs file ${f} holds the outputs of several stacks (security, other): name the one to read.`,
    );
  });

  test("without --prefix, a stack of several integrations: the message lists the prefixes it has", () => {
    const { file: f } = file(outputJson({ ...prefixed("emea"), ...prefixed("americas") }));
    const message = messageOf(() => readAny(undefined, { outputsFile: f }));
    expect(message).toMatch(/^output "tenant_id", "client_id", "client_secret", "storage_account_name", "queue_name", "storage_account_id" missing in /);
    expect(message).toContain("This stack holds several integrations: name one with --prefix. It has the outputs of --prefix americas, --prefix emea.");
    expect(messageOf(() => readAny(undefined, { outputsFile: f, prefix: "apac" }))).toContain('output "apac_tenant_id", "apac_client_id"');
  });

  test("a prefix Terraform could not write is refused, naming the flag, the value and the rule", () => {
    const { file: f } = file(outputJson(prefixed("emea")));
    for (const bad of ["1emea", "em ea", "emea.", ""]) {
      expect([bad, messageOf(() => readAny(undefined, { outputsFile: f, prefix: bad }))]).toEqual([
        bad,
        `--prefix ${JSON.stringify(bad)}: a prefix of Terraform output names starts with a letter or underscore and holds only ` +
          "letters, digits, underscores and hyphens; e.g. --prefix dev for the outputs dev_client_id, dev_tenant_id, …",
      ]);
    }
  });
});

describe("readDeployedOutputs of any stack: a stack folder and its backend", () => {
  const GOLDEN_DEV = fs.readFileSync(path.join(__dirname, "golden", "dev.tf.json"), "utf8");
  /** A project with cdktf.out/stacks/<name>/cdk.tf.json holding `json`. */
  function stack(name: string, json: string): { dir: string; stackDir: string } {
    const dir = project();
    const stackDir = path.join(dir, "cdktf.out", "stacks", name);
    fs.mkdirSync(stackDir, { recursive: true });
    fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), json);
    return { dir, stackDir };
  }

  test("a local backend: its path, relative to the stack folder (the synthesized dev stack's own)", () => {
    const { dir, stackDir } = stack("dev", GOLDEN_DEV);
    fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate());
    for (const values of [readAny(undefined, { stackDir }), readAny("dev", { projectDir: dir })]) {
      expect(values).toMatchObject({ clientSecret: SECRET, queueName: VALUES.queue_name, source: path.join(dir, "terraform.dev.tfstate") });
    }
  });

  test("no backend block: Terraform's terraform.tfstate in the stack folder", () => {
    const { stackDir } = stack("lab", JSON.stringify({ resource: {} }));
    fs.writeFileSync(path.join(stackDir, "terraform.tfstate"), tfstate());
    expect(readAny(undefined, { stackDir }).source).toBe(path.join(stackDir, "terraform.tfstate"));
  });

  test("a remote backend: terraform output -json in the stack folder", () => {
    const { dir, stackDir } = stack("prod", fs.readFileSync(path.join(__dirname, "golden", "prod.tf.json"), "utf8"));
    fs.mkdirSync(path.join(stackDir, ".terraform"));
    fs.writeFileSync(path.join(dir, "out.json"), JSON.stringify(outputJson(VALUES)));
    const bin = path.join(dir, "fake-terraform");
    fs.writeFileSync(bin, `#!/bin/sh\n[ "$1 $2" = "output -json" ] && [ "$(pwd)" = "${stackDir}" ] && cat "${path.join(dir, "out.json")}" && exit 0\nexit 9\n`, { mode: 0o755 });
    expect(readAny("prod", { projectDir: dir, terraformCommand: bin })).toMatchObject({ clientSecret: SECRET, source: `terraform output -json (in ${stackDir})` });
  });

  test("a name that is no stack folder, or a folder that is no synthesized stack: what is there, and what to do", () => {
    const { dir } = stack("dev", GOLDEN_DEV);
    fs.mkdirSync(path.join(dir, "cdktf.out", "stacks", "prod"));
    expect(messageOf(() => readAny("staging", { projectDir: dir }))).toBe(
      `no stack "staging" in ${path.join(dir, "cdktf.out", "stacks")} (stacks there: dev, prod). ` +
        "Synthesize the project first (`cdktf synth`), or give --stack-dir or --outputs-file.",
    );
    expect(messageOf(() => readAny("prod", { projectDir: dir }))).toMatch(/^no synthesized stack at .*prod \(no cdk\.tf\.json there; .* has: dev, prod\)\. Synthesize it first/);
    expect(messageOf(() => readAny("dev", { projectDir: dir }))).toMatch(/^stack "dev" is not deployed: no state file at .*terraform\.dev\.tfstate\. Deploy it first \(`cdktf deploy dev`/);
    expect(messageOf(() => readAny(undefined, {}))).toBe("which integration? Give a stack name, --stack-dir or --outputs-file.");
  });
});

// Where the truth lives in Terraform: the state file and `terraform output -json` as Terraform
// itself writes them, for a stack of two integrations with prefixed outputs.
describe("readDeployedOutputs reads what Terraform writes (skipped when terraform is not on PATH)", () => {
  const hasTerraform = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
  const runTerraform = (args: string[], cwd: string) => {
    const run = spawnSync("terraform", [...args, "-no-color"], { cwd, encoding: "utf8", env: { ...process.env, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" } });
    expect({ args, status: run.status, stderr: run.stderr }).toMatchObject({ args, status: 0 });
    return run.stdout;
  };

  (hasTerraform ? test : test.skip)("a local state file Terraform applied, and its terraform output -json", () => {
    const dir = project();
    const stackDir = path.join(dir, "cdktf.out", "stacks", "security");
    fs.mkdirSync(stackDir, { recursive: true });
    const outputs = { ...prefixed("emea"), ...prefixed("americas", { ...VALUES, client_id: "99999999-2222-3333-4444-555555555555" }) };
    fs.writeFileSync(
      path.join(stackDir, "cdk.tf.json"),
      JSON.stringify({
        // The same relative path cdktf's default stacks use: the state lands in the project folder.
        terraform: { backend: { local: { path: "../../../terraform.security.tfstate" } } },
        output: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { value, sensitive: name.endsWith("client_secret") }])),
      }),
    );
    runTerraform(["init", "-input=false"], stackDir);
    runTerraform(["apply", "-auto-approve", "-input=false"], stackDir);
    const state = path.join(dir, "terraform.security.tfstate");
    expect(fs.existsSync(state)).toBe(true);
    expect(readAny("security", { projectDir: dir, prefix: "americas" })).toMatchObject({ clientId: "99999999-2222-3333-4444-555555555555", clientSecret: SECRET, source: state });
    fs.writeFileSync(path.join(dir, "outputs.json"), runTerraform(["output", "-json"], stackDir));
    expect(readAny(undefined, { projectDir: dir, outputsFile: "outputs.json", prefix: "emea" })).toMatchObject({
      clientId: VALUES.client_id,
      clientSecret: SECRET,
      clientSecretExpiresAt: VALUES.client_secret_expires_at,
    });
  }, 30_000);
});
