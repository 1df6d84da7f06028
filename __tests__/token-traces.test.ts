import * as fs from "fs";
import * as path from "path";
import { Lazy, TerraformStack, Testing, Tokenization } from "cdktf";
import { Construct } from "constructs";

// jest.config.js maps every relative `stack-trace` module to a stub that captures nothing, because
// cdktf and constructs capture the full call stack of every token and metadata entry, which is
// slow under jest's source maps. These tests fail the day cdktf or constructs change under that
// mapping: the modules move, another module of theirs is caught by the pattern, or the stub is no
// longer what their code calls.

const config = require("../jest.config.js") as { moduleNameMapper: { [pattern: string]: string } };
const [pattern, target] = Object.entries(config.moduleNameMapper).find(([, t]) => t.endsWith("no-token-traces.js"))!;
const mapped = new RegExp(pattern);

/** Every `require("…")` of a relative module in the package's compiled lib/, as [file, specifier]. */
function relativeRequires(pkg: string): [string, string][] {
  const root = path.dirname(require.resolve(`${pkg}/package.json`));
  const found: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.name.endsWith(".js")) {
        for (const m of fs.readFileSync(full, "utf8").matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
          found.push([path.relative(root, full), m[1]]);
        }
      }
    }
  };
  walk(path.join(root, "lib"));
  return found;
}

describe.each(["cdktf", "constructs"])("%s's stack-trace module", (pkg) => {
  const caught = relativeRequires(pkg).filter(([, specifier]) => mapped.test(specifier));

  test("the mapping catches only its stack-trace module, which is required where tokens and metadata are made", () => {
    const root = path.dirname(require.resolve(`${pkg}/package.json`));
    const resolved = new Set(caught.map(([file, specifier]) => path.relative(root, path.resolve(root, path.dirname(file), specifier))));
    expect([...resolved]).toEqual([pkg === "cdktf" ? "lib/tokens/private/stack-trace" : "lib/private/stack-trace"]);
    expect(caught.map(([file]) => file)).toContain(pkg === "cdktf" ? "lib/tokens/lazy.js" : "lib/construct.js");
  });

  test("the real module exports captureStackTrace and captures frames; the stub exports the same name and captures none", () => {
    const root = path.dirname(require.resolve(`${pkg}/package.json`));
    const real = jest.requireActual<{ captureStackTrace: () => string[] }>(
      path.join(root, pkg === "cdktf" ? "lib/tokens/private/stack-trace.js" : "lib/private/stack-trace.js"),
    );
    expect(real.captureStackTrace().length).toBeGreaterThan(0);
    const stub = jest.requireActual<{ [name: string]: unknown }>(target.replace("<rootDir>", path.join(__dirname, "..")));
    expect(Object.keys(stub)).toEqual(["captureStackTrace"]);
    expect((stub.captureStackTrace as () => string[])()).toEqual([]);
  });
});

test("under jest, tokens and construct metadata carry no call stack (the mapping is in effect)", () => {
  const stack = new TerraformStack(Testing.app(), "traces");
  const child = new Construct(stack, "child");
  child.node.addMetadata("probe", "value", { stackTrace: true });
  expect(child.node.metadata.map((m) => m.trace)).toEqual([[]]);
  // A token's creation stack is what cdktf shows for a token that fails to resolve.
  const [token] = Tokenization.reverseString(Lazy.stringValue({ produce: () => "x" })).tokens;
  expect(token.creationStack).toEqual([]);
});
