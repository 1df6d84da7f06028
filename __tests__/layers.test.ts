import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

// The layers of lib/ never loop back: props ← validation, guard ← construct ← stack ← app ← cli
// (the package's commands). A cycle, even one made only of types, means a reader cannot
// understand one file without the other.

const LIB = join(__dirname, "..", "lib");

/** Every relative import and re-export of each .ts file under lib/, type-only ones included. */
function importGraph(): Map<string, string[]> {
  const files = readdirSync(LIB, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(LIB, f));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = readFileSync(file, "utf8");
    const targets = [...source.matchAll(/(?:import|export)\s[^;]*?from\s+["'](\.{1,2}\/[^"']+)["']/g)]
      .map((m) => resolve(dirname(file), m[1]))
      .map((base) => [`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(f)))
      .filter((f): f is string => f !== undefined && f !== file);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every cycle, as the list of files around it (depth-first search). */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "visiting");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "visiting") {
        found.push(stack.slice(stack.indexOf(next)));
      } else if (state.get(next) === undefined) {
        visit(next);
      }
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) {
    if (state.get(file) === undefined) {
      visit(file);
    }
  }
  return found;
}

describe("lib/ layers", () => {
  const graph = importGraph();

  test("the graph is read from the sources (the checker is not blind)", () => {
    expect(graph.get(join(LIB, "xshield-mde-stack.ts"))).toContain(join(LIB, "xshield-mde-integration.ts"));
    expect(cycles(new Map([["a", ["b"]], ["b", ["a"]]]))).toEqual([["a", "b"]]);
  });

  test("no import cycle", () => {
    expect(cycles(graph).map((cycle) => cycle.map((f) => relative(LIB, f)))).toEqual([]);
  });

  const inCli = (file: string) => relative(LIB, file).startsWith(`cli${sep}`);

  test("props.ts imports nothing from lib/, and nothing in lib/ but the stack, app and cli layers imports the stack", () => {
    expect(graph.get(join(LIB, "props.ts"))).toEqual([]);
    const importersOfStack = [...graph]
      .filter(([file, targets]) => !inCli(file) && targets.includes(join(LIB, "xshield-mde-stack.ts")))
      .map(([f]) => relative(LIB, f));
    expect(importersOfStack.sort()).toEqual(["app.ts", "index.ts", "synth.ts"]);
  });

  test("the commands (lib/cli) are the top layer: nothing else in lib/ imports them, and they import nothing from outside lib/", () => {
    const cliFiles = [...graph.keys()].filter(inCli);
    expect(cliFiles.map((f) => relative(LIB, f))).toContain(join("cli", "bin.ts"));
    expect([...graph].filter(([file, targets]) => !inCli(file) && targets.some(inCli)).map(([f]) => relative(LIB, f))).toEqual([]);
    // The package ships lib/ only: a relative import out of it (environments.ts, tools/) would not be there.
    const outside = cliFiles.flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/from\s+["'](\.{1,2}\/[^"']+)["']/g)]
        .map((m) => resolve(dirname(file), m[1]!))
        .filter((target) => relative(LIB, target).startsWith(".."))
        .map((target) => `${relative(LIB, file)} -> ${relative(LIB, target)}`),
    );
    expect(outside).toEqual([]);
  });
});
