#!/usr/bin/env node
// `npm run test:time`: runs `npm test` (type-check, then every jest suite) and prints how long it
// took, in wall time and in CPU time of every process it started, next to the test counts and
// the suite's targets (60 s wall, 90 s CPU on a two-core machine). CI runs the test command this
// way, so its log shows the same line. Exit code: npm test's.
//
//   npm run test:time                 the whole suite
//   npm run test:time -- --slowest 10 also the ten slowest suites and tests
//
// CPU time is what the kernel charges to the processes npm test started and waited for (tsc,
// jest and its workers, the tools the tests run): on Linux the children's times of this process
// (/proc/self/stat); elsewhere it is not printed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TARGET_WALL_SECONDS = 60;
const TARGET_CPU_SECONDS = 90;
// The kernel's clock ticks per second for process times (USER_HZ), 100 on every Linux build.
const USER_HZ = 100;

/** User and system seconds of this process's waited-for children, or undefined off Linux. */
function childrenCpuSeconds() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command name (which is in parentheses and may hold spaces).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // cutime and cstime are fields 16 and 17 of the whole line, 14 and 15 after the name.
    return { user: Number(fields[13]) / USER_HZ, system: Number(fields[14]) / USER_HZ };
  } catch {
    return undefined;
  }
}

const args = process.argv.slice(2);
const slowestAt = args.indexOf("--slowest");
const slowest = slowestAt === -1 ? 0 : Number(args[slowestAt + 1]);
if (slowestAt !== -1 && !(Number.isInteger(slowest) && slowest > 0)) {
  process.stderr.write("test-time: --slowest takes a whole number above 0\n");
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), "test-time-"));
const report = join(dir, "jest.json");
const before = childrenCpuSeconds();
const started = process.hrtime.bigint();
const run = spawnSync("npm", ["test", "--", "--json", `--outputFile=${report}`], { stdio: "inherit" });
const wall = Number(process.hrtime.bigint() - started) / 1e9;
const after = childrenCpuSeconds();

let counts = "no jest report (the type-check failed, or jest did not finish)";
let results;
try {
  results = JSON.parse(readFileSync(report, "utf8"));
  counts = `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests} skipped in ${results.numTotalTestSuites} suites`;
} catch {
  // counts stay as said
}
rmSync(dir, { recursive: true, force: true });

const cpu = before !== undefined && after !== undefined ? { user: after.user - before.user, system: after.system - before.system } : undefined;
const cpuText = cpu === undefined ? "CPU time not measured here" : `${(cpu.user + cpu.system).toFixed(1)} s CPU (user ${cpu.user.toFixed(1)}, system ${cpu.system.toFixed(1)})`;
const verdict = (value, target) => (value <= target ? `within ${target} s` : `OVER ${target} s`);
process.stdout.write(
  `\n${counts}\n` +
    `npm test: ${wall.toFixed(1)} s wall (${verdict(wall, TARGET_WALL_SECONDS)}), ${cpuText}` +
    (cpu === undefined ? "" : ` (${verdict(cpu.user + cpu.system, TARGET_CPU_SECONDS)})`) +
    "\n",
);

if (slowest > 0 && results !== undefined) {
  const suites = results.testResults.map((s) => ({ seconds: (s.endTime - s.startTime) / 1000, name: s.name.slice(s.name.lastIndexOf("__tests__")) }));
  const tests = results.testResults.flatMap((s) =>
    s.assertionResults.map((a) => ({ seconds: (a.duration ?? 0) / 1000, name: `${s.name.slice(s.name.lastIndexOf("/") + 1)}: ${a.fullName}` })),
  );
  for (const [title, rows] of [["suites", suites], ["tests", tests]]) {
    process.stdout.write(`\nslowest ${title}:\n`);
    for (const row of rows.sort((a, b) => b.seconds - a.seconds).slice(0, slowest)) {
      process.stdout.write(`  ${row.seconds.toFixed(2).padStart(6)} s  ${row.name}\n`);
    }
  }
}
process.exitCode = run.status ?? 1;
