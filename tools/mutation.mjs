#!/usr/bin/env node
// `npm run mutation [-- [--force] <pass> ...]`: mutation testing of lib/ with Stryker, one pass per
// layer (tools/mutation-passes.mjs), then one summary of every pass's report: the score of lib/ as
// a whole, of each file and of the guard on its own. Incremental: a second run re-tests mutants
// whose code or covering tests changed (reports/mutation/<pass>.incremental.json); see --force
// below. Not part of `npm test`: a full first run takes about an hour on two cores.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { PASSES } from "./mutation-passes.mjs";

// Stryker reuses a survived mutant's result when its code is unchanged, even when tests were added
// that would now kill it (seen for static mutants, code run when a module loads, and for tests
// added to an existing suite). So before each pass the survivors are dropped from the incremental
// file and tested again; only killed mutants are reused (a test added cannot revive one; a test
// changed or removed makes Stryker test its mutants again). --force tests every mutant again.
const force = process.argv.includes("--force");
const wanted = process.argv.slice(2).filter((arg) => arg !== "--force");
const unknown = wanted.filter((name) => !PASSES.some((p) => p.name === name));
if (unknown.length > 0) {
  console.error(`mutation: unknown pass ${unknown.join(", ")}; the passes are ${PASSES.map((p) => p.name).join(", ")}.`);
  process.exit(2);
}
for (const pass of PASSES.filter((p) => wanted.length === 0 || wanted.includes(p.name))) {
  forgetSurvivors(`reports/mutation/${pass.name}.incremental.json`);
  console.log(`\n== pass ${pass.name}: ${pass.mutate.join(", ")} (tests: ${pass.tests.length > 0 ? pass.tests.join(", ") : "every in-process suite"})`);
  const run = spawnSync("npx", ["stryker", "run", "stryker.config.mjs", ...(force ? ["--force"] : [])], {
    stdio: "inherit",
    env: { ...process.env, MUTATION_PASS: pass.name, MUTATION_TESTS: pass.tests.join(",") },
  });
  if (run.status !== 0) {
    console.error(`mutation: pass ${pass.name} failed (exit ${run.status ?? run.signal}).`);
    process.exit(1);
  }
}

/** Removes the mutants no test detected from an incremental report, so the next run tests them again. */
function forgetSurvivors(file) {
  if (!existsSync(file)) {
    return;
  }
  const report = JSON.parse(readFileSync(file, "utf8"));
  let forgotten = 0;
  for (const entry of Object.values(report.files)) {
    const before = entry.mutants.length;
    entry.mutants = entry.mutants.filter((m) => m.status !== "Survived" && m.status !== "NoCoverage");
    forgotten += before - entry.mutants.length;
  }
  writeFileSync(file, JSON.stringify(report));
  console.log(`${file}: ${forgotten} mutants no test detected last time will be tested again.`);
}

/** Detected (killed or timed out) over valid mutants (detected, survived, not covered), as Stryker counts it. */
function score(mutants) {
  const count = (status) => mutants.filter((m) => m.status === status).length;
  const detected = count("Killed") + count("Timeout");
  const undetected = count("Survived") + count("NoCoverage");
  return { detected, undetected, ignored: count("Ignored"), errors: count("RuntimeError") + count("CompileError"), score: detected / (detected + undetected || 1) };
}

const files = {};
for (const pass of PASSES) {
  const report = `reports/mutation/${pass.name}.json`;
  if (!existsSync(report)) {
    console.log(`(no report of pass ${pass.name} yet: run npm run mutation -- ${pass.name})`);
    continue;
  }
  Object.assign(files, JSON.parse(readFileSync(report, "utf8")).files);
}
const rows = Object.entries(files)
  .map(([file, { mutants }]) => ({ file, ...score(mutants) }))
  .sort((a, b) => a.file.localeCompare(b.file));
const all = score(Object.values(files).flatMap((f) => f.mutants));
const guard = score(Object.entries(files).filter(([file]) => file.startsWith("lib/guard/")).flatMap(([, f]) => f.mutants));
const pct = (x) => `${(x * 100).toFixed(1)}%`;
console.log("\nfile                                 score   detected  undetected  ignored");
for (const r of rows) {
  console.log(`${r.file.padEnd(36)} ${pct(r.score).padStart(6)}  ${String(r.detected).padStart(8)}  ${String(r.undetected).padStart(10)}  ${String(r.ignored).padStart(7)}`);
}
console.log(`${"lib/ as a whole".padEnd(36)} ${pct(all.score).padStart(6)}  ${String(all.detected).padStart(8)}  ${String(all.undetected).padStart(10)}  ${String(all.ignored).padStart(7)}`);
console.log(`${"the guard (lib/guard/)".padEnd(36)} ${pct(guard.score).padStart(6)}`);
writeFileSync("reports/mutation/summary.json", JSON.stringify({ all, guard, files: rows }, null, 2));
const target = 0.9;
if (all.score < target || guard.score < target) {
  console.log(`\nbelow the ${pct(target)} target.`);
  process.exitCode = 1;
}
