import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import {
  capLines,
  compareWithGolden,
  goldenEnvironments,
  goldenFile,
  GOLDEN_UPDATE_COMMAND,
  jsonDiff,
  projectRoot,
  synthesizeEnvironments,
} from "../tools/golden";


describe("golden synthesized Terraform (review every change to it)", () => {
  test("every environment has a golden file, and every golden file has an environment", () => {
    const environments = ENVIRONMENTS.map((e) => e.name).sort();
    const golden = goldenEnvironments();
    const missing = environments.filter((e) => !golden.includes(e));
    const orphaned = golden.filter((g) => !environments.includes(g));
    const problems = [
      ...missing.map((e) => `environment "${e}" has no __tests__/golden/${e}.tf.json`),
      ...orphaned.map((g) => `__tests__/golden/${g}.tf.json belongs to no environment in environments.ts`),
    ];
    if (problems.length > 0) {
      throw new Error(`${problems.join("\n")}\nRun: ${GOLDEN_UPDATE_COMMAND}`);
    }
  });

  test.each(ENVIRONMENTS.map((e) => e.name))("%s synthesizes byte for byte to its golden file", (env) => {
    const file = goldenFile(env);
    if (!fs.existsSync(file)) {
      throw new Error(`no golden file for "${env}". Run: ${GOLDEN_UPDATE_COMMAND}`);
    }
    // Synthesized in the test itself, so a mutation test attributes the code it runs to it.
    const synthesized = synthesizeEnvironments(ENVIRONMENTS.filter((e) => e.name === env));
    const report = compareWithGolden(env, fs.readFileSync(file, "utf8"), synthesized.get(env) as string);
    if (report !== undefined) {
      throw new Error(report);
    }
  });
});

describe("synthesis is deterministic and free of machine-specific values", () => {
  const tmpRoots: string[] = [];
  const tempDir = (prefix: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    tmpRoots.push(dir);
    return dir;
  };
  afterAll(() => tmpRoots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  test("two synths in different folders, from different working directories, are byte identical", () => {
    const outA = tempDir("xshield-synth-a-");
    const outB = tempDir("xshield-synth-b-");
    const first = synthesizeEnvironments(ENVIRONMENTS, outA);
    const cwd = process.cwd();
    let second: Map<string, string>;
    try {
      process.chdir(tempDir("xshield-cwd-"));
      second = synthesizeEnvironments(ENVIRONMENTS, outB);
    } finally {
      process.chdir(cwd);
    }
    for (const env of ENVIRONMENTS.map((e) => e.name)) {
      expect(second.get(env)).toBe(first.get(env));
      expect(first.get(env)).toBe(fs.readFileSync(goldenFile(env), "utf8"));
      // What lands on disk is what the golden test compares.
      expect(fs.readFileSync(path.join(outA, "stacks", env, "cdk.tf.json"), "utf8")).toBe(first.get(env));
    }
  });

  test.each(ENVIRONMENTS.map((e) => e.name))("%s holds no absolute path and no timestamp", (env) => {
    const text = synthesizeEnvironments(ENVIRONMENTS.filter((e) => e.name === env)).get(env) as string;
    const forbidden = [projectRoot(), process.cwd(), os.tmpdir(), os.homedir(), "/home/", "/tmp/", "/work/", "C:\\\\"];
    for (const needle of forbidden) {
      expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
    }
    // ISO 8601 / RFC 3339 date-times and epoch-millisecond-like numbers.
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/);
    expect(text).not.toMatch(/\b1[6-9]\d{11}\b/);
  });
});

describe("the golden diff is short and readable", () => {
  test("shows changed, added and removed values by JSON path", () => {
    const before = { resource: { azurerm_storage_account: { sa: { min_tls_version: "TLS1_2", tags: { a: "1" } } } } };
    const after = {
      resource: { azurerm_storage_account: { sa: { min_tls_version: "TLS1_0", sftp_enabled: true, tags: {} } } },
    };
    expect(jsonDiff(before, after)).toEqual([
      '~ resource.azurerm_storage_account.sa.min_tls_version: "TLS1_2" -> "TLS1_0"',
      "+ resource.azurerm_storage_account.sa.sftp_enabled: true",
      '- resource.azurerm_storage_account.sa.tags.a: "1"',
    ]);
  });

  test("names array elements by index and odd keys in brackets", () => {
    expect(jsonDiff({ list: ["a", "b"], "x.y": 1 }, { list: ["a"], "x.y": 2 })).toEqual([
      '- list[1]: "b"',
      '~ ["x.y"]: 1 -> 2',
    ]);
  });

  test("caps the listing and ends with the update command", () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    const report = compareWithGolden("dev", JSON.stringify({}), JSON.stringify(many), 40) as string;
    const lines = report.split("\n");
    expect(lines.length).toBe(1 + 40 + 1 + 1);
    expect(lines[41]).toBe("… and 60 more difference(s)");
    expect(lines[lines.length - 1]).toBe(`If every change is intended, review it and run: ${GOLDEN_UPDATE_COMMAND}`);
    expect(capLines(["a"], 40)).toEqual(["a"]);
  });

  test("a formatting-only change is reported as such", () => {
    const report = compareWithGolden("dev", '{"a":1}', '{\n  "a": 1\n}') as string;
    expect(report).toContain("same content, different bytes");
    expect(compareWithGolden("dev", "{}", "{}")).toBeUndefined();
  });

  test("a real change to a golden file is caught with the path of the change", () => {
    const env = ENVIRONMENTS[0].name;
    const text = fs.readFileSync(goldenFile(env), "utf8");
    const tampered = text.replace('"min_tls_version": "TLS1_2"', '"min_tls_version": "TLS1_0"');
    expect(tampered).not.toBe(text);
    const report = compareWithGolden(env, tampered, text) as string;
    expect(report).toMatch(/~ resource\.azurerm_storage_account\.[^.]+\.min_tls_version: "TLS1_0" -> "TLS1_2"/);
    expect(report.split("\n").length).toBe(3);
  });
});
