/**
 * `npm run xshield-values -- <env> [--show-secret] [--outputs-file <file>]`
 *
 * Prints the five values the Xshield activation dialog asks for, in its order, then the client
 * secret's expiry and the one manual Defender step with the storage account id filled in. The
 * secret is masked unless `--show-secret` is given.
 */
import { parseEnvironmentArgs } from "./cli-args";
import * as path from "path";
import { streamingApiInstructions } from "../lib/xshield-mde-integration";
import { DeployedOutputs, DeployedOutputsError, readDeployedOutputs, ReadDeployedOutputsOptions } from "./deployed-outputs";

/** Where the tool writes; tests pass their own. */
export interface Io {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
}

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

function expiryLine(expiresAt: string, env: string, now: Date): string {
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) {
    return `Client secret expires: ${expiresAt}`;
  }
  const days = Math.floor((at - now.getTime()) / 86_400_000);
  if (days < 0) {
    return (
      `Client secret expires: ${expiresAt} — EXPIRED ${-days} day(s) ago. ` +
      `Run \`npx cdktf deploy ${env}\` to rotate it, then enter the new secret in Xshield.`
    );
  }
  return (
    `Client secret expires: ${expiresAt} (in ${days} day(s)). ` +
    `A deploy after the rotation date replaces it; enter the new secret in Xshield then.`
  );
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
    ...(values.clientSecretExpiresAt !== undefined ? [expiryLine(values.clientSecretExpiresAt, env, now), ""] : []),
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
