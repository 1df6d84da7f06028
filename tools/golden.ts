/**
 * Golden synthesized output: the reviewed `cdk.tf.json` of every environment, committed under
 * `__tests__/golden/<env>.tf.json`, and a short JSON-path diff against a fresh synth.
 *
 * `npm run golden:update` runs this file's `main` and rewrites the golden files.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { EnvironmentConfig } from "../lib/app";
import { synthEnvironments } from "../lib/synth";

/** The command that rewrites the golden files; failure messages print it. */
export const GOLDEN_UPDATE_COMMAND = "npm run golden:update";

/** How many diff lines a failure shows before it summarises the rest. */
export const DEFAULT_DIFF_LINE_LIMIT = 40;

/**
 * The project folder: the nearest folder above this file that holds `cdktf.json`. Works both for
 * `tools/golden.ts` (jest) and `dist/tools/golden.js` (`npm run golden:update`).
 */
export function projectRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(`no cdktf.json found in ${start} or any folder above it`);
    }
    dir = parent;
  }
}

/** Folder of the golden files. */
export function goldenDir(root: string = projectRoot()): string {
  return path.join(root, "__tests__", "golden");
}

/** Path of one environment's golden file. */
export function goldenFile(env: string, root: string = projectRoot()): string {
  return path.join(goldenDir(root), `${env}.tf.json`);
}

/** Environment names that have a golden file (from `<env>.tf.json` file names). */
export function goldenEnvironments(root: string = projectRoot()): string[] {
  const dir = goldenDir(root);
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".tf.json"))
    .map((f) => f.slice(0, -".tf.json".length))
    .sort();
}

/**
 * Synthesizes every environment exactly as `npm run synth` does (`synthEnvironments`), into
 * `outdir` (a fresh temporary folder unless given), and returns each stack's `cdk.tf.json` text,
 * byte for byte.
 */
export function synthesizeEnvironments(
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
  outdir?: string,
): Map<string, string> {
  const dir = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), "xshield-golden-"));
  try {
    // Warnings are for a person running synth; the golden files are about the Terraform.
    synthEnvironments(environments, { outdir: dir, onWarning: () => undefined });
    const result = new Map<string, string>();
    for (const env of environments) {
      result.set(env.name, fs.readFileSync(path.join(dir, "stacks", env.name, "cdk.tf.json"), "utf8"));
    }
    return result;
  } finally {
    if (outdir === undefined) {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pathPart(key: string | number): string {
  if (typeof key === "number") {
    return `[${key}]`;
  }
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function show(value: Json | undefined, max = 100): string {
  const text = value === undefined ? "(absent)" : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Every difference between two JSON documents, one line each, by JSON path:
 * `~ path: old -> new` (changed), `+ path: value` (only in `actual`), `- path: value` (only in
 * `expected`). Objects are compared key by key, arrays index by index.
 */
export function jsonDiff(expected: Json, actual: Json): string[] {
  const lines: string[] = [];
  const walk = (a: Json | undefined, b: Json | undefined, at: string): void => {
    const where = at === "" ? "(root)" : at.replace(/^\./, "");
    if (a === undefined) {
      lines.push(`+ ${where}: ${show(b)}`);
    } else if (b === undefined) {
      lines.push(`- ${where}: ${show(a)}`);
    } else if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) {
        walk(a[key], b[key], at + pathPart(key));
      }
    } else if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        walk(a[i], b[i], at + pathPart(i));
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      lines.push(`~ ${where}: ${show(a, 60)} -> ${show(b, 60)}`);
    }
  };
  walk(expected, actual, "");
  return lines;
}

/** Caps a list of diff lines, summarising what was left out. */
export function capLines(lines: string[], limit: number = DEFAULT_DIFF_LINE_LIMIT): string[] {
  if (lines.length <= limit) {
    return lines;
  }
  return [...lines.slice(0, limit), `… and ${lines.length - limit} more difference(s)`];
}

/**
 * Compares a fresh synth with a golden file's text. Returns `undefined` when they are byte
 * identical, else a short, readable report that ends with the update command.
 */
export function compareWithGolden(
  env: string,
  golden: string,
  synthesized: string,
  limit: number = DEFAULT_DIFF_LINE_LIMIT,
): string | undefined {
  if (golden === synthesized) {
    return undefined;
  }
  const file = `__tests__/golden/${env}.tf.json`;
  let lines: string[];
  try {
    lines = jsonDiff(JSON.parse(golden) as Json, JSON.parse(synthesized) as Json);
  } catch {
    lines = ["(the golden file is not valid JSON)"];
  }
  if (lines.length === 0) {
    lines = ["(same content, different bytes: formatting or key order)"];
  }
  return [
    `Environment "${env}": the synthesized Terraform differs from ${file} (${lines.length} difference(s); "-" golden, "+" now):`,
    ...capLines(lines, limit),
    `If every change is intended, review it and run: ${GOLDEN_UPDATE_COMMAND}`,
  ].join("\n");
}

/**
 * Rewrites the golden files from a fresh synth of `environments` and deletes golden files of
 * environments that no longer exist. Returns what changed, for the console.
 */
export function updateGoldenFiles(
  environments: readonly EnvironmentConfig[] = ENVIRONMENTS,
  root: string = projectRoot(),
): { written: string[]; unchanged: string[]; removed: string[] } {
  const synthesized = synthesizeEnvironments(environments);
  const dir = goldenDir(root);
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const unchanged: string[] = [];
  const removed: string[] = [];
  for (const [env, text] of synthesized) {
    const file = goldenFile(env, root);
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === text) {
      unchanged.push(env);
      continue;
    }
    fs.writeFileSync(file, text);
    written.push(env);
  }
  for (const env of goldenEnvironments(root)) {
    if (!synthesized.has(env)) {
      fs.rmSync(goldenFile(env, root));
      removed.push(env);
    }
  }
  return { written, unchanged, removed };
}

/** `npm run golden:update`. */
export function main(): number {
  try {
    const { written, unchanged, removed } = updateGoldenFiles();
    for (const env of written) console.log(`updated   __tests__/golden/${env}.tf.json`);
    for (const env of unchanged) console.log(`unchanged __tests__/golden/${env}.tf.json`);
    for (const env of removed) console.log(`removed   __tests__/golden/${env}.tf.json (no such environment)`);
    if (written.length + removed.length > 0) {
      console.log("Review the change with `git diff __tests__/golden/` before committing it.");
    }
    return 0;
  } catch (error) {
    console.error(`golden:update failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main();
}
