import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformOutput, TerraformStack, Testing } from "cdktf";
import { checkWrittenJson, TerraformJson } from "../lib/written-json";

// What lib/written-json.ts relies on in cdktf. Each test fails if cdktf stops doing it.

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "written-json-"));
}

/** A stack with one output, its checks recording each JSON they were given. */
function recordedStack(app: App): { stack: TerraformStack; seen: TerraformJson[] } {
  const stack = new TerraformStack(app, "s");
  new TerraformOutput(stack, "answer", { value: "41" });
  const seen: TerraformJson[] = [];
  checkWrittenJson(stack, (json) => seen.push(json));
  return { stack, seen };
}

describe("checks on the JSON a stack writes", () => {
  test("app.synth() calls the check once per stack, with exactly the JSON it then writes", () => {
    const outdir = tmp();
    try {
      const app = new App({ outdir, skipValidation: true });
      const { seen } = recordedStack(app);
      app.synth();
      expect(seen).toHaveLength(1);
      const written = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "s", "cdk.tf.json"), "utf8"));
      expect(written).toEqual(JSON.parse(JSON.stringify(seen[0])));
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("the JSON checked is the final one: after aspects and stack-level overrides", () => {
    const app = Testing.app();
    const { stack, seen } = recordedStack(app);
    Aspects.of(stack).add({ visit: (node) => node instanceof TerraformOutput && node.addOverride("value", "42") });
    stack.addOverride("output.answer.description", "set at the stack level");
    Testing.synth(stack);
    expect(seen[0].output).toEqual({ answer: { value: "42", description: "set at the stack level" } });
  });

  test("a check that throws stops app.synth() before the stack's JSON is written", () => {
    const outdir = tmp();
    try {
      const app = new App({ outdir, skipValidation: true });
      const stack = new TerraformStack(app, "s");
      checkWrittenJson(stack, () => {
        throw new Error("refused");
      });
      expect(() => app.synth()).toThrow("refused");
      expect(fs.existsSync(path.join(outdir, "stacks", "s", "cdk.tf.json"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("the HCL path (cdktf synth --hcl, SYNTH_HCL_OUTPUT) runs the check too", () => {
    const outdir = tmp();
    process.env.SYNTH_HCL_OUTPUT = "true";
    try {
      const app = new App({ outdir, skipValidation: true });
      const { seen } = recordedStack(app);
      app.synth();
      expect(seen).toHaveLength(1);
      expect(fs.readFileSync(path.join(outdir, "stacks", "s", "cdk.tf"), "utf8")).toMatch(/output "answer"/);
    } finally {
      delete process.env.SYNTH_HCL_OUTPUT;
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("Testing.synth, with or without validations, and Testing.synthHcl run the check", () => {
    const { stack, seen } = recordedStack(Testing.app());
    Testing.synth(stack);
    Testing.synth(stack, true);
    Testing.synthHcl(stack);
    expect(seen).toHaveLength(3);
  });

  test("several checks on one stack all run, and the stack is wrapped once", () => {
    const { stack, seen } = recordedStack(Testing.app());
    const toTerraform = stack.toTerraform;
    const more: TerraformJson[] = [];
    checkWrittenJson(stack, (json) => more.push(json));
    expect(stack.toTerraform).toBe(toTerraform);
    Testing.synth(stack);
    expect([seen.length, more.length]).toEqual([1, 1]);
  });

  test.each(["toTerraform", "toHclTerraform"] as const)("%s cannot be replaced or deleted once wrapped", (method) => {
    const { stack } = recordedStack(Testing.app());
    const writable = stack as unknown as { [key: string]: unknown };
    const wrapped = writable[method];
    expect(() => {
      writable[method] = () => ({});
    }).toThrow(TypeError);
    expect(() => {
      delete writable[method];
    }).toThrow(TypeError);
    expect(writable[method]).toBe(wrapped);
  });

  test("the checks live in a closure; the one handle on the stack, shared by every copy of this library, only appends", () => {
    // Another copy of the library (a second install, another version) finds the frozen adder under
    // Symbol.for of this name and adds to the checks instead of wrapping the stack a second time.
    const { stack, seen } = recordedStack(Testing.app());
    const key = Symbol.for("xshield-mde-cdktf.addWrittenJsonCheck");
    const add = (stack as unknown as { [key: symbol]: (c: () => void) => void })[key];
    expect({ type: typeof add, frozen: Object.isFrozen(add) }).toEqual({ type: "function", frozen: true });
    expect(Object.getOwnPropertySymbols(stack).filter((s) => s.description?.startsWith("xshield"))).toEqual([key]);
    expect(() => ((stack as unknown as { [key: symbol]: unknown })[key] = () => undefined)).toThrow(TypeError);
    let second = 0;
    add(() => void second++);
    Testing.synth(stack);
    expect({ first: seen.length, second }).toEqual({ first: 1, second: 1 });
  });

  test("the JSON is frozen before any check sees it, so a check cannot change what is written", () => {
    const { stack } = recordedStack(Testing.app());
    checkWrittenJson(stack, (json) => {
      (json as { extra?: unknown }).extra = 1;
    });
    expect(() => Testing.synth(stack)).toThrow(TypeError);
  });

  test("a stack whose toTerraform was already made unchangeable by other code is refused, not left unguarded", () => {
    const stack = new TerraformStack(Testing.app(), "sealed");
    Object.defineProperty(stack, "toTerraform", { value: () => ({}), writable: false, configurable: false });
    expect(() => checkWrittenJson(stack, () => undefined)).toThrow(/cannot judge what it writes/);
  });
});
