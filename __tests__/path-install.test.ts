import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { writeTypeScriptLoader } from "./support/run-ts";
import { VALID_PROPS } from "./support/synth";

// `npm install ../xshield-mde-cdktf` links the library's folder into the consumer's node_modules,
// and node then loads the library's own copy of cdktf (from the library's node_modules) next to
// the consumer's. Aspects are stored under a per-copy symbol, so an aspect-based guard would
// silently not run. This test builds that situation in a scratch folder: the consumer and the
// library each get their own node_modules, linked to this project's packages, and node runs with
// --preserve-symlinks, so each link is loaded as a module of its own (two copies of cdktf,
// constructs and the providers) without copying anything.

const ROOT = join(__dirname, "..");
const PACKAGES = ["cdktf", "constructs", "@cdktf/provider-azurerm", "@cdktf/provider-azuread", "@cdktf/provider-time", "ipaddr.js"];

function link(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  symlinkSync(from, to, "dir");
}

const CONSUMER = `
const path = require("path");
const { App, Aspects, TerraformStack } = require("cdktf");
const { AzurermProvider } = require("@cdktf/provider-azurerm/lib/provider");
const { AzureadProvider } = require("@cdktf/provider-azuread/lib/provider");
const { TimeProvider } = require("@cdktf/provider-time/lib/provider");
const { XshieldMdeIntegration } = require("xshield-mde-cdktf");

const copies = () => [...new Set(Object.keys(require.cache).filter((f) => /[\\\\/]cdktf[\\\\/]lib[\\\\/]index\\.js$/.test(f)))];
const result = { copies: copies() };

const run = (weaken) => {
  const outdir = path.join(process.env.OUTDIR, weaken ? "weakened" : "clean");
  require("fs").mkdirSync(path.dirname(outdir), { recursive: true });
  const app = new App({ outdir });
  const stack = new TerraformStack(app, "platform");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new AzureadProvider(stack, "azuread", {});
  new TimeProvider(stack, "time");
  const mde = new XshieldMdeIntegration(stack, "mde", JSON.parse(process.env.PROPS));
  // An aspect of the library's own cdktf copy, as the old guard was: does the consumer's synth run it?
  const libraryCdktf = require(require.resolve("cdktf", { paths: [require.resolve("xshield-mde-cdktf")] }));
  let aspectRan = false;
  libraryCdktf.Aspects.of(mde).add({ visit: () => { aspectRan = true; } });
  if (weaken) mde.storageAccount.addOverride("min_tls_version", "TLS1_0");
  try {
    app.synth();
    return { synthesized: true, aspectRan };
  } catch (error) {
    return { synthesized: false, aspectRan, error: error.message };
  }
};
result.clean = run(false);
result.weakened = run(true);
process.stdout.write(JSON.stringify(result));
`;

interface Outcome {
  readonly synthesized: boolean;
  readonly aspectRan: boolean;
  readonly error?: string;
}

describe("installed by path, with its own copy of cdktf", () => {
  let result: { copies: string[]; clean: Outcome; weakened: Outcome };
  let scratch: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "path-install-"));
    const library = join(scratch, "xshield-mde-cdktf");
    const consumer = join(scratch, "consumer");
    const register = writeTypeScriptLoader(scratch);
    mkdirSync(library);
    link(join(ROOT, "lib"), join(library, "lib"));
    writeFileSync(join(library, "package.json"), JSON.stringify({ name: "xshield-mde-cdktf", main: "lib/index.ts" }));
    for (const name of PACKAGES) {
      link(join(ROOT, "node_modules", name), join(library, "node_modules", name));
      link(join(ROOT, "node_modules", name), join(consumer, "node_modules", name));
    }
    link(library, join(consumer, "node_modules", "xshield-mde-cdktf"));
    writeFileSync(join(consumer, "app.js"), CONSUMER);
    const run = spawnSync(
      process.execPath,
      ["--preserve-symlinks", "--preserve-symlinks-main", "--require", register, "app.js"],
      {
        cwd: consumer,
        env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", OUTDIR: join(scratch, "out"), PROPS: JSON.stringify(VALID_PROPS) },
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    if (run.status !== 0) {
      throw new Error(`the consumer app failed (exit ${run.status ?? run.signal}):\n${run.stdout}${run.stderr}`);
    }
    result = JSON.parse(run.stdout);
  }, 120_000);

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("the scratch folder really loads two copies of cdktf, and an aspect of the library's copy never runs", () => {
    expect(result.copies).toHaveLength(2);
    expect(result.clean.aspectRan).toBe(false);
  });

  test("a clean integration synthesizes", () => {
    expect(result.clean).toMatchObject({ synthesized: true });
  });

  test("the guard still runs: a weakened integration fails synthesis, naming the rule", () => {
    expect(result.weakened.synthesized).toBe(false);
    expect(result.weakened.error).toContain("[MinimumTls12]");
  });
});
