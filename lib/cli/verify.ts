/**
 * `xshield-mde verify [<stack>] [--json] [--strict] [--outputs-file <file> | --stack-dir <dir>] [--prefix <p>] [options]`
 * (in this repository: `npm run verify -- <environment> …`)
 *
 * After `cdktf deploy`, proves the integration works before it is activated in Xshield, and on a
 * schedule that it keeps working: signs in as the integration's own application (the deployed
 * client id, tenant id and client secret; never the operator's identity) and runs the checks of
 * ./checks.ts, printing one ✓/⚠/✗/- line each with the reason and the fix. It only reads:
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
import * as fs from "fs";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { CommandArgs, credentialDebugSections, flagOrEnvironment, parseCommandArgs } from "./args";
import { checkDrift } from "./drift";
import { DriftPlan, driftPlan, DriftPlanError } from "./drift-plan";
import type { Io } from "./io";
import { DeployedOutputs, DeployedOutputsError, prefixProblem, readDeployedOutputs, ReadDeployedOutputsOptions, stackJsonPath } from "./outputs";
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
  trustedTls,
  verifyIntegration,
  VerifyOptions,
  VerifyOptionsError,
} from "./checks";

export type { Io } from "./io";
export { CREDENTIAL_DEBUG_SECTIONS, credentialDebugSections } from "./args";

/** How the command is called and what it reads; tests set the rest. The command line never does. */
export interface VerifyCliOptions extends Omit<ReadDeployedOutputsOptions, "outputsFile" | "stackDir" | "prefix"> {
  /**
   * How the usage text and messages name the command.
   *
   * @default "xshield-mde verify"
   */
  command?: string;
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
  /**
   * The identity `--drift` reads with.
   *
   * @default new DefaultAzureCredential() (the Azure CLI login, a workload or managed identity, AZURE_* variables)
   */
  driftCredential?: TokenCredential;
}

/** The usage text of `verify`, as `command` calls it; `noun` names the positional argument. */
export function verifyUsage(command = "xshield-mde verify", noun = "stack"): string {
  const name = noun === "environment" ? "<environment>" : "[<stack>]";
  return [
    `usage: ${command} ${name} [--json] [--strict] [--outputs-file <file> | --stack-dir <dir>] [--prefix <p>]`,
    "         [--authority-host <url>] [--defender-api <url>] [--defender-scope <scope>]",
    "         [--blob-endpoint <url>] [--queue-endpoint <url>] [--ca-file <pem>] [--stale-after-minutes <n>]",
    "         [--max-queue-age-minutes <n>] [--drift [--arm-endpoint <url>] [--graph-endpoint <url>]]",
    "",
    noun === "environment"
      ? "<environment>: an environment of environments.ts (its deployed outputs)."
      : "<stack>: a stack folder in cdktf.out/stacks/ (its backend holds the deployed outputs).",
    "--outputs-file: `terraform output -json` or `cdktf deploy --outputs-file` JSON instead of the state.",
    "--stack-dir: a synthesized stack folder (cdktf.out/stacks/<name>) whose backend holds the outputs.",
    "--prefix: the outputs are named <p>_client_id, … (a stack with several integrations).",
    "--drift: also compare what is live with the synthesized stack (cdktf.out/stacks/<name>/cdk.tf.json, or --stack-dir):",
    "  the storage account's security settings, firewall and soft delete, the containers' access, the role assignments,",
    "  the event subscription and the application's credentials and permissions. Reads with YOUR Azure identity",
    "  (az login, or a workload/managed identity), read-only: Reader on the account and the system topic, and Graph",
    "  read of the application. --arm-endpoint / --graph-endpoint (XSHIELD_ARM_ENDPOINT, XSHIELD_GRAPH_ENDPOINT) for",
    "  sovereign clouds. Each difference is a failed check with what to do.",
    "Endpoints default to the public cloud; flags win over the environment variables",
    "XSHIELD_AUTHORITY_HOST, XSHIELD_DEFENDER_API, XSHIELD_DEFENDER_SCOPE, XSHIELD_BLOB_ENDPOINT,",
    "XSHIELD_QUEUE_ENDPOINT. In blob/queue endpoints, {account} stands for the storage account name.",
    "--ca-file: extra CA certificates (PEM) to trust, e.g. a TLS-inspecting proxy's.",
    "--stale-after-minutes: the newest DeviceNetworkEvents blob may be this old before it is a warning (default 120).",
    `--max-queue-age-minutes: the oldest queue message may wait this long before it is a warning (whole number, default ${DEFAULT_MAX_QUEUE_AGE_MINUTES}).`,
    "--strict: any warning makes the exit code 3 (for scheduled runs that should page).",
    "Exit code: 0 all checks passed, 1 a check failed, 2 verify could not run, 3 warnings under --strict.",
    "A check skipped by design (dead letters the application may not read) counts as neither.",
    'With --json, standard output holds the report [{check, status, message, fix?, warning?}], or',
    '{"error": "<why>", "exitCode": 2} when verify could not run.',
    "Refuses to run when NODE_DEBUG would make Node print the bearer tokens (http, https, net, tls, ...).",
  ].join("\n");
}

/** Flags that take a value, and the environment variable each falls back to. */
const VALUE_FLAGS = {
  "--outputs-file": undefined,
  "--stack-dir": undefined,
  "--prefix": undefined,
  "--authority-host": "XSHIELD_AUTHORITY_HOST",
  "--defender-api": "XSHIELD_DEFENDER_API",
  "--defender-scope": "XSHIELD_DEFENDER_SCOPE",
  "--blob-endpoint": "XSHIELD_BLOB_ENDPOINT",
  "--queue-endpoint": "XSHIELD_QUEUE_ENDPOINT",
  "--arm-endpoint": "XSHIELD_ARM_ENDPOINT",
  "--graph-endpoint": "XSHIELD_GRAPH_ENDPOINT",
  "--ca-file": undefined,
  "--stale-after-minutes": undefined,
  "--max-queue-age-minutes": undefined,
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

/** The switches of `verify`. */
export const VERIFY_SWITCHES = ["--json", "--strict", "--drift"] as const;
/** The flags of `verify` that take a value. */
export const VERIFY_VALUE_FLAGS = Object.keys(VALUE_FLAGS) as ValueFlag[];
/** The flags of `verify` whose value is a path. */
export const VERIFY_FILE_FLAGS = ["--outputs-file", "--stack-dir", "--ca-file"] as const;
type Args = CommandArgs<(typeof VERIFY_SWITCHES)[number], ValueFlag>;

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

/**
 * Why verify refuses to run with this `NODE_DEBUG`, or undefined when it turns on nothing that
 * prints credentials. `rerun` is the command line to run again (`npm run verify -- dev`).
 */
export function nodeDebugProblem(nodeDebug: string | undefined, rerun: string): string | undefined {
  const sections = credentialDebugSections(nodeDebug);
  if (sections.length === 0) return undefined;
  return (
    `NODE_DEBUG=${JSON.stringify(nodeDebug)} turns on Node's own debug output for ${sections.join(", ")}, which writes ` +
    "request details to standard error, the application's bearer tokens in the request headers among them; " +
    "verify does not run with it. Run it again without NODE_DEBUG, e.g. " +
    `\`env -u NODE_DEBUG ${rerun}\` (or \`unset NODE_DEBUG\` first).`
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

function printer(io: Io, json: boolean, usage: string): Printer {
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
        if (withUsage) err(usage);
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
export async function main(argv: readonly string[], io: Io, options: VerifyCliOptions = {}): Promise<number> {
  const noun = options.environments !== undefined ? "environment" : "stack";
  const usage = verifyUsage(options.command, noun);
  const print = printer(io, argv.includes("--json"), usage);
  try {
    return await run(argv, print, options, noun, usage);
  } catch (error) {
    return print.cannotRun(`unexpected error: ${messageOf(error)}`);
  }
}

/** The options given on the command line, checked: every bad value is found before anything is read or sent. */
interface CheckedOptions {
  readonly extraCaCertificates?: string;
  readonly staleAfterMinutes?: number;
  readonly maxQueueAgeMinutes?: number;
}

/** Checks the values of the option flags; returns them, or the problem with the first bad one. */
function checkOptions(args: Args): CheckedOptions | { problem: string; withUsage: boolean } {
  const prefix = args.values["--prefix"];
  const badPrefix = prefix !== undefined ? prefixProblem(prefix) : undefined;
  if (badPrefix !== undefined) {
    return { problem: `${badPrefix}.`, withUsage: false };
  }
  let staleAfterMinutes: number | undefined;
  const stale = args.values["--stale-after-minutes"];
  if (stale !== undefined) {
    staleAfterMinutes = Number(stale);
    if (!Number.isFinite(staleAfterMinutes) || staleAfterMinutes <= 0) {
      return { problem: `--stale-after-minutes must be a positive number (got "${stale}").`, withUsage: false };
    }
  }
  let maxQueueAgeMinutes: number | undefined;
  const maxAge = args.values["--max-queue-age-minutes"];
  if (maxAge !== undefined) {
    maxQueueAgeMinutes = parseMaxQueueAgeMinutes(maxAge);
    if (maxQueueAgeMinutes === undefined) {
      return { problem: `--max-queue-age-minutes must be a whole number of minutes, 1 or more (got "${maxAge}").`, withUsage: true };
    }
  }
  let extraCaCertificates: string | undefined;
  const caFile = args.values["--ca-file"];
  if (caFile !== undefined) {
    try {
      extraCaCertificates = fs.readFileSync(caFile, "utf8");
    } catch (error) {
      return { problem: `cannot read --ca-file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, withUsage: false };
    }
    if (!extraCaCertificates.includes("-----BEGIN CERTIFICATE-----")) {
      return { problem: `--ca-file ${caFile} holds no PEM certificate.`, withUsage: false };
    }
  }
  return {
    ...(extraCaCertificates !== undefined ? { extraCaCertificates } : {}),
    ...(staleAfterMinutes !== undefined ? { staleAfterMinutes } : {}),
    ...(maxQueueAgeMinutes !== undefined ? { maxQueueAgeMinutes } : {}),
  };
}

async function run(argv: readonly string[], print: Printer, options: VerifyCliOptions, noun: string, usage: string): Promise<number> {
  const args = parseCommandArgs(argv, VERIFY_SWITCHES, VERIFY_VALUE_FLAGS, noun);
  if (args === "help") {
    const answer: JsonUsage = { usage, exitCode: 0 };
    print.out(print.json ? JSON.stringify(answer) : usage);
    return 0;
  }
  if (typeof args === "string") {
    return print.cannotRun(`${args}.`, true);
  }
  const { command = "xshield-mde verify", env: variables = process.env, now, requestTimeoutMs, driftCredential, ...readOptions } = options;
  const { "--outputs-file": outputsFile, "--stack-dir": stackDir, "--prefix": prefix } = args.values;
  if (args.name === undefined && outputsFile === undefined && stackDir === undefined) {
    return print.cannotRun(`which ${noun}?.`, true);
  }

  // Before anything is read or sent: Node itself would print the bearer tokens.
  const debugProblem = nodeDebugProblem(variables.NODE_DEBUG, `${command} ${args.name ?? ""}`.trim());
  if (debugProblem !== undefined) {
    return print.cannotRun(debugProblem);
  }

  // Every option's value is checked before the outputs are read: a bad value is reported as
  // such, never hidden behind "not deployed".
  const checked = checkOptions(args);
  if ("problem" in checked) {
    return print.cannotRun(checked.problem, checked.withUsage);
  }
  const strict = args.switches.has("--strict");
  const verifyOptions: VerifyOptions = {
    environmentName: args.name ?? "<stack>",
    ...optional("authorityHost", setting(args, "--authority-host", variables)),
    ...optional("defenderApiBase", setting(args, "--defender-api", variables)),
    ...optional("defenderScope", setting(args, "--defender-scope", variables)),
    ...optional("blobEndpoint", setting(args, "--blob-endpoint", variables)),
    ...optional("queueEndpoint", setting(args, "--queue-endpoint", variables)),
    ...optional("armEndpoint", setting(args, "--arm-endpoint", variables)),
    ...optional("graphEndpoint", setting(args, "--graph-endpoint", variables)),
    ...optional("extraCaCertificates", checked.extraCaCertificates),
    ...optional("staleAfterMinutes", checked.staleAfterMinutes),
    ...optional("maxQueueAgeMinutes", checked.maxQueueAgeMinutes),
    ...optional("requestTimeoutMs", requestTimeoutMs),
    ...optional("now", now),
  };
  try {
    // With a stand-in account name: the endpoints' shape is checked before the outputs are read.
    resolveEndpoints({ storageAccountName: "account" }, verifyOptions);
  } catch (error) {
    if (!(error instanceof VerifyOptionsError)) throw error;
    return print.cannotRun(error.message);
  }

  // --drift compares with the synthesized stack: it must be there before anything is sent.
  const drift = args.switches.has("--drift");
  let stack: unknown;
  if (drift) {
    try {
      const file = stackJsonPath(args.name, { projectDir: readOptions.projectDir, stackDir });
      stack = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
    } catch (error) {
      return print.cannotRun(`--drift: ${error instanceof DeployedOutputsError ? error.message : `cannot read the synthesized stack: ${messageOf(error)}`}`);
    }
  }

  let values: DeployedOutputs;
  try {
    values = readDeployedOutputs(args.name, { ...readOptions, outputsFile, stackDir, prefix });
  } catch (error) {
    return print.cannotRun(
      error instanceof DeployedOutputsError ? error.message : `unexpected error reading the outputs: ${messageOf(error)}`,
    );
  }

  // From here on the secret is known: everything printed passes through the scrubber.
  print.hide([values.clientSecret]);

  let plan: DriftPlan | undefined;
  if (drift) {
    try {
      plan = driftPlan(stack, values, prefix);
    } catch (error) {
      if (!(error instanceof DriftPlanError)) throw error;
      return print.cannotRun(`--drift: ${error.message}`);
    }
  }

  try {
    resolveEndpoints(values, verifyOptions);
  } catch (error) {
    if (!(error instanceof VerifyOptionsError)) throw error;
    return print.cannotRun(error.message);
  }

  if (!print.json) {
    print.out(
      `Verifying ${args.name !== undefined ? `${noun} "${args.name}"` : "the integration"} as application ${values.clientId} (tenant ${values.tenantId})` +
        `${values.source !== undefined ? `, values from ${values.source}` : ""}:`,
    );
    print.out("");
  }

  let results: CheckResult[];
  try {
    results = await verifyIntegration(values, verifyOptions);
    if (plan !== undefined) {
      const endpoints = resolveEndpoints(values, verifyOptions);
      const tls = checked.extraCaCertificates !== undefined ? trustedTls(checked.extraCaCertificates) : undefined;
      const credential = driftCredential ?? new DefaultAzureCredential(tls !== undefined ? { tlsOptions: tls } : {});
      results.push(
        ...(await checkDrift(plan, values, {
          credential,
          armEndpoint: endpoints.armEndpoint,
          graphEndpoint: endpoints.graphEndpoint,
          timeoutMs: requestTimeoutMs ?? 30_000,
          environmentName: args.name ?? "<stack>",
          ...(tls !== undefined ? { tls } : {}),
        })),
      );
    }
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

/**
 * Reports an error {@link main} could not print itself (it reports its own), on the process's
 * streams: JSON on standard output with `--json`, else a line on standard error. Returns 2.
 */
export function reportUnprintable(argv: readonly string[], error: unknown): number {
  const message = `unexpected error: ${messageOf(error)}`;
  const answer: JsonError = { error: message, exitCode: 2 };
  if (argv.includes("--json")) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else process.stderr.write(`verify: ${message}\n`);
  return 2;
}
