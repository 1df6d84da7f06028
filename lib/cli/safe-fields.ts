/**
 * What verify may print of an answer it did not write: default deny.
 *
 * A server (or a proxy on the way) may quote what it received, the client secret included, in
 * any encoding: base64, base64 of `client_id:secret`, hex, URL-encoded twice, upper-cased,
 * reversed, … No scrubber can know every encoding, so the free text of an answer
 * (`error_description`, an error's `message`, a response body) is never printed at all. What is
 * printed of a failure is only what is known to be safe, each field checked against a fixed
 * shape or list here:
 *
 * - the HTTP status (a number from 100 to 599);
 * - an OAuth error (`invalid_client`, …), a service's error code (`AuthorizationFailure`, …) or an
 *   AADSTS code (digits), each from a fixed list, the AADSTS code with Microsoft's fixed
 *   description for it from the table below;
 * - request, trace and correlation ids, only in the shape of a GUID or of 16 to 32 hex digits.
 *
 * The secret scrubber stays as a second line for everything else printed.
 */

/**
 * AADSTS codes a client-credentials sign-in can meet, with Microsoft's fixed description: the
 * error's name and the first sentence of its entry in "Microsoft Entra authentication and
 * authorization error codes" (https://learn.microsoft.com/entra/identity-platform/reference-error-codes,
 * MicrosoftDocs/entra-docs docs/identity-platform/reference-error-codes.md). A code not listed
 * is printed as digits only, with the address to look it up.
 */
export const AADSTS_DESCRIPTIONS: Readonly<Record<string, string>> = {
  "50000": "TokenIssuanceError - There's an issue with the sign-in service.",
  "50001": "InvalidResource - The resource is disabled or doesn't exist.",
  "500011": "InvalidResourceServicePrincipalNotFound - The resource principal wasn't found in the tenant.",
  "50012": "AuthenticationFailed - Authentication failed.",
  "50033": "RetryableError - Indicates a transient error not related to the database operations.",
  "50049": "NoSuchInstanceForDiscovery - Unknown or invalid instance.",
  "50053": "Sign-in was blocked: the account is locked, or the request came from an IP address with malicious activity.",
  "50059": "MissingTenantRealmAndNoUserInformationProvided - Tenant-identifying information wasn't found in the request.",
  "50128": "Invalid domain name - No tenant-identifying information found in the request.",
  "53003": "BlockedByConditionalAccess - Access has been blocked by Conditional Access policies.",
  "530032": "BlockedByConditionalAccessOnSecurityPolicy - The tenant admin has configured a security policy that blocks this request.",
  "65001": "DelegationDoesNotExist - The user or administrator hasn't consented to use the application.",
  "70001": "UnauthorizedClient - The application is disabled.",
  "700011": "UnauthorizedClientAppNotFoundInOrgIdTenant - Application was not found in the directory.",
  "70002": "InvalidClient - Error validating the credentials.",
  "700016": "UnauthorizedClient_DoesNotMatchRequest - The application wasn't found in the directory/tenant.",
  "700022": "InvalidMultipleResourcesScope - The scope contains more than one resource.",
  "700023": "InvalidResourcelessScope - The provided value for the input parameter scope isn't valid.",
  "700027": "Client assertion failed signature validation.",
  "70011": "InvalidScope - The scope requested by the app is invalid.",
  "7000112": "UnauthorizedClientApplicationDisabled - The application is disabled.",
  "7000215": "Invalid client secret is provided.",
  "7000218": "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
  "7000222": "InvalidClientSecretExpiredKeysProvided - The provided client secret keys are expired.",
  "90002": "InvalidTenantName - The tenant name wasn't found in the data store.",
  "90006": "ExternalServerRetryableError - The service is temporarily unavailable.",
  "90014": "MissingRequiredField - An expected field isn't present in the credential.",
  "90019": "MissingTenantRealm - Microsoft Entra ID was unable to determine the tenant identifier from the request.",
  "90023": "InvalidRequest - The authentication service request isn't valid.",
  "90024": "RequestBudgetExceededError - A transient error has occurred.",
  "90033": "MsodsServiceUnavailable - The Microsoft Online Directory Service (MSODS) isn't available.",
  "90038": "NationalCloudTenantRedirection - The specified tenant belongs to another national cloud.",
  "90055": "TenantThrottlingError - There are too many incoming requests.",
  "900144": "The request body must contain a parameter it is missing.",
};

/**
 * OAuth 2.0 errors of a token endpoint's answer (RFC 6749 section 5.2, and the ones Microsoft's
 * reference above lists for Entra ID).
 */
export const OAUTH_ERRORS: ReadonlySet<string> = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "invalid_resource",
  "interaction_required",
  "temporarily_unavailable",
  "server_error",
  "access_denied",
  "consent_required",
]);

/**
 * Error codes of Azure Storage's blob and queue services a read can meet: "Common REST API error
 * codes", "Blob Storage error codes", "Queue Storage error codes" and "Shared access signature
 * error codes" (https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes
 * and the pages next to it).
 */
export const STORAGE_ERROR_CODES: ReadonlySet<string> = new Set([
  "AccountIsDisabled",
  "AuthenticationFailed",
  "AuthorizationFailure",
  "AuthorizationPermissionMismatch",
  "AuthorizationProtocolMismatch",
  "AuthorizationResourceTypeMismatch",
  "AuthorizationServiceMismatch",
  "AuthorizationSourceIPMismatch",
  "ContainerBeingDeleted",
  "ContainerDisabled",
  "ContainerNotFound",
  "InsufficientAccountPermissions",
  "InternalError",
  "InvalidAuthenticationInfo",
  "InvalidHeaderValue",
  "InvalidQueryParameterValue",
  "InvalidUri",
  "KeyBasedAuthenticationNotPermitted",
  "NoAuthenticationInformation",
  "OperationTimedOut",
  "OutOfRangeQueryParameterValue",
  "QueueBeingDeleted",
  "QueueDisabled",
  "QueueNotFound",
  "ResourceNotFound",
  "ServerBusy",
  "UnsupportedHeader",
  "UnsupportedHttpVerb",
  "UnsupportedQueryParameter",
]);

/**
 * Error codes of the Defender for Endpoint API: "Common Microsoft Defender for Endpoint API
 * errors" (https://learn.microsoft.com/defender-endpoint/api/common-errors).
 */
export const DEFENDER_ERROR_CODES: ReadonlySet<string> = new Set([
  "BadRequest",
  "ODataError",
  "InvalidInput",
  "InvalidRequestBody",
  "MissingRequiredParameter",
  "Unauthorized",
  "Forbidden",
  "DisabledFeature",
  "DisallowedOperation",
  "NotFound",
  "ResourceNotFound",
  "TooManyRequests",
  "InternalServerError",
]);

/**
 * Error codes of Azure Resource Manager a read can meet ("Troubleshoot common Azure deployment
 * errors", https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/common-deployment-errors,
 * and "Azure Resource Manager throttling").
 */
export const ARM_ERROR_CODES: ReadonlySet<string> = new Set([
  "AuthenticationFailed",
  "AuthorizationFailed",
  "ExpiredAuthenticationToken",
  "InvalidApiVersionParameter",
  "InvalidAuthenticationToken",
  "InvalidAuthenticationTokenAudience",
  "InvalidAuthenticationTokenTenant",
  "LinkedAuthorizationFailed",
  "MissingSubscriptionRegistration",
  "NoRegisteredProviderFound",
  "ParentResourceNotFound",
  "ResourceGroupNotFound",
  "ResourceNotFound",
  "SubscriptionNotFound",
  "TooManyRequests",
]);

/**
 * Error codes of Microsoft Graph: its generic codes ("Microsoft Graph error responses and
 * resource types", https://learn.microsoft.com/graph/errors) and the directory's own.
 */
export const GRAPH_ERROR_CODES: ReadonlySet<string> = new Set([
  "accessDenied",
  "activityLimitReached",
  "badRequest",
  "generalException",
  "invalidRequest",
  "itemNotFound",
  "notSupported",
  "serviceNotAvailable",
  "unauthenticated",
  "Authorization_IdentityNotFound",
  "Authorization_RequestDenied",
  "InvalidAuthenticationToken",
  "Request_BadRequest",
  "Request_ResourceNotFound",
  "Request_UnsupportedQuery",
  "TooManyRequests",
]);

/** Which service answered: decides the list of error codes that may be printed. */
export type Service = "storage" | "defender" | "arm" | "graph";

const CODES: Readonly<Record<Service, ReadonlySet<string>>> = {
  storage: STORAGE_ERROR_CODES,
  defender: DEFENDER_ERROR_CODES,
  arm: ARM_ERROR_CODES,
  graph: GRAPH_ERROR_CODES,
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_ID = /^[0-9a-f]{16,32}$/i;

/** `value` when it has the shape of a request id (a GUID, or 16 to 32 hex digits), else undefined. */
export function safeId(value: unknown): string | undefined {
  return typeof value === "string" && (GUID.test(value) || HEX_ID.test(value)) ? value : undefined;
}

/** `code` when it is on the list of `service`, else undefined. */
export function safeCode(service: Service, code: unknown): string | undefined {
  return typeof code === "string" && CODES[service].has(code) ? code : undefined;
}

/** `code` when it is an AADSTS code's digits, else undefined. */
export function safeAadsts(code: unknown): string | undefined {
  return typeof code === "string" && /^[0-9]{4,9}$/.test(code) ? code : undefined;
}

/** Microsoft's fixed description of an AADSTS code, or how to look it up. */
export function aadstsDescription(code: string): string {
  return AADSTS_DESCRIPTIONS[code] ?? `a code verify has no description for: https://login.microsoftonline.com/error?code=${code}`;
}

/** An id worth quoting to support, and what it is. */
export interface SafeId {
  /** What the id is: `trace id`, `correlation id`, `request id`. */
  readonly name: string;
  /** The id, in a shape {@link safeId} accepts. */
  readonly value: string;
}

/** What may be printed of a failure: each field already checked by the functions above. */
export interface SafeFailure {
  /** The HTTP status, 100 to 599. */
  readonly status?: number;
  /** An OAuth error of {@link OAUTH_ERRORS}. */
  readonly oauthError?: string;
  /** An AADSTS code's digits. */
  readonly aadsts?: string;
  /** A service's error code from its list. */
  readonly code?: string;
  /** Request, trace and correlation ids. */
  readonly ids: readonly SafeId[];
}

/** An HTTP status, when it is one. */
export function safeStatus(status: unknown): number | undefined {
  return typeof status === "number" && Number.isInteger(status) && status >= 100 && status <= 599 ? status : undefined;
}

/** The ids among `candidates` that have a safe shape, each value once. */
export function safeIds(candidates: readonly { readonly name: string; readonly value: unknown }[]): SafeId[] {
  const ids: SafeId[] = [];
  for (const { name, value } of candidates) {
    const id = safeId(value);
    if (id !== undefined && !ids.some((known) => known.value.toLowerCase() === id.toLowerCase())) ids.push({ name, value: id });
  }
  return ids;
}

/**
 * The failure's fields as a text: `HTTP 401, invalid_client, AADSTS7000215 (Invalid client secret
 * is provided.), trace id …, correlation id …`. Empty when nothing is known.
 */
export function describeFailure(failure: SafeFailure): string {
  const parts: string[] = [];
  if (failure.status !== undefined) parts.push(`HTTP ${failure.status}`);
  if (failure.oauthError !== undefined) parts.push(failure.oauthError);
  if (failure.code !== undefined) parts.push(failure.code);
  if (failure.aadsts !== undefined) parts.push(`AADSTS${failure.aadsts} (${aadstsDescription(failure.aadsts)})`);
  for (const id of failure.ids) parts.push(`${id.name} ${id.value}`);
  return parts.join(", ");
}

/**
 * The safe fields of a token endpoint's failure, read from the Azure SDK's error text (which is
 * itself never printed): MSAL writes `<oauth error>: Error(s): <codes> - Timestamp: … -
 * Description: … - Correlation ID: <id> - Trace ID: <id>`. `status` is the HTTP status seen on
 * the wire, when known.
 */
export function tokenFailure(text: string, status?: number): SafeFailure {
  const oauth = /^(?:[A-Za-z]+Error: )?([a-z_]+):/.exec(text)?.[1];
  const aadsts = /Error\(s\): ([0-9]+)/.exec(text)?.[1] ?? /\bAADSTS([0-9]+)\b/.exec(text)?.[1];
  const ids = safeIds([
    { name: "trace id", value: /Trace ID: ([0-9A-Fa-f-]+)/.exec(text)?.[1] },
    { name: "correlation id", value: /Correlation ID: ([0-9A-Fa-f-]+)/.exec(text)?.[1] },
  ]);
  const safeStatusValue = safeStatus(status);
  const code = safeAadsts(aadsts);
  return {
    ...(safeStatusValue !== undefined ? { status: safeStatusValue } : {}),
    ...(oauth !== undefined && OAUTH_ERRORS.has(oauth) ? { oauthError: oauth } : {}),
    ...(code !== undefined ? { aadsts: code } : {}),
    ids,
  };
}

/** Reads a header from a plain object or a `get`-able headers object (the Azure SDKs'), case-insensitively. */
export function header(headers: unknown, name: string): string | undefined {
  if (typeof headers !== "object" || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === "function") {
    const value: unknown = (getter as (n: string) => unknown).call(headers, name);
    return typeof value === "string" ? value : undefined;
  }
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase());
  const value: unknown = entry?.[1];
  return typeof value === "string" ? value : Array.isArray(value) && typeof value[0] === "string" ? value[0] : undefined;
}

/** The request-id headers each service sends back, and what they are called. */
const ID_HEADERS: Readonly<Record<Service, readonly [string, string][]>> = {
  storage: [["x-ms-request-id", "request id"]],
  defender: [["request-id", "request id"], ["x-ms-correlation-request-id", "correlation id"]],
  arm: [["x-ms-request-id", "request id"], ["x-ms-correlation-request-id", "correlation id"]],
  graph: [["request-id", "request id"], ["client-request-id", "client request id"]],
};

/**
 * The safe fields of an HTTP answer from `service`: its status, the error code of its JSON body
 * (`{ error: { code, target?, innerError? } }`) when on the service's list, the Defender API's
 * correlation id (`target`), Graph's inner request id and the services' request-id headers.
 * Nothing else of the body is read.
 */
export function httpFailure(service: Service, status: unknown, headers: unknown, body: unknown): SafeFailure {
  const error = typeof body === "object" && body !== null ? (body as { error?: unknown }).error : undefined;
  const fields = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const inner = typeof fields.innerError === "object" && fields.innerError !== null ? (fields.innerError as Record<string, unknown>) : {};
  const ids = safeIds([
    ...(service === "defender" ? [{ name: "correlation id", value: fields.target }] : []),
    ...(service === "graph" ? [{ name: "request id", value: inner["request-id"] }] : []),
    ...ID_HEADERS[service].map(([name, label]) => ({ name: label, value: header(headers, name) })),
  ]);
  const code = safeCode(service, fields.code);
  const safeStatusValue = safeStatus(status);
  return {
    ...(safeStatusValue !== undefined ? { status: safeStatusValue } : {}),
    ...(code !== undefined ? { code } : {}),
    ids,
  };
}

/**
 * The safe fields of an Entra ID error body (`{ error, error_description, error_codes, trace_id,
 * correlation_id }`, the shape in Microsoft's reference above): the OAuth error when on the list,
 * the first of `error_codes`, the two ids. `error_description` is never read.
 */
export function entraFailure(status: unknown, body: unknown): SafeFailure {
  const fields = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : {};
  const codes = Array.isArray(fields.error_codes) ? fields.error_codes : [];
  const first: unknown = codes[0];
  const aadsts = safeAadsts(typeof first === "number" && Number.isSafeInteger(first) ? String(first) : first);
  const safeStatusValue = safeStatus(status);
  return {
    ...(safeStatusValue !== undefined ? { status: safeStatusValue } : {}),
    ...(typeof fields.error === "string" && OAUTH_ERRORS.has(fields.error) ? { oauthError: fields.error } : {}),
    ...(aadsts !== undefined ? { aadsts } : {}),
    ids: safeIds([
      { name: "trace id", value: fields.trace_id },
      { name: "correlation id", value: fields.correlation_id },
    ]),
  };
}
