import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Loaded with `node --require` before a TypeScript entry point: compiles `.ts` files on load with
 * @swc/core, as jest does (no dist/ needed), and resolves the project's relative imports to the
 * `.ts` source even when a stray compiled `.js` lies next to it.
 */
const REGISTER_TS = `
const fs = require("fs");
const path = require("path");
const Module = require("module");
const swc = require(${JSON.stringify(require.resolve("@swc/core"))});
require.extensions[".ts"] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, "utf8"), {
    filename,
    module: { type: "commonjs" },
    jsc: { target: "es2022", parser: { syntax: "typescript" } },
  });
  module._compile(code, filename);
};
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request.startsWith(".") && parent && parent.filename && !parent.filename.includes("node_modules")) {
    const base = path.resolve(path.dirname(parent.filename), request);
    for (const file of [base + ".ts", path.join(base, "index.ts")]) {
      if (fs.existsSync(file)) return file;
    }
  }
  return resolve.call(this, request, parent, ...rest);
};
`;

/** What a process printed, and how it ended. */
export interface ProcessRun {
  /** The exit code (null when a signal ended it). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs TypeScript entry points as a user runs the compiled tool: a separate node process, its own stdout and stderr. */
export interface TypeScriptRunner {
  /**
   * Runs `script` (a .ts file, as the main module) with `args` in `cwd`. The process gets only
   * PATH, an empty NODE_OPTIONS and `env`: nothing of the test process's environment leaks in.
   * Asynchronous, so servers of the test process keep answering while it runs.
   */
  run(script: string, args: readonly string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<ProcessRun>;
  /** Removes the temporary folder of the loader. */
  remove(): void;
}

/**
 * Writes the loader into `dir` and returns its path, for `node --require <path> entry.ts`: node
 * then runs TypeScript sources as jest does (no dist/ needed).
 */
export function writeTypeScriptLoader(dir: string): string {
  const register = join(dir, "register-ts.js");
  writeFileSync(register, REGISTER_TS);
  return register;
}

/** Writes the loader to a temporary folder; call `remove()` when done. */
export function typeScriptRunner(): TypeScriptRunner {
  const dir = mkdtempSync(join(tmpdir(), "run-ts-"));
  const register = writeTypeScriptLoader(dir);
  return {
    run: (script, args, { cwd, env = {}, timeoutMs = 60_000 }) =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["--require", register, script, ...args], {
          cwd,
          env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "", ...env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
