import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { ENVIRONMENTS } from "../environments";
import { writeTypeScriptLoader } from "./support/run-ts";

// A provider package's root (lib/index.js) requires all of its resources, ~1,500 for azurerm:
// about a second and 300 MB before the first construct. Every provider class is imported from
// its own module instead (`@cdktf/provider-azurerm/lib/storage-account`). These tests hold the
// app to that, on what node actually loads and on what the sources say.

const ROOT = join(__dirname, "..");
const PROVIDERS = ["azurerm", "azuread", "time"] as const;

/** `node_modules/@cdktf/provider-<name>/lib/index.js` or `lazy-index.js`, any path separator. */
function rootModulePattern(provider: string): RegExp {
  return new RegExp(`[\\\\/]@cdktf[\\\\/]provider-${provider}[\\\\/]lib[\\\\/](index|lazy-index)\\.js$`);
}

/**
 * Runs main.ts from its sources in a fresh node process (TypeScript compiled on load by
 * @swc/core, as jest does; no dist/ needed), synthesizing into `outdir`, and returns the keys of
 * that process's `require.cache` after synthesis: every module node loaded, by file name.
 */
function loadedModulesOfApp(outdir: string): string[] {
  const listFile = join(outdir, "modules.json");
  const register = writeTypeScriptLoader(outdir);
  const child = `
    const fs = require("fs");
    process.on("exit", (code) => {
      if (code === 0) fs.writeFileSync(process.env.MODULE_LIST, JSON.stringify(Object.keys(require.cache)));
    });
    require("./main.ts");
  `;
  const result = spawnSync(process.execPath, ["--require", register, "-e", child], {
    cwd: ROOT,
    env: { ...process.env, CDKTF_OUTDIR: outdir, MODULE_LIST: listFile, NODE_OPTIONS: "" },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new Error(`the app failed (exit ${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return JSON.parse(readFileSync(listFile, "utf8")) as string[];
}

/** The app's own TypeScript sources: main.ts, environments.ts and everything under lib/. */
function appSources(): string[] {
  const files = [join(ROOT, "main.ts"), join(ROOT, "environments.ts")];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith(".ts")) {
        files.push(path);
      }
    }
  };
  walk(join(ROOT, "lib"));
  return files;
}

describe("module loading", () => {
  let outdir: string;
  let loaded: string[];

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), "module-loading-"));
    loaded = loadedModulesOfApp(outdir);
  }, 60_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  test("the app ran from its TypeScript sources to the end and synthesized every environment", () => {
    const projectFiles = loaded.filter((file) => !file.includes("node_modules") && file.startsWith(ROOT));
    expect(projectFiles.filter((file) => !file.endsWith(".ts"))).toEqual([]);
    expect(projectFiles).toEqual(expect.arrayContaining([join(ROOT, "main.ts"), join(ROOT, "lib", "app.ts")]));
    const manifest = JSON.parse(readFileSync(join(outdir, "manifest.json"), "utf8")) as { stacks: object };
    expect(Object.keys(manifest.stacks).sort()).toEqual(ENVIRONMENTS.map((e) => e.name).sort());
  });

  test.each(PROVIDERS)("synthesis never loads the root of @cdktf/provider-%s", (provider) => {
    expect(loaded.filter((file) => rootModulePattern(provider).test(file))).toEqual([]);
  });

  test("synthesis loads provider classes from their own modules", () => {
    // Shows the inspection sees provider modules at all, so the test above cannot pass vacuously.
    const storageAccount = /[\\/]@cdktf[\\/]provider-azurerm[\\/]lib[\\/]storage-account[\\/]index\.js$/;
    expect(loaded.some((file) => storageAccount.test(file))).toBe(true);
    const providerModules = loaded.filter((file) => /[\\/]@cdktf[\\/]provider-/.test(file));
    // A root would add hundreds; the app uses about twenty resource and provider modules.
    expect(providerModules.length).toBeLessThan(60);
  });

  test("every provider import in main.ts, environments.ts and lib/ names a sub-module", () => {
    const specifier = /(?:from\s*|require\(\s*|import\(\s*)["'](@cdktf\/provider-[^"']*)["']/g;
    const allowed = /^@cdktf\/provider-[a-z]+\/lib\/(?!index$|lazy-index$)[a-z0-9-]+$/;
    const offending = appSources().flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(specifier)]
        .map((m) => m[1])
        .filter((name) => !allowed.test(name))
        .map((name) => `${relative(ROOT, file)}: "${name}"`),
    );
    expect(offending).toEqual([]);
  });
});
