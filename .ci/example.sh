#!/usr/bin/env bash
# CI: the consumer example, as a platform team would use the library. Packs the library (npm pack
# runs prepare, the build), installs the tarball into a scratch copy of examples/platform-team from
# scratch (npm install from the registry, no lock file, nothing linked to this project's
# node_modules), then type-checks, synthesizes (the compiled main.ts run by node, what the
# example's cdktf.json app does) and runs the example's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
example=examples/platform-team
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# The tarball goes where the example's package.json expects it: two folders up, as in the repository.
tarball="$(npm pack --silent --pack-destination "$scratch")"
want="$(node -p "require('./$example/package.json').dependencies['xshield-mde-cdktf']")"
if [ "$want" != "file:../../$tarball" ]; then
  echo "example: $example/package.json depends on $want, but npm pack wrote $tarball; update the example" >&2
  exit 1
fi
mkdir -p "$scratch/examples"
# The example's sources only: never a node_modules, dist or cdktf.out left in the working tree.
(cd examples && tar --exclude=node_modules --exclude=dist --exclude=cdktf.out --exclude=package-lock.json -cf - platform-team) |
  tar -xf - -C "$scratch/examples"

cd "$scratch/examples/platform-team"
npm install --no-audit --no-fund --prefer-offline --loglevel=error
# A real install: the library is a copy in node_modules, not a link, and there is one cdktf.
if [ -L node_modules/xshield-mde-cdktf ] || [ ! -f node_modules/xshield-mde-cdktf/dist/lib/index.js ]; then
  echo "example: node_modules/xshield-mde-cdktf is not an installed copy of the tarball" >&2
  exit 1
fi
copies="$(npm ls cdktf --all --parseable | sort -u)"
if [ "$(printf '%s\n' "$copies" | wc -l)" != 1 ]; then
  printf 'example: more than one copy of cdktf installed:\n%s\n' "$copies" >&2
  exit 1
fi

npx tsc --noEmit
npx tsc
node dist/main.js
node -e '
const j = require("./cdktf.out/stacks/security/cdk.tf.json");
const aliases = j.provider.azurerm.map((p) => p.alias ?? "(default)");
const accounts = Object.keys(j.resource.azurerm_storage_account).length;
if (accounts !== 2 || aliases.join() !== "(default),americas") {
  console.error(`example: synthesized ${accounts} storage accounts and azurerm providers ${aliases}`);
  process.exit(1);
}
console.log(`example: synthesized cdktf.out/stacks/security (2 integrations, azurerm providers ${aliases.join(" + ")})`);'
npx jest
