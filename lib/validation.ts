import {
  BASELINE_RULES,
  defaultRotationMonths,
  maxRotationMonths,
  NO_EVENTS_WINDOWS,
  XSHIELD_MDE_INTEGRATION_DEFAULTS,
  type XshieldMdeIntegrationProps,
  type XshieldMdeStackProps,
} from "./props";
import { MAX_SECRET_MONTHS, RESOURCE_PROVIDERS } from "./constants";
import {
  baselineExceptionProblems,
  booleanProblem,
  containerNameProblem,
  displayNameProblem,
  guidProblem,
  ipRangeProblem,
  isGuid,
  ipRuleCountProblem,
  isToken,
  keyVaultIdCaseWarning,
  keyVaultIdProblem,
  keyVaultSecretNameProblem,
  literalProblem,
  locationProblem,
  locationWarning,
  oneOfProblem,
  Problem,
  queueNameProblem,
  relativePathProblem,
  resourceGroupNameProblem,
  show,
  stateKeyProblem,
  storageAccountNameProblem,
  tagCaseProblems,
  tagCountProblem,
  tagNameProblem,
  tagValueProblem,
  wholeNumberProblem,
} from "./rules";

export { guidProblem, isGuid } from "./rules";

/** What validating a set of props found: errors stop synthesis, warnings are annotations. */
export interface ValidationReport {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Thrown when props break one or more rules; `problems` lists each one. */
export class XshieldValidationError extends Error {
  public constructor(
    public readonly subject: string,
    public readonly problems: string[],
  ) {
    super(
      `${subject}: ${problems.length} invalid ${problems.length === 1 ? "property" : "properties"}; nothing was synthesized.\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "XshieldValidationError";
  }
}

/** Throws one {@link XshieldValidationError} listing every problem, if there is any. */
export function throwIfInvalid(subject: string, errors: string[]): void {
  if (errors.length > 0) {
    throw new XshieldValidationError(subject, errors);
  }
}

/** Collects problems; `undefined` (a value that is fine) is dropped. */
class Collector {
  public readonly errors: string[] = [];
  public readonly warnings: string[] = [];

  public error(...problems: Problem[]): void {
    this.errors.push(...problems.filter((p): p is string => p !== undefined));
  }

  public warn(...problems: Problem[]): void {
    this.warnings.push(...problems.filter((p): p is string => p !== undefined));
  }

  public report(): ValidationReport {
    return { errors: this.errors, warnings: this.warnings };
  }
}

const PUBLIC_NETWORK_ACCESS_VALUES = ["SelectedNetworks", "Enabled"] as const;
const DATA_ROLE_SCOPES = ["resources", "account"] as const;
/** The shortest secret lifetime two alternating secrets can overlap in (rotation of 1 month). */
const MIN_SECRET_MONTHS = 3;
const ACCOUNT_REPLICATION_TYPES = ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"] as const;

/** A list prop as an array of elements, or why it is not one (tokens give `undefined`: skip). */
function listOf(value: unknown, prop: string, c: Collector): unknown[] | undefined {
  if (value === undefined || isToken(value)) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    c.error(`${prop} ${show(value)}: must be a list (an array); write [${show(value)}] or a list of values.`);
    return undefined;
  }
  return value;
}

/**
 * Checks every prop of the integration; never throws.
 *
 * Every problem is collected (never only the first); unresolved cdktf tokens are skipped, since
 * only Terraform knows their values.
 */
export function validateIntegrationProps(props: XshieldMdeIntegrationProps): ValidationReport {
  const c = new Collector();
  const d = XSHIELD_MDE_INTEGRATION_DEFAULTS;

  // ---- names and place
  c.error(locationProblem(props.location));
  c.warn(locationWarning(props.location));
  c.error(resourceGroupNameProblem(props.resourceGroupName));
  c.error(storageAccountNameProblem(props.storageAccountName));
  if (props.queueName !== undefined) {
    c.error(queueNameProblem(props.queueName));
  }
  if (props.createResourceGroup !== undefined) {
    c.error(
      literalProblem(props.createResourceGroup, "createResourceGroup", "decides whether the resource group is created or looked up"),
      booleanProblem(props.createResourceGroup, "createResourceGroup"),
    );
  }

  // ---- Entra application
  if (props.applicationDisplayName !== undefined) {
    c.error(displayNameProblem(props.applicationDisplayName));
  }
  const owners = listOf(props.additionalOwnerObjectIds, "additionalOwnerObjectIds", c) ?? [];
  owners.forEach((owner, i) =>
    c.error(
      guidProblem(
        owner,
        `additionalOwnerObjectIds[${i}]`,
        "the object id of an Entra ID user or service principal",
        "`az ad user show --id <user@domain> --query id -o tsv` or `az ad sp show --id <appId> --query id -o tsv`",
      ),
    ),
  );

  // ---- client secret lifetime and rotation
  checkSecretMonths(props, c);
  if (props.clientSecretKeyVaultId !== undefined) {
    c.error(keyVaultIdProblem(props.clientSecretKeyVaultId));
    c.warn(keyVaultIdCaseWarning(props.clientSecretKeyVaultId));
  }
  if (props.clientSecretKeyVaultSecretName !== undefined) {
    c.error(keyVaultSecretNameProblem(props.clientSecretKeyVaultSecretName));
    if (props.clientSecretKeyVaultId === undefined) {
      c.warn(
        `clientSecretKeyVaultSecretName ${show(props.clientSecretKeyVaultSecretName)}: is ignored because ` +
          "clientSecretKeyVaultId is not set, so no Key Vault secret is created; set clientSecretKeyVaultId or remove it.",
      );
    }
  }

  // ---- storage account
  c.error(
    literalProblem(props.publicNetworkAccess, "publicNetworkAccess", "decides the firewall's default action, its IP rules and a rule of the guard"),
    (props.publicNetworkAccess as string | undefined) === "Disabled"
      ? 'publicNetworkAccess "Disabled": Event Grid cannot deliver events through private endpoints, and its delivery and dead-lettering ' +
        "to a firewalled account rely on the trusted-service bypass, which does not apply when public network access is disabled " +
        '(Microsoft Learn, "Network security for Azure Event Grid resources"), so no event would ever reach the queue; use "SelectedNetworks" ' +
        "(the default: the firewall denies everything but trusted Azure services and allowedIpRanges)."
      : oneOfProblem(props.publicNetworkAccess ?? d.publicNetworkAccess, "publicNetworkAccess", PUBLIC_NETWORK_ACCESS_VALUES),
  );
  checkNetworkAccess(props, c);
  if (props.sharedAccessKeyEnabled !== undefined) {
    c.error(
      literalProblem(props.sharedAccessKeyEnabled, "sharedAccessKeyEnabled", "decides a rule of the secure-baseline guard"),
      booleanProblem(props.sharedAccessKeyEnabled, "sharedAccessKeyEnabled"),
    );
  }
  if (props.accountReplicationType !== undefined) {
    c.error(oneOfProblem(props.accountReplicationType, "accountReplicationType", ACCOUNT_REPLICATION_TYPES));
  }
  if (props.blobRetentionDays !== undefined) {
    c.error(
      literalProblem(
        props.blobRetentionDays,
        "blobRetentionDays",
        "is arithmetic at synth time: the queue notifications' time to live is computed from it",
      ),
    );
    c.error(
      wholeNumberProblem(props.blobRetentionDays, "blobRetentionDays", 1, 3650, "days a blob is kept", d.blobRetentionDays),
    );
  }

  if (props.softDeleteRetentionDays !== undefined) {
    c.error(
      literalProblem(props.softDeleteRetentionDays, "softDeleteRetentionDays", "decides the guard's least soft-delete retention"),
      wholeNumberProblem(props.softDeleteRetentionDays, "softDeleteRetentionDays", 1, 365, "days a deleted blob or container stays recoverable", d.softDeleteRetentionDays),
    );
  }
  c.error(literalProblem(props.deleteLock, "deleteLock", "decides whether the lock resource exists"));
  if (props.deleteLock !== undefined && !isToken(props.deleteLock) && typeof props.deleteLock !== "boolean") {
    c.error(`deleteLock ${show(props.deleteLock)}: must be true or false.`);
  }
  checkDiagnostics(props.diagnostics, c);

  // ---- Event Grid delivery
  if (props.eventDeliveryMaxAttempts !== undefined) {
    c.error(
      wholeNumberProblem(
        props.eventDeliveryMaxAttempts,
        "eventDeliveryMaxAttempts",
        1,
        30,
        "Event Grid's limit on delivery attempts",
        d.eventDeliveryMaxAttempts,
      ),
    );
  }
  if (props.eventTimeToLiveMinutes !== undefined) {
    c.error(
      wholeNumberProblem(
        props.eventTimeToLiveMinutes,
        "eventTimeToLiveMinutes",
        1,
        1440,
        "Event Grid keeps retrying an event for at most 24 hours",
        d.eventTimeToLiveMinutes,
      ),
    );
  }

  if (props.rolePropagationWaitSeconds !== undefined) {
    c.error(
      wholeNumberProblem(
        props.rolePropagationWaitSeconds,
        "rolePropagationWaitSeconds",
        0,
        1800,
        "seconds to wait for role assignments to take effect",
        d.rolePropagationWaitSeconds,
      ),
    );
  }

  // ---- who reads, and who configures the Streaming API
  if (props.dataRoleScope !== undefined) {
    c.error(
      literalProblem(props.dataRoleScope, "dataRoleScope", "decides the scope of Xshield's role assignments, which the guard checks"),
      oneOfProblem(props.dataRoleScope, "dataRoleScope", DATA_ROLE_SCOPES),
    );
  }
  checkStreamingApiOperators(props.streamingApiOperatorObjectIds, c);
  checkAlerts(props.alerts, c);
  const providers: unknown = props.providers;
  if (isToken(providers)) {
    c.error(literalProblem(providers, "providers", "decides which provider block each resource uses"));
  } else if (providers !== undefined && (typeof providers !== "object" || providers === null)) {
    c.error(`providers ${show(providers)}: must be an object { azurerm?, azuread?, time? } of cdktf providers.`);
  } else if (providers !== undefined) {
    const given = providers as { azurerm?: unknown; azuread?: unknown; time?: unknown };
    c.error(providerKindProblem(given.azurerm, "azurerm"), providerKindProblem(given.azuread, "azuread"), providerKindProblem(given.time, "time"));
  }

  // ---- tags and baseline exceptions
  checkTags(props.tags, c);
  const exceptionsWhy = "decides which rules of the secure-baseline guard apply, and a reviewer must read it in the code";
  c.error(literalProblem(props.baselineExceptions, "baselineExceptions", exceptionsWhy));
  const exceptions = listOf(props.baselineExceptions, "baselineExceptions", c) ?? [];
  const knownRules = Object.keys(BASELINE_RULES);
  const seen = new Map<string, number>();
  exceptions.forEach((exception, i) => {
    // A primitive has no rule or reason either, so only null and undefined need the empty object.
    const fields = (exception ?? {}) as { rule?: unknown; element?: unknown; reason?: unknown };
    c.error(
      literalProblem(exception, `baselineExceptions[${i}]`, exceptionsWhy),
      literalProblem(fields.rule, `baselineExceptions[${i}].rule`, exceptionsWhy),
      literalProblem(fields.element, `baselineExceptions[${i}].element`, exceptionsWhy),
      literalProblem(fields.reason, `baselineExceptions[${i}].reason`, exceptionsWhy),
    );
    c.error(...baselineExceptionProblems(exception, `baselineExceptions[${i}]`, knownRules));
    const { rule, element } = fields;
    if ((typeof rule === "string" || typeof element === "string") && !isToken(rule) && !isToken(element)) {
      const key = JSON.stringify([rule ?? null, element ?? null]);
      const first = seen.get(key);
      if (first !== undefined) {
        c.warn(`baselineExceptions[${i}]: repeats baselineExceptions[${first}] (${[rule, element].filter((x) => x !== undefined).join(", ")}); keep one.`);
      } else {
        seen.set(key, i);
      }
    }
  });

  return c.report();
}

/** Expiry 1–24 months; rotation 1 to the (resolved) expiry, with a warning when equal. */
function checkSecretMonths(props: XshieldMdeIntegrationProps, c: Collector): void {
  const d = XSHIELD_MDE_INTEGRATION_DEFAULTS;
  const scheduleWhy = "is arithmetic at synth time: the secret's rotation schedule and the guard's lifetime check are computed from it";
  c.error(
    literalProblem(props.clientSecretExpiryMonths, "clientSecretExpiryMonths", scheduleWhy),
    literalProblem(props.clientSecretRotationMonths, "clientSecretRotationMonths", scheduleWhy),
  );
  const expiry = props.clientSecretExpiryMonths ?? d.clientSecretExpiryMonths;
  const expiryProblem = wholeNumberProblem(
    expiry,
    "clientSecretExpiryMonths",
    MIN_SECRET_MONTHS,
    MAX_SECRET_MONTHS,
    "Entra ID caps a client secret at 24 months, and two secrets that take turns need at least 3 to overlap",
    d.clientSecretExpiryMonths,
  );
  c.error(expiryProblem);
  const rotation = props.clientSecretRotationMonths;
  if (rotation === undefined || expiryProblem !== undefined || isToken(expiry)) {
    return;
  }
  const max = maxRotationMonths(expiry);
  c.error(
    wholeNumberProblem(
      rotation,
      "clientSecretRotationMonths",
      1,
      max,
      `each secret must outlive its slot's next renewal, 2 × clientSecretRotationMonths after it is made, so with ` +
        `clientSecretExpiryMonths ${expiry}${props.clientSecretExpiryMonths === undefined ? " (the default)" : ""} it can be at most ${max}`,
      defaultRotationMonths(expiry),
    ),
  );
}

const WORKSPACE_ID = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.OperationalInsights\/workspaces\/([A-Za-z0-9][A-Za-z0-9-]{2,61}[A-Za-z0-9])$/i;

/** `diagnostics`: a literal object with the resource id of a Log Analytics workspace. */
function checkDiagnostics(value: unknown, c: Collector): void {
  if (value === undefined) {
    return;
  }
  if (isToken(value) || typeof value !== "object" || value === null || Array.isArray(value)) {
    c.error(
      literalProblem(value, "diagnostics", "decides which diagnostic settings exist") ??
        `diagnostics ${show(value)}: must be an object { logAnalyticsWorkspaceId: "/subscriptions/…/workspaces/…" }.`,
    );
    return;
  }
  const id: unknown = (value as { logAnalyticsWorkspaceId?: unknown }).logAnalyticsWorkspaceId;
  if (isToken(id)) {
    return;
  }
  const match = typeof id === "string" ? WORKSPACE_ID.exec(id) : null;
  if (match === null || !isGuid(match[1]) || resourceGroupNameProblem(match[2]) !== undefined) {
    c.error(
      `diagnostics.logAnalyticsWorkspaceId ${show(id)}: must be the resource id of a Log Analytics workspace, ` +
        '"/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.OperationalInsights/workspaces/<name>" ' +
        "(a name of 4–63 letters, digits and hyphens). Copy it from `az monitor log-analytics workspace show -g <group> -n <name> --query id -o tsv`.",
    );
  }
}

/** Azure's limit of e-mail receivers in one action group. */
const MAX_EMAIL_RECEIVERS = 1000;
const ACTION_GROUP_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/microsoft\.insights\/actionGroups\/([^/]{1,260})$/i;
/** A plausible e-mail address: something@something.tld, no spaces (Azure checks no more). */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `alerts`: a literal object naming exactly one way to notify, with numbers Azure Monitor accepts. */
function checkAlerts(value: unknown, c: Collector): void {
  if (value === undefined) {
    return;
  }
  const why = "decides which alert resources exist";
  if (isToken(value) || typeof value !== "object" || value === null || Array.isArray(value)) {
    c.error(
      literalProblem(value, "alerts", why) ??
        `alerts ${show(value)}: must be an object, e.g. { emailReceivers: ["secops@contoso.com"] } or { actionGroupId: "/subscriptions/…/actionGroups/…" }.`,
    );
    return;
  }
  const alerts = value as { [key: string]: unknown };
  const { actionGroupId, emailReceivers } = alerts;
  if ((actionGroupId === undefined) === (emailReceivers === undefined)) {
    c.error(
      `alerts ${show(value)}: must say who is told: exactly one of actionGroupId (an existing action group) or ` +
        `emailReceivers (addresses the construct mails through a new action group), ${actionGroupId === undefined ? "but it has neither" : "not both"}.`,
    );
  }
  if (actionGroupId !== undefined && !isToken(actionGroupId)) {
    const match = typeof actionGroupId === "string" ? ACTION_GROUP_ID.exec(actionGroupId) : null;
    const details =
      match === null
        ? ["does not have that shape"]
        : [
            isGuid(match[1]) ? undefined : `has the subscription ${JSON.stringify(match[1])}, which is not a GUID`,
            resourceGroupNameProblem(match[2]) === undefined ? undefined : `has the resource group ${JSON.stringify(match[2])}, which breaks the resource group rule`,
          ].filter((d): d is string => d !== undefined);
    if (details.length > 0) {
      c.error(
        `alerts.actionGroupId ${show(actionGroupId)}: must be the resource id of an action group, ` +
          '"/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/microsoft.insights/actionGroups/<name>", ' +
          `but it ${details.join(", ")}. Copy it from \`az monitor action-group show -g <group> -n <name> --query id -o tsv\`.`,
      );
    }
  }
  // Stryker disable next-line ConditionalExpression: without receivers every check below is silent anyway (listOf gives undefined)
  if (emailReceivers !== undefined) {
    c.error(literalProblem(emailReceivers, "alerts.emailReceivers", "decides which receivers the action group has"));
    const addresses = listOf(emailReceivers, "alerts.emailReceivers", c);
    if (addresses !== undefined && addresses.length === 0) {
      c.error('alerts.emailReceivers []: must list at least one address; e.g. ["secops@contoso.com"], or give actionGroupId instead.');
    }
    if (addresses !== undefined && addresses.length > MAX_EMAIL_RECEIVERS) {
      c.error(`alerts.emailReceivers (${addresses.length} addresses): must hold at most ${MAX_EMAIL_RECEIVERS} (Azure's limit per action group); use a distribution list.`);
    }
    const seen = new Map<string, number>();
    (addresses ?? []).forEach((address, i) => {
      const prop = `alerts.emailReceivers[${i}]`;
      c.error(literalProblem(address, prop, "decides which receivers the action group has"));
      if (isToken(address)) {
        return;
      }
      if (typeof address !== "string" || !EMAIL.test(address)) {
        c.error(`${prop} ${show(address)}: must be an e-mail address (name@domain.tld, no spaces); e.g. "secops@contoso.com".`);
        return;
      }
      const first = seen.get(address.toLowerCase());
      if (first !== undefined) {
        c.error(`${prop} ${show(address)}: repeats alerts.emailReceivers[${first}]; list each address once.`);
      } else {
        seen.set(address.toLowerCase(), i);
      }
    });
  }
  if (alerts.noEventsForHours !== undefined) {
    c.error(
      literalProblem(alerts.noEventsForHours, "alerts.noEventsForHours", "is mapped to one of Azure Monitor's window sizes at synth time"),
      isToken(alerts.noEventsForHours)
        ? undefined
        : Object.keys(NO_EVENTS_WINDOWS).includes(String(alerts.noEventsForHours)) && typeof alerts.noEventsForHours === "number"
          ? undefined
          : `alerts.noEventsForHours ${show(alerts.noEventsForHours)}: must be 1, 6, 12 or 24 (the window sizes Azure Monitor offers: PT1H, PT6H, PT12H, P1D); use e.g. 6.`,
    );
  }
  if (alerts.queueBacklogMessages !== undefined) {
    c.error(wholeNumberProblem(alerts.queueBacklogMessages, "alerts.queueBacklogMessages", 1, 100000, "messages waiting on the queue", 100));
  }
  if (alerts.severity !== undefined) {
    c.error(wholeNumberProblem(alerts.severity, "alerts.severity", 0, 4, "Azure Monitor's severities: 0 critical to 4 verbose", 2));
  }
  const known = ["actionGroupId", "emailReceivers", "noEventsForHours", "queueBacklogMessages", "severity"];
  for (const key of Object.keys(alerts).filter((k) => !known.includes(k))) {
    c.error(`alerts.${key}: is not a setting of alerts (${known.join(", ")}); remove it or fix its spelling.`);
  }
}

/** Operators of the Streaming API step: a literal list of distinct GUIDs (each names a role assignment). */
function checkStreamingApiOperators(value: unknown, c: Collector): void {
  const why = "decides which role assignments exist: one per object id, named after it";
  c.error(literalProblem(value, "streamingApiOperatorObjectIds", why));
  const ids = listOf(value, "streamingApiOperatorObjectIds", c) ?? [];
  const first = new Map<string, number>();
  ids.forEach((id, i) => {
    const prop = `streamingApiOperatorObjectIds[${i}]`;
    c.error(
      literalProblem(id, prop, why),
      guidProblem(id, prop, "the object id of the Entra ID user or group who configures the Streaming API", "`az ad user show --id <user@domain> --query id -o tsv`"),
    );
    if (typeof id === "string" && !isToken(id)) {
      const earlier = first.get(id.toLowerCase());
      if (earlier !== undefined) {
        c.error(`${prop} ${show(id)}: repeats streamingApiOperatorObjectIds[${earlier}]; each operator gets one role assignment, so list each once.`);
      } else {
        first.set(id.toLowerCase(), i);
      }
    }
  });
}

/** The shortest prefix let through without a warning: 256 addresses. */
const BROADEST_QUIET_PREFIX = 24;

/** A warning for a valid range wider than /24: legal, but it opens the firewall to many addresses. */
function broadRangeWarning(range: string, prop: string): string | undefined {
  const slash = range.indexOf("/");
  const prefix = slash === -1 ? 32 : Number(range.slice(slash + 1));
  if (prefix >= BROADEST_QUIET_PREFIX) {
    return undefined;
  }
  const addresses = 2 ** (32 - prefix);
  return (
    `${prop} ${show(range)}: lets ${addresses.toLocaleString("en-US")} addresses through the storage firewall; ` +
    "Xshield's egress addresses are usually a few single addresses or a small range, so check the prefix."
  );
}

/** allowedIpRanges entries, and how they fit publicNetworkAccess. */
function checkNetworkAccess(props: XshieldMdeIntegrationProps, c: Collector): void {
  const access = props.publicNetworkAccess ?? XSHIELD_MDE_INTEGRATION_DEFAULTS.publicNetworkAccess;
  const rangesKnown = !isToken(props.allowedIpRanges);
  const ranges = listOf(props.allowedIpRanges, "allowedIpRanges", c) ?? [];
  c.error(ipRuleCountProblem(ranges.length));

  const firstIndex = new Map<string, number>();
  ranges.forEach((range, i) => {
    const prop = `allowedIpRanges[${i}]`;
    const problem = ipRangeProblem(range, prop);
    c.error(problem);
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the token test only saves work; a token has no "/", so it reads as one address and stays quiet
    if (problem === undefined && typeof range === "string" && !isToken(range)) {
      c.warn(broadRangeWarning(range, prop));
    }
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a repeated token is the same expression twice, so warning about it too would be right
    if (typeof range === "string" && !isToken(range)) {
      const first = firstIndex.get(range);
      if (first !== undefined) {
        c.warn(`${prop} ${show(range)}: repeats allowedIpRanges[${first}]; remove the duplicate.`);
      } else {
        firstIndex.set(range, i);
      }
    }
  });

  // Stryker disable next-line ConditionalExpression,BlockStatement: a token equals none of the three values below, so nothing would fire anyway
  if (isToken(access)) {
    return;
  }
  if (access === "SelectedNetworks" && rangesKnown && ranges.length === 0) {
    c.warn(
      // Stryker disable next-line LogicalOperator,ArrayDeclaration: only how the message shows an unset list
      `allowedIpRanges ${show(props.allowedIpRanges ?? [])}: publicNetworkAccess is "SelectedNetworks" and no IP range is ` +
        "allowed, so Xshield cannot read the queue and blobs until its egress addresses are added to allowedIpRanges; " +
        "ask ColorTokens for them.",
    );
  }
  if (access === "Enabled" && ranges.length > 0) {
    c.error(
      `allowedIpRanges ${show(props.allowedIpRanges)}: is only applied when publicNetworkAccess is "SelectedNetworks", ` +
        `but publicNetworkAccess is ${show(access)}, so these ranges would be ignored; set publicNetworkAccess to ` +
        '"SelectedNetworks" (or leave it at its default), or remove allowedIpRanges.',
    );
  }
  checkXshieldRegion(props, access, c);
}

/** Azure's region names compare without case or spaces ("West Europe" is westeurope). */
function regionKey(region: string): string {
  return region.toLowerCase().replace(/\s+/g, "");
}

/**
 * IP rules do not apply to requests from the account's own region (Microsoft Learn, "Configure
 * Azure Storage firewalls and virtual networks": "IP network rules have no effect on requests that
 * originate from the same Azure region as the storage account"), so Xshield reading from there
 * cannot be let in by allowedIpRanges.
 */
function checkXshieldRegion(props: XshieldMdeIntegrationProps, access: string, c: Collector): void {
  const region: unknown = props.xshieldRegion;
  c.error(literalProblem(region, "xshieldRegion", "is compared with location when the construct is built"));
  if (region === undefined || isToken(region)) {
    return;
  }
  if (typeof region !== "string" || region.trim() === "") {
    c.error(`xshieldRegion ${show(region)}: must be the name of an Azure region, as ColorTokens gives it (e.g. "westeurope").`);
    return;
  }
  if (typeof props.location === "string" && !isToken(props.location) && regionKey(region) === regionKey(props.location) && access === "SelectedNetworks") {
    c.warn(
      `xshieldRegion ${show(region)}: is the storage account's location, and storage IP network rules have no effect on requests ` +
        "from the account's own region, so allowedIpRanges cannot let Xshield in; put the storage account in another location, " +
        "or agree another way in with ColorTokens.",
    );
  }
}

function checkTags(tags: XshieldMdeIntegrationProps["tags"], c: Collector): void {
  if (tags === undefined || isToken(tags)) {
    return;
  }
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    c.error(`tags ${show(tags)}: must be an object of tag names to string values, e.g. { "Cost Center": "1234" }.`);
    return;
  }
  const entries = Object.entries(tags);
  c.error(tagCountProblem(entries.length));
  for (const [key, value] of entries) {
    c.error(tagNameProblem(key), tagValueProblem(key, value));
  }
  c.error(...tagCaseProblems(entries.map(([key]) => key)));
}

/**
 * Checks the stack-level props: `integration` is given; `subscriptionId` and `tenantId`, when
 * given, are GUIDs; the backend is one of the two kinds, with valid names and a relative local path.
 * The integration's own props are checked by {@link validateIntegrationProps}.
 */
export function validateStackProps(props: XshieldMdeStackProps): ValidationReport {
  const c = new Collector();
  const integration: unknown = props.integration;
  if (typeof integration !== "object" || integration === null) {
    c.error(
      `integration ${show(integration)}: is required: the XshieldMdeIntegration props, at least ` +
        '{ location, resourceGroupName, storageAccountName }.',
    );
  }
  const subscription = (value: unknown, prop: string) =>
    value === undefined
      ? undefined
      : guidProblem(value, prop, "the id of an Azure subscription", "`az account show --query id -o tsv`");
  c.error(subscription(props.subscriptionId, "subscriptionId"));
  if (props.tenantId !== undefined) {
    c.error(
      guidProblem(props.tenantId, "tenantId", "the id of an Entra ID tenant", "`az account show --query tenantId -o tsv`"),
    );
  }
  const backend = props.backend;
  const backendWhy = "goes into the Terraform backend block, which Terraform reads before any variable or reference exists";
  if (backend === undefined) {
    return c.report();
  }
  if (isToken(backend)) {
    c.error(literalProblem(backend, "backend", backendWhy));
    return c.report();
  }
  const kind: unknown = (backend as { type?: unknown }).type;
  c.error(literalProblem(kind, "backend.type", backendWhy));
  for (const [key, value] of Object.entries(backend)) {
    if (key !== "type") {
      c.error(literalProblem(value, `backend.${key}`, backendWhy));
    }
  }
  if (backend.type === "local") {
    if (backend.path !== undefined) {
      c.error(relativePathProblem(backend.path, "backend.path"));
    }
  } else if (backend.type === "azurerm") {
    c.error(
      resourceGroupNameProblem(backend.resourceGroupName, "backend.resourceGroupName"),
      storageAccountNameProblem(backend.storageAccountName, "backend.storageAccountName"),
      containerNameProblem(backend.containerName, "backend.containerName"),
      backend.key === undefined ? undefined : stateKeyProblem(backend.key, "backend.key"),
      subscription(backend.subscriptionId, "backend.subscriptionId"),
      backend.useAzureadAuth === undefined ? undefined : booleanProblem(backend.useAzureadAuth, "backend.useAzureadAuth"),
    );
    if (backend.subscriptionId === undefined && isToken(props.subscriptionId)) {
      c.error(
        "subscriptionId: is a token, and the azurerm backend would take it as its subscription, but a backend takes " +
          "literal values only; set backend.subscriptionId to the state account's subscription id.",
      );
    }
    if (isToken(props.tenantId)) {
      c.error(
        "tenantId: is a token, and the azurerm backend would take it as its tenant, but a backend takes literal values " +
          "only; write the tenant id itself (or leave tenantId unset to use the tenant Terraform signs in to).",
      );
    }
  } else {
    // A token type was refused above as a token; oneOfProblem skips tokens.
    c.error(oneOfProblem(kind, "backend.type", ["local", "azurerm"]));
  }
  return c.report();
}

/** What the integration needs from the azurerm provider its storage account uses. */
export interface AzurermProviderNeeds {
  /** Shared keys are off, so storage data-plane calls must be authorised with Entra ID. */
  readonly storageUseAzuread: boolean;
  /** The firewall is closed to the deployer, so plan must not call the storage data plane. */
  readonly noDataPlane: boolean;
}

/**
 * Warnings about an azurerm provider's configuration (as it synthesizes: snake_case keys) that
 * would make plan or apply fail for this integration. Pure: the construct calls it at synthesis.
 */
export function azurermProviderWarnings(provider: string, config: { [key: string]: unknown }, needs: AzurermProviderNeeds): string[] {
  const warnings: string[] = [];
  const block = (value: unknown): { [key: string]: unknown } => {
    const first = Array.isArray(value) ? value[0] : value;
    return (first ?? {}) as { [key: string]: unknown };
  };
  if (needs.storageUseAzuread && config.storage_use_azuread !== true) {
    warnings.push(
      `${provider}: storage_use_azuread is ${show(config.storage_use_azuread)}, but the storage account has shared keys off, so ` +
        "the provider must reach the storage data plane with Entra ID; set storageUseAzuread: true (otherwise plan or apply fail with 403 KeyBasedAuthenticationNotPermitted).",
    );
  }
  const dataPlane = block(block(config.features).storage).data_plane_available;
  if (needs.noDataPlane && dataPlane !== false) {
    warnings.push(
      `${provider}: features.storage.data_plane_available is ${show(dataPlane)}, so every plan reads the storage account over its data plane, ` +
        "which the firewall refuses (403) from any address not in allowedIpRanges; set features: [{ storage: [{ dataPlaneAvailable: false }] }].",
    );
  }
  const registrations = config.resource_provider_registrations;
  if (registrations === undefined || registrations === "legacy") {
    warnings.push(
      `${provider}: resource_provider_registrations is ${show(registrations)}, so azurerm registers its "legacy" set of about 66 resource ` +
        "providers at start-up, which fails with 403 for a deployer without subscription-wide rights; set resourceProviderRegistrations: " +
        `"none" and resourceProvidersToRegister: ${show([...RESOURCE_PROVIDERS])} (see the README's rights section).`,
    );
  }
  return warnings;
}

/** A provider given in `providers.<kind>` must be a cdktf provider of that kind. */
export function providerKindProblem(value: unknown, kind: "azurerm" | "azuread" | "time"): Problem {
  if (value === undefined) {
    return undefined;
  }
  const type = (value as { terraformResourceType?: unknown } | null)?.terraformResourceType;
  if (type === kind) {
    return undefined;
  }
  const an = (word: string) => (/^"?[aeiou]/i.test(word) ? "an" : "a");
  return (
    `providers.${kind}: must be ${an(kind)} ${kind} provider (a cdktf TerraformProvider whose type is "${kind}"), but it is ` +
    `${type === undefined ? show(value) : `${an(show(type))} ${show(type)} provider`}; pass the ${kind} provider, e.g. new ${kind === "azurerm" ? "AzurermProvider" : kind === "azuread" ? "AzureadProvider" : "TimeProvider"}(stack, "…", { alias: "…" }).`
  );
}
