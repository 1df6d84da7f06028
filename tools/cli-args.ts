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
