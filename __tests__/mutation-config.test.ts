// What docs/mutation-testing.md promises about `npm run mutation`: every file of lib/ is mutated
// in exactly one pass, and only message wording is left out of the score.
import { execFileSync } from "child_process";
import { readdirSync, readFileSync } from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");

/** Runs a snippet of ES module code in a fresh node and returns what it prints as JSON. */
function evaluate(code: string): unknown {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out);
}

describe("the passes of npm run mutation", () => {
  const passes = evaluate(
    'import { PASSES } from "./tools/mutation-passes.mjs"; console.log(JSON.stringify(PASSES));',
  ) as { name: string; mutate: string[]; tests: string[] }[];

  it("mutate every file of lib/, each in one pass", () => {
    const mutated = passes.flatMap((p) => p.mutate).sort();
    const files = (readdirSync(path.join(ROOT, "lib"), { recursive: true }) as string[])
      .filter((f) => f.endsWith(".ts"))
      .map((f) => `lib/${f.split(path.sep).join("/")}`)
      .sort();
    expect(mutated).toEqual(files);
  });

  it("name only suites that exist", () => {
    const suites = new Set(
      (readdirSync(path.join(ROOT, "__tests__"), { recursive: true }) as string[])
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => f.split(path.sep).join("/").replace(/\.test\.ts$/, "")),
    );
    for (const pass of passes) {
      for (const name of pass.tests) {
        expect(suites).toContain(name);
      }
    }
  });
});

describe("the message-wording ignorer", () => {
  const prose = (texts: string[]) =>
    evaluate(
      `import { isProse } from "./tools/stryker-message-wording.mjs"; console.log(JSON.stringify(${JSON.stringify(texts)}.map(isProse)));`,
    ) as boolean[];

  it("leaves out the wording of messages", () => {
    const sentences = [
      "must be a whole number from 1 to 24",
      ", but it ",
      "Secure baseline violated in ",
      " addresses through the storage firewall; ",
      "Copy it from `az monitor action-group show`.",
    ];
    expect(prose(sentences)).toEqual(sentences.map(() => true));
  });

  it("still mutates values, names and paths, which decide what is written or checked", () => {
    const values = [
      "TLS1_2",
      "AzureServices",
      "Storage Blob Data Reader",
      "Storage Queue Data Message Processor",
      "min_tls_version",
      "Microsoft.Storage.BlobCreated",
      "/queueServices/default/queues/",
      "SelectedNetworks",
      "",
      "P1D",
    ];
    expect(prose(values)).toEqual(values.map(() => false));
  });
});

describe("Stryker disable regions in lib/", () => {
  // Stryker reads a directive only where it leads a statement, property or declaration. A
  // "restore all" that only trails a block (a closing bracket comes next) is not read, and the
  // region then runs on to the next restore that is, silently leaving verdict code unmutated.
  /** Where in lib/ a line (given with the lines after it) matches `found`: "lib/<file>:<line>". */
  function linesOfLib(found: (line: string, after: string[]) => boolean): string[] {
    const at: string[] = [];
    for (const file of readdirSync(path.join(ROOT, "lib")).filter((f) => f.endsWith(".ts"))) {
      const lines = readFileSync(path.join(ROOT, "lib", file), "utf8").split("\n");
      lines.forEach((line, i) => {
        if (found(line, lines.slice(i + 1))) {
          at.push(`lib/${file}:${i + 1}`);
        }
      });
    }
    return at;
  }

  test("every restore leads code, so each region ends where it says", () => {
    const trailing = linesOfLib((line, after) => {
      if (!/\/\/\s*Stryker restore all/.test(line)) {
        return false;
      }
      const next = after.find((l) => l.trim() !== "");
      return next === undefined || /^[})\]]/.test(next.trim());
    });
    expect(trailing).toEqual([]);
  });

  // docs/mutation-testing.md: every mutant left out is left out with its reason next to the code,
  // and Stryker's report carries that reason (the text after the colon).
  test("every disable gives its reason", () => {
    const silent = linesOfLib((line) => {
      const directive = /\/\/\s*Stryker disable(?: next-line)? [A-Za-z, ]+(?::(.*))?$/.exec(line);
      return directive !== null && (directive[1] ?? "").trim().length < 10;
    });
    expect(silent).toEqual([]);
  });
});
