/**
 * `npm run xshield-values -- <env> [--show-secret] [--outputs-file <file>]`
 *
 * Prints the five values the Xshield activation dialog asks for, in its order, then the client
 * secret's expiry and the one manual Defender step with the storage account id filled in. The
 * secret is masked unless `--show-secret` is given.
 */
import { type Io, parseEnvironmentArgs } from "./cli-args";
import * as path from "path";
import { streamingApiInstructions } from "../lib/xshield-mde-integration";
import { DeployedOutputs, DeployedOutputsError, readDeployedOutputs, ReadDeployedOutputsOptions } from "./deployed-outputs";

export type { Io } from "./cli-args";

/** Options tests (and the verify helper) may set; the command line never does. */
export interface XshieldValuesOptions extends Omit<ReadDeployedOutputsOptions, "outputsFile"> {
  /**
   * The clock the days-until-expiry count uses.
   *
   * @default new Date()
   */
  now?: Date;
}

export const USAGE = "usage: npm run xshield-values -- <environment> [--show-secret] [--outputs-file <file>]";

/** The masked form of a secret: never more than its first three characters, and its length. */
export function maskSecret(secret: string): string {
  const prefix = secret.length >= 16 ? secret.slice(0, 3) : "";
  return `${prefix}…(${secret.length} chars, hidden; --show-secret to reveal)`;
}

interface Args {
  env: string;
  showSecret: boolean;
  outputsFile?: string;
}

function parseArgs(argv: readonly string[]): Args | "help" | string {
  const parsed = parseEnvironmentArgs(argv, ["--show-secret"] as const, ["--outputs-file"] as const);
  if (typeof parsed === "string") {
    return parsed;
  }
  return { env: parsed.env, showSecret: parsed.switches.has("--show-secret"), outputsFile: parsed.values["--outputs-file"] };
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

/**
 * The two secrets and the rotation: which one to enter in Xshield, when each expires, and when
 * the next apply renews the older one (the deadline for entering the newest).
 */
export function secretLines(values: DeployedOutputs, env: string, now: Date): string[] {
  const lines: string[] = [];
  const slot = values.clientSecretSlot !== undefined ? ` (slot ${values.clientSecretSlot.toUpperCase()})` : "";
  if (values.clientSecretExpiresAt !== undefined) {
    const newest = when(values.clientSecretExpiresAt, now);
    lines.push(
      newest.days !== undefined && newest.days < 0
        ? `Client secret${slot} — the one above — EXPIRED: ${newest.text}. Run \`npx cdktf deploy ${env}\` to renew it, then enter the new secret in Xshield.`
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
        ? `Next rotation: due since ${next.text}: an apply is overdue. The next \`npx cdktf deploy ${env}\` renews the older secret; ` +
            "make sure Xshield already uses the one above."
        : `Next rotation: from ${next.text} the next apply renews the older secret. Xshield must use the one above by then.`,
    );
  }
  return lines.length > 0 ? [...lines, ""] : [];
}

/** The report, line by line. */
export function formatValues(env: string, values: DeployedOutputs, showSecret: boolean, now: Date): string[] {
  const rows: [string, string][] = [
    ["Tenant ID", values.tenantId],
    ["Client ID", values.clientId],
    ["Client Secret", showSecret ? values.clientSecret : maskSecret(values.clientSecret)],
    ["Storage Account name", values.storageAccountName],
    ["Storage Queue name", values.queueName],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return [
    `Xshield > Settings > Integrations > EDR > Microsoft Defender > Activate — environment "${env}":`,
    "",
    ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width + 1)} ${value}`),
    "",
    ...secretLines(values, env, now),
    "Then the one manual step (no API exists for it): Defender's Streaming API.",
    ...streamingApiInstructions(values.storageAccountId).split("\n"),
    "",
    `Read from: ${values.source ?? "(unknown)"}`,
  ];
}

/** Runs the command; returns the exit code (0, or 2 on any error). */
export function main(argv: readonly string[], io: Io, options: XshieldValuesOptions = {}): number {
  const args = parseArgs(argv);
  if (args === "help") {
    io.out(USAGE);
    return 0;
  }
  if (typeof args === "string") {
    io.err(`xshield-values: ${args}. ${USAGE}`);
    return 2;
  }
  const { now, ...readOptions } = options;
  let values: DeployedOutputs;
  try {
    values = readDeployedOutputs(args.env, {
      ...readOptions,
      ...(args.outputsFile !== undefined ? { outputsFile: args.outputsFile } : {}),
    });
  } catch (error) {
    if (error instanceof DeployedOutputsError) {
      io.err(`xshield-values: ${error.message}`);
    } else {
      io.err(`xshield-values: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    }
    return 2;
  }
  for (const line of formatValues(args.env, values, args.showSecret, now ?? new Date())) {
    io.out(line);
  }
  if (args.showSecret) {
    io.err("xshield-values: the client secret is shown in clear text; clear your terminal scrollback afterwards.");
  }
  return 0;
}

if (require.main === module) {
  // npm runs scripts in the package folder; a relative --outputs-file is meant from where the user typed it.
  const userCwd = process.env.INIT_CWD ?? process.cwd();
  const argv = process.argv.slice(2).map((arg, i, all) =>
    all[i - 1] === "--outputs-file" ? path.resolve(userCwd, arg) : arg.startsWith("--outputs-file=")
      ? `--outputs-file=${path.resolve(userCwd, arg.slice("--outputs-file=".length))}`
      : arg,
  );
  process.exitCode = main(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
