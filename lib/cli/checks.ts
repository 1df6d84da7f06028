/**
 * The checks behind `npm run verify -- <env>`: sign in as the integration's own application (the
 * deployed client id, tenant id and client secret, never the operator's identity) and prove each
 * thing Xshield will do works, before the integration is activated in Xshield.
 *
 * 1. `credentials`   a client-credentials token for the Defender API is issued
 * 2. `consent`       the token's `roles` claim holds Machine.Read.All (admin consent granted)
 * 3. `defender-api`  `GET /api/machines?$top=1` answers 200
 * 4. `queue`         the app can peek the storage queue
 * 5. `events`        the app can list the DeviceNetworkEvents container, and blobs are arriving
 * 6. `queue-age`     the oldest message waiting in the queue (from the same peek) is younger than
 *                    `maxQueueAgeMinutes`: Xshield is draining the queue
 * 7. `dead-letters`  the dead-letter container `eventgrid-deadletter` holds no blob: Event Grid
 *                    delivered every notification (by default the app may not read it: then skipped)
 *
 * 1–5 answer "does it work?" before activation; 6 and 7 answer "is it still healthy?" for a
 * scheduled run (`--strict` turns their warnings into a non-zero exit code).
 *
 * Pure: no console, no process.exit. Of a failure, only fields known to be safe are returned
 * (./safe-fields.ts: the HTTP status, listed error codes, AADSTS codes with Microsoft's own
 * description, request ids of a checked shape), never a server's text: an error description or
 * message may quote the secret in an encoding no scrubber knows. The secret scrubber stays as a
 * second line: data that is shown (blob names) is scrubbed as it comes in, before anything
 * shortens it, and the results once more at the end.
 */
import * as https from "https";
import * as tls from "tls";
import { ClientSecretCredential, type TokenCredential } from "@azure/identity";
import { ContainerClient } from "@azure/storage-blob";
import { isRestError, type PipelinePolicy, type TlsSettings } from "@azure/core-rest-pipeline";
import { QueueClient, type PeekedMessageItem } from "@azure/storage-queue";
import { DEAD_LETTER_CONTAINER_NAME, MACHINE_READ_ALL, NETWORK_EVENTS_CONTAINER_NAME, ROLES } from "../constants";
import { streamingApiInstructions } from "../xshield-mde-integration";
import type { OUTPUT_NAMES } from "../xshield-mde-stack";
import type { DeployedOutputs } from "./outputs";
import {
  aadstsDescription,
  describeFailure,
  entraFailure,
  header,
  httpFailure,
  safeId,
  safeIds,
  type SafeFailure,
  safeStatus,
  tokenFailure,
} from "./safe-fields";

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** The checks, in the order they run. */
export const CHECK_IDS = ["credentials", "consent", "defender-api", "queue", "events", "queue-age", "dead-letters"] as const;

/**
 * The drift checks of `verify --drift` (./drift.ts), in the order they run after the others:
 * each passes once, or fails once for every difference it finds.
 */
export const DRIFT_CHECK_IDS = [
  "drift-sign-in",
  "drift-storage-account",
  "drift-soft-delete",
  "drift-containers",
  "drift-role-assignments",
  "drift-event-subscription",
  "drift-application",
] as const;

/** One check's id (stable: the `check` field of the JSON report). */
export type CheckId = (typeof CHECK_IDS)[number] | (typeof DRIFT_CHECK_IDS)[number];

/** Human titles of the checks, for the printed report. */
export const CHECK_TITLES: Readonly<Record<CheckId, string>> = {
  credentials: "Credentials",
  consent: `Permission and admin consent (${MACHINE_READ_ALL})`,
  "defender-api": "Defender API access",
  queue: "Storage queue access",
  events: "DeviceNetworkEvents flowing",
  "queue-age": "Oldest queue message",
  "dead-letters": `Dead letters (${DEAD_LETTER_CONTAINER_NAME})`,
  "drift-sign-in": "Drift: your Azure sign-in",
  "drift-storage-account": "Drift: storage account security and firewall",
  "drift-soft-delete": "Drift: blob and container soft delete",
  "drift-containers": "Drift: containers' access level",
  "drift-role-assignments": "Drift: role assignments on the account, containers and queue",
  "drift-event-subscription": "Drift: event subscription",
  "drift-application": "Drift: application credentials and permissions",
};

/** Outcome of one check. */
export type CheckStatus = "pass" | "fail" | "skip";

/**
 * One line of the report, and the element type of the `--json` report: `verify --json` prints
 * `[{check, status, message, fix?, warning?}]`, one element per check in {@link CHECK_IDS} order,
 * then with `--drift` the {@link DRIFT_CHECK_IDS} (one pass, or one fail per difference), and no
 * other key (see {@link JsonReport}).
 */
export interface CheckResult {
  /** Which check. */
  readonly check: CheckId;
  /**
   * `pass`, `fail`, or `skip`: not run, because an earlier check it depends on failed (there is
   * then always a `fail` too), or, for `dead-letters` only, because the application may not read
   * that container, by design (a skip on its own, which never changes the exit code).
   */
  readonly status: CheckStatus;
  /** What was found, in one or two sentences. */
  readonly message: string;
  /**
   * What to do about it; present on failures and warnings, and on the `dead-letters` skip (how
   * to check it another way).
   */
  readonly fix?: string;
  /**
   * Set on a `pass` that deserves attention (a secret close to expiry, no blob for hours, an old
   * queue message, dead letters, …). A warning changes the exit code only under `--strict`.
   */
  readonly warning?: true;
}

/** What `verify --json` prints on standard output when the checks ran: one result per check. */
export type JsonReport = readonly CheckResult[];

/** Options of {@link verifyIntegration}. All endpoints must be `https://` URLs. */
export interface VerifyOptions {
  /**
   * Entra ID authority host.
   *
   * @default "https://login.microsoftonline.com"
   */
  readonly authorityHost?: string;
  /**
   * Base URL of the Defender for Endpoint API.
   *
   * @default "https://api.security.microsoft.com"
   */
  readonly defenderApiBase?: string;
  /**
   * The scope requested for the Defender API token.
   *
   * @default "https://api.securitycenter.microsoft.com/.default"
   */
  readonly defenderScope?: string;
  /**
   * Blob service endpoint of the storage account; `{account}` is replaced by the account name.
   *
   * @default "https://{account}.blob.core.windows.net"
   */
  readonly blobEndpoint?: string;
  /**
   * Queue service endpoint of the storage account; `{account}` is replaced by the account name.
   *
   * @default "https://{account}.queue.core.windows.net"
   */
  readonly queueEndpoint?: string;
  /**
   * Azure Resource Manager, for `--drift`.
   *
   * @default "https://management.azure.com"
   */
  readonly armEndpoint?: string;
  /**
   * Microsoft Graph, for `--drift`.
   *
   * @default "https://graph.microsoft.com"
   */
  readonly graphEndpoint?: string;
  /**
   * Extra CA certificates (PEM) trusted in addition to Node's bundled roots, e.g. a TLS-inspecting
   * proxy's. (`NODE_EXTRA_CA_CERTS` works too, for the whole process.)
   *
   * @default - Node's bundled roots only
   */
  readonly extraCaCertificates?: string;
  /**
   * Age of the newest DeviceNetworkEvents blob above which `events` passes with a warning.
   *
   * @default 120
   */
  readonly staleAfterMinutes?: number;
  /**
   * Age of the oldest message waiting in the queue above which `queue-age` passes with a warning.
   * A whole number of minutes, 1 or more.
   *
   * @default 60
   */
  readonly maxQueueAgeMinutes?: number;
  /**
   * At most this many blobs of the dead-letter container are listed (their count is then
   * reported as "at least" this many). A whole number, 1 or more.
   *
   * @default 5000
   */
  readonly deadLetterListLimit?: number;
  /**
   * Days before the client secret's expiry from which `credentials` passes with a warning.
   *
   * @default 30
   */
  readonly secretExpiryWarningDays?: number;
  /**
   * Time limit of each network request, in milliseconds.
   *
   * @default 30000
   */
  readonly requestTimeoutMs?: number;
  /**
   * The clock used for ages and expiry (tests set it).
   *
   * @default () => new Date()
   */
  readonly now?: () => Date;
  /**
   * The environment's name, used in the fixes' commands (`npx cdktf deploy <name>`).
   *
   * @default "<env>"
   */
  readonly environmentName?: string;
}

/** A bad option (not a failed check): the CLI prints it and exits 2. */
export class VerifyOptionsError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "VerifyOptionsError";
  }
}

/** The values verify needs from the deployment: every stack output. */
export type VerifyInputs = Pick<DeployedOutputs, keyof typeof OUTPUT_NAMES>;

// ---------------------------------------------------------------------------------------------
// Defaults and endpoint resolution
// ---------------------------------------------------------------------------------------------

export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
export const DEFAULT_DEFENDER_API_BASE = "https://api.security.microsoft.com";
export const DEFAULT_DEFENDER_SCOPE = "https://api.securitycenter.microsoft.com/.default";
export const DEFAULT_BLOB_ENDPOINT = "https://{account}.blob.core.windows.net";
export const DEFAULT_QUEUE_ENDPOINT = "https://{account}.queue.core.windows.net";
export const DEFAULT_ARM_ENDPOINT = "https://management.azure.com";
export const DEFAULT_GRAPH_ENDPOINT = "https://graph.microsoft.com";
export const DEFAULT_STALE_AFTER_MINUTES = 120;
/**
 * Default of {@link VerifyOptions.maxQueueAgeMinutes}. Xshield polls the queue and removes each
 * notification once it has read the blob, so a healthy queue holds messages for minutes at most.
 * An hour is many polling rounds of any reasonable reader, long enough that a slow batch or a
 * short Xshield-side hiccup does not page anyone from a scheduled run, and short enough that a
 * nightly run notices a reader that stopped hours ago (a notification lives `blobRetentionDays`,
 * default 30 days, so the queue keeps what Xshield missed in the meantime). Raise it with
 * `--max-queue-age-minutes` if ColorTokens documents a longer polling interval for your tenant.
 */
export const DEFAULT_MAX_QUEUE_AGE_MINUTES = 60;
/** Default of {@link VerifyOptions.deadLetterListLimit}: one listing page; any dead letter is already a warning. */
export const DEFAULT_DEAD_LETTER_LIST_LIMIT = 5_000;
export const DEFAULT_SECRET_EXPIRY_WARNING_DAYS = 30;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Entra roles that may grant admin consent to an application permission. */
export const CONSENT_ADMIN_ROLES = [
  "Global Administrator",
  "Privileged Role Administrator",
  "Cloud Application Administrator",
  "Application Administrator",
] as const;

/** The endpoints a run uses, after defaults and `{account}` substitution. */
export interface ResolvedEndpoints {
  readonly authorityHost: string;
  readonly defenderApiBase: string;
  readonly defenderScope: string;
  readonly blobEndpoint: string;
  readonly queueEndpoint: string;
  readonly armEndpoint: string;
  readonly graphEndpoint: string;
}

function httpsBase(name: string, value: string, account: string): string {
  const text = value.trim().split("{account}").join(account);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VerifyOptionsError(`${name} "${value}" is not a URL; expected e.g. https://host[/path].`);
  }
  if (url.protocol !== "https:") {
    throw new VerifyOptionsError(
      `${name} "${value}" must be an https:// URL: the application's tokens are only ever sent over TLS.`,
    );
  }
  if (url.search !== "" || url.hash !== "") {
    throw new VerifyOptionsError(`${name} "${value}" must not have a query string or fragment.`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}

/**
 * Applies the defaults and checks every endpoint is an https URL.
 *
 * @throws VerifyOptionsError on a malformed or non-https endpoint
 */
export function resolveEndpoints(values: Pick<VerifyInputs, "storageAccountName">, options: VerifyOptions = {}): ResolvedEndpoints {
  const account = values.storageAccountName;
  const scope = (options.defenderScope ?? DEFAULT_DEFENDER_SCOPE).trim();
  if (scope === "" || /\s/.test(scope)) {
    throw new VerifyOptionsError(`Defender scope "${scope}" must be one scope, e.g. ${DEFAULT_DEFENDER_SCOPE}.`);
  }
  return {
    authorityHost: httpsBase("authority host", options.authorityHost ?? DEFAULT_AUTHORITY_HOST, account),
    defenderApiBase: httpsBase("Defender API base", options.defenderApiBase ?? DEFAULT_DEFENDER_API_BASE, account),
    defenderScope: scope,
    blobEndpoint: httpsBase("blob endpoint", options.blobEndpoint ?? DEFAULT_BLOB_ENDPOINT, account),
    queueEndpoint: httpsBase("queue endpoint", options.queueEndpoint ?? DEFAULT_QUEUE_ENDPOINT, account),
    armEndpoint: httpsBase("Resource Manager endpoint", options.armEndpoint ?? DEFAULT_ARM_ENDPOINT, account),
    graphEndpoint: httpsBase("Graph endpoint", options.graphEndpoint ?? DEFAULT_GRAPH_ENDPOINT, account),
  };
}

// ---------------------------------------------------------------------------------------------
// Small pure helpers (exported for their own tests)
// ---------------------------------------------------------------------------------------------

/** What replaces a secret in every text verify returns or prints. */
export const SECRET_HIDDEN = "[client secret hidden]";

/** A function that hides secrets in a text (see {@link secretScrubber}). */
export type Scrub = (text: string) => string;

const anyOf = (alternatives: readonly string[]): string => `(?:${alternatives.join("|")})`;

/** A regular expression matching exactly `text` (every UTF-16 unit as a `\uXXXX` escape: nothing to quote). */
function literal(text: string): string {
  return [...Array(text.length).keys()].map((i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, "0")}`).join("");
}

/** A regular expression matching the hexadecimal digits of `n` in either case, `width` digits at least. */
function hexDigits(n: number, width: number): string {
  return [...n.toString(16).padStart(width, "0")].map((d) => (/[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d)).join("");
}

const JSON_SHORT_ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };
const XML_NAMED_ENTITIES: Readonly<Record<string, string>> = { '"': "&quot;", "&": "&amp;", "'": "&apos;", "<": "&lt;", ">": "&gt;" };

/** One character (code point) as typed, or escaped the way JSON strings and XML text may write it. */
function written(c: string): string {
  const codePoint = c.codePointAt(0)!;
  const forms = [literal(c)];
  // JSON: \uXXXX per UTF-16 unit (either case), and the short escapes \" \\ \/ \b \f \n \r \t
  forms.push([...Array(c.length).keys()].map((i) => `\\\\u${hexDigits(c.charCodeAt(i), 4)}`).join(""));
  const short = JSON_SHORT_ESCAPES[c];
  if (short !== undefined) forms.push(literal(short));
  // XML: &quot; &amp; &apos; &lt; &gt;, &#126; and &#x7E;
  const named = XML_NAMED_ENTITIES[c];
  if (named !== undefined) forms.push(literal(named));
  forms.push(`&#0*${codePoint};`, `&#[xX]0*${hexDigits(codePoint, 1)};`);
  return anyOf(forms);
}

/**
 * One character of a secret as it may appear in text from elsewhere: as typed, percent-encoded
 * (its UTF-8 bytes, either hex case; encodeURIComponent and form bodies) or `+` for a space (form
 * bodies); the character itself, the `%` and the `+` possibly JSON- or XML-escaped.
 */
function characterPattern(c: string): string {
  const percentEncoded = [...Buffer.from(c, "utf8")].map((byte) => `${written("%")}${hexDigits(byte, 2)}`).join("");
  return anyOf([written(c), percentEncoded, ...(c === " " ? [written("+")] : [])]);
}

/**
 * Returns a function that replaces every occurrence of the given secrets with
 * {@link SECRET_HIDDEN}: as typed, URL-encoded (encodeURIComponent, or a form body's `+` for a
 * space and `%7E` for `~`; percent escapes in either hex case), JSON-escaped (`\"`, `\\`,
 * `\u007e`, …), XML-escaped (`&quot;`, `&#126;`, …), or any mixture of these character by
 * character. Empty secrets are ignored.
 *
 * Apply it to text from elsewhere (error messages, response bodies) as it comes in, before that
 * text is shortened or quoted: a shortened text may hold a piece of a secret, which no scrubber
 * recognises any more.
 */
export function secretScrubber(secrets: readonly string[]): Scrub {
  const patterns = [...new Set(secrets.filter((s) => s !== ""))]
    .sort((a, b) => b.length - a.length)
    .map((secret) => new RegExp([...secret].map(characterPattern).join(""), "g"));
  return (text: string) => patterns.reduce((acc, pattern) => acc.replace(pattern, SECRET_HIDDEN), text);
}

/** The payload of a JWT, without verifying anything; undefined when it is not a readable JWT. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const part = token.split(".")[1];
  if (part === undefined || part === "") {
    return undefined;
  }
  try {
    const payload: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return typeof payload === "object" && payload !== null && !Array.isArray(payload)
      ? (payload as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** "45 s", "12 min", "3 h 5 min", "2 d 4 h". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/**
 * An error's text, with its causes: names, messages and codes. Only ever looked at for its safe
 * fields, never returned: an SDK's error quotes what a server answered.
 */
export function rawErrorText(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      const code = (current as { code?: unknown; errorCode?: unknown }).code ?? (current as { errorCode?: unknown }).errorCode;
      if (typeof code === "string") parts.push(code);
      current = (current as { cause?: unknown }).cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.join(" | ");
}

/** The name of an error's class, when it is a plain identifier (`RestError`, `TypeError`), for a message. */
function errorName(error: unknown): string | undefined {
  const name = error instanceof Error ? error.name : undefined;
  return name !== undefined && /^[A-Za-z]{1,40}$/.test(name) ? name : undefined;
}

/** ` (fields)` of a failure for a message, or nothing when none is known. */
function said(failure: SafeFailure): string {
  const text = describeFailure(failure);
  return text === "" ? "" : ` (${text})`;
}

const NETWORK_CODES = [
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
] as const;

/** A network-level failure (DNS, refused, TLS trust, timeout) found anywhere in an error chain. */
export function networkProblem(error: unknown): string | undefined {
  // Only looked at, never returned: every text this returns is fixed.
  const text = rawErrorText(error);
  const code = NETWORK_CODES.find((c) => text.includes(c));
  if (code !== undefined) {
    if (code.includes("CERT") || code.includes("SIGNATURE") || code.includes("ALTNAME")) {
      return `TLS certificate not trusted (${code}): a TLS-inspecting proxy? Trust its CA with --ca-file or NODE_EXTRA_CA_CERTS`;
    }
    if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `host name not found (${code})`;
    return `connection failed (${code})`;
  }
  if (/AbortError|aborted|timed? ?out/i.test(text)) return "no answer in time";
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * The first line of `text`, shortened to `max` characters. Only for text scrubbed already: a
 * secret cut in two here would be recognised by no scrubber afterwards.
 */
function firstLine(text: string, max = 300): string {
  const line = text.split("\n")[0]!.trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

// ---------------------------------------------------------------------------------------------
// TLS: Node's roots plus an extra CA, parsed once
// ---------------------------------------------------------------------------------------------

/** TLS settings that trust Node's roots and an extra CA, as one prepared secure context. */
export type TrustedTls = TlsSettings & { readonly secureContext: tls.SecureContext };

const TRUSTED_TLS = new Map<string, TrustedTls>();

/**
 * The TLS settings trusting Node's bundled roots and `extraCa` (PEM). Built once per CA text and
 * shared: every TLS connection given `ca` would parse the ~140 roots again (most of a run's CPU).
 * `secureContext` is not in TlsSettings' type, but the Azure SDKs spread their TLS settings into
 * the https.Agent that connects (@typespec/ts-http-runtime's nodeHttpClient), and Node's
 * tls.connect uses a given secureContext as is; https.get takes it directly.
 */
export function trustedTls(extraCa: string): TrustedTls {
  let settings = TRUSTED_TLS.get(extraCa);
  if (settings === undefined) {
    settings = { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, extraCa] }) };
    TRUSTED_TLS.set(extraCa, settings);
  }
  return settings;
}

// ---------------------------------------------------------------------------------------------
// HTTP helper for the Defender API and the tenant probe (the Azure SDKs do the rest)
// ---------------------------------------------------------------------------------------------

interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON, or undefined: read only for its safe fields. */
  readonly json: unknown;
}

function httpsGet(url: string, headers: Record<string, string>, ctx: Pick<Context, "tls" | "timeoutMs">): Promise<HttpAnswer> {
  const { tls: tlsOptions, timeoutMs } = ctx;
  return new Promise((resolve, reject) => {
    const request = https.get(url, { headers, timeout: timeoutMs, ...(tlsOptions ?? {}) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 256 * 1024) chunks.push(chunk);
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, json: parseJson(Buffer.concat(chunks).toString("utf8")) }),
      );
      response.on("error", reject);
    });
    request.on("timeout", () => request.destroy(Object.assign(new Error("request timed out"), { code: "ETIMEDOUT" })));
    request.on("error", reject);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

interface Context {
  readonly values: VerifyInputs;
  readonly endpoints: ResolvedEndpoints;
  /** The TLS settings of every request, when --ca-file adds a CA: see {@link trustedTls}. */
  readonly tls: TrustedTls | undefined;
  readonly timeoutMs: number;
  readonly staleAfterMs: number;
  readonly maxQueueAgeMs: number;
  readonly deadLetterListLimit: number;
  readonly expiryWarningDays: number;
  readonly now: () => Date;
  readonly environmentName: string;
  /** Hides the client secret: applied to every text from elsewhere as it comes in. */
  readonly scrub: Scrub;
  /** The last answer of the token endpoint, as seen on the wire (the SDK's error does not say). */
  readonly tokenAnswer: { status?: number; requestId?: string };
}

/** A passed check. */
export const pass = (check: CheckId, message: string): CheckResult => ({ check, status: "pass", message });
const warn = (check: CheckId, message: string, fix: string): CheckResult => ({ check, status: "pass", message, fix, warning: true });
/** A failed check, with what to do. */
export const fail = (check: CheckId, message: string, fix: string): CheckResult => ({ check, status: "fail", message, fix });
/** A check not run. */
export const skip = (check: CheckId, message: string, fix?: string): CheckResult => ({ check, status: "skip", message, ...(fix !== undefined ? { fix } : {}) });

function expiryDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : new Date(at);
}

const day = (date: Date): string => date.toISOString().slice(0, 10);

function redeployFix(ctx: Context, then: string): string {
  return `Run \`npx cdktf deploy ${ctx.environmentName}\` again${then}`;
}

/**
 * Notes the status and request id of each answer of the token endpoint (`…/oauth2/v2.0/token`),
 * which the SDK's error does not carry. Headers only: the body (and so the request's secret
 * echoed in it) is never looked at.
 */
function recordTokenAnswers(into: Context["tokenAnswer"]): PipelinePolicy {
  return {
    name: "xshieldRecordTokenAnswers",
    sendRequest: async (request, next) => {
      const response = await next(request);
      if (new URL(request.url).pathname.endsWith("/oauth2/v2.0/token")) {
        into.status = response.status;
        const requestId = header(response.headers, "x-ms-request-id");
        if (requestId !== undefined) into.requestId = requestId;
      }
      return response;
    },
  };
}

/** Entra ID's answer, for a message that already names its AADSTS code: ` Entra ID's answer: HTTP 401, invalid_client, trace id …` or nothing. */
function entraSaid(failure: SafeFailure): string {
  const { aadsts: _named, ...rest } = failure;
  void _named;
  const text = describeFailure(rest);
  return text === "" ? "" : ` Entra ID's answer: ${text}.`;
}

/**
 * Explains why no token was issued, from the safe fields of the answer only (the SDK's error
 * text quotes Entra's description, which is never printed).
 */
async function describeTokenFailure(error: unknown, ctx: Context): Promise<CheckResult> {
  const { clientId, tenantId } = ctx.values;
  const host = hostOf(ctx.endpoints.authorityHost);
  const text = rawErrorText(error);
  const parsed = tokenFailure(text, ctx.tokenAnswer.status);
  let failure: SafeFailure = { ...parsed, ids: [...parsed.ids, ...safeIds([{ name: "request id", value: ctx.tokenAnswer.requestId }])] };

  // MSAL reads /{tenant}/v2.0/.well-known/openid-configuration first (hosts it has no built-in
  // metadata for); when that fails it says only "endpoints_resolution_error", and a failed token
  // request only "network_error". Ask the same URL ourselves to learn why: usually AADSTS90002
  // (unknown tenant) or a DNS/connection/TLS problem.
  const unreachable = (problem: string) =>
    fail(
      "credentials",
      `Cannot reach the authority host ${host}: ${problem}.`,
      `Allow HTTPS egress from this machine to ${host} (behind a proxy set HTTPS_PROXY), or point --authority-host at your cloud's sign-in host.`,
    );
  if (failure.aadsts === undefined && /endpoints_resolution_error|openid_config_error|network_error/.test(text)) {
    const url = `${ctx.endpoints.authorityHost}/${encodeURIComponent(tenantId)}/v2.0/.well-known/openid-configuration`;
    let answer: HttpAnswer;
    try {
      answer = await httpsGet(url, { accept: "application/json" }, ctx);
    } catch (probeError) {
      return unreachable(networkProblem(probeError) ?? "its answer could not be read");
    }
    const probed = entraFailure(answer.status, answer.json);
    if (probed.aadsts === undefined && answer.status !== 200) {
      return fail(
        "credentials",
        `${host} did not return the OpenID configuration of tenant ${tenantId} (HTTP ${safeStatus(answer.status) ?? "status unknown"}).`,
        "Check the authority host (--authority-host; sovereign clouds: https://login.microsoftonline.us, " +
          "https://login.chinacloudapi.cn) and tenant_id.",
      );
    }
    if (probed.aadsts === undefined) {
      return unreachable(`the token request failed at the network level (network_error) although ${host} answers; a proxy or firewall may block POST requests`);
    }
    failure = probed;
  }

  if (failure.aadsts === undefined) {
    const problem = networkProblem(error);
    if (problem !== undefined) {
      return unreachable(problem);
    }
    const name = errorName(error);
    return fail(
      "credentials",
      `No token was issued, and the answer carried no AADSTS code${said(failure)}${name !== undefined ? ` (${name})` : ""}.`,
      `Check tenant_id, client_id and client_secret in this environment's outputs; run verify again with AZURE_LOG_LEVEL=info for the SDK's details.`,
    );
  }

  const answered = entraSaid(failure);
  const expires = expiryDate(ctx.values.clientSecretExpiresAt);
  switch (failure.aadsts) {
    case "7000222":
      return fail(
        "credentials",
        `The client secret has expired${expires ? ` (on ${day(expires)})` : ""} (AADSTS7000222).${answered}`,
        redeployFix(
          ctx,
          ": it renews the due slot and the outputs then hold the newest secret. " +
            "Enter the new client_secret in Xshield (Settings > Integrations > EDR > Microsoft Defender) and run verify again.",
        ),
      );
    case "7000215":
      return fail(
        "credentials",
        `Entra ID rejected the client secret (AADSTS7000215: invalid client secret) for application ${clientId}.${answered}`,
        "The client_secret in this environment's outputs is not a current secret of the application: it was probably deleted or " +
          "replaced in the portal. " +
          redeployFix(ctx, " to create a new one, then enter it in Xshield.") +
          " (In Xshield, use the secret's Value, never its Secret ID.)",
      );
    case "700016":
      return fail(
        "credentials",
        `Application ${clientId} was not found in tenant ${tenantId} (AADSTS700016).${answered}`,
        "Check that client_id and tenant_id come from the same deployment, and that the application still exists " +
          "(Entra admin center > App registrations > All applications). If it was deleted, " +
          redeployFix(ctx, " to recreate it."),
      );
    case "90002":
      return fail(
        "credentials",
        `Tenant ${tenantId} was not found at ${host} (AADSTS90002).${answered}`,
        "Check tenant_id in this environment's outputs. For a sovereign cloud, point --authority-host at its sign-in host " +
          "(e.g. https://login.microsoftonline.us or https://login.chinacloudapi.cn).",
      );
    default:
      return fail(
        "credentials",
        `Entra ID refused the token request: AADSTS${failure.aadsts}: ${aadstsDescription(failure.aadsts)}${answered}`,
        `Look the code up at https://login.microsoftonline.com/error?code=${failure.aadsts} and fix the application or tenant accordingly; ` +
          "the correlation id finds the sign-in in Entra admin center > Monitoring & health > Sign-in logs (service principal sign-ins).",
      );
  }
}

async function checkCredentials(ctx: Context, credential: TokenCredential): Promise<{ result: CheckResult; token?: string }> {
  let token: string;
  try {
    const accessToken = await credential.getToken(ctx.endpoints.defenderScope, { abortSignal: AbortSignal.timeout(ctx.timeoutMs * 2) });
    if (accessToken === null) {
      throw new Error("the token endpoint answered without an access token");
    }
    token = accessToken.token;
  } catch (error) {
    return { result: await describeTokenFailure(error, ctx) };
  }
  const { clientId, tenantId, clientSecretSlot } = ctx.values;
  const slot = clientSecretSlot !== undefined ? ` with the newest client secret (slot ${clientSecretSlot.toUpperCase()})` : "";
  const base = `Signed in as application ${clientId} in tenant ${tenantId}${slot}; a token for the Defender API was issued.`;
  const daysUntil = (date: Date) => Math.floor((date.getTime() - ctx.now().getTime()) / 86_400_000);
  const details: string[] = [];
  const expires = expiryDate(ctx.values.clientSecretExpiresAt);
  if (expires !== undefined) {
    const daysLeft = daysUntil(expires);
    details.push(`It expires on ${day(expires)} (in ${daysLeft} day${daysLeft === 1 ? "" : "s"}).`);
  }
  const previous = expiryDate(ctx.values.clientSecretPreviousExpiresAt);
  if (previous !== undefined) {
    details.push(`The older secret expires on ${day(previous)}.`);
  }
  const next = expiryDate(ctx.values.clientSecretNextRotationAt);
  if (next !== undefined && daysUntil(next) >= 0) {
    details.push(`The next apply from ${day(next)} renews the older secret; Xshield must use the newest by then.`);
  }
  const text = [base, ...details].join(" ");
  if (next !== undefined && daysUntil(next) < 0) {
    return {
      result: warn(
        "credentials",
        `${text} The rotation due on ${day(next)} has not been applied yet.`,
        redeployFix(
          ctx,
          ": it renews the older secret (make sure Xshield uses the newest first). Run an apply at least every rotation interval, " +
            "e.g. from a scheduled pipeline: after a whole interval without one, the next apply renews both secrets at once.",
        ),
      ),
      token,
    };
  }
  if (expires !== undefined && daysUntil(expires) <= ctx.expiryWarningDays) {
    return {
      result: warn(
        "credentials",
        text,
        redeployFix(ctx, " before then: it renews the due slot; enter the new client_secret in Xshield right after."),
      ),
      token,
    };
  }
  return { result: pass("credentials", text), token };
}

function checkConsent(ctx: Context, token: string): CheckResult {
  const { clientId } = ctx.values;
  const claims = decodeJwtPayload(token);
  if (claims === undefined) {
    return fail(
      "consent",
      "The access token is not a JWT whose claims could be read, so its roles are unknown.",
      "Check --authority-host and --defender-scope point at Entra ID and the Defender API of the same cloud.",
    );
  }
  // Role values as Entra writes them (Machine.Read.All): any other claim text is not printed.
  const claimed = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === "string") : [];
  const roles = claimed.filter((r) => /^[A-Za-z0-9._-]{1,120}$/.test(r));
  const unreadable = claimed.length - roles.length;
  if (!roles.includes(MACHINE_READ_ALL)) {
    return fail(
      "consent",
      `The token carries no ${MACHINE_READ_ALL} role (roles: ${claimed.length > 0 ? [...roles, ...(unreadable > 0 ? [`${unreadable} of another shape`] : [])].join(", ") : "none"}): admin consent for ` +
        `WindowsDefenderATP ${MACHINE_READ_ALL} has not been granted to application ${clientId}, or was revoked.`,
      `Grant admin consent: Entra admin center > App registrations > (the application with client id ${clientId}) > API permissions > ` +
        `Grant admin consent for <your tenant>. Only ${CONSENT_ADMIN_ROLES.join(", ")} may grant it ` +
        `(the deploy grants it itself when run by one of them). Then run verify again; a new consent shows in tokens within minutes.`,
    );
  }
  const extra = [...roles.filter((r) => r !== MACHINE_READ_ALL), ...(unreadable > 0 ? [`${unreadable} role(s) of another shape`] : [])];
  const message = `The token carries the application role ${MACHINE_READ_ALL} (admin consent granted).`;
  if (extra.length > 0) {
    return warn(
      "consent",
      `${message} It also carries ${extra.join(", ")}, which Xshield does not need.`,
      `Least privilege: remove the extra permissions from the application (Entra admin center > App registrations > ${clientId} > API permissions).`,
    );
  }
  return pass("consent", message);
}

async function checkDefenderApi(ctx: Context, token: string): Promise<CheckResult> {
  const url = `${ctx.endpoints.defenderApiBase}/api/machines?$top=1`;
  const host = hostOf(url);
  let answer: HttpAnswer;
  try {
    answer = await httpsGet(url, { authorization: `Bearer ${token}`, accept: "application/json" }, ctx);
  } catch (error) {
    return fail(
      "defender-api",
      `Cannot reach the Defender API at ${host}: ${networkProblem(error) ?? "its answer could not be read"}.`,
      `Allow HTTPS egress to ${host}, or point --defender-api at your cloud's Defender API (e.g. https://api-gcc.securitycenter.microsoft.us).`,
    );
  }
  // The status, a listed error code and the correlation id (`target`); never the message.
  const { status: _status, ...fields } = httpFailure("defender", answer.status, answer.headers, answer.json);
  void _status;
  const detail = describeFailure(fields);
  const also = detail === "" ? "" : `, ${detail}`;
  if (answer.status === 200) {
    const json = answer.json;
    const list = typeof json === "object" && json !== null ? (json as Record<string, unknown>).value : undefined;
    const count = Array.isArray(list) ? list.length : undefined;
    if (count === 0) {
      return warn(
        "defender-api",
        "GET /api/machines?$top=1 answered 200, but no device is visible: Xshield will have no devices to show.",
        "Onboard devices to Microsoft Defender for Endpoint (Defender portal > Settings > Endpoints > Onboarding).",
      );
    }
    return pass("defender-api", "GET /api/machines?$top=1 answered 200: the application can read device metadata.");
  }
  if (answer.status === 401) {
    return fail(
      "defender-api",
      `The Defender API rejected the token (401${also}).`,
      `The token must be for the Defender API of the same cloud (scope ${ctx.endpoints.defenderScope}) and the tenant must have ` +
        "Microsoft Defender for Endpoint. For a sovereign cloud set --defender-api and --defender-scope to its endpoints.",
    );
  }
  if (answer.status === 403) {
    return fail(
      "defender-api",
      `The Defender API refused the application (403${also}) although the token carries ${MACHINE_READ_ALL}.`,
      "If consent was granted in the last minutes, wait up to 15 minutes and run verify again. Otherwise check the tenant has a " +
        "Defender for Endpoint licence and has been provisioned (Defender portal > Settings > Endpoints opens without a setup wizard).",
    );
  }
  return fail(
    "defender-api",
    `GET /api/machines?$top=1 answered ${safeStatus(answer.status) ?? "with no valid status"}${also}.`,
    answer.status >= 500 || answer.status === 429
      ? "The Defender API is busy or failing: run verify again in a few minutes."
      : `Check --defender-api (now ${ctx.endpoints.defenderApiBase}).`,
  );
}

interface StorageTarget {
  readonly check: "queue" | "events" | "dead-letters";
  readonly what: string;
  readonly resource: string;
  readonly endpoint: string;
  readonly role: string;
  readonly iamPath: string;
  readonly notFoundCode: string;
}

function describeStorageFailure(error: unknown, target: StorageTarget, ctx: Context): CheckResult {
  const host = hostOf(target.endpoint);
  const account = ctx.values.storageAccountName;
  if (isRestError(error) && error.statusCode !== undefined) {
    // The status, the error code when it is one Azure Storage documents, and the request id.
    const failure = httpFailure("storage", error.statusCode, error.response?.headers, { error: { code: error.code } });
    const status = failure.status ?? error.statusCode;
    const code = failure.code ?? "";
    if (status === 403 && code === "AuthorizationFailure") {
      return fail(
        target.check,
        `The storage firewall of account ${account} refused the request (403 AuthorizationFailure): this machine's public IP is not allowed.`,
        "Add Xshield's egress addresses (from ColorTokens) and this machine's public egress IP to allowedIpRanges, deploy again, " +
          "and wait a minute for the firewall to apply. (Or run verify from a machine whose IP is already allowed.)",
      );
    }
    if (status === 403 && code === "AuthorizationPermissionMismatch") {
      return fail(
        target.check,
        `The application is signed in but has no data role on ${target.what} (403 AuthorizationPermissionMismatch).`,
        "Role assignments take up to 10 minutes to apply after a deploy: wait and run verify again. If it persists, check that " +
          `application ${ctx.values.clientId} has ${target.role} on ${target.what} (${target.iamPath} > Access control (IAM) > Role assignments), ` +
          "or deploy again to recreate the assignment.",
      );
    }
    if (status === 404 && code === target.notFoundCode) {
      return fail(
        target.check,
        `${target.what[0]!.toUpperCase()}${target.what.slice(1)} does not exist in storage account ${account} (404 ${code}).`,
        "Check that the outputs belong to the deployed environment; deploy again to recreate it.",
      );
    }
    if (status === 404 || code === "ResourceNotFound" || code === "AccountNotFound") {
      return fail(
        target.check,
        `Storage account ${account} was not found at ${host} (${status}${code ? ` ${code}` : ""}).`,
        "Check storage_account_name in the outputs (and --blob-endpoint/--queue-endpoint for a sovereign cloud); deploy again if it was deleted.",
      );
    }
    return fail(
      target.check,
      `${target.what[0]!.toUpperCase()}${target.what.slice(1)} answered${said(failure)}.`,
      status === 401 || status === 403
        ? `Check that application ${ctx.values.clientId} has ${target.role} on ${target.what}, and that the storage account accepts Entra ID (OAuth) requests.`
        : "Run verify again in a few minutes; if it persists, check the storage account in the Azure portal.",
    );
  }
  const text = rawErrorText(error);
  const tokenFields = tokenFailure(text);
  if (tokenFields.aadsts !== undefined || /AuthenticationRequiredError|CredentialUnavailableError/.test(text)) {
    return fail(
      target.check,
      `No token for Azure Storage was issued${said(tokenFields)}.`,
      "The Defender token was issued, so the credentials work: run verify again; if it persists, check the tenant's conditional access policies for workload identities.",
    );
  }
  const problem = networkProblem(error);
  if (problem !== undefined) {
    return fail(
      target.check,
      `Cannot reach ${host}: ${problem}.`,
      problem.startsWith("host name not found")
        ? `Check storage_account_name (${account}); with a private endpoint, run verify from a network that resolves the account's private DNS name.`
        : `Allow HTTPS egress to ${host} (behind a proxy set HTTPS_PROXY).`,
    );
  }
  const name = errorName(error);
  return fail(
    target.check,
    `${target.what[0]!.toUpperCase()}${target.what.slice(1)} could not be read: an error verify does not recognise${name !== undefined ? ` (${name})` : ""}.`,
    "Run verify again; if it persists, check the storage account in the Azure portal, or run verify with AZURE_LOG_LEVEL=info for the SDK's details.",
  );
}

function storageOptions(ctx: Context): Record<string, unknown> {
  // `tlsOptions` is not in StoragePipelineOptions' type but is passed through to the core pipeline
  // (createClientPipeline), where it sets the TLS settings of each request.
  return {
    retryOptions: { maxTries: 2, tryTimeoutInMs: ctx.timeoutMs, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
    ...(ctx.tls !== undefined ? { tlsOptions: ctx.tls } : {}),
  };
}

/** The most messages one peek returns (an Azure Storage limit). */
const MAX_PEEKED_MESSAGES = 32;

/** The `queue` check's result, and the messages it peeked (for `queue-age`) when it could read the queue. */
interface QueuePeek {
  readonly result: CheckResult;
  readonly messages?: readonly PeekedMessageItem[];
}

async function checkQueue(ctx: Context, credential: TokenCredential): Promise<QueuePeek> {
  const { queueName } = ctx.values;
  const target: StorageTarget = {
    check: "queue",
    what: `queue ${queueName}`,
    resource: queueName,
    endpoint: ctx.endpoints.queueEndpoint,
    role: ROLES.storageQueueDataMessageProcessor.name,
    iamPath: `storage account ${ctx.values.storageAccountName} > Queues > ${queueName}`,
    notFoundCode: "QueueNotFound",
  };
  try {
    const client = new QueueClient(`${ctx.endpoints.queueEndpoint}/${encodeURIComponent(queueName)}`, credential, storageOptions(ctx));
    // Peek, never receive: nothing about the messages changes (no dequeue count, no visibility).
    const peeked = await client.peekMessages({ numberOfMessages: MAX_PEEKED_MESSAGES, abortSignal: AbortSignal.timeout(ctx.timeoutMs * 2) });
    const messages = peeked.peekedMessageItems;
    const n = messages.length;
    const waiting =
      n === 0 ? "no message waiting" : n >= MAX_PEEKED_MESSAGES ? `${MAX_PEEKED_MESSAGES} or more messages waiting` : `${n} message${n === 1 ? "" : "s"} waiting`;
    return { result: pass("queue", `The application can read queue ${queueName} (${waiting}).`), messages };
  } catch (error) {
    return { result: describeStorageFailure(error, target, ctx) };
  }
}

/**
 * `queue-age`: how long the oldest visible message has been waiting, from the messages the
 * `queue` check peeked (the front of the queue, up to 32). Messages a reader holds invisible
 * while it works on them are not seen, and do not count.
 */
function checkQueueAge(ctx: Context, messages: readonly PeekedMessageItem[] | undefined): CheckResult {
  const { queueName } = ctx.values;
  if (messages === undefined) {
    return skip("queue-age", "skipped: the queue could not be read (see Storage queue access).");
  }
  const dated = messages.filter((m) => m.insertedOn instanceof Date && !Number.isNaN(m.insertedOn.getTime()));
  if (dated.length === 0) {
    return pass(
      "queue-age",
      messages.length === 0
        ? `No message waiting in queue ${queueName}: Xshield has nothing to catch up on.`
        : `Queue ${queueName} holds messages, but none says when it was inserted; their age is unknown.`,
    );
  }
  const oldest = dated.reduce((a, b) => (b.insertedOn.getTime() < a.insertedOn.getTime() ? b : a));
  const age = ctx.now().getTime() - oldest.insertedOn.getTime();
  const of = messages.length >= MAX_PEEKED_MESSAGES ? `first ${MAX_PEEKED_MESSAGES} messages` : messages.length === 1 ? "one message" : `${messages.length} messages`;
  const received = oldest.dequeueCount > 0 ? `, received ${oldest.dequeueCount} time${oldest.dequeueCount === 1 ? "" : "s"} without being deleted` : "";
  const message =
    `The oldest of the ${of} waiting in queue ${queueName} was inserted ${formatDuration(age)} ago ` +
    `(${oldest.insertedOn.toISOString()})${received}.`;
  if (age <= ctx.maxQueueAgeMs) {
    return pass("queue-age", `${message} Within the limit of ${formatDuration(ctx.maxQueueAgeMs)}.`);
  }
  const limit = `It has waited more than ${formatDuration(ctx.maxQueueAgeMs)} (--max-queue-age-minutes): Xshield is not draining the queue.`;
  const seen = "This run read the queue as the same application from here, so its role and the newest client secret work; what remains is on Xshield's side or between Xshield and the account.";
  if (oldest.dequeueCount > 0) {
    return warn(
      "queue-age",
      `${message} ${limit}`,
      "A reader takes the notification but never deletes it, which Xshield does only once it has processed the blob: " +
        "check the integration's status and errors in Xshield (Settings > Integrations > EDR > Microsoft Defender); " +
        `Xshield must be able to read the blob too (the events check above tests that from here). ${seen} ` +
        `If Xshield shows no error, give ColorTokens support the message id ${safeId(oldest.messageId) ?? "(of an unexpected shape, not shown)"}. See README.md#troubleshooting.`,
    );
  }
  return warn(
    "queue-age",
    `${message} ${limit} Nothing has received it.`,
    `Xshield is not reading. ${seen} Check, in this order: the integration is activated in Xshield (Settings > Integrations > EDR > ` +
      "Microsoft Defender) and shows no error; the client secret entered there is the newest one " +
      `(\`npm run xshield-values -- ${ctx.environmentName}\`), not one that was rotated or has expired; Xshield's egress IP addresses ` +
      "(from ColorTokens) are in allowedIpRanges, or the storage firewall refuses Xshield with 403 AuthorizationFailure, which only " +
      "Xshield's side shows; ColorTokens may have changed those addresses. See README.md#troubleshooting.",
  );
}

/** At most this many blobs are listed to find the newest (Defender writes one blob per hour and partition). */
const MAX_BLOBS_LISTED = 50_000;

async function checkEvents(ctx: Context, credential: TokenCredential): Promise<CheckResult> {
  const container = NETWORK_EVENTS_CONTAINER_NAME;
  const target: StorageTarget = {
    check: "events",
    what: `container ${container}`,
    resource: container,
    endpoint: ctx.endpoints.blobEndpoint,
    role: ROLES.storageBlobDataReader.name,
    iamPath: `storage account ${ctx.values.storageAccountName} > Containers > ${container}`,
    notFoundCode: "ContainerNotFound",
  };
  let count = 0;
  let newest: { name: string; lastModified: Date } | undefined;
  let truncated = false;
  try {
    const client = new ContainerClient(`${ctx.endpoints.blobEndpoint}/${container}`, credential, storageOptions(ctx));
    const pages = client.listBlobsFlat({ abortSignal: AbortSignal.timeout(ctx.timeoutMs * 4) }).byPage({ maxPageSize: 5_000 });
    for await (const page of pages) {
      for (const blob of page.segment.blobItems) {
        count++;
        const lastModified = blob.properties.lastModified;
        if (newest === undefined || lastModified.getTime() > newest.lastModified.getTime()) {
          newest = { name: blob.name, lastModified };
        }
      }
      if (count >= MAX_BLOBS_LISTED && page.continuationToken) {
        truncated = true;
        break;
      }
    }
  } catch (error) {
    return describeStorageFailure(error, target, ctx);
  }
  if (newest === undefined) {
    return fail(
      "events",
      `The application can list container ${container}, but it is empty: Defender's Streaming API is not exporting DeviceNetworkEvents ` +
        "to this storage account yet (the one manual step).",
      `${streamingApiInstructions(ctx.values.storageAccountId)}\nThe first blobs appear a few minutes after the export is saved, ` +
        "once onboarded devices have network activity; then run verify again.",
    );
  }
  const age = ctx.now().getTime() - newest.lastModified.getTime();
  const counted = truncated ? `${count}+ blobs (listing stopped at ${count})` : `${count} blob${count === 1 ? "" : "s"}`;
  const message =
    `The application can read container ${container}: ${counted}; the newest, ${ctx.scrub(newest.name)}, was written ` +
    `${formatDuration(age)} ago (${newest.lastModified.toISOString()}).`;
  if (age > ctx.staleAfterMs) {
    return warn(
      "events",
      `${message} Nothing newer for more than ${formatDuration(ctx.staleAfterMs)}: events may have stopped flowing.`,
      "Check the export still exists (Defender portal > Settings > Microsoft Defender XDR > Streaming API, DeviceNetworkEvents ticked, " +
        `storage account ${ctx.values.storageAccountId}), that onboarded devices are active, and that the storage firewall still lets ` +
        "trusted Microsoft services in (bypass AzureServices).",
    );
  }
  return pass("events", message);
}

/**
 * `dead-letters`: blobs in the container Event Grid writes the notifications it could not
 * deliver to the queue into. Listed up to `deadLetterListLimit` blobs; the newest is the one
 * modified last (the names hold an unpadded date, so the order of the listing says nothing).
 */
async function checkDeadLetters(ctx: Context, credential: TokenCredential): Promise<CheckResult> {
  const container = DEAD_LETTER_CONTAINER_NAME;
  const account = ctx.values.storageAccountName;
  const { queueName } = ctx.values;
  const target: StorageTarget = {
    check: "dead-letters",
    what: `container ${container}`,
    resource: container,
    endpoint: ctx.endpoints.blobEndpoint,
    role: ROLES.storageBlobDataReader.name,
    iamPath: `storage account ${account} > Containers > ${container}`,
    notFoundCode: "ContainerNotFound",
  };
  let count = 0;
  let newest: { name: string; lastModified: Date } | undefined;
  let truncated = false;
  try {
    const client = new ContainerClient(`${ctx.endpoints.blobEndpoint}/${container}`, credential, storageOptions(ctx));
    const pageSize = Math.min(ctx.deadLetterListLimit, 5_000);
    const pages = client.listBlobsFlat({ abortSignal: AbortSignal.timeout(ctx.timeoutMs * 4) }).byPage({ maxPageSize: pageSize });
    for await (const page of pages) {
      for (const blob of page.segment.blobItems) {
        count++;
        const lastModified = blob.properties.lastModified;
        if (newest === undefined || lastModified.getTime() > newest.lastModified.getTime()) {
          newest = { name: blob.name, lastModified };
        }
      }
      if (count >= ctx.deadLetterListLimit && page.continuationToken) {
        truncated = true;
        break;
      }
    }
  } catch (error) {
    if (isRestError(error) && error.statusCode === 403 && error.code === "AuthorizationPermissionMismatch") {
      return skip(
        "dead-letters",
        `Not checked: the application may not list container ${container} (403 AuthorizationPermissionMismatch). That is by design: ` +
          `the integration grants Xshield's identity ${ROLES.storageBlobDataReader.name} on container ${NETWORK_EVENTS_CONTAINER_NAME} only, ` +
          'unless dataRoleScope is "account". (With dataRoleScope "account", the role may still be taking effect after a deploy: ' +
          "wait up to 10 minutes.)",
        `Check the dead letters another way: Azure portal > storage account ${account} > Containers > ${container} (any blob there is ` +
          `a notification Event Grid could not deliver), or as an identity with ${ROLES.storageBlobDataReader.name} on the account or ` +
          `that container: \`az storage blob list --auth-mode login --account-name ${account} --container-name ${container} ` +
          '--num-results 100 --query "[].[name, properties.lastModified]" -o tsv`. An Azure Monitor alert on the system topic\'s ' +
          "dead-lettered events watches the same without any data role.",
      );
    }
    return describeStorageFailure(error, target, ctx);
  }
  if (newest === undefined) {
    return pass("dead-letters", `Container ${container} holds no blob: Event Grid delivered every notification to queue ${queueName}.`);
  }
  const age = ctx.now().getTime() - newest.lastModified.getTime();
  const counted = truncated ? `At least ${count} dead letters (the listing stopped at ${count})` : `${count} dead letter${count === 1 ? "" : "s"}`;
  const what =
    count === 1
      ? `a notification Event Grid could not deliver to queue ${queueName}, so Xshield was never told about that blob`
      : `notifications Event Grid could not deliver to queue ${queueName}, so Xshield was never told about those blobs`;
  // Scrubbed before it is shortened: a name cut first could keep a piece of the secret no scrubber knows.
  const name = firstLine(ctx.scrub(newest.name), 200);
  return warn(
    "dead-letters",
    `${counted} in container ${container}: ${what}. The newest${truncated ? " of those listed" : ""}, ${name}, was written ` +
      `${formatDuration(age)} ago (${newest.lastModified.toISOString()}).`,
    "Open the newest dead letter: each event in it carries deadLetterReason and lastDeliveryOutcome, which say why delivery failed. " +
      `Likely causes: the system topic's identity lost ${ROLES.storageQueueDataMessageSender.name} on queue ${queueName} ` +
      `(storage account ${account} > Queues > ${queueName} > Access control (IAM)); the queue was deleted or recreated (then the queue ` +
      "check fails too); or the storage firewall refused Event Grid (the account must let trusted Microsoft services in: bypass " +
      "AzureServices; a firewall that still refuses it blocks the dead-letter container too, and events are then dropped, not dead-lettered). " +
      `\`npx cdktf deploy ${ctx.environmentName}\` restores the role assignments, the queue and the firewall settings. Once the cause is ` +
      "fixed, delete the dead letters you have examined: this check warns as long as any is left (lifecycle management deletes them " +
      'after blobRetentionDays). See README.md#troubleshooting, "Dead letters in eventgrid-deadletter".',
  );
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

/**
 * Runs every check, in order, as the integration's own application, and returns one result per
 * check. Never throws for a failing check; throws {@link VerifyOptionsError} for bad options.
 * The client secret is scrubbed from every returned text.
 */
export async function verifyIntegration(values: VerifyInputs, options: VerifyOptions = {}): Promise<CheckResult[]> {
  const endpoints = resolveEndpoints(values, options);
  const positive = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v <= 0) throw new VerifyOptionsError(`${name} must be a positive number (got ${value}).`);
    return v;
  };
  const wholeNumber = (name: string, value: number | undefined, fallback: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < 1) throw new VerifyOptionsError(`${name} must be a whole number, 1 or more (got ${value}).`);
    return v;
  };
  const ctx: Context = {
    values,
    endpoints,
    tls: options.extraCaCertificates !== undefined ? trustedTls(options.extraCaCertificates) : undefined,
    timeoutMs: positive("requestTimeoutMs", options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    staleAfterMs: positive("staleAfterMinutes", options.staleAfterMinutes, DEFAULT_STALE_AFTER_MINUTES) * 60_000,
    maxQueueAgeMs: wholeNumber("maxQueueAgeMinutes", options.maxQueueAgeMinutes, DEFAULT_MAX_QUEUE_AGE_MINUTES) * 60_000,
    deadLetterListLimit: wholeNumber("deadLetterListLimit", options.deadLetterListLimit, DEFAULT_DEAD_LETTER_LIST_LIMIT),
    expiryWarningDays: options.secretExpiryWarningDays ?? DEFAULT_SECRET_EXPIRY_WARNING_DAYS,
    now: options.now ?? (() => new Date()),
    environmentName: options.environmentName ?? "<env>",
    scrub: secretScrubber([values.clientSecret]),
    tokenAnswer: {},
  };
  const { scrub } = ctx;
  const results: CheckResult[] = [];

  let credential: TokenCredential | undefined;
  try {
    credential = new ClientSecretCredential(values.tenantId, values.clientId, values.clientSecret, {
      authorityHost: endpoints.authorityHost,
      additionalPolicies: [{ policy: recordTokenAnswers(ctx.tokenAnswer), position: "perCall" }],
      // No instance-discovery call to login.microsoftonline.com: the authority host is trusted as given.
      disableInstanceDiscovery: true,
      retryOptions: { maxRetries: 1, retryDelayInMs: 500, maxRetryDelayInMs: 2_000 },
      ...(ctx.tls !== undefined ? { tlsOptions: ctx.tls } : {}),
    });
  } catch (error) {
    results.push(
      fail(
        "credentials",
        `The deployed values cannot be used to sign in: the Azure SDK refused them before any request${errorName(error) !== undefined ? ` (${errorName(error)})` : ""}; ` +
          "a tenant id is a GUID or a domain name, a client id a GUID.",
        "Check tenant_id, client_id and client_secret in this environment's outputs (deploy again if one is empty).",
      ),
    );
  }

  let token: string | undefined;
  if (credential !== undefined) {
    const outcome = await checkCredentials(ctx, credential);
    results.push(outcome.result);
    token = outcome.token;
  }

  if (credential === undefined || token === undefined) {
    const why = "skipped: no token was issued (see Credentials).";
    results.push(...CHECK_IDS.filter((id) => id !== "credentials").map((id) => skip(id, why)));
  } else {
    const consent = checkConsent(ctx, token);
    results.push(consent);
    results.push(
      consent.status === "pass"
        ? await checkDefenderApi(ctx, token)
        : skip("defender-api", `skipped: the token lacks ${MACHINE_READ_ALL} (see the consent check), so the API would refuse it.`),
    );
    const queue = await checkQueue(ctx, credential);
    results.push(queue.result);
    results.push(await checkEvents(ctx, credential));
    results.push(checkQueueAge(ctx, queue.messages));
    results.push(await checkDeadLetters(ctx, credential));
  }

  // Every text from elsewhere was scrubbed as it came in; once more, in case a check quoted one unscrubbed.
  return results.map((r) => ({
    ...r,
    message: scrub(r.message),
    ...(r.fix !== undefined ? { fix: scrub(r.fix) } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------
// Report formatting (pure; the CLI prints it)
// ---------------------------------------------------------------------------------------------

const SYMBOLS: Readonly<Record<CheckStatus | "warning", string>> = { pass: "✓", warning: "⚠", fail: "✗", skip: "-" };

/** Options of {@link formatReport}. */
export interface FormatReportOptions {
  /** `--strict` was given: the summary says when warnings make the exit code {@link EXIT_CODES.warnings}. */
  readonly strict?: boolean;
}

/** The human report: one ✓/⚠/✗/- line per check, its fix indented below, and a summary line. */
export function formatReport(results: readonly CheckResult[], options: FormatReportOptions = {}): string[] {
  const lines: string[] = [];
  for (const r of results) {
    const symbol = r.warning ? SYMBOLS.warning : SYMBOLS[r.status];
    lines.push(`${symbol} ${CHECK_TITLES[r.check]}: ${r.message}`);
    if (r.fix !== undefined) {
      const [first, ...rest] = r.fix.split("\n");
      lines.push(`    Fix: ${first}`);
      for (const line of rest) lines.push(`         ${line}`);
    }
  }
  const failed = results.filter((r) => r.status === "fail").length;
  const skipped = results.filter((r) => r.status === "skip").length;
  const passed = results.filter((r) => r.status === "pass").length;
  const warnings = results.filter((r) => r.warning).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  lines.push("");
  if (failed === 0) {
    // A skip without a failure is one that is not run by design (dead letters the application may not read).
    const counted = skipped === 0 ? `All ${results.length} checks passed` : `${passed} of ${results.length} checks passed, ${skipped} not run`;
    lines.push(
      `${counted}${warnings > 0 ? ` (${plural(warnings, "warning")})` : ""}: ` +
        "the integration is ready to activate in Xshield (Settings > Integrations > EDR > Microsoft Defender > Activate).",
    );
    if (options.strict === true && warnings > 0) {
      lines.push(`--strict: the ${warnings === 1 ? "warning makes" : "warnings make"} the exit code ${EXIT_CODES.warnings}.`);
    }
  } else {
    lines.push(`${plural(failed, "check")} failed${skipped > 0 ? `, ${skipped} skipped` : ""}: fix the ✗ lines above, then run verify again.`);
  }
  return lines;
}

/**
 * verify's exit codes. A failure wins over warnings; a check skipped by design (dead letters the
 * application may not read) is neither.
 */
export const EXIT_CODES = {
  /** Every check passed or was skipped by design (warnings allowed, unless `--strict`). */
  passed: 0,
  /** A check failed. */
  failed: 1,
  /** verify could not run: usage, unknown or undeployed environment, bad option, NODE_DEBUG, unexpected error. */
  cannotRun: 2,
  /** `--strict` only: no check failed, but at least one passed with a warning. */
  warnings: 3,
} as const;

/**
 * {@link EXIT_CODES.failed} when a check failed; otherwise, with `strict`, {@link EXIT_CODES.warnings}
 * when a check passed with a warning; otherwise {@link EXIT_CODES.passed}.
 */
export function exitCodeOf(results: readonly CheckResult[], strict = false): number {
  if (results.some((r) => r.status === "fail")) return EXIT_CODES.failed;
  if (strict && results.some((r) => r.warning === true)) return EXIT_CODES.warnings;
  return EXIT_CODES.passed;
}
