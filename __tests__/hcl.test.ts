import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "@cdktf/hcl2json";
import { ENVIRONMENTS } from "../environments";
import { synthesizeEnvironments } from "../tools/golden";
import { SynthHclResult, synthHcl, terraformAvailable, unquoteReferences } from "../tools/synth-hcl";

type Block = { [key: string]: unknown };
/** hcl2json: `resource.<type>.<name>` is a list of blocks; the JSON synth has the block itself. */
type HclDoc = { [section: string]: { [type: string]: { [name: string]: Block[] } } };
type JsonDoc = { [section: string]: { [type: string]: { [name: string]: Block } } };

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-hcl-"));
const hasTerraform = terraformAvailable();
let results: SynthHclResult[];
const hcl = new Map<string, string>();
const parsed = new Map<string, HclDoc>();
const json = new Map<string, JsonDoc>();

beforeAll(async () => {
  results = synthHcl({ outdir });
  for (const r of results) {
    const text = fs.readFileSync(r.file, "utf8");
    hcl.set(r.environment, text);
    parsed.set(r.environment, (await parse("cdk.tf", text)) as HclDoc);
  }
  for (const [env, text] of synthesizeEnvironments(ENVIRONMENTS)) {
    json.set(env, JSON.parse(text) as JsonDoc);
  }
});
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

const envs = ENVIRONMENTS.map((e) => e.name);
const addresses = (doc: { [type: string]: { [name: string]: unknown } } | undefined) =>
  Object.entries(doc ?? {})
    .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
    .sort();
const only = (blocks: Block[] | undefined): Block => {
  expect(blocks).toHaveLength(1);
  return (blocks as Block[])[0];
};

describe("npm run synth:hcl", () => {
  test("writes one cdk.tf of HCL (not JSON) per environment under stacks/<env>/", () => {
    expect(results.map((r) => r.environment)).toEqual(envs);
    for (const r of results) {
      expect(r.file).toBe(path.join(outdir, "stacks", r.environment, "cdk.tf"));
      expect(hcl.get(r.environment)).toMatch(/^terraform \{/);
    }
  });

  test.each(envs)("%s: the HCL declares the same resources, data sources and outputs as the JSON", (env) => {
    const h = parsed.get(env) as HclDoc;
    const j = json.get(env) as JsonDoc;
    expect(addresses(h.resource)).toEqual(addresses(j.resource));
    expect(addresses(h.data)).toEqual(addresses(j.data));
    expect(Object.keys(h.output).sort()).toEqual(Object.keys(j.output).sort());
    expect(Object.keys(h.provider).sort()).toEqual(Object.keys(j.provider).sort());
    expect(addresses(h.resource).length).toBeGreaterThan(10);
  });

  test.each(envs)("%s: key attributes match the JSON (storage baseline, role scopes, backend)", (env) => {
    const h = parsed.get(env) as HclDoc;
    const j = json.get(env) as JsonDoc;
    for (const [name, account] of Object.entries(j.resource.azurerm_storage_account)) {
      const fromHcl = only(h.resource.azurerm_storage_account[name]);
      for (const key of [
        "name",
        "min_tls_version",
        "https_traffic_only_enabled",
        "shared_access_key_enabled",
        "allow_nested_items_to_be_public",
        "public_network_access_enabled",
        "account_replication_type",
      ]) {
        expect({ key, value: fromHcl[key] }).toEqual({ key, value: account[key] });
      }
      const rules = only(fromHcl.network_rules as Block[]);
      expect(rules).toEqual(account.network_rules);
    }
    const roleAssignments = Object.entries(j.resource.azurerm_role_assignment);
    expect(roleAssignments.length).toBe(4);
    for (const [name, assignment] of roleAssignments) {
      const fromHcl = only(h.resource.azurerm_role_assignment[name]);
      expect(fromHcl.scope).toBe(assignment.scope);
      expect(fromHcl.role_definition_name).toBe(assignment.role_definition_name);
      expect(fromHcl.scope).toMatch(/^\$\{azurerm_storage_account\.[^}]+\.id\}\/(blobServices|queueServices)\/default\//);
    }
    const subscription = Object.values(h.resource.azurerm_eventgrid_system_topic_event_subscription)[0];
    expect(only(subscription).included_event_types).toEqual(["Microsoft.Storage.BlobCreated"]);
    const terraform = only(h.terraform as unknown as Block[]);
    expect(Object.keys(terraform.backend as Block)).toEqual(Object.keys(j.terraform.backend));
  });

  test.each(envs)("%s: the client secret appears only as a reference, in a sensitive output", (env) => {
    const h = parsed.get(env) as HclDoc;
    const secret = only(h.output.client_secret as unknown as Block[]);
    expect(secret.sensitive).toBe(true);
    // The newest of the two slots: a reference to each, chosen by the slots' months.
    expect(secret.value).toMatch(
      /^\$\{\(local\.[^ ]+ > local\.[^ ]+\) \? azuread_application_password\.[^.}]+-a_[^.}]+\.value : azuread_application_password\.[^.}]+-b_[^.}]+\.value\}$/,
    );
    const text = hcl.get(env) as string;
    // Every mention of a password's value is a reference, in the output (or a Key Vault secret).
    const mentions = text.split("\n").filter((line) => /azuread_application_password\.[^.\s]+\.value/.test(line));
    expect(mentions.length).toBeGreaterThan(0);
    for (const line of mentions) {
      expect(line).toMatch(
        /^\s*value\s*=\s*"?(\$\{)?\(?local\.[^ ]+ > local\.[^ ]+\) \? azuread_application_password\.[A-Za-z0-9_-]+\.value : azuread_application_password\.[A-Za-z0-9_-]+\.value\}?"?\s*$/,
      );
    }
    for (const name of Object.keys(h.output).filter((o) => o !== "client_secret")) {
      expect(String(only(h.output[name] as unknown as Block[]).value)).not.toMatch(/application_password\.[^.}]+\.value/);
    }
  });

  test.each(envs)("%s: depends_on lists references, not quoted strings", (env) => {
    const text = hcl.get(env) as string;
    const dependsOn = text.match(/depends_on\s*=\s*\[[^\]]*\]/g) ?? [];
    expect(dependsOn.length).toBeGreaterThan(0);
    for (const list of dependsOn) {
      expect(list).not.toContain('"');
      expect(list).toMatch(/time_sleep\.integration_role-propagation-wait_/);
    }
  });

  test.each(envs)("%s: holds no absolute path", (env) => {
    const text = hcl.get(env) as string;
    for (const needle of [outdir, process.cwd(), "/home/", "/tmp/", "/work/"]) {
      expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
    }
  });

  test("terraform fmt -check accepts the files (skipped when terraform is not on PATH)", () => {
    if (!hasTerraform) {
      console.warn("SKIPPED: `terraform` is not on PATH, so `terraform fmt -check` was not run on the HCL.");
      return;
    }
    for (const r of results) {
      expect(r.formatted).toBe(true);
      const check = spawnSync("terraform", ["fmt", "-check", "-no-color", r.file], { encoding: "utf8" });
      expect({ file: r.file, status: check.status, stdout: check.stdout }).toEqual({
        file: r.file,
        status: 0,
        stdout: "",
      });
    }
  });
});

describe("what cdktf's HCL leaves out", () => {
  test("the Terraform version floor and the removed block that keeps a resource group reach the HCL, as the JSON has them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-hcl-rg-"));
    try {
      const environments = [{ ...ENVIRONMENTS[0], integration: { ...ENVIRONMENTS[0].integration, createResourceGroup: false } }];
      const [result] = synthHcl({ outdir: dir, environments });
      const text = fs.readFileSync(result.file, "utf8");
      const doc = (await parse("cdk.tf", text)) as unknown as { terraform: Block[]; removed: Block[] };
      const fromJson = JSON.parse(synthesizeEnvironments(environments).get(environments[0].name) as string) as {
        terraform: Block;
        removed: Block[];
      };
      expect(only(doc.terraform).required_version).toBe(">= 1.7.0");
      expect(fromJson.terraform.required_version).toBe(">= 1.7.0");
      expect(doc.removed).toHaveLength(1);
      expect(`\${${String(doc.removed[0].from).replace(/^\$\{|\}$/g, "")}}`).toBe(`\${${String(fromJson.removed[0].from)}}`);
      expect(doc.removed[0].lifecycle).toEqual([{ destroy: false }]);
      if (hasTerraform) {
        expect(spawnSync("terraform", ["fmt", "-check", "-no-color", result.file], { encoding: "utf8" }).status).toBe(0);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("environments that create their resource group get no removed block, only the version floor", () => {
    const text = hcl.get(envs[0]) as string;
    expect(text).toMatch(/^terraform \{\n\s+required_version = ">= 1\.5\.0"/m);
    expect(text).not.toContain("removed {");
  });
});

describe("unquoteReferences", () => {
  test("unquotes addresses in depends_on and replace_triggered_by, and attribute names in ignore_changes, nothing else", () => {
    const input = [
      'description = "depends on \\"a.b\\""',
      'depends_on = [\n  "azurerm_role_assignment.x_1",\n  "data.azuread_client_config.c",\n]',
      'ignore_changes = [\n  "action",\n]',
      'replace_triggered_by = [\n  "terraform_data.record_1",\n]',
      'owners = ["${data.x.y.object_id}"]',
      'tags = ["action"]',
    ].join("\n");
    expect(unquoteReferences(input)).toBe(
      [
        'description = "depends on \\"a.b\\""',
        "depends_on = [\n  azurerm_role_assignment.x_1,\n  data.azuread_client_config.c,\n]",
        "ignore_changes = [\n  action,\n]",
        "replace_triggered_by = [\n  terraform_data.record_1,\n]",
        'owners = ["${data.x.y.object_id}"]',
        'tags = ["action"]',
      ].join("\n"),
    );
  });

  test("the alerts' lifecycle block, as the HCL writes it, is one Terraform accepts (validated on a terraform_data stand-in)", () => {
    if (!hasTerraform) {
      console.warn("SKIPPED: `terraform` is not on PATH.");
      return;
    }
    const prod = hcl.get("prod") as string;
    const lifecycle = /resource "azurerm_monitor_metric_alert" "[^"]+" \{[\s\S]*?(\n  lifecycle \{[\s\S]*?\n  \})/.exec(prod)?.[1];
    expect(lifecycle).toMatch(/replace_triggered_by = \[\n\s+terraform_data\.integration_alert-action-group-id_[0-9A-F]+,\n\s+\]/);
    const record = /resource "terraform_data" "(integration_alert-action-group-id_[0-9A-F]+)"/.exec(prod)?.[1];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-hcl-lifecycle-"));
    try {
      // The stand-in ignores "input" where the alert ignores "action": the same block otherwise.
      fs.writeFileSync(
        path.join(dir, "main.tf"),
        `resource "terraform_data" "${record}" {\n  input = "x"\n}\n\nresource "terraform_data" "alert" {\n  input = "y"\n${lifecycle!.replace("action", "input")}\n}\n`,
      );
      const env = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" };
      expect(spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env, encoding: "utf8" }).status).toBe(0);
      const validate = spawnSync("terraform", ["validate", "-no-color"], { cwd: dir, env, encoding: "utf8" });
      expect({ status: validate.status, out: validate.stdout.trim() }).toEqual({ status: 0, out: "Success! The configuration is valid." });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
