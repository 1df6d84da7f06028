/**
 * The command line shared by the commands that act on one deployed integration: an optional
 * name (an environment or stack) plus `--switch` and `--flag <value>` / `--flag=<value>`
 * options, and `--help`.
 */
import * as path from "path";

export interface CommandArgs<S extends string, V extends string> {
  /** The name given on the command line (an environment or stack), if any. */
  readonly name?: string;
  /** The switches given. */
  readonly switches: ReadonlySet<S>;
  /** The values of the value flags given. */
  readonly values: Partial<Record<V, string>>;
}

/**
 * Parses `argv`. Returns the arguments, `"help"` for `--help`/`-h`, or a one-line problem to show
 * with the usage. `noun` names the positional argument in that problem ("environment", "stack").
 */
export function parseCommandArgs<S extends string, V extends string>(
  argv: readonly string[],
  switches: readonly S[],
  valueFlags: readonly V[],
  noun: string,
): CommandArgs<S, V> | "help" | string {
  let name: string | undefined;
  const given = new Set<S>();
  const values: Partial<Record<V, string>> = {};
  const isSwitch = (arg: string): arg is S => (switches as readonly string[]).includes(arg);
  const isValueFlag = (arg: string): arg is V => (valueFlags as readonly string[]).includes(arg);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (arg === "--help" || arg === "-h") {
      return "help";
    } else if (isSwitch(arg)) {
      given.add(arg);
    } else if (isValueFlag(flag)) {
      let value: string | undefined;
      if (flag !== arg) {
        value = arg.slice(eq + 1);
      } else {
        value = argv[i + 1];
        if (value === undefined || value.startsWith("--")) {
          return `${flag} needs a value`;
        }
        i++;
      }
      if (value === "") {
        return `${flag} needs a value`;
      }
      values[flag] = value;
    } else if (arg.startsWith("-")) {
      return `unknown option ${arg}`;
    } else if (name === undefined) {
      name = arg;
    } else {
      return `one ${noun} at a time (got "${name}" and "${arg}")`;
    }
  }
  return { ...(name !== undefined ? { name } : {}), switches: given, values };
}

/**
 * `argv` with the values of the given file flags made absolute from `base`, in both the
 * `--flag <value>` and `--flag=<value>` forms. `npm run` starts scripts in the package folder, so
 * a relative path the user typed is meant from where they typed it (`INIT_CWD`).
 */
export function resolveFileFlags(argv: readonly string[], fileFlags: readonly string[], base = process.env.INIT_CWD ?? process.cwd()): string[] {
  return argv.map((arg, i) => {
    if (fileFlags.includes(argv[i - 1] ?? "") && !arg.startsWith("--")) return path.resolve(base, arg);
    const flag = fileFlags.find((f) => arg.startsWith(`${f}=`));
    return flag !== undefined ? `${flag}=${path.resolve(base, arg.slice(flag.length + 1))}` : arg;
  });
}

/** A value flag's value, else the environment variable's (when not blank), else undefined. */
export function flagOrEnvironment(fromFlag: string | undefined, variable: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (fromFlag !== undefined) return fromFlag;
  const fromEnv = variable !== undefined ? env[variable] : undefined;
  return fromEnv !== undefined && fromEnv.trim() !== "" ? fromEnv : undefined;
}

/** Node's debug sections (`NODE_DEBUG`) that write connection or request details, request headers (bearer tokens) among them. */
export const CREDENTIAL_DEBUG_SECTIONS = ["http", "http2", "https", "net", "tls", "undici", "fetch"] as const;

/**
 * The sections of {@link CREDENTIAL_DEBUG_SECTIONS} a `NODE_DEBUG` value turns on, matched the
 * way Node matches them: a comma-separated list, case-insensitive, `*` a wildcard. Empty when none.
 */
export function credentialDebugSections(nodeDebug: string | undefined): string[] {
  if (nodeDebug === undefined || nodeDebug === "") return [];
  const pattern = nodeDebug.replace(/[|\\{}()[\]^$+?.]/g, "\\$&").replaceAll("*", ".*").replaceAll(",", "$|^");
  const enabled = new RegExp(`^${pattern}$`, "i");
  return CREDENTIAL_DEBUG_SECTIONS.filter((section) => enabled.test(section));
}
