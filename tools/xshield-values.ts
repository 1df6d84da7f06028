/**
 * `npm run xshield-values -- <environment> …`: the package's `xshield-mde values` for this
 * repository's environments (environments.ts). See lib/cli/values.ts.
 */
import { ENVIRONMENTS } from "../environments";
import { resolveFileFlags } from "../lib/cli/args";
import { Io, processIo } from "../lib/cli/io";
import { main as valuesMain, VALUES_FILE_FLAGS, ValuesOptions, valuesUsage } from "../lib/cli/values";

export { maskSecret } from "../lib/cli/values";

const COMMAND = "npm run xshield-values --";

/** The usage text, as this repository calls the command. */
export const USAGE = valuesUsage(COMMAND, "environment");

/** Prints the values of an environment of environments.ts; returns the exit code. */
export function main(argv: readonly string[], io: Io, options: ValuesOptions = {}): number {
  return valuesMain(argv, io, { environments: ENVIRONMENTS, command: COMMAND, label: "xshield-values", ...options });
}

if (require.main === module) {
  const argv = resolveFileFlags(process.argv.slice(2), VALUES_FILE_FLAGS, process.env.INIT_CWD ?? process.cwd());
  process.exitCode = main(argv, processIo());
}
