/**
 * The command line of this repository's tools that act on one environment of environments.ts
 * (`npm run adopt`): the package's own command-line pieces (lib/cli/), with the environment
 * required.
 */
import { type CommandArgs, parseCommandArgs } from "../lib/cli/args";

export { credentialDebugSections, CREDENTIAL_DEBUG_SECTIONS, flagOrEnvironment, resolveFileFlags } from "../lib/cli/args";
export type { Io } from "../lib/cli/io";

/** The arguments of a tool that acts on one environment: `env`, the environment named. */
export type EnvironmentArgs<S extends string, V extends string> = Omit<CommandArgs<S, V>, "name"> & { readonly env: string };

/**
 * Parses `argv`: `<environment>` plus `--switch` and `--flag <value>` / `--flag=<value>` options,
 * and `--help`. Returns the arguments, `"help"`, or a one-line problem to show with the usage.
 */
export function parseEnvironmentArgs<S extends string, V extends string>(
  argv: readonly string[],
  switches: readonly S[],
  valueFlags: readonly V[],
): EnvironmentArgs<S, V> | "help" | string {
  const parsed = parseCommandArgs(argv, switches, valueFlags, "environment");
  if (typeof parsed === "string") return parsed;
  if (parsed.name === undefined) return "which environment?";
  return { env: parsed.name, switches: parsed.switches, values: parsed.values };
}
