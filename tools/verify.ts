/**
 * `npm run verify -- <env> [--json] [--outputs-file <file>] [endpoint flags]`
 *
 * After `cdktf deploy`, proves the integration works before it is activated in Xshield: signs in
 * as the integration's own application (the deployed client id, tenant id and client secret;
 * never the operator's identity) and runs the checks of ./verify-checks.ts, printing one ✓/✗ line
 * each with the reason and the fix. Exit code 0 when every check passed, 1 when one failed, 2 when
 * verify could not run (usage, unknown or undeployed environment, bad option).
 */
import { EnvironmentArgs, parseEnvironmentArgs } from "./cli-args";
import * as fs from "fs";
import * as path from "path";
import { DeployedOutputs, DeployedOutputsError, readDeployedOutputs, ReadDeployedOutputsOptions } from "./deployed-outputs";
import {
  CheckResult,
  exitCodeOf,
  formatReport,
  resolveEndpoints,
  secretScrubber,
  verifyIntegration,
  VerifyOptions,
  VerifyOptionsError,
} from "./verify-checks";

/** Where the tool writes; tests pass their own. */
export interface Io {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes one line to standard error. */
  err(line: string): void;
}

/** Options tests may set; the command line never does. */
export interface VerifyCliOptions extends Omit<ReadDeployedOutputsOptions, "outputsFile"> {
  /**
   * The environment variables endpoint settings are read from.
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
  "usage: npm run verify -- <environment> [--json] [--outputs-file <file>]",
  "         [--authority-host <url>] [--defender-api <url>] [--defender-scope <scope>]",
  "         [--blob-endpoint <url>] [--queue-endpoint <url>] [--ca-file <pem>] [--stale-after-minutes <n>]",
  "",
  "Endpoints default to the public cloud; flags win over the environment variables",
  "XSHIELD_AUTHORITY_HOST, XSHIELD_DEFENDER_API, XSHIELD_DEFENDER_SCOPE, XSHIELD_BLOB_ENDPOINT,",
  "XSHIELD_QUEUE_ENDPOINT. In blob/queue endpoints, {account} stands for the storage account name.",
  "Exit code: 0 all checks passed, 1 a check failed, 2 verify could not run.",
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
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

type Args = EnvironmentArgs<"--json", ValueFlag>;

function parseArgs(argv: readonly string[]): Args | "help" | string {
  return parseEnvironmentArgs(argv, ["--json"] as const, Object.keys(VALUE_FLAGS) as ValueFlag[]);
}

function setting(args: Args, flag: ValueFlag, env: NodeJS.ProcessEnv): string | undefined {
  const fromFlag = args.values[flag];
  if (fromFlag !== undefined) return fromFlag;
  const variable = VALUE_FLAGS[flag];
  const fromEnv = variable !== undefined ? env[variable] : undefined;
  return fromEnv !== undefined && fromEnv.trim() !== "" ? fromEnv : undefined;
}

const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs the command; resolves to the exit code (0 all passed, 1 a check failed, 2 could not run). */
export async function main(argv: readonly string[], io: Io = processIo, options: VerifyCliOptions = {}): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    io.out(USAGE);
    return 0;
  }
  if (typeof args === "string") {
    io.err(`verify: ${args}.`);
    io.err(USAGE);
    return 2;
  }
  const { env: variables = process.env, now, requestTimeoutMs, ...readOptions } = options;

  let values: DeployedOutputs;
  try {
    const outputsFile = args.values["--outputs-file"];
    values = readDeployedOutputs(args.env, { ...readOptions, ...(outputsFile !== undefined ? { outputsFile } : {}) });
  } catch (error) {
    io.err(
      error instanceof DeployedOutputsError
        ? `verify: ${error.message}`
        : `verify: unexpected error reading the outputs: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 2;
  }

  // From here on the secret is known: everything printed passes through the scrubber.
  const scrub = secretScrubber([values.clientSecret]);
  const safe: Io = { out: (line) => io.out(scrub(line)), err: (line) => io.err(scrub(line)) };

  let extraCaCertificates: string | undefined;
  const caFile = args.values["--ca-file"];
  if (caFile !== undefined) {
    try {
      extraCaCertificates = fs.readFileSync(caFile, "utf8");
    } catch (error) {
      safe.err(`verify: cannot read --ca-file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      return 2;
    }
    if (!extraCaCertificates.includes("-----BEGIN CERTIFICATE-----")) {
      safe.err(`verify: --ca-file ${caFile} holds no PEM certificate.`);
      return 2;
    }
  }
  let staleAfterMinutes: number | undefined;
  const stale = args.values["--stale-after-minutes"];
  if (stale !== undefined) {
    staleAfterMinutes = Number(stale);
    if (!Number.isFinite(staleAfterMinutes) || staleAfterMinutes <= 0) {
      safe.err(`verify: --stale-after-minutes must be a positive number (got "${stale}").`);
      return 2;
    }
  }

  const verifyOptions: VerifyOptions = {
    environmentName: args.env,
    ...optional("authorityHost", setting(args, "--authority-host", variables)),
    ...optional("defenderApiBase", setting(args, "--defender-api", variables)),
    ...optional("defenderScope", setting(args, "--defender-scope", variables)),
    ...optional("blobEndpoint", setting(args, "--blob-endpoint", variables)),
    ...optional("queueEndpoint", setting(args, "--queue-endpoint", variables)),
    ...optional("extraCaCertificates", extraCaCertificates),
    ...optional("staleAfterMinutes", staleAfterMinutes),
    ...optional("requestTimeoutMs", requestTimeoutMs),
    ...optional("now", now),
  };

  try {
    resolveEndpoints(values, verifyOptions);
  } catch (error) {
    if (!(error instanceof VerifyOptionsError)) throw error;
    safe.err(`verify: ${error.message}`);
    return 2;
  }

  if (!args.switches.has("--json")) {
    safe.out(
      `Verifying environment "${args.env}" as application ${values.clientId} (tenant ${values.tenantId})` +
        `${values.source !== undefined ? `, values from ${values.source}` : ""}:`,
    );
    safe.out("");
  }

  let results: CheckResult[];
  try {
    results = await verifyIntegration(values, verifyOptions);
  } catch (error) {
    safe.err(
      error instanceof VerifyOptionsError
        ? `verify: ${error.message}`
        : `verify: unexpected error: ${error instanceof Error ? error.message : String(error)}`,
    );
    return 2;
  }

  if (args.switches.has("--json")) {
    safe.out(JSON.stringify(results, null, 2));
  } else {
    for (const line of formatReport(results)) safe.out(line);
  }
  return exitCodeOf(results);
}

function optional<K extends keyof VerifyOptions>(key: K, value: VerifyOptions[K] | undefined): Partial<Pick<VerifyOptions, K>> {
  return value === undefined ? {} : ({ [key]: value } as Pick<VerifyOptions, K>);
}

if (require.main === module) {
  // npm runs scripts in the package folder; relative file flags are meant from where the user typed them.
  const userCwd = process.env.INIT_CWD ?? process.cwd();
  const fileFlags = ["--outputs-file", "--ca-file"];
  const argv = process.argv.slice(2).map((arg, i, all) => {
    if (fileFlags.includes(all[i - 1] ?? "") && !arg.startsWith("--")) return path.resolve(userCwd, arg);
    const flag = fileFlags.find((f) => arg.startsWith(`${f}=`));
    return flag !== undefined ? `${flag}=${path.resolve(userCwd, arg.slice(flag.length + 1))}` : arg;
  });
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`verify: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 2;
    },
  );
}
