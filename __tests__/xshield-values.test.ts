import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { streamingApiInstructions } from "../lib/xshield-mde-integration";
import { main, maskSecret, USAGE } from "../tools/xshield-values";

const SECRET = "Zr7~Q.pLmN0aB1cD2eF3gH4iJ5kL6mN7oP8qR9sT"; // 40 chars
const ACCOUNT_ID =
  "/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg-xshield-mde-dev/providers/Microsoft.Storage/storageAccounts/stxshieldmdedev";
const VALUES: { [name: string]: string } = {
  client_id: "11111111-2222-3333-4444-555555555555",
  tenant_id: "66666666-7777-8888-9999-000000000000",
  client_secret: SECRET,
  storage_account_name: "stxshieldmdedev",
  queue_name: "xshield-mde-events",
  storage_account_id: ACCOUNT_ID,
  client_secret_expires_at: "2026-05-26T16:53:00Z",
  client_secret_previous_expires_at: "2026-03-01T00:00:00Z",
  client_secret_next_rotation_at: "2026-02-01T00:00:00Z",
  client_secret_slot: "b",
};
const NOW = new Date("2026-01-01T00:00:00Z");

/** Terraform state v4, as the dev environment's local backend leaves it after `cdktf deploy dev`. */
function tfstate(values: { [name: string]: string }): string {
  return JSON.stringify({
    version: 4,
    terraform_version: "1.11.4",
    serial: 12,
    lineage: "0b7e4c1a-9d2f-4e3b-8a6c-5f4e3d2c1b0a",
    outputs: Object.fromEntries(
      Object.entries(values).map(([k, value]) => [
        k,
        k === "client_secret" ? { value, type: "string", sensitive: true } : { value, type: "string" },
      ]),
    ),
    resources: [
      {
        mode: "managed",
        type: "azuread_application_password",
        name: "integration_client-secret_B3AA5D57",
        provider: 'provider["registry.terraform.io/hashicorp/azuread"]',
        instances: [{ schema_version: 1, attributes: { value: values.client_secret }, sensitive_attributes: [] }],
      },
    ],
    check_results: null,
  });
}

const roots: string[] = [];
function deployedProject(values: { [name: string]: string } = VALUES): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-values-"));
  roots.push(dir);
  fs.writeFileSync(path.join(dir, "terraform.dev.tfstate"), tfstate(values));
  return dir;
}
afterAll(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function run(argv: string[], projectDir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, { projectDir, now: NOW });
  return { code, out: out.join("\n"), err: err.join("\n"), errLines: err };
}

/** Every 8-character piece of the secret: none may leak. */
function leaks(text: string): string[] {
  const pieces: string[] = [];
  for (let i = 0; i + 8 <= SECRET.length; i++) {
    if (text.includes(SECRET.slice(i, i + 8))) pieces.push(SECRET.slice(i, i + 8));
  }
  return pieces;
}

describe("npm run xshield-values -- <env>", () => {
  test("prints the five values in the order the Xshield dialog asks for them", () => {
    const { code, out, err } = run(["dev"], deployedProject());
    expect(code).toBe(0);
    expect(err).toBe("");
    const labels = ["Tenant ID:", "Client ID:", "Client Secret:", "Storage Account name:", "Storage Queue name:"];
    const positions = labels.map((l) => out.indexOf(l));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const line = (label: string) => out.split("\n").find((l) => l.trim().startsWith(label)) as string;
    expect(line("Tenant ID:")).toMatch(new RegExp(`${VALUES.tenant_id}$`));
    expect(line("Client ID:")).toMatch(new RegExp(`${VALUES.client_id}$`));
    expect(line("Storage Account name:")).toMatch(/ stxshieldmdedev$/);
    expect(line("Storage Queue name:")).toMatch(/ xshield-mde-events$/);
  });

  test("masks the secret by default: no part of it beyond three characters is printed", () => {
    const { out, err } = run(["dev"], deployedProject());
    expect(out).toContain("Client Secret:");
    expect(out).toContain(`Zr7…(40 chars, hidden; --show-secret to reveal)`);
    expect(out).not.toContain(SECRET);
    expect(leaks(out + err)).toEqual([]);
  });

  test("--show-secret prints it, and warns on stderr", () => {
    const { code, out, err } = run(["dev", "--show-secret"], deployedProject());
    expect(code).toBe(0);
    const secretLine = out.split("\n").find((l) => l.trim().startsWith("Client Secret:")) as string;
    expect(secretLine).toMatch(new RegExp(`: +${SECRET.replace(/[.~]/g, "\\$&")}$`));
    expect(err).toContain("clear text");
    expect(err).not.toContain(SECRET);
  });

  test("then which secret is current and when each expires, then the Streaming API step with the storage account id filled in", () => {
    const { out } = run(["dev"], deployedProject());
    const queue = out.indexOf("Storage Queue name:");
    const expiry = out.indexOf("Client secret (slot B) — the one above, the newest — expires: 2026-05-26T16:53:00Z (in 145 day(s)).");
    expect(out).toContain("The older secret (the other slot) expires: 2026-03-01T00:00:00Z (in 59 day(s)); it keeps working until the next rotation.");
    expect(out).toContain("Next rotation: from 2026-02-01T00:00:00Z (in 31 day(s)) the next apply renews the older secret. Xshield must use the one above by then.");
    const step = out.indexOf(streamingApiInstructions(ACCOUNT_ID));
    expect(queue).toBeGreaterThan(0);
    expect(expiry).toBeGreaterThan(queue);
    expect(step).toBeGreaterThan(expiry);
    expect(out).toContain(`Storage Account Resource ID: ${ACCOUNT_ID}`);
  });

  test("an expired secret says so and how to rotate it", () => {
    const { out } = run(["dev"], deployedProject({ ...VALUES, client_secret_expires_at: "2025-12-30T00:00:00Z" }));
    expect(out).toContain("EXPIRED: 2025-12-30T00:00:00Z (2 day(s) ago)");
    expect(out).toContain("npx cdktf deploy dev");
  });

  test("an overdue rotation says what the next apply does", () => {
    const { out } = run(["dev"], deployedProject({ ...VALUES, client_secret_next_rotation_at: "2025-12-01T00:00:00Z" }));
    expect(out).toContain("Next rotation: due since 2025-12-01T00:00:00Z (31 day(s) ago): an apply is overdue.");
    expect(out).toContain("make sure Xshield already uses the one above");
  });

  test("without the rotation outputs (an older deployment), those lines are left out", () => {
    const { client_secret_expires_at: _a, client_secret_previous_expires_at: _b, client_secret_next_rotation_at: _c, client_secret_slot: _d, ...rest } = VALUES;
    void [_a, _b, _c, _d];
    const { code, out } = run(["dev"], deployedProject(rest));
    expect(code).toBe(0);
    expect(out).not.toMatch(/Client secret.*expires|older secret|Next rotation/);
  });

  test("names the state file it read", () => {
    const dir = deployedProject();
    expect(run(["dev"], dir).out).toContain(`Read from: ${path.join(dir, "terraform.dev.tfstate")}`);
  });

  test("--outputs-file reads cdktf's outputs file, and names it", () => {
    const dir = deployedProject({ ...VALUES, queue_name: "from-state" });
    const file = path.join(dir, "deploy-outputs.json");
    fs.writeFileSync(file, JSON.stringify({ dev: VALUES }, null, 2));
    for (const argv of [["dev", "--outputs-file", file], [`--outputs-file=${file}`, "dev"]]) {
      const { code, out } = run(argv, dir);
      expect(code).toBe(0);
      expect(out).toMatch(/Storage Queue name: +xshield-mde-events/);
      expect(out).toContain(`Read from: ${file}`);
      expect(leaks(out)).toEqual([]);
    }
  });
});

describe("npm run xshield-values errors: one line on stderr, exit code 2", () => {
  const expectError = (result: ReturnType<typeof run>, text: string) => {
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.errLines).toHaveLength(1);
    expect(result.err).toContain(text);
    expect(result.err).not.toMatch(/\n|^\s+at /m);
    expect(leaks(result.err)).toEqual([]);
  };

  test("unknown environment, with the known ones", () => {
    expectError(run(["staging"], deployedProject()), 'unknown environment "staging". Known environments (environments.ts): dev, prod.');
  });

  test("not deployed", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-values-empty-"));
    roots.push(dir);
    expectError(run(["dev"], dir), "npx cdktf deploy dev");
  });

  test("a missing output", () => {
    const { storage_account_id: _omit, ...rest } = VALUES;
    void _omit;
    expectError(run(["dev"], deployedProject(rest)), 'output "storage_account_id" missing');
  });

  test("no environment, an unknown option, or two environments", () => {
    const dir = deployedProject();
    // The usage's first line follows the problem; the rest is --help's.
    expectError(run([], dir), `xshield-values: which environment? ${USAGE.split("\n")[0]}`);
    expectError(run(["dev", "--shw-secret"], dir), "unknown option --shw-secret");
    expectError(run(["dev", "prod"], dir), "one environment at a time");
    expectError(run(["dev", "--outputs-file"], dir), "--outputs-file needs a value");
  });

  test("--help prints the usage", () => {
    const result = run(["--help"], deployedProject());
    expect(result.code).toBe(0);
    expect(result.out).toBe(USAGE);
  });
});

describe("maskSecret", () => {
  test("shows at most three characters, and none of a short value", () => {
    expect(maskSecret("abcdefghijklmnopqrstuvwxyz0123456789ABCD")).toBe("abc…(40 chars, hidden; --show-secret to reveal)");
    expect(maskSecret("short-secret")).toBe("…(12 chars, hidden; --show-secret to reveal)");
  });
});
