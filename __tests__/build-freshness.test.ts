import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";

// What synthesizes, packs and runs the tools is dist/, which tools/app.js keeps compiled from the
// sources. These tests run the real tools/app.js in a scratch project of the same shape (main.ts
// and environments.ts for the app, a tool besides, the same two build records) whose app prints
// the environment it was compiled from: after any sequence of edits, reverts and script runs, the
// printed environment must be the one in the sources.

const ROOT = join(__dirname, "..");

/** A project shaped like this one, small enough that a build takes a moment. */
function scratchProject(): string {
  const dir = mkdtempSync(join(tmpdir(), "freshness-"));
  mkdirSync(join(dir, "tools"));
  mkdirSync(join(dir, "lib"));
  copyFileSync(join(ROOT, "tools", "app.js"), join(dir, "tools", "app.js"));
  // typescript (to build) and the lock record app.js hashes, from this project's install.
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { target: "ES2022", module: "commonjs", lib: ["ES2022"], strict: true, skipLibCheck: true, declaration: true, outDir: "dist", rootDir: ".", types: [] },
      include: ["main.ts", "environments.ts", "lib/**/*.ts", "tools/**/*.ts"],
    }),
  );
  writeFileSync(
    join(dir, "tsconfig.build.json"),
    JSON.stringify({ extends: "./tsconfig.json", include: ["main.ts", "environments.ts", "lib/**/*.ts", "tools/**/*.ts"] }),
  );
  writeFileSync(join(dir, "lib", "print.ts"), `declare const process: { stdout: { write(text: string): void } };\nexport const print = (text: string): void => process.stdout.write(text);\n`);
  writeFileSync(join(dir, "main.ts"), `import { ENVIRONMENT } from "./environments";\nimport { print } from "./lib/print";\nprint(ENVIRONMENT);\n`);
  writeFileSync(join(dir, "tools", "tool.ts"), `import { ENVIRONMENT } from "../environments";\nexport const TOOL = ENVIRONMENT.length;\n`);
  setEnvironment(dir, "rg-original");
  return dir;
}

function setEnvironment(dir: string, resourceGroup: string): void {
  writeFileSync(join(dir, "environments.ts"), `export const ENVIRONMENT: string = ${JSON.stringify(resourceGroup)};\n`);
}

/** Runs tools/app.js as the scripts do: `--build-all` (build, every tool), `--build`, or nothing (synth). */
function app(dir: string, ...args: string[]): string {
  return execFileSync(process.execPath, [join(dir, "tools", "app.js"), ...args], { cwd: dir, encoding: "utf8" });
}

/** Synthesizes and returns what the app printed, after `setImmediate` has run it. */
function synth(dir: string): string {
  return app(dir);
}

describe("tools/app.js never runs a stale build", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const project = () => {
    const d = scratchProject();
    dirs.push(d);
    return d;
  };

  test("build, edit, synth, revert, another script's build, synth: the reverted source is what runs", () => {
    const dir = project();
    app(dir, "--build-all"); // npm run build (or npm ci's prepare)
    setEnvironment(dir, "rg-edited");
    expect(synth(dir)).toBe("rg-edited"); // npm run synth: the app alone is rebuilt
    setEnvironment(dir, "rg-original"); // git checkout environments.ts
    app(dir, "--build-all"); // any script: xshield-values, verify, synth:hcl, golden:update, bench, build
    expect(synth(dir)).toBe("rg-original");
    expect(readFileSync(join(dir, "dist", "environments.js"), "utf8")).toContain("rg-original");
  });

  test("an output rewritten by hand is compiled again", () => {
    const dir = project();
    expect(synth(dir)).toBe("rg-original");
    writeFileSync(join(dir, "dist", "environments.js"), `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.ENVIRONMENT = "rg-tampered";\n`);
    expect(synth(dir)).toBe("rg-original");
  });

  test("the full build (what npm pack ships) holds no compiled file of a source since deleted", () => {
    const dir = project();
    writeFileSync(join(dir, "lib", "old.ts"), `export const OLD = 1;\n`);
    app(dir, "--build-all");
    expect(existsSync(join(dir, "dist", "lib", "old.js"))).toBe(true);
    rmSync(join(dir, "lib", "old.ts"));
    app(dir, "--build-all");
    expect({ js: existsSync(join(dir, "dist", "lib", "old.js")), types: existsSync(join(dir, "dist", "lib", "old.d.ts")), kept: existsSync(join(dir, "dist", "lib", "print.js")) }).toEqual({ js: false, types: false, kept: true });
  });

  test("a type error stops synthesis and leaves no record, so the next run compiles again", () => {
    const dir = project();
    expect(synth(dir)).toBe("rg-original");
    writeFileSync(join(dir, "environments.ts"), `export const ENVIRONMENT: string = 42;\n`);
    const broken = spawnSync(process.execPath, [join(dir, "tools", "app.js")], { cwd: dir, encoding: "utf8" });
    expect({ status: broken.status, stdout: broken.stdout, typeError: /type error/.test(broken.stderr) }).toEqual({ status: 1, stdout: "", typeError: true });
    setEnvironment(dir, "rg-fixed");
    expect(synth(dir)).toBe("rg-fixed");
  });

  test("any sequence of edits, reverts and script runs synthesizes the sources as they are", () => {
    const dir = project();
    const step = fc.oneof(
      fc.constantFrom("rg-original", "rg-edited", "rg-other").map((rg) => ({ kind: "edit" as const, rg })),
      fc.constantFrom("--build-all", "--build").map((flag) => ({ kind: "script" as const, flag })),
      fc.constant({ kind: "synth" as const }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        let current = "rg-original";
        setEnvironment(dir, current);
        for (const s of [...steps, { kind: "synth" as const }]) {
          if (s.kind === "edit") {
            current = s.rg;
            setEnvironment(dir, current);
          } else if (s.kind === "script") {
            app(dir, s.flag);
          } else if (synth(dir) !== current) {
            return false;
          }
        }
        return true;
      }),
      { numRuns: 5, seed: 20261203 },
    );
  });
});
