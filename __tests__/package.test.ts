import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

// The published package is staged by tools/pack.mjs: the files package.json names and a
// package.json without what only this repository uses.

const ROOT = path.resolve(__dirname, "..");
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { [field: string]: unknown };

describe("the published package", () => {
  let published: { [field: string]: unknown };
  let files: string[];
  beforeAll(() => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
    try {
      const run = spawnSync(process.execPath, [path.join(ROOT, "tools", "pack.mjs"), "--pack-destination", dest], { cwd: ROOT, encoding: "utf8" });
      expect(run.status).toBe(0);
      const tarball = run.stdout.trim();
      expect(tarball).toBe(`xshield-mde-cdktf-${String(manifest.version)}.tgz`);
      const list = spawnSync("tar", ["-tzf", path.join(dest, tarball)], { encoding: "utf8" });
      files = list.stdout.trim().split("\n").map((f) => f.replace(/^package\//, ""));
      published = JSON.parse(spawnSync("tar", ["-xzOf", path.join(dest, tarball), "package/package.json"], { encoding: "utf8" }).stdout) as { [field: string]: unknown };
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });

  test("package.json: no scripts (no prepare naming tools/app.js), no devDependencies; the rest as in the repository", () => {
    expect(published.scripts).toBeUndefined();
    expect(published.devDependencies).toBeUndefined();
    const { scripts: _s, devDependencies: _d, ...kept } = manifest;
    expect(published).toEqual(kept);
  });

  test("ships the compiled library, its command and declarations, and no tests, tools or sources", () => {
    const bin = (published.bin as { [name: string]: string })["xshield-mde"];
    for (const needed of [published.main, published.types, bin, "README.md", "LICENSE", "CHANGELOG.md"]) {
      expect(files).toContain(needed);
    }
    expect(files.filter((f) => !f.startsWith("dist/lib/") && !["package.json", "README.md", "LICENSE", "CHANGELOG.md"].includes(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  test("publishing the repository's root is refused, with the way to publish", () => {
    const run = spawnSync("npm", ["run", "--silent", "prepublishOnly"], { cwd: ROOT, encoding: "utf8" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("npm publish dist/package");
  });
});
