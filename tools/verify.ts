/**
 * `npm run verify -- <env> [--json] [--strict] [--max-queue-age-minutes <n>] [--outputs-file <file>] [endpoint flags]`
 *
 * After `cdktf deploy`, proves the integration works before it is activated in Xshield, and on a
 * schedule that it keeps working: signs in as the integration's own application (the deployed
 * client id, tenant id and client secret; never the operator's identity) and runs the checks of
 * ./verify-checks.ts, printing one ✓/⚠/✗/- line each with the reason and the fix. It only reads:
 * a token, one Defender API GET, a queue peek (nothing dequeued), two blob listings.
 *
 * Exit codes ({@link EXIT_CODES}):
 * - 0 every check passed (warnings allowed without `--strict`; a check skipped by design, the dead
 *   letters the application may not read, allowed too);
 * - 1 a check failed (whatever the warnings);
 * - 2 verify could not run (usage, unknown or undeployed environment, bad option, a NODE_DEBUG that
 *   would print the bearer tokens, unexpected error);
 * - 3 with `--strict` only: nothing failed, but a check passed with a warning (an old queue message,
 *   dead letters, a secret close to expiry, …), so that a scheduled run pages.
 * A distinct 3 rather than 1: a pipeline can tell "degraded" from "broken", and 1 keeps meaning
 * "broken" for scripts written before `--strict`.
 *
 * With `--json`, standard output holds one JSON value on every path: the report, a
 * {@link JsonReport} (`[{check, status, message, fix?, warning?}]`, whatever the exit code,
 * 3 included), or a {@link JsonError}.
 */
import { credentialDebugSections, EnvironmentArgs, flagOrEnvironment, type Io, parseEnvironmentArgs, resolveFileFlags } from "./cli-args";

export { CREDENTIAL_DEBUG_SECTIONS, credentialDebugSections, type Io } from "./cli-args";
import * as fs from "fs";
import { DeployedOutputs, DeployedOutputsError, readDeployedOutputs, ReadDeployedOutputsOptions } from "./deployed-outputs";
import {
  CheckResult,
  DEFAULT_MAX_QUEUE_AGE_MINUTES,
  EXIT_CODES,
  exitCodeOf,
  formatReport,
  type JsonReport,
  resolveEndpoints,
  Scrub,
  secretScrubber,
  verifyIntegration,
  VerifyOptions,
  VerifyOptionsError,
} from "./verify-checks";


/** Options tests may set; the command line never does. */
export interface VerifyCliOptions extends Omit<ReadDeployedOutputsOptions, "outputsFile"> {
  /**
   * The environment variables endpoint settings are read from, and NODE_DEBUG is checked in.
   *
   * @default process.env
   */
  env?: NodeJS.ProcessEnv;
  /** Passed to {@link verifyIntegration}. */
  now?: () => Date;
  /** Passed to {@link verifyIntegration}. */
  requestTimeoutMs?: number;
}

export const USAGE = [
  "usage: npm run verify -- <environment> [--json] [--strict] [--outputs-file <file>]",
  "         [--authority-host <url>] [--defender-api <url>] [--defender-scope <scope>]",
  "         [--blob-endpoint <url>] [--queue-endpoint <url>] [--ca-file <pem>] [--stale-after-minutes <n>]",
  "         [--max-queue-age-minutes <n>]",
  "",
  "Endpoints default to the public cloud; flags win over the environment variables",
  "XSHIELD_AUTHORITY_HOST, XSHIELD_DEFENDER_API, XSHIELD_DEFENDER_SCOPE, XSHIELD_BLOB_ENDPOINT,",
  "XSHIELD_QUEUE_ENDPOINT. In blob/queue endpoints, {account} stands for the storage account name.",
  `--max-queue-age-minutes: the oldest queue message may wait this long before it is a warning (whole number, default ${DEFAULT_MAX_QUEUE_AGE_MINUTES}).`,
  "--strict: any warning makes the exit code 3 (for scheduled runs that should page).",
  "Exit code: 0 all checks passed, 1 a check failed, 2 verify could not run, 3 warnings under --strict.",
  "A check skipped by design (dead letters the application may not read) counts as neither.",
  'With --json, standard output holds the report [{check, status, message, fix?, warning?}], or',
  '{"error": "<why>", "exitCode": 2} when verify could not run.',
  "Refuses to run when NODE_DEBUG would make Node print the bearer tokens (http, https, net, tls, ...).",
].join("\n");

/** Flags that take a value, and the environment variable each falls back to. */
const VALUE_FLAGS = {
  "--outputs-file": undefined,
  "--authority-host": "XSHIELD_AUTHORITY_HOST",
  "--defender-api": "XSHIELD_DEFENDER_API",
  "--defender-scope": "XSHIELD_DEFENDER_SCOPE",
  "--blob-endpoint": "XSHIELD_BLOB_ENDPOINT",
  "--queue-endpoint": "XSHIELD_QUEUE_ENDPOINT",
  "--ca-file": undefined,
  "--stale-after-minutes": undefined,
  "--max-queue-age-minutes": undefined,
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

const SWITCHES = ["--json", "--strict"] as const;
type Args = EnvironmentArgs<(typeof SWITCHES)[number], ValueFlag>;

function parseArgs(argv: readonly string[]): Args | "help" | string {
  return parseEnvironmentArgs(argv, SWITCHES, Object.keys(VALUE_FLAGS) as ValueFlag[]);
}

/**
 * The value of `--max-queue-age-minutes`: a whole number of minutes, 1 or more, written in
 * digits only (no sign, fraction, exponent or spaces). Undefined when it is not one.
 */
export function parseMaxQueueAgeMinutes(text: string): number | undefined {
  if (!/^[0-9]+$/.test(text)) return undefined;
  const minutes = Number(text);
  return Number.isSafeInteger(minutes) && minutes >= 1 ? minutes : undefined;
}

function setting(args: Args, flag: ValueFlag, env: NodeJS.ProcessEnv): string | undefined {
  return flagOrEnvironment(args.values[flag], VALUE_FLAGS[flag], env);
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * What `--json` prints on standard output, instead of the report, when verify could not run
 * (usage error, unknown or undeployed environment, bad option, NODE_DEBUG, unexpected error).
 */
export interface JsonError {
  /** Why verify could not run, and what to do: what the text mode prints after `verify: `. */
  readonly error: string;
  /** Always 2, the process's exit code. */
  readonly exitCode: typeof EXIT_CODES.cannotRun;
}

/** What `--json --help` prints on standard output. */
export interface JsonUsage {
  /** The usage text. */
  readonly usage: string;
  /** Always 0, the process's exit code. */
  readonly exitCode: 0;
}

/** Why verify refuses to run with this `NODE_DEBUG`, or undefined when it turns on nothing that prints credentials. */
export function nodeDebugProblem(nodeDebug: string | undefined, environment: string): string | undefined {
  const sections = credentialDebugSections(nodeDebug);
  if (sections.length === 0) return undefined;
  return (
    `NODE_DEBUG=${JSON.stringify(nodeDebug)} turns on Node's own debug output for ${sections.join(", ")}, which writes ` +
    "request details to standard error, the application's bearer tokens in the request headers among them; " +
    "verify does not run with it. Run it again without NODE_DEBUG, e.g. " +
    `\`env -u NODE_DEBUG npm run verify -- ${environment}\` (or \`unset NODE_DEBUG\` first).`
  );
}

/** Everything main prints goes through a printer: scrubbed, and as JSON with `--json`. */
interface Printer {
  /** True with `--json`. */
  readonly json: boolean;
  /** From now on, hides these secrets in everything printed. */
  hide(secrets: readonly string[]): void;
  /** Hides the secrets in `text` (for text about to be formatted, which is then scrubbed again as printed). */
  scrub(text: string): string;
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Says why verify cannot run: `verify: <message>` on standard error, or a {@link JsonError} on standard output. Returns 2. */
  cannotRun(message: string, withUsage?: boolean): number;
}

function printer(io: Io, json: boolean): Printer {
  let scrub: Scrub = (text) => text;
  const out = (line: string) => io.out(scrub(line));
  const err = (line: string) => io.err(scrub(line));
  return {
    json,
    hide: (secrets) => {
      scrub = secretScrubber(secrets);
    },
    scrub: (text) => scrub(text),
    out,
    cannotRun: (message, withUsage = false) => {
      const error = scrub(message);
      if (json) {
        const answer: JsonError = { error, exitCode: 2 };
        out(JSON.stringify(answer));
      } else {
        err(`verify: ${error}`);
        if (withUsage) err(USAGE);
      }
      return 2;
    },
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Runs the command; resolves to the exit code (0 all passed, 1 a check failed, 2 could not run,
 * 3 warnings under `--strict`: {@link EXIT_CODES}).
 * With `--json` anywhere on the command line, standard output holds exactly one JSON value
 * whatever happens: the report, a {@link JsonError}, or for `--help` a {@link JsonUsage}.
 */
export async function main(argv: readonly string[], io: Io = processIo, options: VerifyCliOptions = {}): Promise<number> {
  const print = printer(io, argv.includes("--json"));
  try {
    return await run(argv, print, options);
  } catch (error) {
    return print.cannotRun(`unexpected error: ${messageOf(error)}`);
  }
}

async function run(argv: readonly string[], print: Printer, options: VerifyCliOptions): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    const usage: JsonUsage = { usage: USAGE, exitCode: 0 };
    print.out(print.json ? JSON.stringify(usage) : USAGE);
    return 0;
  }
  if (typeof args === "string") {
    return print.cannotRun(`${args}.`, true);
  }
  const { env: variables = process.env, now, requestTimeoutMs, ...readOptions } = options;

  // Before anything is read or sent: Node itself would print the bearer tokens.
  const debugProblem = nodeDebugProblem(variables.NODE_DEBUG, args.env);
  if (debugProblem !== undefined) {
    return print.cannotRun(debugProblem);
  }

  let values: DeployedOutputs;
  try {
    const outputsFile = args.values["--outputs-file"];
    values = readDeployedOutputs(args.env, { ...readOptions, ...(outputsFile !== undefined ? { outputsFile } : {}) });
  } catch (error) {
    return print.cannotRun(
      error instanceof DeployedOutputsError ? error.message : `unexpected error reading the outputs: ${messageOf(error)}`,
    );
  }

  // From here on the secret is known: everything printed passes through the scrubber.
  print.hide([values.clientSecret]);

  let extraCaCertificates: string | undefined;
  const caFile = args.values["--ca-file"];
  if (caFile !== undefined) {
    try {
      extraCaCertificates = fs.readFileSync(caFile, "utf8");
    } catch (error) {
      return print.cannotRun(`cannot read --ca-file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (!extraCaCertificates.includes("-----BEGIN CERTIFICATE-----")) {
      return print.cannotRun(`--ca-file ${caFile} holds no PEM certificate.`);
    }
  }
  let staleAfterMinutes: number | undefined;
  const stale = args.values["--stale-after-minutes"];
  if (stale !== undefined) {
    staleAfterMinutes = Number(stale);
    if (!Number.isFinite(staleAfterMinutes) || staleAfterMinutes <= 0) {
      return print.cannotRun(`--stale-after-minutes must be a positive number (got "${stale}").`);
    }
  }
  let maxQueueAgeMinutes: number | undefined;
  const maxAge = args.values["--max-queue-age-minutes"];
  if (maxAge !== undefined) {
    maxQueueAgeMinutes = parseMaxQueueAgeMinutes(maxAge);
    if (maxQueueAgeMinutes === undefined) {
      return print.cannotRun(`--max-queue-age-minutes must be a whole number of minutes, 1 or more (got "${maxAge}").`, true);
    }
  }
  const strict = args.switches.has("--strict");

  const verifyOptions: VerifyOptions = {
    environmentName: args.env,
    ...optional("authorityHost", setting(args, "--authority-host", variables)),
    ...optional("defenderApiBase", setting(args, "--defender-api", variables)),
    ...optional("defenderScope", setting(args, "--defender-scope", variables)),
    ...optional("blobEndpoint", setting(args, "--blob-endpoint", variables)),
    ...optional("queueEndpoint", setting(args, "--queue-endpoint", variables)),
    ...optional("extraCaCertificates", extraCaCertificates),
    ...optional("staleAfterMinutes", staleAfterMinutes),
    ...optional("maxQueueAgeMinutes", maxQueueAgeMinutes),
    ...optional("requestTimeoutMs", requestTimeoutMs),
    ...optional("now", now),
  };

  try {
    resolveEndpoints(values, verifyOptions);
  } catch (error) {
    if (!(error instanceof VerifyOptionsError)) throw error;
    return print.cannotRun(error.message);
  }

  if (!print.json) {
    print.out(
      `Verifying environment "${args.env}" as application ${values.clientId} (tenant ${values.tenantId})` +
        `${values.source !== undefined ? `, values from ${values.source}` : ""}:`,
    );
    print.out("");
  }

  let results: CheckResult[];
  try {
    results = await verifyIntegration(values, verifyOptions);
  } catch (error) {
    return print.cannotRun(error instanceof VerifyOptionsError ? error.message : `unexpected error: ${messageOf(error)}`);
  }

  // verifyIntegration scrubbed every text; scrubbed again before formatting, and as printed.
  const scrubbed: JsonReport = results.map((r) => ({ ...r, message: print.scrub(r.message), ...(r.fix !== undefined ? { fix: print.scrub(r.fix) } : {}) }));
  if (print.json) {
    print.out(JSON.stringify(scrubbed, null, 2));
  } else {
    for (const line of formatReport(scrubbed, { strict })) print.out(line);
  }
  return exitCodeOf(results, strict);
}

function optional<K extends keyof VerifyOptions>(key: K, value: VerifyOptions[K] | undefined): Partial<Pick<VerifyOptions, K>> {
  return value === undefined ? {} : ({ [key]: value } as Pick<VerifyOptions, K>);
}

if (require.main === module) {
  const argv = resolveFileFlags(process.argv.slice(2), ["--outputs-file", "--ca-file"]);
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // main reports its own errors; this is for one it could not print.
      const message = `unexpected error: ${messageOf(error)}`;
      const answer: JsonError = { error: message, exitCode: 2 };
      if (argv.includes("--json")) process.stdout.write(`${JSON.stringify(answer)}\n`);
      else process.stderr.write(`verify: ${message}\n`);
      process.exitCode = 2;
    },
  );
}
