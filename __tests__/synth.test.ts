import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { buildApp, EnvironmentConfig, EnvironmentError } from "../lib/app";
import { SecureBaselineError } from "../lib/guard";
import { describeSynthFailure, synthEnvironments } from "../lib/synth";
import { XshieldValidationError } from "../lib/validation";
import { VALID_PROPS } from "./support/synth";

const ENVS: EnvironmentConfig[] = [
  { name: "dev", integration: VALID_PROPS },
  { name: "prod", integration: { ...VALID_PROPS, storageAccountName: "stprod", allowedIpRanges: [] } },
];

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "xshield-synth-"));
}

/** Every file under `dir`, as relative path -> content. */
function filesOf(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.set(path.relative(dir, full), fs.readFileSync(full, "utf8"));
    }
  };
  walk(dir);
  return out;
}

describe("synthEnvironments", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };

  test("captures no call stack while it synthesizes, unless tokenTraces or XSHIELD_TOKEN_TRACES=1 asks for them", () => {
    // What an error made during synthesis carries: the stack cdktf would record for each token.
    const stacks: (string | undefined)[] = [];
    const spy = jest.spyOn(App.prototype, "synth").mockImplementation(() => {
      stacks.push(new Error("probe").stack);
    });
    const saved = process.env.XSHIELD_TOKEN_TRACES;
    try {
      delete process.env.XSHIELD_TOKEN_TRACES;
      synthEnvironments(ENVS, { outdir: dir(), onWarning: () => undefined });
      synthEnvironments(ENVS, { outdir: dir(), onWarning: () => undefined, tokenTraces: true });
      process.env.XSHIELD_TOKEN_TRACES = "1";
      synthEnvironments(ENVS, { outdir: dir(), onWarning: () => undefined });
      synthEnvironments(ENVS, { outdir: dir(), onWarning: () => undefined, tokenTraces: false });
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.XSHIELD_TOKEN_TRACES;
      else process.env.XSHIELD_TOKEN_TRACES = saved;
    }
    expect(stacks.map((s) => s !== undefined)).toEqual([false, true, true, false]);
    expect(new Error("after").stack).toBeDefined();
  });

  test("writes to cdktf.out, or to CDKTF_OUTDIR when the cdktf CLI sets it, and prints warnings only without the CLI", () => {
    const cwd = process.cwd();
    const saved = process.env.CDKTF_OUTDIR;
    const printed = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      process.chdir(dir());
      delete process.env.CDKTF_OUTDIR;
      synthEnvironments(ENVS);
      expect(fs.existsSync(path.join("cdktf.out", "stacks", "prod", "cdk.tf.json"))).toBe(true);
      // prod allows no IP range: that warning is printed once, under its environment.
      expect(printed.mock.calls.map(([text]) => String(text)).filter((t) => t.startsWith("warning [prod]"))).toHaveLength(1);
      printed.mockClear();
      process.env.CDKTF_OUTDIR = "from-cli";
      synthEnvironments(ENVS);
      expect(fs.existsSync(path.join("from-cli", "stacks", "prod", "cdk.tf.json"))).toBe(true);
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
      process.chdir(cwd);
      if (saved === undefined) delete process.env.CDKTF_OUTDIR;
      else process.env.CDKTF_OUTDIR = saved;
    }
  });

  test("writes what buildApp(...).synth() writes; without token traces the manifest also holds no machine paths", () => {
    const plain = dir();
    buildApp(ENVS, { outdir: plain }).synth();
    const fast = dir();
    synthEnvironments(ENVS, { outdir: fast, onWarning: () => undefined });
    const traced = dir();
    synthEnvironments(ENVS, { outdir: traced, onWarning: () => undefined, tokenTraces: true });
    // The manifest differs only in the call stacks of annotations, which only traces record.
    const withoutTraces = (files: Map<string, string>) => {
      const manifest = JSON.parse(files.get("manifest.json") ?? "{}") as { stacks: Record<string, { annotations: { stacktrace?: string[] }[] }> };
      Object.values(manifest.stacks).forEach((stack) => stack.annotations.forEach((a) => delete a.stacktrace));
      return new Map([...files, ["manifest.json", JSON.stringify(manifest)]]);
    };
    const expected = filesOf(plain);
    expect([...expected.keys()].sort()).toEqual(["manifest.json", "stacks/dev/cdk.tf.json", "stacks/prod/cdk.tf.json"]);
    expect(withoutTraces(filesOf(traced))).toEqual(withoutTraces(expected));
    expect(withoutTraces(filesOf(fast))).toEqual(withoutTraces(expected));
    expect(filesOf(fast).get("manifest.json")).not.toContain(process.cwd());
  });

  test("puts Error.stackTraceLimit back afterwards, so stacks are captured again, also when synthesis fails", () => {
    const before = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
    let seenDuringSynthesis: unknown = "not called";
    synthEnvironments(ENVS, {
      outdir: dir(),
      onWarning: () => {
        const probe: { stack?: string } = {};
        Error.captureStackTrace(probe);
        seenDuringSynthesis = probe.stack;
      },
    });
    // Warnings are reported after synthesis: stacks are captured again by then.
    expect(typeof seenDuringSynthesis).toBe("string");
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toEqual(before);

    // An outdir that is a file makes the write fail inside synthesis.
    const file = path.join(dir(), "not-a-folder");
    fs.writeFileSync(file, "");
    let thrown: unknown;
    try {
      synthEnvironments(ENVS, { outdir: file, onWarning: () => undefined });
    } catch (error) {
      thrown = error;
    }
    expect(String((thrown as { message?: string }).message)).toMatch(/ENOTDIR|EEXIST|not a directory/);
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toEqual(before);
    expect(new Error("after").stack).toMatch(/synth\.test\.ts/);
  });

  test("reports each warning once, under its environment", () => {
    const warnings: string[] = [];
    synthEnvironments(ENVS, { outdir: dir(), onWarning: (w) => warnings.push(w) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[prod\] prod\/integration: .*allowedIpRanges/);
  });

  test("reports every failing environment in one error, and writes nothing", () => {
    const out = dir();
    const bad: EnvironmentConfig[] = [
      { name: "dev", integration: { ...VALID_PROPS, queueName: "a--b" } },
      { name: "prod", integration: { ...VALID_PROPS, location: "mars!" } },
    ];
    expect(() => synthEnvironments(bad, { outdir: out })).toThrow(/environment "dev": [\s\S]*queueName[\s\S]*environment "prod": [\s\S]*location/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe("describeSynthFailure", () => {
  test("gives only the message of the library's own errors", () => {
    expect(describeSynthFailure(new EnvironmentError([{ environment: "dev", message: "bad" }]))).toBe(
      '1 environment(s) failed:\nenvironment "dev": bad',
    );
    expect(describeSynthFailure(new XshieldValidationError("X", ["p"]))).not.toMatch(/\n\s+at /);
    expect(describeSynthFailure(new SecureBaselineError("weakened"))).toBe("weakened");
  });

  test("keeps the stack trace of anything else, or says how to get it", () => {
    expect(describeSynthFailure(new TypeError("boom"))).toMatch(/^TypeError: boom\n\s+at /);
    const stackless = new TypeError("boom");
    stackless.stack = undefined;
    expect(describeSynthFailure(stackless)).toMatch(/XSHIELD_TOKEN_TRACES=1/);
    expect(describeSynthFailure("plain")).toBe("plain");
  });
});

describe("synthEnvironments and cdktf's cross-stack pass", () => {
  test("its stacks skip the pass, which has nothing to find in them", () => {
    const fullPasses = jest.spyOn(TerraformStack.prototype, "prepareStack");
    try {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-synth-"));
      synthEnvironments(ENVS, { outdir, onWarning: () => undefined });
      fs.rmSync(outdir, { recursive: true, force: true });
      expect(fullPasses).not.toHaveBeenCalled();
    } finally {
      fullPasses.mockRestore();
    }
  });
});
