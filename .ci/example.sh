#!/usr/bin/env bash
# CI: the consumer example, as a platform team would use the library. Packs the library (npm run
# pack: the build, then the staged package without repository scripts), installs the tarball into a scratch copy of examples/platform-team from
# scratch (npm install from the registry, no lock file, nothing linked to this project's
# node_modules), then type-checks, synthesizes (the compiled main.ts run by node, what the
# example's cdktf.json app does), runs the example's tests, and runs the package's command,
# xshield-mde, as installed there (no Azure needed: values from an outputs file, verify --help).
set -euo pipefail
cd "$(dirname "$0")/.."
example=examples/platform-team
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# The tarball goes where the example's package.json expects it: two folders up, as in the repository.
tarball="$(npm run --silent pack -- --pack-destination "$scratch")"
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

# The installed command: on a `terraform output -json` file of this stack's two integrations
# (prefixed outputs), as a platform team runs it after `cdktf deploy security`.
node -e '
const values = (prefix, queue) => ({
  client_id: "11111111-2222-3333-4444-555555555555", tenant_id: "66666666-7777-8888-9999-000000000000",
  client_secret: "Example~secret.0123456789abcdefghijklmnop", storage_account_name: `stplatformxshield${prefix}`,
  queue_name: queue, storage_account_id: `/subscriptions/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/stplatformxshield${prefix}`,
});
const out = {};
for (const [prefix, queue] of [["emea", "q-emea"], ["americas", "q-americas"]]) {
  for (const [name, value] of Object.entries(values(prefix, queue))) out[`${prefix}_${name}`] = { sensitive: name === "client_secret", type: "string", value };
}
require("fs").writeFileSync("outputs.json", JSON.stringify(out));'
if [ ! -x node_modules/.bin/xshield-mde ]; then
  echo "example: the installed package has no xshield-mde command in node_modules/.bin" >&2
  exit 1
fi
values="$(npx --no-install xshield-mde values --outputs-file outputs.json --prefix americas)"
for want in "Storage Queue name:    q-americas" "Storage Account name:  stplatformxshieldamericas" "Client Secret:         Exa…(41 chars, hidden"; do
  if ! grep -qF "$want" <<<"$values"; then
    printf 'example: xshield-mde values printed no line with "%s":\n%s\n' "$want" "$values" >&2
    exit 1
  fi
done
if grep -qF "secret.0123456789" <<<"$values"; then
  echo "example: xshield-mde values printed the client secret" >&2
  exit 1
fi
npx --no-install xshield-mde verify --help | grep -q '^usage: xshield-mde verify \[<stack>\]' || {
  echo "example: xshield-mde verify --help did not print its usage" >&2
  exit 1
}
echo "example: the installed xshield-mde read the americas integration of a two-integration outputs file"

