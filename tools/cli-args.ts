import * as path from "path";

/** Where a tool writes; tests pass their own. */
export interface Io {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
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

/**
 * The command line shared by the tools that act on one deployed environment:
 * `<environment>` plus `--switch` and `--flag <value>` / `--flag=<value>` options, and `--help`.
 */
export interface EnvironmentArgs<S extends string, V extends string> {
  /** The environment named on the command line. */
  readonly env: string;
  /** The switches given. */
  readonly switches: ReadonlySet<S>;
  /** The values of the value flags given. */
  readonly values: Partial<Record<V, string>>;
}

/**
 * Parses `argv`. Returns the arguments, `"help"` for `--help`/`-h`, or a one-line problem to show
 * with the usage.
 */
export function parseEnvironmentArgs<S extends string, V extends string>(
  argv: readonly string[],
  switches: readonly S[],
  valueFlags: readonly V[],
): EnvironmentArgs<S, V> | "help" | string {
  let env: string | undefined;
  const given = new Set<S>();
  const values: Partial<Record<V, string>> = {};
  const isSwitch = (name: string): name is S => (switches as readonly string[]).includes(name);
  const isValueFlag = (name: string): name is V => (valueFlags as readonly string[]).includes(name);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const name = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    if (arg === "--help" || arg === "-h") {
      return "help";
    } else if (isSwitch(arg)) {
      given.add(arg);
    } else if (isValueFlag(name)) {
      let value: string | undefined;
      if (name !== arg) {
        value = arg.slice(eq + 1);
      } else {
        value = argv[i + 1];
        if (value === undefined || value.startsWith("--")) {
          return `${name} needs a value`;
        }
        i++;
      }
      if (value === "") {
        return `${name} needs a value`;
      }
      values[name] = value;
    } else if (arg.startsWith("-")) {
      return `unknown option ${arg}`;
    } else if (env === undefined) {
      env = arg;
    } else {
      return `one environment at a time (got "${env}" and "${arg}")`;
    }
  }
  if (env === undefined) {
    return "which environment?";
  }
  return { env, switches: given, values };
}

/**
 * A value flag's value, else the environment variable's (when not blank), else undefined.
 */
export function flagOrEnvironment(fromFlag: string | undefined, variable: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (fromFlag !== undefined) return fromFlag;
  const fromEnv = variable !== undefined ? env[variable] : undefined;
  return fromEnv !== undefined && fromEnv.trim() !== "" ? fromEnv : undefined;
}

/**
 * The command line with the values of file flags made absolute: npm runs scripts in the package
 * folder, and a relative path is meant from where the user typed it (`INIT_CWD`).
 */
export function resolveFileFlags(argv: readonly string[], fileFlags: readonly string[], userCwd = process.env.INIT_CWD ?? process.cwd()): string[] {
  return argv.map((arg, i, all) => {
    if (fileFlags.includes(all[i - 1] ?? "") && !arg.startsWith("--")) return path.resolve(userCwd, arg);
    const flag = fileFlags.find((f) => arg.startsWith(`${f}=`));
    return flag !== undefined ? `${flag}=${path.resolve(userCwd, arg.slice(flag.length + 1))}` : arg;
  });
}
