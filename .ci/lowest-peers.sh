#!/usr/bin/env bash
# CI: the lowest peer versions package.json claims really work. Installs exactly the lowest
# version of every peer range (cdktf, constructs, the three providers) into a scratch copy of the
# app, then type-checks, compiles and synthesizes it (what `npm run synth` does), and compares the
# written JSON with the golden files: it must be the same apart from the Terraform provider
# versions in required_providers, which come from the provider packages.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

cp -R main.ts environments.ts lib cdktf.json tsconfig.json tsconfig.build.json "$scratch/"
mkdir -p "$scratch/tools" "$scratch/golden"
cp tools/app.js "$scratch/tools/"
cp __tests__/golden/*.tf.json "$scratch/golden/"

# The scratch package.json: each peer at the lowest version its range allows (only ^X.Y.Z ranges
# are understood; anything else fails here rather than testing something else), the library's
# dependencies, and the compiler from devDependencies.
node - "$root/package.json" "$scratch/package.json" <<'EOF'
const fs = require("fs");
const [from, to] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(from, "utf8"));
const dependencies = { ...pkg.dependencies };
for (const [name, range] of Object.entries(pkg.peerDependencies)) {
  const m = /^\^(\d+\.\d+\.\d+)$/.exec(range);
  if (!m) throw new Error(`peer ${name}: range ${range} is not of the form ^X.Y.Z; teach .ci/lowest-peers.sh its lowest version`);
  dependencies[name] = m[1];
}
for (const name of ["typescript", "@types/node"]) dependencies[name] = pkg.devDependencies[name];
fs.writeFileSync(to, JSON.stringify({ name: "lowest-peers", private: true, dependencies }, null, 2));
console.log(`lowest peers: ${Object.entries(pkg.peerDependencies).map(([n, r]) => `${n}@${dependencies[n]}`).join(" ")}`);
EOF

cd "$scratch"
npm install --no-audit --no-fund --no-package-lock --prefer-offline --loglevel=error
# What got installed is what was asked for.
node -e '
const want = require("./package.json").dependencies;
for (const [name, version] of Object.entries(want)) {
  const got = require(`${name}/package.json`).version;
  if (got !== version) { console.error(`${name}: installed ${got}, wanted ${version}`); process.exit(1); }
}'

# Type-check, compile and synthesize, as npm run synth does. Its stderr (the environments'
# synthesis warnings) is shown only when it fails.
if ! node tools/app.js 2>synth.err; then
  cat synth.err >&2
  echo "lowest peers: the app does not compile or synthesize against the lowest peer versions" >&2
  exit 1
fi

node - <<'EOF'
const fs = require("fs");
const path = require("path");
for (const file of fs.readdirSync("golden")) {
  const env = file.replace(/\.tf\.json$/, "");
  const written = JSON.parse(fs.readFileSync(path.join("cdktf.out", "stacks", env, "cdk.tf.json"), "utf8"));
  const golden = JSON.parse(fs.readFileSync(path.join("golden", file), "utf8"));
  const versions = {};
  for (const [name, p] of Object.entries(written.terraform.required_providers)) {
    versions[name] = p.version;
    p.version = golden.terraform.required_providers[name]?.version;
  }
  if (JSON.stringify(written) !== JSON.stringify(golden)) {
    console.error(`lowest peers: ${env} differs from __tests__/golden/${file} beyond the provider versions`);
    process.exit(1);
  }
  console.log(`lowest peers: ${env} synthesized as in its golden file (Terraform providers ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(", ")})`);
}
EOF
