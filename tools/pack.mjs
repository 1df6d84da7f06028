#!/usr/bin/env node
// npm run pack [-- --pack-destination <dir>]: the tarball a consumer installs (and `npm publish
// dist/package` publishes), packed from a staging folder, dist/package/, that holds what the
// package ships (package.json's "files") and a package.json without what only this repository
// uses: no scripts (prepare names tools/app.js, which is not shipped), no devDependencies.
// Prints the tarball's file name, as npm pack does. The sources are compiled first, as they are now.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STAGE = path.join(ROOT, "dist", "package");

/** The fields of package.json a consumer's npm reads; the rest (scripts, devDependencies) is the repository's. */
export const PUBLISHED_FIELDS = [
  "name",
  "version",
  "description",
  "keywords",
  "license",
  "author",
  "repository",
  "homepage",
  "bugs",
  "engines",
  "main",
  "types",
  "exports",
  "bin",
  "files",
  "dependencies",
  "peerDependencies",
  "peerDependenciesMeta",
];

/** The published manifest: the repository's, with only {@link PUBLISHED_FIELDS}. */
export function publishedManifest(manifest) {
  return Object.fromEntries(PUBLISHED_FIELDS.filter((field) => field in manifest).map((field) => [field, manifest[field]]));
}

function main(argv) {
  const at = argv.indexOf("--pack-destination");
  const destination = path.resolve(at >= 0 ? argv[at + 1] : ROOT);
  execFileSync(process.execPath, [path.join(ROOT, "tools", "app.js"), "--build-all"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  fs.rmSync(STAGE, { recursive: true, force: true });
  fs.mkdirSync(STAGE, { recursive: true });
  // What "files" names, plus what npm always ships (README, LICENSE); the compiled library only.
  for (const entry of manifest.files) {
    fs.cpSync(path.join(ROOT, entry), path.join(STAGE, entry), { recursive: true, filter: (source) => !source.startsWith(STAGE) });
  }
  fs.writeFileSync(path.join(STAGE, "package.json"), `${JSON.stringify(publishedManifest(manifest), null, 2)}\n`);
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", destination], { cwd: STAGE, encoding: "utf8" });
  process.stdout.write(out);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
