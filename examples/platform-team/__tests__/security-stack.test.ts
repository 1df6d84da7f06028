import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Testing } from "cdktf";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageQueue } from "@cdktf/provider-azurerm/lib/storage-queue";
import { Application } from "@cdktf/provider-azuread/lib/application";
import { synthesizeApp } from "xshield-mde-cdktf";
import { SecurityStack } from "../security-stack";

type Body = { [key: string]: unknown };
type Json = { resource: { [type: string]: { [name: string]: Body } }; data: { [type: string]: { [name: string]: Body } }; output: { [name: string]: Body } };

function newStack(): SecurityStack {
  return new SecurityStack(Testing.app(), "security");
}

/** The resources and data sources of one integration: cdktf names them after the construct path. */
function elementsOf(json: Json, integrationId: string): { type: string; body: Body }[] {
  return [...Object.entries(json.resource), ...Object.entries(json.data)].flatMap(([type, byName]) =>
    Object.entries(byName)
      .filter(([name]) => name.startsWith(`${integrationId}_`))
      .map(([, body]) => ({ type, body })),
  );
}

describe("the platform team's security stack", () => {
  test("both storage accounts keep the secure baseline", () => {
    const synthesized = Testing.synth(newStack());
    for (const name of ["stplatformxshieldemea", "stplatformxshieldamer"]) {
      expect(synthesized).toHaveResourceWithProperties(StorageAccount, {
        name,
        min_tls_version: "TLS1_2",
        https_traffic_only_enabled: true,
        shared_access_key_enabled: false,
        allow_nested_items_to_be_public: false,
        network_rules: expect.objectContaining({ default_action: "Deny", bypass: ["AzureServices"] }),
      });
    }
    expect(synthesized).toHaveResourceWithProperties(StorageQueue, { name: "xshield-mde-events" });
    expect(synthesized).toHaveResourceWithProperties(Application, { display_name: "Xshield MDE Integration (Americas)", sign_in_audience: "AzureADMyOrg" });
  });

  test("the Americas integration's azurerm resources use the aliased provider, everything else the defaults", () => {
    const json = JSON.parse(Testing.synth(newStack())) as Json;
    const americas = elementsOf(json, "xshield-americas");
    const emea = elementsOf(json, "xshield-emea");
    expect(americas.filter((e) => e.type.startsWith("azurerm_")).length).toBeGreaterThan(5);
    // EMEA has the same elements, and its two grants (the SIEM's, the operations group's).
    expect(emea.length).toBe(americas.length + 2);
    for (const { type, body } of americas) {
      expect({ type, provider: body.provider }).toEqual({ type, provider: type.startsWith("azurerm_") ? "azurerm.americas" : undefined });
    }
    for (const { type, body } of emea) {
      expect({ type, provider: body.provider }).toEqual({ type, provider: undefined });
    }
  });

  test("the client secrets are sensitive outputs", () => {
    const json = JSON.parse(Testing.synth(newStack())) as Json;
    expect(json.output.emea_client_secret).toMatchObject({ sensitive: true });
    expect(json.output.americas_client_secret).toMatchObject({ sensitive: true });
    expect(json.output.emea_client_id.sensitive).toBeUndefined();
  });

  test("synthesis warns about nothing: the providers are set up as the construct needs", () => {
    const stack = newStack();
    Testing.synth(stack, true);
    const warnings = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === "@cdktf/warn")
      .map((m) => String(m.data));
    expect(warnings).toEqual([]);
  });

  test("the guard is on: weakening an integration through an override fails synthesis, naming the rule", () => {
    const stack = newStack();
    stack.americas.storageAccount.addOverride("min_tls_version", "TLS1_0");
    expect(() => Testing.synth(stack)).toThrow(/\[MinimumTls12\]/);
  });

  test("synthesizeApp, as main.ts calls it: both integrations' violations in one error, nothing written", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-team-"));
    try {
      const app = new App({ outdir });
      const stack = new SecurityStack(app, "security");
      stack.emea.storageAccount.addOverride("shared_access_key_enabled", true);
      stack.americas.storageAccount.addOverride("min_tls_version", "TLS1_0");
      expect(() => synthesizeApp(app, { onWarning: () => undefined })).toThrow(/Secure baseline violated in security\/xshield-emea[\s\S]*\[SharedKeyDisabled\][\s\S]*Secure baseline violated in security\/xshield-americas[\s\S]*\[MinimumTls12\]/);
      expect(fs.existsSync(path.join(outdir, "stacks", "security", "cdk.tf.json"))).toBe(false);
      expect(fs.existsSync(path.join(outdir, "manifest.json"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("the SIEM's and the operations group's grants are least-privilege roles the default guard accepts", () => {
    const json = JSON.parse(Testing.synth(newStack())) as Json;
    const grants = Object.entries(json.resource.azurerm_role_assignment).filter(([name]) => name.includes("grant-"));
    expect(grants.map(([, b]) => [b.role_definition_name, b.principal_id]).sort()).toEqual([
      ["Reader", "${var.ops_group_object_id}"],
      ["Storage Blob Data Reader", "${var.siem_principal_id}"],
    ]);
  });

  test("the guard is on for app.synth() too, the path `cdktf synth` takes: the stack is not written", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-team-"));
    try {
      const app = new App({ outdir });
      const stack = new SecurityStack(app, "security");
      stack.emea.storageAccount.addOverride("shared_access_key_enabled", true);
      expect(() => app.synth()).toThrow(/\[SharedKeyDisabled\]/);
      expect(fs.existsSync(path.join(outdir, "stacks", "security", "cdk.tf.json"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
