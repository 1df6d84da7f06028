import type { TerraformProvider } from "cdktf";

/**
 * The props of the construct and the stack, their defaults and the names of the secure-baseline
 * rules. Everything else in `lib/` imports this module; it imports nothing from `lib/`, so the
 * layers never loop back: props ← validation, guard ← construct ← stack ← app.
 */

/**
 * How the storage account can be reached from public networks.
 *
 * - `SelectedNetworks`: the firewall denies everything except trusted Azure services (so Defender's
 *   Streaming API and Event Grid can write) and the public IPv4 ranges in `allowedIpRanges`
 *   (Xshield's egress addresses).
 * - `Enabled`: any address on the internet may try to authenticate. Data still needs Entra ID
 *   authorisation, but the firewall no longer narrows who can try.
 *
 * Azure's third setting, public network access disabled, is refused: Event Grid cannot deliver
 * events through private endpoints, and its delivery and dead-lettering to a firewalled account rely
 * on the trusted-service bypass, which does not apply when public network access is disabled
 * (Microsoft Learn, "Network security for Azure Event Grid resources"), so no event would ever
 * reach the queue.
 */
export type PublicNetworkAccess = "SelectedNetworks" | "Enabled";

/** Storage redundancy, in Azure's own terms. */
export type AccountReplicationType = "LRS" | "ZRS" | "GRS" | "RAGRS" | "GZRS" | "RAGZRS";

/**
 * Where Xshield's two data roles (Storage Blob Data Reader, Storage Queue Data Message Processor)
 * are granted.
 *
 * - `resources`: Blob Data Reader on the DeviceNetworkEvents container, Message Processor on the
 *   queue. Least privilege; Xshield cannot list the account's other containers or queues.
 * - `account`: both roles on the storage account, as ColorTokens' manual steps do. Xshield can then
 *   read every container and queue of the account (there are only the integration's own).
 */
export type DataRoleScope = "resources" | "account";

/**
 * The rules of the secure baseline the guard enforces on the synthesized configuration. The first
 * fourteen judge the integration's own elements (each must be written as the construct planned it,
 * or differ only in a way its rule accepts); OutsideThePlan (and SecretLifetime, for a copy of the
 * secret) judges everything else that reaches the integration.
 */
export const BASELINE_RULES = {
  MinimumTls12: "the storage account accepts TLS 1.2 or newer only (min_tls_version TLS1_2)",
  HttpsOnly: "the storage account accepts HTTPS only (https_traffic_only_enabled true)",
  NoPublicBlobAccess:
    "no container may allow anonymous reads (allow_nested_items_to_be_public false, the integration's containers private)",
  SharedKeyDisabled:
    "shared-key and SAS authorisation are off, so every request is authorised by Entra ID (shared_access_key_enabled false, default_to_oauth_authentication true)",
  InfrastructureEncryption: "data is encrypted twice at rest (infrastructure_encryption_enabled true)",
  LocalUsersDisabled: "no local (SFTP) users (local_user_enabled false, sftp_enabled false)",
  CrossTenantReplicationDisabled: "objects are not replicated out of the account (cross_tenant_replication_enabled false)",
  FirewallDenyByDefault:
    "the storage firewall denies by default and lets through only trusted Azure services and allowedIpRanges (network_rules, given once)",
  LeastPrivilegeRoles: "the integration's role assignments are exactly the planned ones: the planned role, on the planned scope, to the planned principal",
  EventDeliveryScoped:
    "only new DeviceNetworkEvents blobs are forwarded, only to the integration's queue, with the topic's managed identity; the containers and the queue stay in the integration's storage account",
  SingleTenantApplication:
    "the Entra application is single-tenant, owned as planned, and holds exactly Machine.Read.All on the Defender API, granted to its own service principal",
  SecretLifetime:
    "the application's only credentials are the construct's client secrets, each expiring on the date the construct computes; nothing copies a secret outside the planned sensitive outputs and Key Vault copy",
  AlertsIntact:
    "the integration's alerts stay enabled and notify only the planned action group, whose receivers are exactly the planned e-mail addresses",
  SoftDeleteOn:
    "a deleted blob or container stays recoverable for softDeleteRetentionDays (blob_properties: delete_retention_policy and container_delete_retention_policy)",
  WrittenAsPlanned:
    "every element of the integration is written once, at its own address, exactly as planned (only tags may change and prevent_destroy be added): not removed, without count, for_each, dynamic blocks or provisioners, with its provider and lifecycle",
  OutsideThePlan:
    "nothing outside the integration's plan refers to its elements or spells out its names (resources, data sources, modules, providers, checks, moved/import/removed blocks, other stacks), except locals, variables and outputs of non-secret values, unless an exception names it",
} as const;

/** A rule of the secure baseline. */
export type BaselineRule = keyof typeof BASELINE_RULES;

/**
 * A deliberate, reviewed exception to the secure baseline. It names a rule, an element, or both:
 *
 * - `element` alone: that element may touch the integration (a diagnostic setting, a lock, a
 *   private endpoint, the secret copied into the team's own vault), or differ from the plan if it
 *   is one of the integration's own elements.
 * - `rule` alone: the integration's own elements may break that rule (an override on them).
 * - both: that element may break that rule only.
 */
export interface BaselineException {
  /** The rule that may be broken. */
  readonly rule?: BaselineRule;
  /**
   * The element, as its construct path (`security/diagnostics`, which synthesis errors show) or its
   * Terraform address (`azurerm_monitor_diagnostic_setting.diagnostics`, `output.x`, `local.x`).
   */
  readonly element?: string;
  /** Why, in words a reviewer understands (at least 20 characters). */
  readonly reason: string;
}

/**
 * The providers the integration's resources and data sources use, by kind. Each is optional: a
 * kind not given uses the stack's default (unaliased) provider of that kind.
 */
export interface IntegrationProviders {
  /** For every `azurerm_*` resource and data source (a second subscription, say). */
  readonly azurerm?: TerraformProvider;
  /** For every `azuread_*` resource and data source (another tenant, say). */
  readonly azuread?: TerraformProvider;
  /** For the `time_sleep` that waits for role propagation. */
  readonly time?: TerraformProvider;
}

/** Azure Monitor's window size for each allowed `alerts.noEventsForHours`. */
export const NO_EVENTS_WINDOWS = { 1: "PT1H", 6: "PT6H", 12: "PT12H", 24: "P1D" } as const;

/** How long without a matched event the "no events" alert waits, in hours (an Azure Monitor window). */
export type NoEventsWindowHours = keyof typeof NO_EVENTS_WINDOWS;

/**
 * Azure Monitor metric alerts for the failures that are otherwise silent. Exactly one of
 * `actionGroupId` and `emailReceivers` says who is told.
 */
export interface IntegrationAlerts {
  /**
   * Resource id of an existing action group to notify
   * (`/subscriptions/…/resourceGroups/…/providers/microsoft.insights/actionGroups/…`).
   *
   * @default - none: give `emailReceivers` instead
   */
  readonly actionGroupId?: string;
  /**
   * E-mail addresses to notify, through an action group the construct creates (at most 1000).
   *
   * @default - none: give `actionGroupId` instead
   */
  readonly emailReceivers?: string[];
  /**
   * Hours without a single new DeviceNetworkEvents blob before "no events arriving" fires: 1, 6,
   * 12 or 24 (Azure Monitor's window sizes). The Streaming API writes a new blob about every
   * hour, so 6 leaves room for a slow hour without paging at night for nothing.
   *
   * @default 6
   */
  readonly noEventsForHours?: NoEventsWindowHours;
  /**
   * Messages on the queue above which "queue not drained" fires (1–100000). Xshield keeps the
   * queue near empty; Azure refreshes this metric only about once a day, so the alert is a daily
   * backstop. 100 is several days of notifications at one blob an hour.
   *
   * @default 100
   */
  readonly queueBacklogMessages?: number;
  /**
   * Severity of the alerts, 0 (critical) to 4 (verbose).
   *
   * @default 2
   */
  readonly severity?: number;
}

/** Where the storage account's logs and metrics go. */
export interface IntegrationDiagnostics {
  /**
   * Resource id of the Log Analytics workspace
   * (`/subscriptions/…/resourceGroups/…/providers/Microsoft.OperationalInsights/workspaces/…`).
   */
  readonly logAnalyticsWorkspaceId: string;
}

/** Properties of `XshieldMdeIntegration`. */
export interface XshieldMdeIntegrationProps {
  /**
   * Azure region of the resource group, storage account and Event Grid system topic, as Azure
   * names it (`westeurope`, `eastus2`).
   */
  readonly location: string;

  /**
   * Name of the resource group that holds the storage resources.
   *
   * Created unless `createResourceGroup` is `false`.
   */
  readonly resourceGroupName: string;

  /**
   * Name of the storage account MDE's Streaming API exports DeviceNetworkEvents to: 3–24 lowercase
   * letters and digits, unique across all of Azure.
   */
  readonly storageAccountName: string;

  /**
   * Name of the storage queue that receives one message per new DeviceNetworkEvents blob.
   *
   * @default "xshield-mde-events"
   */
  readonly queueName?: string;

  /**
   * Display name of the Entra ID application Xshield signs in as.
   *
   * @default "Xshield MDE Integration"
   */
  readonly applicationDisplayName?: string;

  /**
   * Object ids of Entra ID users or service principals made owners of the application and its
   * service principal, in addition to the identity that deploys. A token for the whole list (a
   * Terraform variable) is passed through.
   *
   * @default - only the deploying identity owns them
   */
  readonly additionalOwnerObjectIds?: string[];

  /**
   * Lifetime of each client secret, in months (3–24; Entra ID caps a secret at 24 months). A
   * secret expires this many months after the start of the month its slot was renewed in, so it
   * never lives longer. Must be a literal: the rotation schedule is computed from it.
   *
   * A tenant's app-management policy (`passwordCredentialConfiguration` with `maxLifetime`, set in
   * Entra ID) can cap secrets below this; the apply then fails creating the secret. Ask your Entra
   * admins for the tenant's limit and stay within it.
   *
   * @default 24
   */
  readonly clientSecretExpiryMonths?: number;

  /**
   * Months between two rotations. The application has two client secrets in alternating slots:
   * slot A is renewed in the months that are a multiple of `2 × clientSecretRotationMonths`
   * (counted from January of year 0), slot B `clientSecretRotationMonths` later, each by the
   * first apply in or after that month. So a new secret appears every `clientSecretRotationMonths`,
   * and the previous one (the one Xshield uses until someone enters the new one) stays valid until
   * the next rotation, at least that long. 1 to `(clientSecretExpiryMonths − 1) / 2`, so that every
   * secret outlives its slot's next renewal. Must be a literal.
   *
   * @default - a quarter of the lifetime, at least 1 (`max(1, floor(clientSecretExpiryMonths / 4))`): 6 for 24
   */
  readonly clientSecretRotationMonths?: number;

  /**
   * Resource id of an existing Key Vault that also receives the current client secret, as an
   * `azurerm_key_vault_secret` whose expiration date equals the secret's. The deploying identity
   * needs permission to set secrets in that vault.
   *
   * @default - the secret is not copied to a Key Vault
   */
  readonly clientSecretKeyVaultId?: string;

  /**
   * Name of the Key Vault secret when `clientSecretKeyVaultId` is set.
   *
   * @default "xshield-mde-client-secret"
   */
  readonly clientSecretKeyVaultSecretName?: string;

  /**
   * Who may reach the storage account over public networks. See {@link PublicNetworkAccess}.
   * Must be a literal: it decides the firewall's shape and a guard rule.
   *
   * @default "SelectedNetworks"
   */
  readonly publicNetworkAccess?: PublicNetworkAccess;

  /**
   * Public IPv4 addresses or CIDR ranges (up to /30; at most 400) let through the storage firewall
   * in `SelectedNetworks` mode: Xshield's egress addresses, which ColorTokens gives you. IP rules
   * have no effect on requests from the storage account's own Azure region (Microsoft Learn,
   * "Configure Azure Storage firewalls and virtual networks"): see `xshieldRegion`.
   *
   * @default - none: Xshield cannot read until they are added (synth warns)
   */
  readonly allowedIpRanges?: string[];

  /**
   * The Azure region Xshield reads the queue and blobs from, when ColorTokens tells you (ask them).
   * Storage IP network rules do not apply to requests from the account's own region, so when this
   * is `location`, `allowedIpRanges` can never let Xshield in: synthesis warns, and the fix is
   * another `location` for the storage account. Only compared with `location`; nothing is created
   * from it.
   *
   * @default - not known: no check
   */
  readonly xshieldRegion?: string;

  /**
   * Allow shared-key (account key and SAS) authorisation on the storage account. Opens the account
   * to anyone holding a key; only turn it on if Defender's Streaming API cannot write without it.
   * Must be a literal: it decides a guard rule.
   *
   * @default false
   */
  readonly sharedAccessKeyEnabled?: boolean;

  /**
   * Storage redundancy.
   *
   * @default "LRS"
   */
  readonly accountReplicationType?: AccountReplicationType;

  /**
   * Days after which DeviceNetworkEvents blobs and dead-lettered events are deleted (1–3650).
   * Queue notifications live exactly as long, so that a notification never outlives its blob and
   * no blob loses its notification while Xshield cannot read (an outage longer than the queue's
   * default 7 days). Must be a literal: the notifications' time to live is computed from it.
   *
   * @default 30
   */
  readonly blobRetentionDays?: number;

  /**
   * Days a deleted blob, or a deleted container, stays recoverable (1–365): blob and container soft
   * delete. A blob deleted by `blobRetentionDays` stays recoverable this much longer. The guard
   * keeps both policies on, at least this long.
   *
   * @default 7
   */
  readonly softDeleteRetentionDays?: number;

  /**
   * Put a `CanNotDelete` management lock on the storage account, so that nobody (with Contributor,
   * say) deletes the account Defender's Streaming API writes to. Creating and removing a lock needs
   * `Microsoft.Authorization/locks/*` (Owner or User Access Administrator, not Contributor); remove
   * the lock before a `cdktf destroy`.
   *
   * @default false
   */
  readonly deleteLock?: boolean;

  /**
   * Send the storage account's blob and queue logs (StorageRead, StorageWrite, StorageDelete) and
   * Transaction metrics to a Log Analytics workspace, through Azure Monitor diagnostic settings on
   * the blob and queue services: who read the events, and when. The deploying identity needs
   * write access to the workspace.
   *
   * @default - no diagnostic settings
   */
  readonly diagnostics?: IntegrationDiagnostics;

  /**
   * How many times Event Grid tries to deliver a blob-created event to the queue (1–30) before it
   * writes the event to the dead-letter container.
   *
   * @default 30
   */
  readonly eventDeliveryMaxAttempts?: number;

  /**
   * Minutes Event Grid keeps retrying an event (1–1440) before it dead-letters it.
   *
   * @default 1440
   */
  readonly eventTimeToLiveMinutes?: number;

  /**
   * Seconds to wait, on the first deploy, between creating Event Grid's role assignments and
   * creating the event subscription (0–1800). Event Grid refuses to create the subscription while
   * its identity's new roles have not taken effect yet.
   *
   * @default 120
   */
  readonly rolePropagationWaitSeconds?: number;

  /**
   * Create the resource group. `false` uses an existing resource group of that name (looked up
   * with a data source). The deploying identity then needs its rights on that group, and still
   * the subscription-wide read of resource providers (`Microsoft.Resources/subscriptions/providers/read`,
   * part of Reader): the azurerm provider lists them when it starts (see the README's rights section). Switching an existing deployment from `true`
   * to `false` forgets the group (a Terraform `removed` block with `destroy = false`, Terraform 1.7
   * or later) instead of destroying it. Must be a literal: it decides which resources exist.
   *
   * @default true
   */
  readonly createResourceGroup?: boolean;

  /**
   * Where Xshield's two data roles are granted. See {@link DataRoleScope}. Must be a literal.
   *
   * @default "resources"
   */
  readonly dataRoleScope?: DataRoleScope;

  /**
   * Object ids of the people or groups who configure Defender's Streaming API (the manual step).
   * Microsoft requires them to hold Contributor on the storage account, in addition to their Entra
   * role; each gets Contributor on this storage account only. Contributor can change the account's
   * settings (its firewall included), so list only those who do the step, and remove them after.
   * Must be a literal list of literal GUIDs: each becomes one role assignment, named after its id.
   *
   * @default - none: whoever does the step needs Contributor on the account from elsewhere
   */
  readonly streamingApiOperatorObjectIds?: string[];

  /**
   * Tags applied to every Azure resource the construct creates (at most 50).
   *
   * @default - no tags
   */
  readonly tags?: { [key: string]: string };

  /**
   * Azure Monitor alerts that tell you when events stop arriving, are dead-lettered or cannot be
   * delivered, or when Xshield stops draining the queue. Must be literals: they decide which
   * resources exist.
   *
   * @default - no alert resources
   */
  readonly alerts?: IntegrationAlerts;

  /**
   * The providers to use instead of the stack's default ones, for example an aliased azurerm
   * provider of another subscription. The azurerm provider the storage account uses needs
   * `storage_use_azuread = true` and `features { storage { data_plane_available = false } }`;
   * synthesis warns when it lacks them.
   *
   * @default - the stack's default provider of each kind
   */
  readonly providers?: IntegrationProviders;

  /**
   * Deliberate exceptions to the secure baseline, each with its reason. The guard that checks the
   * synthesized configuration lets these rules pass; every other weakening fails synthesis, and
   * so does an exception for a rule nothing breaks. Must be literals.
   *
   * @default - no exceptions
   */
  readonly baselineExceptions?: BaselineException[];
}

/** The defaults of every optional prop, in one typed place. */
export const XSHIELD_MDE_INTEGRATION_DEFAULTS = {
  queueName: "xshield-mde-events",
  applicationDisplayName: "Xshield MDE Integration",
  clientSecretExpiryMonths: 24,
  clientSecretKeyVaultSecretName: "xshield-mde-client-secret",
  publicNetworkAccess: "SelectedNetworks",
  sharedAccessKeyEnabled: false,
  accountReplicationType: "LRS",
  blobRetentionDays: 30,
  softDeleteRetentionDays: 7,
  deleteLock: false,
  eventDeliveryMaxAttempts: 30,
  eventTimeToLiveMinutes: 1440,
  rolePropagationWaitSeconds: 120,
  createResourceGroup: true,
  dataRoleScope: "resources",
} as const satisfies Partial<XshieldMdeIntegrationProps>;

/** The defaults of the alerts' optional settings. */
export const ALERT_DEFAULTS = {
  noEventsForHours: 6,
  queueBacklogMessages: 100,
  severity: 2,
} as const satisfies Partial<IntegrationAlerts>;

/** The rotation default: a quarter of the secret's lifetime, at least one month. */
export function defaultRotationMonths(expiryMonths: number): number {
  return Math.max(1, Math.floor(expiryMonths / 4));
}

/** The longest rotation interval for a lifetime: every secret must outlive its slot's next renewal. */
export function maxRotationMonths(expiryMonths: number): number {
  return Math.floor((expiryMonths - 1) / 2);
}

/** Every prop with its default applied. */
export type ResolvedIntegrationProps = Required<
  Omit<XshieldMdeIntegrationProps, "clientSecretKeyVaultId" | "tags" | "baselineExceptions" | "providers" | "alerts" | "xshieldRegion" | "diagnostics">
> &
  Pick<XshieldMdeIntegrationProps, "clientSecretKeyVaultId" | "tags" | "xshieldRegion" | "diagnostics"> & {
    readonly alerts?: Required<Omit<IntegrationAlerts, "actionGroupId" | "emailReceivers">> & Pick<IntegrationAlerts, "actionGroupId" | "emailReceivers">;
    readonly providers: IntegrationProviders;
    readonly baselineExceptions: BaselineException[];
  };

/** Applies the defaults to the props. */
export function resolveIntegrationProps(props: XshieldMdeIntegrationProps): ResolvedIntegrationProps {
  const d = XSHIELD_MDE_INTEGRATION_DEFAULTS;
  const expiry = props.clientSecretExpiryMonths ?? d.clientSecretExpiryMonths;
  return {
    location: props.location,
    resourceGroupName: props.resourceGroupName,
    storageAccountName: props.storageAccountName,
    queueName: props.queueName ?? d.queueName,
    applicationDisplayName: props.applicationDisplayName ?? d.applicationDisplayName,
    additionalOwnerObjectIds: props.additionalOwnerObjectIds ?? [],
    clientSecretExpiryMonths: expiry,
    clientSecretRotationMonths: props.clientSecretRotationMonths ?? defaultRotationMonths(expiry),
    clientSecretKeyVaultId: props.clientSecretKeyVaultId,
    clientSecretKeyVaultSecretName: props.clientSecretKeyVaultSecretName ?? d.clientSecretKeyVaultSecretName,
    publicNetworkAccess: props.publicNetworkAccess ?? d.publicNetworkAccess,
    allowedIpRanges: props.allowedIpRanges ?? [],
    xshieldRegion: props.xshieldRegion,
    sharedAccessKeyEnabled: props.sharedAccessKeyEnabled ?? d.sharedAccessKeyEnabled,
    accountReplicationType: props.accountReplicationType ?? d.accountReplicationType,
    blobRetentionDays: props.blobRetentionDays ?? d.blobRetentionDays,
    softDeleteRetentionDays: props.softDeleteRetentionDays ?? d.softDeleteRetentionDays,
    deleteLock: props.deleteLock ?? d.deleteLock,
    diagnostics: props.diagnostics,
    eventDeliveryMaxAttempts: props.eventDeliveryMaxAttempts ?? d.eventDeliveryMaxAttempts,
    eventTimeToLiveMinutes: props.eventTimeToLiveMinutes ?? d.eventTimeToLiveMinutes,
    rolePropagationWaitSeconds: props.rolePropagationWaitSeconds ?? d.rolePropagationWaitSeconds,
    createResourceGroup: props.createResourceGroup ?? d.createResourceGroup,
    dataRoleScope: props.dataRoleScope ?? d.dataRoleScope,
    streamingApiOperatorObjectIds: props.streamingApiOperatorObjectIds ?? [],
    tags: props.tags,
    providers: props.providers ?? {},
    alerts:
      props.alerts === undefined
        ? undefined
        : {
            ...props.alerts,
            noEventsForHours: props.alerts.noEventsForHours ?? ALERT_DEFAULTS.noEventsForHours,
            queueBacklogMessages: props.alerts.queueBacklogMessages ?? ALERT_DEFAULTS.queueBacklogMessages,
            severity: props.alerts.severity ?? ALERT_DEFAULTS.severity,
          },
    baselineExceptions: props.baselineExceptions ?? [],
  };
}

// ---------------------------------------------------------------------------------------------
// The stack
// ---------------------------------------------------------------------------------------------

/**
 * Terraform state on the local disk. Fine for a trial; the state holds the client secret, so use
 * {@link AzurermStateBackend} for anything real.
 */
export interface LocalStateBackend {
  readonly type: "local";
  /**
   * Path of the state file, relative to the stack's folder `cdktf.out/stacks/<env>/`.
   *
   * @default "../../../terraform.<env>.tfstate" (the project folder, next to cdktf.json)
   */
  readonly path?: string;
}

/** Terraform state in an Azure storage blob: encrypted, access-controlled and locked. */
export interface AzurermStateBackend {
  readonly type: "azurerm";
  /** Resource group of the state storage account. */
  readonly resourceGroupName: string;
  /** The state storage account. */
  readonly storageAccountName: string;
  /** The state container. */
  readonly containerName: string;
  /**
   * Blob name of the state.
   *
   * @default "xshield-mde/<env>.tfstate"
   */
  readonly key?: string;
  /**
   * Authenticate to the state account with Entra ID instead of an account key. The identity that
   * runs Terraform then needs Storage Blob Data Contributor on the state container.
   *
   * @default true
   */
  readonly useAzureadAuth?: boolean;
  /**
   * Subscription of the state storage account, when it is not the integration's.
   *
   * @default - the stack's `subscriptionId` (else `ARM_SUBSCRIPTION_ID`)
   */
  readonly subscriptionId?: string;
}

/** Where an environment keeps its Terraform state. Terraform backends take literals only. */
export type StateBackend = LocalStateBackend | AzurermStateBackend;

/** Properties of `XshieldMdeStack`. */
export interface XshieldMdeStackProps {
  /** The integration's properties. */
  readonly integration: XshieldMdeIntegrationProps;
  /**
   * Azure subscription that holds the storage resources.
   *
   * @default - taken from `ARM_SUBSCRIPTION_ID` when Terraform plans
   */
  readonly subscriptionId?: string;
  /**
   * Entra ID tenant of the application and the subscription.
   *
   * @default - the tenant of the identity Terraform runs as (`ARM_TENANT_ID` or the Azure CLI login)
   */
  readonly tenantId?: string;
  /**
   * Where Terraform state is kept.
   *
   * @default - local state in `terraform.<env>.tfstate` in the project folder
   */
  readonly backend?: StateBackend;
}
