/**
 * `npm run bench`: how long synthesis takes, against the cost of merely loading cdktf.
 *
 * Every row runs in a child process started through a shell (as the cdktf CLI starts the app).
 * The verdicts are ratios to the floor (node loading cdktf), and each ratio is taken pair by pair:
 * in every round, each row's run comes right after a run of the floor of its own, and the row's
 * ratio for that round is its wall time over that floor's. A burst of load or a change of clock
 * speed then hits both halves of a pair alike, where it would move a ratio of two medians taken
 * minutes apart. The median of the per-pair ratios decides each target; their spread (min–max and
 * the middle half) is printed beside it. A run's peak memory is the largest `maxRSS` of any node
 * process in the row's command, reported by a preload script (`--require`, through NODE_OPTIONS)
 * when the process exits; the median run's peak is checked and the worst run's is shown. The
 * script exits 1 when a target or a run fails.
 *
 * Usage: npm run bench [-- --runs N] [-- --stacks N]
 *
 * Runs against the compiled project (`npm run bench` builds it first) and needs nothing beyond
 * `npm ci`: no network, no hyperfine, no /usr/bin/time.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The project folder: dist/tools/bench.js runs from two levels below it. */
const ROOT = path.resolve(__dirname, "..", "..");

/** Targets, as multiples of the floor's median wall time and as peak memory. */
export const TARGETS = {
  appCommandRatio: 4,
  manyStacksRatio: 10,
  manyStacksPeakMb: 200,
  plainAppRatio: 20,
  /** Not a target: printed as met or not. */
  plainAppStretchRatio: 10,
} as const;

/** Rounds the naive baseline runs in (it takes seconds, and only informs). */
const BASELINE_ROUNDS = 3;

interface Options {
  readonly runs: number;
  readonly stacks: number;
}

/** One timed run of one row. */
interface Sample {
  readonly wallMs: number;
  /** Largest maxRSS of the node processes the run started, in bytes. */
  readonly peakBytes: number;
  /** User + system CPU time of those node processes, in ms. */
  readonly cpuMs: number;
}

/** One command that a row runs; a row may run several in sequence (compile, then run). */
interface Step {
  readonly command: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd: string;
}

interface Row {
  readonly key: "floor" | "app" | "many" | "plain" | "baseline";
  readonly label: string;
  readonly what: string;
  /** Fresh steps for one run (each run gets an empty output folder). */
  steps(runDir: string): { steps: Step[]; check: () => void };
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: string): number => {
    const index = argv.indexOf(name);
    const text = index < 0 ? fallback : argv[index + 1];
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`${name} needs a positive whole number, got ${JSON.stringify(text)}.`);
    }
    return n;
  };
  return { runs: value("--runs", process.env.BENCH_RUNS ?? "11"), stacks: value("--stacks", "200") };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The cdktf CLI's environment for the app (cli-core synth-stack.ts), minus TF_VAR_*. */
function cliEnvironment(outdir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("TF_VAR_") && !key.startsWith("npm_") && key !== "NODE_OPTIONS") {
      env[key] = value;
    }
  }
  return {
    ...env,
    CDKTF_OUTDIR: outdir,
    CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true",
    CDKTF_CONTEXT_JSON: JSON.stringify({ cdktfRelativeModules: [] }),
    SYNTH_HCL_OUTPUT: "false",
  };
}

/** Reads the manifest an app wrote and checks that every stack it lists has its cdk.tf.json. */
function synthesizedStacks(outdir: string): string[] {
  const manifestPath = path.join(outdir, "manifest.json");
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`no ${manifestPath}: the app did not synthesize`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as {
    stacks: { [name: string]: { synthesizedStackPath: string } };
  };
  const names = Object.keys(manifest.stacks);
  for (const name of names) {
    const file = path.join(outdir, manifest.stacks[name].synthesizedStackPath);
    if (!fs.existsSync(file)) {
      throw new Error(`stack ${name}: ${file} is missing`);
    }
  }
  return names;
}

/**
 * The naive template baseline: the same sources with every provider import rewritten to name the
 * provider package itself rather than its sub-module (what the cdktf template generates; only in
 * the throwaway copy this function writes), type-checked and compiled by tsc, then run by node — what `npx ts-node main.ts` does in one process, with its
 * type check; ts-node is not installed and a benchmark must not download it.
 */
function prepareBaseline(work: string): string {
  const dir = path.join(work, "baseline");
  const rootIndexes = new Map<string, Map<string, string>>();
  const namespaceOf = (provider: string, module: string): string => {
    let index = rootIndexes.get(provider);
    if (index === undefined) {
      index = new Map();
      const dts = fs.readFileSync(path.join(ROOT, "node_modules", "@cdktf", `provider-${provider}`, "lib", "index.d.ts"), "utf8");
      for (const m of dts.matchAll(/export \* as (\w+) from '\.\/([\w-]+)'/g)) {
        index.set(m[2], m[1]);
      }
      rootIndexes.set(provider, index);
    }
    const name = index.get(module);
    if (name === undefined) {
      throw new Error(`@cdktf/provider-${provider} has no root export for ./${module}`);
    }
    return name;
  };
  let rewritten = 0;
  const copy = (relative: string): void => {
    const source = fs.readFileSync(path.join(ROOT, relative), "utf8");
    const text = source.replace(
      /import\s+(type\s+)?\{([^}]*)\}\s*from\s*"@cdktf\/provider-(azurerm|azuread|time)\/lib\/([\w-]+)";/g,
      (_all, _type: string | undefined, names: string, provider: string, module: string) => {
        rewritten++;
        const ns = namespaceOf(provider, module);
        const alias = `${ns}_${provider}_root`;
        const lines = [`import { ${ns} as ${alias} } from "@cdktf/provider-${provider}";`];
        for (const spec of names.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
          const [imported, local] = spec.split(/\s+as\s+/);
          lines.push(`import ${local ?? imported} = ${alias}.${imported};`);
        }
        return lines.join("\n");
      },
    );
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), text);
  };
  const walk = (relative: string): void => {
    for (const entry of fs.readdirSync(path.join(ROOT, relative), { withFileTypes: true })) {
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) {
        walk(child);
      } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        copy(child);
      }
    }
  };
  copy("main.ts");
  copy("environments.ts");
  walk("lib");
  if (rewritten === 0) {
    throw new Error("baseline: found no provider sub-module import to rewrite; the sources changed shape");
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.writeFileSync(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({
      extends: path.join(ROOT, "tsconfig.json"),
      compilerOptions: { rootDir: ".", outDir: "dist", types: ["node"], declaration: false },
      files: ["main.ts"],
      include: [],
    }),
  );
  return dir;
}

/** An app of `count` environments, each a copy of the first of ENVIRONMENTS under its own names. */
function prepareManyStacks(work: string, count: number): string {
  const file = path.join(work, "many-stacks.js");
  const dist = path.join(ROOT, "dist");
  fs.writeFileSync(
    file,
    [
      `const { synthEnvironments } = require(${JSON.stringify(path.join(dist, "lib", "synth.js"))});`,
      `const { ENVIRONMENTS } = require(${JSON.stringify(path.join(dist, "environments.js"))});`,
      "const template = ENVIRONMENTS[0];",
      `const environments = Array.from({ length: ${count} }, (_, i) => {`,
      '  const n = String(i).padStart(3, "0");',
      "  return {",
      "    ...template,",
      "    name: `bench${n}`,",
      "    integration: {",
      "      ...template.integration,",
      "      resourceGroupName: `rg-bench-${n}`,",
      "      storageAccountName: `stbench${n}`,",
      "      applicationDisplayName: `Xshield MDE Integration (bench${n})`,",
      "    },",
      "  };",
      "});",
      "synthEnvironments(environments);",
      "",
    ].join("\n"),
  );
  return file;
}

/**
 * The same `count` environments as {@link prepareManyStacks}, built the way a platform team's own
 * program does: `new App()`, one `XshieldMdeStack` each, `app.synth()` — without
 * `synthEnvironments`, so cdktf records every token's call stack and runs its cross-stack pass.
 */
function preparePlainApp(work: string, count: number): string {
  const file = path.join(work, "plain-app.js");
  const dist = path.join(ROOT, "dist");
  fs.writeFileSync(
    file,
    [
      `const { App } = require(${JSON.stringify(require.resolve("cdktf", { paths: [ROOT] }))});`,
      `const { XshieldMdeStack } = require(${JSON.stringify(path.join(dist, "lib", "xshield-mde-stack.js"))});`,
      `const { ENVIRONMENTS } = require(${JSON.stringify(path.join(dist, "environments.js"))});`,
      "const { name: _name, ...template } = ENVIRONMENTS[0];",
      "const app = new App();",
      `for (let i = 0; i < ${count}; i++) {`,
      '  const n = String(i).padStart(3, "0");',
      "  new XshieldMdeStack(app, `bench${n}`, {",
      "    ...template,",
      "    integration: {",
      "      ...template.integration,",
      "      resourceGroupName: `rg-bench-${n}`,",
      "      storageAccountName: `stbench${n}`,",
      "      applicationDisplayName: `Xshield MDE Integration (bench${n})`,",
      "    },",
      "  });",
      "}",
      "app.synth();",
      "",
    ].join("\n"),
  );
  return file;
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const cdktfJson = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string };
  if (!fs.existsSync(path.join(ROOT, "dist", "lib", "app.js"))) {
    throw new Error("dist/lib/app.js is missing; run the benchmark with `npm run bench`, which builds first.");
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-bench-"));
  try {
    run(options, cdktfJson.app, work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function run(options: Options, appCommand: string, work: string): void {
  const preload = path.join(work, "report-usage.js");
  fs.writeFileSync(
    preload,
    [
      '"use strict";',
      "process.on('exit', () => {",
      "  const file = process.env.BENCH_USAGE_FILE;",
      "  if (!file) return;",
      "  const u = process.resourceUsage();",
      // maxRSS is in kilobytes (KiB); CPU times in microseconds.
      "  require('fs').appendFileSync(file, `${u.maxRSS * 1024} ${(u.userCPUTime + u.systemCPUTime) / 1000}\\n`);",
      "});",
      "",
    ].join("\n"),
  );
  const baselineDir = prepareBaseline(work);
  const manyStacks = prepareManyStacks(work, options.stacks);
  const plainApp = preparePlainApp(work, options.stacks);
  let expectedStacks: string[] | undefined;

  const rows: Row[] = [
    {
      key: "floor",
      label: "floor: node -e 'require(\"cdktf\")'",
      what: "start node and load cdktf, nothing else",
      steps: () => ({ steps: [{ command: `node -e 'require("cdktf")'`, cwd: ROOT }], check: () => undefined }),
    },
    {
      key: "app",
      label: `app command: ${appCommand}`,
      what: "cdktf.json's app, run as `cdktf synth` runs it (shell, CDKTF_OUTDIR=<temp>, cwd = project): ENVIRONMENTS of environments.ts",
      steps: (runDir) => {
        const outdir = path.join(runDir, "out");
        return {
          steps: [{ command: appCommand, cwd: ROOT, env: cliEnvironment(outdir) }],
          check: () => {
            const names = synthesizedStacks(outdir);
            if (expectedStacks !== undefined && names.join() !== expectedStacks.join()) {
              throw new Error(`stacks ${names.join()} differ from an earlier run's ${expectedStacks.join()}`);
            }
            expectedStacks = names;
          },
        };
      },
    },
    {
      key: "many",
      label: `${options.stacks}-stack app`,
      what: `synthEnvironments() of the compiled lib, as main.ts calls it, with ${options.stacks} environments (copies of the first environment, storage accounts stbench000…)`,
      steps: (runDir) => {
        const outdir = path.join(runDir, "out");
        return {
          steps: [{ command: `node ${shellQuote(manyStacks)}`, cwd: ROOT, env: cliEnvironment(outdir) }],
          check: () => {
            const count = synthesizedStacks(outdir).length;
            if (count !== options.stacks) {
              throw new Error(`synthesized ${count} stacks, expected ${options.stacks}`);
            }
          },
        };
      },
    },
    {
      key: "plain",
      label: `${options.stacks}-stack plain App`,
      what: `the same ${options.stacks} environments in a plain program: new App(), new XshieldMdeStack(...) each, app.synth() (token call stacks recorded, cdktf's cross-stack pass run)`,
      steps: (runDir) => {
        const outdir = path.join(runDir, "out");
        return {
          steps: [{ command: `node ${shellQuote(plainApp)}`, cwd: ROOT, env: cliEnvironment(outdir) }],
          check: () => {
            const count = synthesizedStacks(outdir).length;
            if (count !== options.stacks) {
              throw new Error(`synthesized ${count} stacks, expected ${options.stacks}`);
            }
          },
        };
      },
    },
    {
      key: "baseline",
      label: "naive template baseline",
      what:
        "the same sources with provider imports from the package roots, type-checked and compiled by tsc, then run by node " +
        "(stands in for `npx ts-node main.ts`, which type-checks too); its output must equal the app command's",
      steps: (runDir) => {
        const outdir = path.join(runDir, "out");
        const tsc = path.join(ROOT, "node_modules", "typescript", "bin", "tsc");
        return {
          steps: [
            { command: `node ${shellQuote(tsc)} -p tsconfig.json`, cwd: baselineDir },
            { command: "node dist/main.js", cwd: baselineDir, env: cliEnvironment(outdir) },
          ],
          check: () => {
            const names = synthesizedStacks(outdir);
            const reference = path.join(work, "reference");
            for (const name of names) {
              const file = path.join("stacks", name, "cdk.tf.json");
              const ours = fs.readFileSync(path.join(reference, file), "utf8");
              if (fs.readFileSync(path.join(outdir, file), "utf8") !== ours) {
                throw new Error(`baseline ${file} differs from the app command's; the baseline is not the same app`);
              }
            }
          },
        };
      },
    },
  ];

  const timeOne = (row: Row, runDir: string): Sample => {
    fs.mkdirSync(runDir, { recursive: true });
    const usageFile = path.join(runDir, "usage.txt");
    const { steps, check } = row.steps(runDir);
    let wallMs = 0;
    for (const step of steps) {
      const env = { ...(step.env ?? cliEnvironment(path.join(runDir, "unused"))) };
      env.NODE_OPTIONS = `--max-old-space-size=4096 --require "${preload}"`;
      env.BENCH_USAGE_FILE = usageFile;
      const start = process.hrtime.bigint();
      const result = spawnSync(step.command, { shell: true, cwd: step.cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
      wallMs += Number(process.hrtime.bigint() - start) / 1e6;
      if (result.status !== 0) {
        throw new Error(
          `${row.label}: \`${step.command}\` exited with ${result.status ?? result.signal}\n${result.stdout}${result.stderr}`,
        );
      }
      if (row.key !== "baseline" && (result.stdout.trim() !== "" || result.stderr.trim() !== "")) {
        throw new Error(`${row.label}: printed output, expected none:\n${result.stdout}${result.stderr}`);
      }
    }
    check();
    const usage = fs
      .readFileSync(usageFile, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ").map(Number));
    fs.rmSync(runDir, { recursive: true, force: true });
    return {
      wallMs,
      peakBytes: Math.max(...usage.map(([rss]) => rss)),
      cpuMs: usage.reduce((sum, [, cpu]) => sum + cpu, 0),
    };
  };

  const cpus = os.cpus();
  process.stdout.write(
    `xshield-mde-cdktf benchmark: ${options.runs} rounds after 1 warm-up; in each round every row runs right after a floor run of its own ` +
      `(the naive baseline in the first ${Math.min(BASELINE_ROUNDS, options.runs)} rounds only)\n` +
      `machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? "unknown CPU"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${os.platform()} ${os.release()}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}\n\n`,
  );

  // Warm-up: fills the page cache, lets the app command rebuild dist/ if its sources changed, and
  // gives the baseline its reference output.
  const floorRow = rows[0];
  const samples = new Map<Row["key"], Sample[]>(rows.map((r) => [r.key, []]));
  /** Per row, the ratio of each run to the floor run just before it. */
  const ratios = new Map<Row["key"], number[]>(rows.map((r) => [r.key, []]));
  for (const row of rows) {
    if (row.key === "baseline") {
      const outdir = path.join(work, "reference");
      const env = cliEnvironment(outdir);
      const result = spawnSync(appCommand, { shell: true, cwd: ROOT, env, encoding: "utf8" });
      if (result.status !== 0) {
        throw new Error(`app command failed:\n${result.stdout}${result.stderr}`);
      }
    }
    timeOne(row, path.join(work, `warmup-${row.key}`));
  }
  for (let round = 0; round < options.runs; round++) {
    for (const row of rows.slice(1)) {
      if (row.key === "baseline" && round >= BASELINE_ROUNDS) {
        continue;
      }
      const floor = timeOne(floorRow, path.join(work, `run-${round}-${row.key}-floor`));
      const sample = timeOne(row, path.join(work, `run-${round}-${row.key}`));
      samples.get("floor")?.push(floor);
      samples.get(row.key)?.push(sample);
      ratios.get(row.key)?.push(sample.wallMs / floor.wallMs);
      if (process.stderr.isTTY) {
        process.stderr.write(".");
      }
    }
  }
  if (process.stderr.isTTY) {
    process.stderr.write("\n");
  }

  const stat = (key: Row["key"]) => {
    const list = samples.get(key) ?? [];
    const r = [...(ratios.get(key) ?? [])].sort((a, b) => a - b);
    return {
      wall: median(list.map((s) => s.wallMs)),
      min: Math.min(...list.map((s) => s.wallMs)),
      max: Math.max(...list.map((s) => s.wallMs)),
      peak: median(list.map((s) => s.peakBytes)),
      peakMax: Math.max(...list.map((s) => s.peakBytes)),
      cpu: median(list.map((s) => s.cpuMs)),
      runs: list.length,
      ratio: r.length === 0 ? 1 : median(r),
      ratioSpread: r.length === 0 ? "" : `${r[0].toFixed(2)}–${r[r.length - 1].toFixed(2)}`,
      ratioMiddle: r.length === 0 ? "" : `${quantile(r, 0.25).toFixed(2)}–${quantile(r, 0.75).toFixed(2)}`,
    };
  };
  const mb = (bytes: number) => bytes / 1e6;
  const lines: string[] = [];
  const header = ["row", "runs", "median", "min–max", "cpu", "peak RSS (max)", "× floor", "pairs min–max", "middle half"];
  const table: string[][] = rows.map((row) => {
    const s = stat(row.key);
    const isFloor = row.key === "floor";
    return [
      row.label,
      `${s.runs}`,
      `${(s.wall / 1000).toFixed(3)} s`,
      `${(s.min / 1000).toFixed(2)}–${(s.max / 1000).toFixed(2)} s`,
      `${(s.cpu / 1000).toFixed(2)} s`,
      `${mb(s.peak).toFixed(0)} MB (${mb(s.peakMax).toFixed(0)})`,
      isFloor ? "1.00" : s.ratio.toFixed(2),
      isFloor ? "" : s.ratioSpread,
      isFloor ? "" : s.ratioMiddle,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  lines.push(format(header), widths.map((w) => "-".repeat(w)).join("  "), ...table.map(format), "");
  lines.push(
    "Times: wall time from spawn to exit, median of the runs (min–max); cpu = user+sys of the row's node processes, median.",
    "× floor: median over the rounds of the run's wall time / the wall time of the floor run just before it; pairs min–max and middle half (25th–75th percentile) of those ratios.",
    "Peak RSS: largest maxRSS of the row's node processes, median of the runs (max of the runs); MB = 10^6 bytes.",
  );
  for (const row of rows) {
    lines.push(`  ${row.key.padEnd(8)} ${row.what}`);
  }
  lines.push("");

  const app = stat("app");
  const many = stat("many");
  const plain = stat("plain");
  const baseline = stat("baseline");
  const checks = [
    { name: `app command ≤ ${TARGETS.appCommandRatio}× floor`, value: `${app.ratio.toFixed(2)}× (pairs ${app.ratioSpread})`, pass: app.ratio <= TARGETS.appCommandRatio },
    { name: `${options.stacks}-stack app ≤ ${TARGETS.manyStacksRatio}× floor`, value: `${many.ratio.toFixed(2)}× (pairs ${many.ratioSpread})`, pass: many.ratio <= TARGETS.manyStacksRatio },
    { name: `${options.stacks}-stack app peak RSS ≤ ${TARGETS.manyStacksPeakMb} MB`, value: `${mb(many.peak).toFixed(0)} MB`, pass: mb(many.peak) <= TARGETS.manyStacksPeakMb },
    { name: `${options.stacks}-stack plain App ≤ ${TARGETS.plainAppRatio}× floor`, value: `${plain.ratio.toFixed(2)}× (pairs ${plain.ratioSpread})`, pass: plain.ratio <= TARGETS.plainAppRatio },
  ];
  lines.push("Targets (each decided by the median of its per-pair ratios):");
  for (const c of checks) {
    lines.push(`  ${c.pass ? "PASS" : "FAIL"}  ${c.name}: ${c.value}`);
  }
  lines.push(
    `  info  stretch: ${options.stacks}-stack plain App ≤ ${TARGETS.plainAppStretchRatio}× floor: ${plain.ratio <= TARGETS.plainAppStretchRatio ? "met" : "not met"} (${plain.ratio.toFixed(2)}×)`,
    `  info  naive template baseline / app command: ${(baseline.wall / app.wall).toFixed(1)}× slower, ` +
      `${(baseline.peak / app.peak).toFixed(1)}× the memory`,
  );
  lines.push(`load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  if (checks.some((c) => !c.pass)) {
    process.exitCode = 1;
  }
}

/** The q-quantile of sorted values, by linear interpolation between the closest ranks. */
function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low] + (sorted[high] - sorted[low]) * (at - low);
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
