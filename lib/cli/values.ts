/**
 * `xshield-mde values [<stack>] [--show-secret] [--outputs-file <file> | --stack-dir <dir>] [--prefix <p>]`
 * (in this repository: `npm run xshield-values -- <environment> …`)
 *
 * Prints the five values the Xshield activation dialog asks for, in its order, then the client
 * secret's expiry and the one manual Defender step with the storage account id filled in. The
 * secret is masked unless `--show-secret` is given.
 */
import { parseCommandArgs } from "./args";
import type { Io } from "./io";
import { DeployedOutputs, DeployedOutputsError, prefixProblem, readDeployedOutputs, ReadDeployedOutputsOptions } from "./outputs";
import { streamingApiInstructions } from "../xshield-mde-integration";

export type { Io } from "./io";

/** How the command is called and what it reads; tests set the rest. */
export interface ValuesOptions extends Omit<ReadDeployedOutputsOptions, "outputsFile" | "stackDir" | "prefix"> {
  /**
   * How the usage text names the command.
   *
   * @default "xshield-mde values"
   */
  command?: string;
  /**
   * What starts each error message.
   *
   * @default "xshield-mde values"
   */
  label?: string;
  /**
   * The clock the days-until-expiry count uses.
   *
   * @default new Date()
   */
  now?: Date;
}

/** The switches of `values`. */
export const VALUES_SWITCHES = ["--show-secret"] as const;
/** The flags of `values` that take a value. */
export const VALUES_VALUE_FLAGS = ["--outputs-file", "--stack-dir", "--prefix"] as const;
/** The flags of `values` whose value is a path. */
export const VALUES_FILE_FLAGS = ["--outputs-file", "--stack-dir"] as const;

/** What the positional argument is called, with and without this repository's environments. */
const nounOf = (options: Pick<ValuesOptions, "environments">) => (options.environments !== undefined ? "environment" : "stack");

/** The usage line of `values`, as `command` calls it. */
export function valuesUsage(command = "xshield-mde values", noun = "stack"): string {
  const name = noun === "environment" ? "<environment>" : "[<stack>]";
  return (
    `usage: ${command} ${name} [--show-secret] [--outputs-file <file> | --stack-dir <dir>] [--prefix <p>]\n` +
    `  <${noun}>          ${noun === "environment" ? "an environment of environments.ts" : "a stack folder in cdktf.out/stacks/"}\n` +
    "  --outputs-file    `terraform output -json` or `cdktf deploy --outputs-file` JSON instead of the state\n" +
    "  --stack-dir       a synthesized stack folder (cdktf.out/stacks/<name>); its backend holds the outputs\n" +
    "  --prefix          the outputs are named <p>_client_id, … (a stack with several integrations)\n" +
    "  --show-secret     print the client secret in clear text"
  );
}

/** The masked form of a secret: never more than its first three characters, and its length. */
export function maskSecret(secret: string): string {
  const prefix = secret.length >= 16 ? secret.slice(0, 3) : "";
  return `${prefix}…(${secret.length} chars, hidden; --show-secret to reveal)`;
}

const DAY_MS = 86_400_000;

/** "2027-05-01T00:00:00Z (in 145 day(s))", or "… — 3 day(s) ago" for a date in the past. */
function when(at: string, now: Date): { text: string; days?: number } {
  const time = Date.parse(at);
  if (Number.isNaN(time)) {
    return { text: at };
  }
  const days = Math.floor((time - now.getTime()) / DAY_MS);
  return { text: days < 0 ? `${at} (${-days} day(s) ago)` : `${at} (in ${days} day(s))`, days };
}

/** The command that deploys `name` again, for the rotation lines. */
function deployCommand(name: string | undefined): string {
  return `npx cdktf deploy ${name ?? "<stack>"}`;
}

/**
 * The two secrets and the rotation: which one to enter in Xshield, when each expires, and when
 * the next apply renews the older one (the deadline for entering the newest).
 */
export function secretLines(values: DeployedOutputs, name: string | undefined, now: Date): string[] {
  const lines: string[] = [];
  const slot = values.clientSecretSlot !== undefined ? ` (slot ${values.clientSecretSlot.toUpperCase()})` : "";
  if (values.clientSecretExpiresAt !== undefined) {
    const newest = when(values.clientSecretExpiresAt, now);
    lines.push(
      newest.days !== undefined && newest.days < 0
        ? `Client secret${slot} — the one above — EXPIRED: ${newest.text}. Run \`${deployCommand(name)}\` to renew it, then enter the new secret in Xshield.`
        : `Client secret${slot} — the one above, the newest — expires: ${newest.text}.`,
    );
  }
  if (values.clientSecretPreviousExpiresAt !== undefined) {
    lines.push(`The older secret (the other slot) expires: ${when(values.clientSecretPreviousExpiresAt, now).text}; it keeps working until the next rotation.`);
  }
  if (values.clientSecretNextRotationAt !== undefined) {
    const next = when(values.clientSecretNextRotationAt, now);
    lines.push(
      next.days !== undefined && next.days < 0
        ? `Next rotation: due since ${next.text}: an apply is overdue. The next \`${deployCommand(name)}\` renews the older secret; ` +
            "make sure Xshield already uses the one above."
        : `Next rotation: from ${next.text} the next apply renews the older secret. Xshield must use the one above by then.`,
    );
  }
  return lines.length > 0 ? [...lines, ""] : [];
}

/**
 * The report, line by line. `name` is the environment or stack, when one was given, and `noun`
 * what it is.
 */
export function formatValues(name: string | undefined, values: DeployedOutputs, showSecret: boolean, now: Date, noun = "stack"): string[] {
  const rows: [string, string][] = [
    ["Tenant ID", values.tenantId],
    ["Client ID", values.clientId],
    ["Client Secret", showSecret ? values.clientSecret : maskSecret(values.clientSecret)],
    ["Storage Account name", values.storageAccountName],
    ["Storage Queue name", values.queueName],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [
    `Xshield > Settings > Integrations > EDR > Microsoft Defender > Activate${name !== undefined ? ` — ${noun} "${name}"` : ""}:`,
    "",
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width + 1)} ${value}`),
    "",
    ...secretLines(values, name, now),
    "Then the one manual step (no API exists for it): Defender's Streaming API.",
    ...streamingApiInstructions(values.storageAccountId).split("\n"),
    "",
    `Read from: ${values.source ?? "(unknown)"}`,
  ];
}

/** Runs the command; returns the exit code (0, or 2 on any error). */
export function main(argv: readonly string[], io: Io, options: ValuesOptions = {}): number {
  const { command = "xshield-mde values", label = "xshield-mde values", now, ...readOptions } = options;
  const noun = nounOf(options);
  const usage = valuesUsage(command, noun);
  const fail = (message: string, withUsage = false): number => {
    io.err(`${label}: ${message}${withUsage ? ` ${usage.split("\n")[0]}` : ""}`);
    return 2;
  };
  const args = parseCommandArgs(argv, VALUES_SWITCHES, VALUES_VALUE_FLAGS, noun);
  if (args === "help") {
    io.out(usage);
    return 0;
  }
  if (typeof args === "string") {
    return fail(`${args}.`, true);
  }
  const { "--outputs-file": outputsFile, "--stack-dir": stackDir, "--prefix": prefix } = args.values;
  if (args.name === undefined && outputsFile === undefined && stackDir === undefined) {
    return fail(`which ${noun}?`, true);
  }
  const badPrefix = prefix !== undefined ? prefixProblem(prefix) : undefined;
  if (badPrefix !== undefined) {
    return fail(`${badPrefix}.`);
  }
  let values: DeployedOutputs;
  try {
    values = readDeployedOutputs(args.name, { ...readOptions, outputsFile, stackDir, prefix });
  } catch (error) {
    return fail(error instanceof DeployedOutputsError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  }
  const showSecret = args.switches.has("--show-secret");
  for (const line of formatValues(args.name, values, showSecret, now ?? new Date(), noun)) {
    io.out(line);
  }
  if (showSecret) {
    io.err(`${label}: the client secret is shown in clear text; clear your terminal scrollback afterwards.`);
  }
  return 0;
}
