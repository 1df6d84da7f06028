/**
 * `npm run adopt -- <env> [--json] [--client-id <id>] [--display-name <name>] [--subscription-id <id>]
 *   [--event-subscription <name>] [--authority-host <url>] [--graph-endpoint <url>] [--arm-endpoint <url>] [--ca-file <pem>]`
 *
 * Finds what a setup made by hand with ColorTokens' guide left for an environment of
 * environments.ts, with the caller's own credentials (DefaultAzureCredential: `az login`, or the
 * AZURE_* variables) and read access only (GETs to Microsoft Graph and Azure Resource Manager),
 * and writes `adopt/<env>.json`: the import id of each object found once (an
 * `IntegrationAdoption`, lib/adoption.ts). It prints what it found, what the first apply creates, candidates
 * it would not choose between, what exists but cannot be adopted under the environment's
 * settings, and every difference from the library's plan with what the first plan does about it.
 *
 * Exit codes: 0 written, nothing left to choose; 1 written, but candidates or blocked objects need
 * a flag or a setting first (run again after); 2 adopt could not run (usage, unknown environment,
 * no subscription, sign-in or access refused). With `--json`, standard output holds one JSON value
 * on every path: an {@link AdoptJson} or a {@link JsonError}.
 */
import * as fs from "fs";
import * as path from "path";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { ENVIRONMENTS } from "../environments";
import type { EnvironmentConfig } from "../lib/app";
import { isGuid } from "../lib/validation";
import { credentialDebugSections, flagOrEnvironment, type Io, parseEnvironmentArgs, resolveFileFlags } from "./cli-args";
import { type AdoptReport, discover, formatAdoptReport } from "./adopt-discovery";
import { AdoptUsageError, planEnvironment } from "./adopt-plan";
import { AzureRest, AzureRestError } from "./azure-rest";

export const USAGE = [
  "usage: npm run adopt -- <environment> [--json] [--client-id <id>] [--display-name <name>]",
  "         [--subscription-id <id>] [--event-subscription <name>]",
  "         [--authority-host <url>] [--graph-endpoint <url>] [--arm-endpoint <url>] [--ca-file <pem>]",
  "",
  "Reads (never changes) what exists for the environment, with your own sign-in (az login, or the AZURE_* variables),",
  "and writes adopt/<environment>.json: the import ids of what the first plan adopts instead of creating.",
  "--client-id: the application Xshield uses (else it is looked up by applicationDisplayName, or --display-name).",
  "--subscription-id: else the environment's subscriptionId, else ARM_SUBSCRIPTION_ID.",
  "--event-subscription: which of several subscriptions delivering to the queue to adopt.",
  "Endpoints default to the public cloud; flags win over XSHIELD_AUTHORITY_HOST, XSHIELD_GRAPH_ENDPOINT, XSHIELD_ARM_ENDPOINT.",
  "Exit code: 0 written; 1 written, but a candidate or blocked line needs a flag or setting first; 2 adopt could not run.",
  'With --json, standard output holds the report, or {"error": "<why>", "exitCode": 2}.',
].join("\n");

export const VALUE_FLAGS = {
  "--client-id": undefined,
  "--display-name": undefined,
  "--subscription-id": undefined,
  "--event-subscription": undefined,
  "--authority-host": "XSHIELD_AUTHORITY_HOST",
  "--graph-endpoint": "XSHIELD_GRAPH_ENDPOINT",
  "--arm-endpoint": "XSHIELD_ARM_ENDPOINT",
  "--ca-file": undefined,
} as const;
type ValueFlag = keyof typeof VALUE_FLAGS;

export const DEFAULT_GRAPH_ENDPOINT = "https://graph.microsoft.com";
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";

/** What `--json` prints when adopt ran: the report, where it wrote it, and the exit code. */
export interface AdoptJson extends AdoptReport {
  /** The file written, relative to the project folder. */
  readonly file: string;
  readonly exitCode: 0 | 1;
}

/** What `--json` prints when adopt could not run. */
export interface JsonError {
  readonly error: string;
  readonly exitCode: 2;
}

/** Options tests set; the command line never does. */
export interface AdoptCliOptions {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Where adopt/ is written. @default process.cwd() */
  readonly projectDir?: string;
  /** @default ENVIRONMENTS from environments.ts */
  readonly environments?: readonly EnvironmentConfig[];
  /** The caller's credential. @default DefaultAzureCredential */
  readonly credential?: TokenCredential;
  /** Time limit of each request. @default 30000 */
  readonly requestTimeoutMs?: number;
}


const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** An https base URL without query or fragment, or why not. */
function httpsEndpoint(flag: string, value: string): string | { problem: string } {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return { problem: `${flag} ${JSON.stringify(value)} is not a URL; expected e.g. https://host[/path].` };
  }
  if (url.protocol !== "https:") return { problem: `${flag} ${JSON.stringify(value)} must be an https:// URL: your tokens are only ever sent over TLS.` };
  if (url.search !== "" || url.hash !== "") return { problem: `${flag} ${JSON.stringify(value)} must not have a query string or fragment.` };
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/** The `oid` claim of an access token (the caller's object id), read without verifying anything. */
function objectIdOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { oid?: unknown };
    return typeof payload.oid === "string" && isGuid(payload.oid) ? payload.oid.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs the command; resolves to the exit code (0 written, 1 written with candidates or blocked
 * objects, 2 could not run). With `--json`, standard output holds exactly one JSON value.
 */
export async function main(argv: readonly string[], io: Io = processIo, options: AdoptCliOptions = {}): Promise<number> {
  const json = argv.includes("--json");
  const cannotRun = (message: string, withUsage = false): number => {
    if (json) {
      const answer: JsonError = { error: message, exitCode: 2 };
      io.out(JSON.stringify(answer));
    } else {
      io.err(`adopt: ${message}`);
      if (withUsage) io.err(USAGE);
    }
    return 2;
  };
  try {
    return await run(argv, io, options, json, cannotRun);
  } catch (error) {
    if (error instanceof AdoptUsageError) return cannotRun(error.message);
    if (error instanceof AzureRestError) return cannotRun(accessProblem(error));
    if (error instanceof Error && ["CredentialUnavailableError", "AuthenticationError", "AggregateAuthenticationError"].includes(error.name)) {
      return cannotRun(`cannot sign in: ${messageOf(error).split("\n")[0]!.replace(/\.+$/, "")}. Sign in with az login (or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET), then run adopt again.`);
    }
    return cannotRun(`unexpected error: ${messageOf(error)}`);
  }
}

function accessProblem(error: AzureRestError): string {
  const rights =
    error.status === 401 || error.status === 403
      ? error.message.startsWith("Microsoft Graph")
        ? " adopt reads applications and service principals as you: a member user may by default; otherwise it needs Directory Readers (or Application.Read.All)."
        : " adopt reads as you: it needs Reader on the subscription (Microsoft.Authorization/roleAssignments/read included)."
      : "";
  return `${error.message}.${rights}`;
}

async function run(argv: readonly string[], io: Io, options: AdoptCliOptions, json: boolean, cannotRun: (message: string, withUsage?: boolean) => number): Promise<number> {
  const args = parseEnvironmentArgs(argv, ["--json"] as const, Object.keys(VALUE_FLAGS) as ValueFlag[]);
  if (args === "help") {
    io.out(json ? JSON.stringify({ usage: USAGE, exitCode: 0 }) : USAGE);
    return 0;
  }
  if (typeof args === "string") return cannotRun(`${args}.`, true);
  const variables = options.env ?? process.env;
  const sections = credentialDebugSections(variables.NODE_DEBUG);
  if (sections.length > 0) {
    return cannotRun(
      `NODE_DEBUG=${JSON.stringify(variables.NODE_DEBUG)} turns on Node's own debug output for ${sections.join(", ")}, which writes request headers, ` +
        `your bearer tokens among them, to standard error; adopt does not run with it. Run \`env -u NODE_DEBUG npm run adopt -- ${args.env}\`.`,
    );
  }
  const environments = options.environments ?? ENVIRONMENTS;
  const environment = environments.find((e) => e.name === args.env);
  if (environment === undefined) {
    return cannotRun(`unknown environment "${args.env}"; environments.ts has ${environments.map((e) => `"${e.name}"`).join(", ") || "none"}.`);
  }
  const value = (flag: ValueFlag) => flagOrEnvironment(args.values[flag], VALUE_FLAGS[flag], variables);
  const clientId = value("--client-id");
  if (clientId !== undefined && !isGuid(clientId)) {
    return cannotRun(`--client-id ${JSON.stringify(clientId)} must be the application (client) id Xshield uses, a GUID (Xshield > Settings > Integrations > EDR > Microsoft Defender).`);
  }
  const endpoints: { [flag: string]: string } = {};
  for (const [flag, fallback] of [
    ["--graph-endpoint", DEFAULT_GRAPH_ENDPOINT],
    ["--arm-endpoint", DEFAULT_ARM_ENDPOINT],
    ["--authority-host", ""],
  ] as const) {
    const given = value(flag);
    if (given === undefined) {
      endpoints[flag] = fallback;
      continue;
    }
    const checked = httpsEndpoint(flag, given);
    if (typeof checked !== "string") return cannotRun(checked.problem);
    endpoints[flag] = checked;
  }
  let extraCaCertificates: string | undefined;
  const caFile = value("--ca-file");
  if (caFile !== undefined) {
    try {
      extraCaCertificates = fs.readFileSync(caFile, "utf8");
    } catch (error) {
      return cannotRun(`cannot read --ca-file ${caFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    if (!extraCaCertificates.includes("-----BEGIN CERTIFICATE-----")) return cannotRun(`--ca-file ${caFile} holds no PEM certificate.`);
  }

  const plan = planEnvironment(environment);
  const subscriptionId = args.values["--subscription-id"] ?? plan.subscriptionId ?? flagOrEnvironment(undefined, "ARM_SUBSCRIPTION_ID", variables);
  if (subscriptionId === undefined) {
    return cannotRun(`which subscription? Give --subscription-id <id>, set subscriptionId for environment "${args.env}", or export ARM_SUBSCRIPTION_ID (as for cdktf deploy).`);
  }
  if (!isGuid(subscriptionId)) return cannotRun(`the subscription id ${JSON.stringify(subscriptionId)} must be a GUID (az account show --query id -o tsv).`);

  const authorityHost = endpoints["--authority-host"];
  const credential =
    options.credential ??
    new DefaultAzureCredential({
      ...(plan.tenantId !== undefined ? { tenantId: plan.tenantId } : {}),
      // A sign-in host of one's own (a sovereign cloud, a test): trusted as given, no instance discovery.
      ...(authorityHost !== "" && authorityHost !== undefined ? { authorityHost, disableInstanceDiscovery: true } : {}),
      ...(extraCaCertificates !== undefined ? { tlsOptions: { ca: extraCaCertificates } } : {}),
    });
  const rest = (service: string, endpoint: string) =>
    new AzureRest(service, { credential, endpoint, ...(extraCaCertificates !== undefined ? { extraCaCertificates } : {}), ...(options.requestTimeoutMs !== undefined ? { timeoutMs: options.requestTimeoutMs } : {}) });
  const graph = rest("Microsoft Graph", endpoints["--graph-endpoint"]!);
  const arm = rest("Azure Resource Manager", endpoints["--arm-endpoint"]!);
  const graphToken = await credential.getToken(`${endpoints["--graph-endpoint"]}/.default`);
  const callerObjectId = graphToken === null ? undefined : objectIdOf(graphToken.token);
  const eventSubscriptionName = value("--event-subscription");
  const displayName = value("--display-name");

  const report = await discover(plan, {
    graph,
    arm,
    subscriptionId,
    ...(clientId !== undefined ? { clientId } : {}),
    ...(displayName !== undefined ? { displayName } : {}),
    ...(eventSubscriptionName !== undefined ? { eventSubscriptionName } : {}),
    ...(callerObjectId !== undefined ? { callerObjectId } : {}),
  });

  const file = path.posix.join("adopt", `${args.env}.json`);
  const target = path.join(options.projectDir ?? process.cwd(), "adopt", `${args.env}.json`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, `${JSON.stringify(report.adoption, null, 2)}\n`);
  const exitCode = report.findings.some((f) => f.status === "candidates" || f.status === "blocked") ? 1 : 0;
  if (json) {
    const answer: AdoptJson = { ...report, file, exitCode };
    io.out(JSON.stringify(answer, null, 2));
  } else {
    for (const line of formatAdoptReport(report, file)) io.out(line);
  }
  return exitCode;
}

if (require.main === module) {
  const argv = resolveFileFlags(process.argv.slice(2), ["--ca-file"]);
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = `unexpected error: ${messageOf(error)}`;
      if (argv.includes("--json")) process.stdout.write(`${JSON.stringify({ error: message, exitCode: 2 })}\n`);
      else process.stderr.write(`adopt: ${message}\n`);
      process.exitCode = 2;
    },
  );
}
