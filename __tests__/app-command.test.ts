import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import { goldenFile } from "../tools/golden";

const ROOT = path.join(__dirname, "..");

// The README's first command ends in this: cdktf.json's app, run as the cdktf CLI runs it.
describe("the cdktf.json app command", () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "xshield-app-"));
  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test("synthesizes every environment, byte for byte as reviewed in the golden files, and prints nothing", () => {
    const { app } = JSON.parse(fs.readFileSync(path.join(ROOT, "cdktf.json"), "utf8")) as { app: string };
    // The first run after a source change type-checks and compiles (a few seconds).
    const run = spawnSync(app, { cwd: ROOT, shell: true, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir }, timeout: 120_000 });
    expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }).toEqual({ status: 0, stderr: "", stdout: "" });
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
      stacks: Record<string, { synthesizedStackPath: string }>;
    };
    expect(Object.keys(manifest.stacks).sort()).toEqual(ENVIRONMENTS.map((e) => e.name).sort());
    for (const env of ENVIRONMENTS) {
      const written = fs.readFileSync(path.join(outdir, manifest.stacks[env.name].synthesizedStackPath), "utf8");
      expect([env.name, written === fs.readFileSync(goldenFile(env.name), "utf8")]).toEqual([env.name, true]);
    }
  }, 150_000);
});
