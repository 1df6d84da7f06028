import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { duplicateProblems, IntegrationClaims } from "../lib/app-checks";
import { EnvironmentConfig } from "../lib/app";
import { SynthesisError, synthEnvironments, synthesizeApp } from "../lib/synth";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { VALID_PROPS } from "./support/synth";

const SUB_A = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const SUB_B = "5b4b650e-28b9-4790-b3ab-ddbd88d727c4";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function outdir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-app-wide-"));
  dirs.push(d);
  return d;
}

/** Every file under `dir`, relative path -> content. */
function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** A stack with the three providers a real app's stack has (app.synth() validates that). */
function stackIn(app: App, id: string): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AzurermProvider(stack, "azurerm", { features: [{ storage: [{ dataPlaneAvailable: false }] }], storageUseAzuread: true, resourceProviderRegistrations: "none" });
  new AzureadProvider(stack, "azuread", {});
  new TimeProvider(stack, "time");
  return stack;
}

function errorOf(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected an error");
}

describe("duplicateProblems", () => {
  const claims = (over: Partial<IntegrationClaims>): IntegrationClaims => ({ path: "a/mde", subscription: "s", tenant: "t", ...over });
  test("the same account name anywhere, a created group twice in one subscription, one display name twice in one tenant; each names the other", () => {
    const first = claims({ path: "dev/mde", storageAccountName: "stx", createdResourceGroup: "rg-x", applicationDisplayName: "Xshield" });
    expect(duplicateProblems(claims({ path: "prod/mde", storageAccountName: "stx", subscription: "other", tenant: "other" }), [first])).toEqual([
      expect.stringMatching(/^storageAccountName "stx": is also the storage account of XshieldMdeIntegration "dev\/mde"; .*unique across all of Azure/),
    ]);
    expect(duplicateProblems(claims({ createdResourceGroup: "RG-X" }), [first])).toEqual([
      expect.stringMatching(/^resourceGroupName "RG-X": XshieldMdeIntegration "dev\/mde" creates a resource group of that name in the same subscription.*resourceGroup/),
    ]);
    expect(duplicateProblems(claims({ applicationDisplayName: "xshield" }), [first])).toEqual([
      expect.stringMatching(/^applicationDisplayName "xshield": is also the application of XshieldMdeIntegration "dev\/mde" in the same tenant/),
    ]);
    // Another subscription may hold a group of the same name; another tenant an application.
    expect(duplicateProblems(claims({ createdResourceGroup: "rg-x", subscription: "other", applicationDisplayName: "Xshield", tenant: "other" }), [first])).toEqual([]);
    // Unknown names (tokens) compare with nothing.
    expect(duplicateProblems(claims({}), [claims({})])).toEqual([]);
  });
});

describe("App-wide checks at synthesis", () => {
  test("two integrations in one stack with the same account name: synthesis fails naming both", () => {
    const stack = new TerraformStack(Testing.app(), "security");
    new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    new XshieldMdeIntegration(stack, "b", { ...VALID_PROPS, resourceGroupName: "rg-b", applicationDisplayName: "B" });
    expect(() => Testing.synth(stack)).toThrow(/XshieldMdeIntegration "security\/b": 1 invalid property.*\n.*storageAccountName "stxshieldtest": is also the storage account of XshieldMdeIntegration "security\/a"/);
  });

  test("two that create one group: refused on one provider or one named subscription, accepted in two named subscriptions", () => {
    const build = (subscriptions: [string | undefined, string | undefined]) => {
      const app = Testing.app();
      const stacks = subscriptions.map((subscriptionId, i) => {
        const stack = new TerraformStack(app, `s${i}`);
        new AzurermProvider(stack, "azurerm", { features: [{}], subscriptionId });
        new AzureadProvider(stack, "azuread", {});
        new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, storageAccountName: `stxshield${i}`, applicationDisplayName: `X ${i}` });
        return stack;
      });
      return () => stacks.forEach((s) => Testing.synth(s));
    };
    expect(build([SUB_A, SUB_A])).toThrow(/resourceGroupName "rg-xshield-test": XshieldMdeIntegration "s0\/mde" creates a resource group of that name in the same subscription/);
    expect(build([SUB_A, SUB_A.toUpperCase()])).toThrow(/same subscription/);
    expect(build([SUB_A, SUB_B])).not.toThrow();
    // Providers that name no subscription get it at plan (ARM_SUBSCRIPTION_ID per stack): not the same.
    expect(build([undefined, undefined])).not.toThrow();
    // One stack, one provider: one subscription.
    const stack = new TerraformStack(Testing.app(), "one");
    new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    new XshieldMdeIntegration(stack, "b", { ...VALID_PROPS, storageAccountName: "stother", applicationDisplayName: "Other" });
    expect(() => Testing.synth(stack)).toThrow(/XshieldMdeIntegration "one\/b".*\n.*resourceGroupName "rg-xshield-test": XshieldMdeIntegration "one\/a" creates/);
  });

  test("the same display name in one tenant is refused; with the group passed as resourceGroup, one group serves both", () => {
    const stack = new TerraformStack(Testing.app(), "one");
    const a = new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    new XshieldMdeIntegration(stack, "b", { storageAccountName: "stother", allowedIpRanges: VALID_PROPS.allowedIpRanges, resourceGroup: { name: a.resourceGroupName, id: a.resourceGroup!.id, location: "westeurope" } });
    expect(() => Testing.synth(stack)).toThrow(/applicationDisplayName "Xshield MDE Integration": is also the application of XshieldMdeIntegration "one\/a" in the same tenant/);
    const fixed = new TerraformStack(Testing.app(), "one");
    const first = new XshieldMdeIntegration(fixed, "a", VALID_PROPS);
    new XshieldMdeIntegration(fixed, "b", {
      storageAccountName: "stother",
      applicationDisplayName: "Xshield B",
      allowedIpRanges: VALID_PROPS.allowedIpRanges,
      resourceGroup: { name: first.resourceGroupName, id: first.resourceGroup!.id, location: "westeurope" },
    });
    expect(() => Testing.synth(fixed)).not.toThrow();
  });
});

describe("synthesizeApp: all or nothing, everything at once", () => {
  /** An app of two stacks, the second (or both) breaking the guard. */
  function brokenApp(dir: string, breakFirst = false) {
    const app = new App({ outdir: dir });
    const make = (id: string, broken: boolean, account: string) => {
      const stack = stackIn(app, id);
      const mde = new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, storageAccountName: account, resourceGroupName: `rg-${id}`, applicationDisplayName: `X ${id}` });
      if (broken) {
        mde.storageAccount.addOverride("min_tls_version", "TLS1_0");
        mde.storageAccount.addOverride("shared_access_key_enabled", true);
      }
      return stack;
    };
    make("first", breakFirst, "stfirst");
    make("second", true, "stsecond");
    return app;
  }

  test("a broken second stack: nothing is written, every violation of every stack is in one error", () => {
    const dir = outdir();
    const error = errorOf(() => synthesizeApp(brokenApp(dir, true), { onWarning: () => undefined }));
    expect(error).toBeInstanceOf(SynthesisError);
    expect((error as SynthesisError).failures).toHaveLength(2);
    expect(error.message).toMatch(/^2 problem\(s\) found while synthesizing; nothing was written/);
    for (const stack of ["first", "second"]) {
      expect(error.message).toContain(`Secure baseline violated in ${stack}/mde`);
    }
    expect(error.message.match(/\[MinimumTls12\]/g)).toHaveLength(2);
    expect(error.message.match(/\[SharedKeyDisabled\]/g)).toHaveLength(2);
    expect([...filesOf(dir).keys()].filter((f) => f.endsWith(".json"))).toEqual([]);
  });

  test("a plain app.synth() writes the first stack and reports only the first violation: what synthesizeApp is for", () => {
    const dir = outdir();
    expect(() => brokenApp(dir).synth()).toThrow(/Secure baseline violated in second\/mde/);
    expect(fs.existsSync(path.join(dir, "stacks", "first", "cdk.tf.json"))).toBe(true);
  });

  test("an earlier run's files are removed on failure, state and .terraform kept; a good run writes every stack and the manifest", () => {
    const dir = outdir();
    const good = new App({ outdir: dir });
    for (const id of ["first", "second"]) {
      const stack = stackIn(good, id);
      new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, storageAccountName: `st${id}`, resourceGroupName: `rg-${id}`, applicationDisplayName: `X ${id}` });
    }
    synthesizeApp(good, { onWarning: () => undefined });
    expect([...filesOf(dir).keys()].sort()).toEqual(["manifest.json", "stacks/first/cdk.tf.json", "stacks/second/cdk.tf.json"]);
    // What terraform init and a relative local state leave in a stack's folder.
    fs.mkdirSync(path.join(dir, "stacks", "first", ".terraform"));
    fs.writeFileSync(path.join(dir, "stacks", "first", ".terraform", "terraform.tfstate"), "{}");
    fs.writeFileSync(path.join(dir, "stacks", "first", "terraform.tfstate"), "{}");
    fs.writeFileSync(path.join(dir, "stacks", "first", ".terraform.lock.hcl"), "");
    expect(() => synthesizeApp(brokenApp(dir), { onWarning: () => undefined })).toThrow(SynthesisError);
    expect([...filesOf(dir).keys()].sort()).toEqual(["stacks/first/.terraform.lock.hcl", "stacks/first/.terraform/terraform.tfstate", "stacks/first/terraform.tfstate"]);
  });

  test("warnings are printed with a plain node run (stderr by default), not when the cdktf CLI runs the app", () => {
    const app = new App({ outdir: outdir() });
    new XshieldMdeIntegration(stackIn(app, "s"), "mde", { ...VALID_PROPS, location: "westeurop" });
    const seen: string[] = [];
    synthesizeApp(app, { onWarning: (w) => seen.push(w) });
    expect(seen).toEqual(expect.arrayContaining([expect.stringMatching(/^\[s\] s\/mde: location "westeurop": "westeurop" is not an Azure region this library knows.*did you mean "westeurope"/)]));
    const write = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const saved = process.env.CDKTF_OUTDIR;
    delete process.env.CDKTF_OUTDIR;
    try {
      const quiet = new App({ outdir: outdir() });
      new XshieldMdeIntegration(stackIn(quiet, "s"), "mde", { ...VALID_PROPS, location: "westeurop" });
      synthesizeApp(quiet);
      expect(write.mock.calls.map(([text]) => String(text)).join("")).toMatch(/warning \[s\] s\/mde: location "westeurop"/);
      // Under the cdktf CLI (which sets CDKTF_OUTDIR and prints annotations itself) nothing is printed twice.
      write.mockClear();
      process.env.CDKTF_OUTDIR = outdir();
      const cli = new App({ outdir: process.env.CDKTF_OUTDIR });
      new XshieldMdeIntegration(stackIn(cli, "s"), "mde", { ...VALID_PROPS, location: "westeurop" });
      synthesizeApp(cli);
      expect(write.mock.calls.map(([text]) => String(text)).join("")).not.toContain("westeurop");
    } finally {
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
      write.mockRestore();
    }
  });

  test("environments with the same account name: synthEnvironments fails naming both, writes nothing", () => {
    const dir = outdir();
    const envs: EnvironmentConfig[] = [
      { name: "dev", integration: { ...VALID_PROPS, applicationDisplayName: "X dev" } },
      { name: "prod", integration: { ...VALID_PROPS, resourceGroupName: "rg-prod", applicationDisplayName: "X prod" } },
    ];
    expect(() => synthEnvironments(envs, { outdir: dir, onWarning: () => undefined })).toThrow(
      /storageAccountName "stxshieldtest": is also the storage account of XshieldMdeIntegration "dev\/integration"/,
    );
    expect([...filesOf(dir).keys()]).toEqual([]);
  });
});
