/**
 * The package's command, `xshield-mde` (lib/cli/bin.ts), and what its two commands share with
 * this repository's `npm run xshield-values` and `npm run verify`: the commands and flags a user
 * can see, reading a stack with several integrations, and the small things a terminal notices
 * (a bad value named as such, a closed pipe).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HELP, run } from "../lib/cli/bin";
import type { Io } from "../lib/cli/io";
import { VALUES_SWITCHES, VALUES_VALUE_FLAGS, valuesUsage } from "../lib/cli/values";
import { VERIFY_SWITCHES, VERIFY_VALUE_FLAGS, verifyUsage } from "../lib/cli/verify";
import { main as verifyInRepository } from "../tools/verify";
import { USAGE as ADOPT_USAGE, VALUE_FLAGS as ADOPT_VALUE_FLAGS } from "../tools/adopt";
import { writeTypeScriptLoader } from "./support/run-ts";

const ROOT = join(__dirname, "..");
const SECRET = "Zr7~Q.pLmN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT";
const VALUES: { [name: string]: string } = {
  client_id: "11111111-2222-3333-4444-555555555555",
  tenant_id: "66666666-7777-8888-9999-000000000000",
  client_secret: SECRET,
  storage_account_name: "stplatformxshieldemea",
  queue_name: "xshield-mde-events",
  storage_account_id:
    "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-xshield-mde-emea/providers/Microsoft.Storage/storageAccounts/stplatformxshieldemea",
};

let dir: string;
/** `terraform output -json` of a stack with two integrations, EMEA's and Americas' (another queue). */
let outputsFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "xshield-cli-"));
  outputsFile = join(dir, "outputs.json");
  const entries = (prefix: string, values: { [name: string]: string }) =>
    Object.entries(values).map(([name, value]) => [`${prefix}_${name}`, { sensitive: name === "client_secret", type: "string", value }]);
  writeFileSync(outputsFile, JSON.stringify(Object.fromEntries([...entries("emea", VALUES), ...entries("americas", { ...VALUES, queue_name: "q-americas" })])));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bin(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(...l.split("\n")), err: (l) => err.push(...l.split("\n")) };
  const code = await run(argv, io);
  return { code, out, err };
}

describe("xshield-mde", () => {
  test("values: a stack of two integrations, one picked by --prefix, the secret masked", async () => {
    for (const [prefix, queue] of [["emea", "xshield-mde-events"], ["americas", "q-americas"]] as const) {
      const { code, out, err } = await bin(["values", "--outputs-file", outputsFile, "--prefix", prefix]);
      expect({ prefix, code, err }).toEqual({ prefix, code: 0, err: [] });
      expect(out).toContain(`  Storage Queue name:    ${queue}`);
      expect(out).toContain("  Client Secret:         Zr7…(40 chars, hidden; --show-secret to reveal)");
      expect(out.join("\n")).not.toContain(SECRET.slice(3, 11));
      expect(out.at(-1)).toBe(`Read from: ${outputsFile}`);
    }
  });

  test("help, no command, an unknown command", async () => {
    expect(await bin(["help"])).toEqual({ code: 0, out: HELP.split("\n"), err: [] });
    expect(await bin([])).toEqual({ code: 2, out: [], err: ["xshield-mde: which command?", ...HELP.split("\n")] });
    expect((await bin(["verfy"])).err[0]).toBe('xshield-mde: unknown command "verfy".');
    expect((await bin(["values", "--help"])).out.join("\n")).toBe(valuesUsage());
    expect((await bin(["verify", "--help"])).out.join("\n")).toBe(verifyUsage());
  });

  test("a command's problems name the command, the flag and the value", async () => {
    expect((await bin(["values", "--outputs-file", outputsFile, "--prefix", "1x"])).err[0]).toMatch(/^xshield-mde values: --prefix "1x": a prefix of Terraform output names starts with a letter/);
    expect((await bin(["values"])).err[0]).toBe(`xshield-mde values: which stack? ${valuesUsage().split("\n")[0]}`);
  });
});

describe("every flag is documented", () => {
  const HELP_FILE = readFileSync(join(ROOT, "help"), "utf8");
  const commands = [
    { name: "values", flags: [...VALUES_SWITCHES, ...VALUES_VALUE_FLAGS], usage: valuesUsage() },
    { name: "verify", flags: [...VERIFY_SWITCHES, ...VERIFY_VALUE_FLAGS], usage: verifyUsage() },
    { name: "adopt", flags: ["--json", ...Object.keys(ADOPT_VALUE_FLAGS)], usage: ADOPT_USAGE },
  ];

  test.each(commands)("$name: each flag in the help file and in the command's own usage text", ({ flags, usage }) => {
    expect(flags.length).toBeGreaterThan(2);
    const missing = flags.filter((flag) => !new RegExp(`${flag}\\b`).test(HELP_FILE) || !usage.includes(flag));
    expect(missing).toEqual([]);
  });

  test("the nightly job of docs/scheduled-verify.md runs verify with --drift, and each flag it uses exists", () => {
    const doc = readFileSync(join(ROOT, "docs", "scheduled-verify.md"), "utf8");
    const runs = [...doc.matchAll(/npm run --silent verify -- prod ([^>\n`]*)/g)].map((m) => m[1]!.trim());
    expect(runs[0]).toBe("--strict --drift --json");
    const known: readonly string[] = [...VERIFY_SWITCHES, ...VERIFY_VALUE_FLAGS];
    expect(runs.flatMap((run) => run.split(/\s+/).filter((w) => w.startsWith("--") && !known.includes(w)))).toEqual([]);
  });

  test("the help file names the package's command and both ways of calling each tool", () => {
    for (const text of ["npx xshield-mde values", "npx xshield-mde verify", "npm run xshield-values --", "npm run verify --"]) {
      expect([text, HELP_FILE.includes(text)]).toEqual([text, true]);
    }
  });
});

describe("small things a terminal notices", () => {
  test("verify: a bad --max-queue-age-minutes is reported as that, also when the environment is not deployed", async () => {
    const notDeployed = mkdtempSync(join(tmpdir(), "xshield-cli-empty-"));
    try {
      for (const bad of ["abc", "0", "1.5"]) {
        const err: string[] = [];
        const code = await verifyInRepository(["dev", "--max-queue-age-minutes", bad], { out: () => undefined, err: (l) => err.push(l) }, { projectDir: notDeployed, env: {} });
        expect([bad, code, err[0]]).toEqual([bad, 2, `verify: --max-queue-age-minutes must be a whole number of minutes, 1 or more (got "${bad}").`]);
      }
      // …and without the bad value, the same command says what is wrong then.
      const err: string[] = [];
      await verifyInRepository(["dev"], { out: () => undefined, err: (l) => err.push(l) }, { projectDir: notDeployed, env: {} });
      expect(err[0]).toMatch(/^verify: environment "dev" is not deployed/);
    } finally {
      rmSync(notDeployed, { recursive: true, force: true });
    }
  });

  test("values | head: a reader that goes away ends the command quietly, exit code 0, no stack trace", async () => {
    const loader = writeTypeScriptLoader(dir);
    for (const script of [join(ROOT, "lib", "cli", "bin.ts"), join(ROOT, "tools", "xshield-values.ts")]) {
      const args = script.endsWith("bin.ts") ? ["values", "--outputs-file", outputsFile, "--prefix", "emea"] : ["dev", "--outputs-file", outputsFile, "--prefix", "emea"];
      const child = spawn(process.execPath, ["--require", loader, script, ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      // The reader is gone before the command writes its first line: every write meets EPIPE.
      child.stdout.destroy();
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
      expect({ script, code, stderr }).toEqual({ script, code: 0, stderr: "" });
    }
  }, 30_000);
});
