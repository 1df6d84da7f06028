import {
  Annotations,
  DefaultTokenResolver,
  DataResource,
  Fn,
  StringConcat,
  TerraformIterator,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Token,
  Tokenization,
} from "cdktf";
import { Construct } from "constructs";
import { AppRoleAssignment } from "@cdktf/provider-azuread/lib/app-role-assignment";
import { Application } from "@cdktf/provider-azuread/lib/application";
import { ApplicationPasswordA as ApplicationPassword } from "@cdktf/provider-azuread/lib/application-password";
import { DataAzureadClientConfig } from "@cdktf/provider-azuread/lib/data-azuread-client-config";
import { DataAzureadServicePrincipal } from "@cdktf/provider-azuread/lib/data-azuread-service-principal";
import { ServicePrincipal } from "@cdktf/provider-azuread/lib/service-principal";
import { DataAzurermResourceGroup } from "@cdktf/provider-azurerm/lib/data-azurerm-resource-group";
import { EventgridSystemTopic } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic";
import { EventgridSystemTopicEventSubscription } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { ManagementLock } from "@cdktf/provider-azurerm/lib/management-lock";
import { MonitorActionGroup } from "@cdktf/provider-azurerm/lib/monitor-action-group";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";
import { MonitorMetricAlert, MonitorMetricAlertCriteria } from "@cdktf/provider-azurerm/lib/monitor-metric-alert";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { StorageManagementPolicy } from "@cdktf/provider-azurerm/lib/storage-management-policy";
import { StorageQueue } from "@cdktf/provider-azurerm/lib/storage-queue";
import { Sleep } from "@cdktf/provider-time/lib/sleep";
import { ADOPTION_FIELDS, AdoptionField, IntegrationAdoption } from "./adoption";
import { enforce } from "./guard";
import {
  captureElement,
  copyProps,
  elementsIn,
  otherStackViolations,
  plannedByOthers,
  plannedTokens,
  registerPlan,
  resolveIn,
  stackElements,
} from "./guard/capture";
import { BaselineViolation, deepFreeze, GuardPlan, OwnElement } from "./guard/plan";
import { withCurrentTokens } from "./guard/tokens";
import {
  BLOB_CREATED_EVENT_TYPE,
  BuiltInRole,
  DEAD_LETTER_CONTAINER_NAME,
  DEFENDER_API_CLIENT_ID,
  MACHINE_READ_ALL,
  NETWORK_EVENTS_CONTAINER_NAME,
  ROLES,
  STORAGE_SYSTEM_TOPIC_TYPE,
} from "./constants";
import { GrantOptions, NO_EVENTS_WINDOWS, ResolvedIntegrationProps, resolveIntegrationProps, XshieldMdeIntegrationProps } from "./props";
import { SecretRotation, selfStateProblem, SlotSchedule } from "./secret-rotation";
import { duplicateProblems, IntegrationClaims } from "./app-checks";
import { PlanChecks, planChecksOf, Precondition } from "./plan-checks";
import { RemovedBlock, requireTerraformVersion } from "./terraform-blocks";
import { azurermProviderWarnings, grantProblems, throwIfInvalid, validateIntegrationProps, XshieldValidationError } from "./validation";
import { OUTPUT_SPECS } from "./outputs";
import { checkWrittenJson, TerraformJson } from "./written-json";

/** Every integration made under an App root, in the order they were made (for the App-wide checks). */
const INTEGRATIONS = new WeakMap<
  object,
  { count: number; readonly order: Map<XshieldMdeIntegration, number>; readonly byName: Map<string, XshieldMdeIntegration[]> }
>();

/** The names of an integration's claims that must be unique, in one form per kind (what the index is keyed by). */
function namesOf(claims: IntegrationClaims): string[] {
  return [
    claims.storageAccountName === undefined ? undefined : `account:${claims.storageAccountName.toLowerCase()}`,
    claims.createdResourceGroup === undefined ? undefined : `group:${claims.createdResourceGroup.toLowerCase()}`,
    claims.applicationDisplayName === undefined ? undefined : `app:${claims.applicationDisplayName.toLowerCase()}`,
  ].filter((n): n is string => n !== undefined);
}
/** Each integration's App-wide claims, as its last check computed them. */
const CLAIMS = new WeakMap<XshieldMdeIntegration, IntegrationClaims>();

/** The ARM id of a blob container, built from its account's id (never a data-plane URL). */
function containerScope(accountId: string, containerName: string): string {
  return `${accountId}/blobServices/default/containers/${containerName}`;
}

/** The ARM id of a storage queue, built from its account's id (never a data-plane URL). */
function queueScope(accountId: string, queueName: string): string {
  return `${accountId}/queueServices/default/queues/${queueName}`;
}

/**
 * Per integration, the elements its own methods planned after it was built (the grants). Only
 * this module can add to them: no one else can make an element count as planned.
 */
const PLAN_EXTENSIONS = new WeakMap<XshieldMdeIntegration, OwnElement[]>();

/** The alerts of an integration with `alerts` set. */
export interface IntegrationAlertResources {
  /** No new DeviceNetworkEvents blob matched for `noEventsForHours`. */
  readonly noEvents: MonitorMetricAlert;
  /** Event Grid dead-lettered a notification. */
  readonly deadLetters: MonitorMetricAlert;
  /** Event Grid failed to deliver a notification to the queue. */
  readonly deliveryFailures: MonitorMetricAlert;
  /** The queue holds more than `queueBacklogMessages`. */
  readonly queueBacklog: MonitorMetricAlert;
  /**
   * Event Grid dropped a notification: it could neither deliver it nor write it to the
   * dead-letter container (the topic's role on it removed, the container deleted), so
   * `deadLetters` stays silent.
   */
  readonly droppedEvents: MonitorMetricAlert;
}

/**
 * Tag names in lower case, as Azure stores them on metric alerts. A token for the whole map (a
 * Terraform variable) is lower-cased by Terraform, in a `for` expression.
 */
function lowerCaseTagNames(tags: { [key: string]: string }): { [key: string]: string } {
  if (Token.isUnresolved(tags)) {
    const map = TerraformIterator.fromMap(tags);
    return Token.asStringMap(map.forExpressionForMap("lower(key)", "val"));
  }
  return Object.fromEntries(Object.entries(tags).map(([name, value]) => [Token.isUnresolved(name) ? name : name.toLowerCase(), value]));
}

/**
 * Everything ColorTokens Xshield needs in an Azure tenant to read Microsoft Defender for Endpoint
 * data: an Entra ID application with two client secrets renewed in turn and admin-consented
 * `Machine.Read.All` on the Defender API, and a locked-down storage account whose
 * DeviceNetworkEvents blobs are announced, through Event Grid, on a storage queue Xshield reads.
 *
 * One manual step remains after deployment: point Defender's Streaming API at `storageAccountId`
 * and forward only DeviceNetworkEvents.
 */
export class XshieldMdeIntegration extends Construct {
  /** The props with every default applied. */
  public readonly config: ResolvedIntegrationProps;

  /** The identity running Terraform (owner of the application; source of the tenant id). */
  public readonly clientConfig: DataAzureadClientConfig;
  /** The WindowsDefenderATP service principal in the tenant (the Defender API). */
  public readonly defenderApi: DataAzureadServicePrincipal;
  /** The Entra ID application Xshield signs in as. */
  public readonly application: Application;
  /** The application's service principal: the principal every role is granted to. */
  public readonly servicePrincipal: ServicePrincipal;
  /**
   * The client-secret rotation: its locals, the output that remembers the slots and the
   * `terraform_remote_state` data source that reads it back from the stack's own state.
   */
  public readonly secretRotation: SecretRotation;
  /**
   * The current month as a number (`year × 12 + month − 1`, from Terraform's `plantimestamp()`):
   * the clock of the rotation, read when Terraform plans, never when cdktf synthesizes.
   */
  public readonly secretMonth: TerraformLocal;
  /** The month slot A's secret was renewed in, after this apply (its `rotate_when_changed`). */
  public readonly secretSlotAMonth: TerraformLocal;
  /** The month slot B's secret was renewed in, after this apply (its `rotate_when_changed`). */
  public readonly secretSlotBMonth: TerraformLocal;
  /** The client secret in slot A. Its value lives only in Terraform state and sensitive outputs. */
  public readonly clientSecretSlotA: ApplicationPassword;
  /** The client secret in slot B. Its value lives only in Terraform state and sensitive outputs. */
  public readonly clientSecretSlotB: ApplicationPassword;
  /** Admin consent: `Machine.Read.All` granted to the service principal. */
  public readonly machineReadConsent: AppRoleAssignment;
  /** The resource group, when the construct creates it. */
  public readonly resourceGroup?: ResourceGroup;
  /** The existing resource group, when `createResourceGroup` is `false`. */
  public readonly existingResourceGroup?: DataAzurermResourceGroup;
  /** The storage account MDE streams DeviceNetworkEvents into. */
  public readonly storageAccount: StorageAccount;
  /** The container Defender writes DeviceNetworkEvents blobs into. */
  public readonly networkEventsContainer: StorageContainer;
  /** The container Event Grid writes undeliverable events into. */
  public readonly deadLetterContainer: StorageContainer;
  /** The queue Xshield reads blob-created notifications from. */
  public readonly queue: StorageQueue;
  /** Deletes DeviceNetworkEvents blobs and dead-lettered events after `blobRetentionDays`. */
  public readonly retentionPolicy: StorageManagementPolicy;
  /** The Event Grid system topic of the storage account, with a system-assigned identity. */
  public readonly systemTopic: EventgridSystemTopic;
  /** Waits for Event Grid's role assignments to take effect before the subscription is created. */
  public readonly rolePropagationWait: Sleep;
  /** Forwards blob-created events of the DeviceNetworkEvents container to the queue. */
  public readonly eventSubscription: EventgridSystemTopicEventSubscription;
  /** Xshield: Storage Blob Data Reader on the DeviceNetworkEvents container. */
  public readonly blobReaderAssignment: RoleAssignment;
  /** Xshield: Storage Queue Data Message Processor on the queue. */
  public readonly queueProcessorAssignment: RoleAssignment;
  /** Event Grid: Storage Queue Data Message Sender on the queue. */
  public readonly queueSenderAssignment: RoleAssignment;
  /** Event Grid: Storage Blob Data Contributor on the dead-letter container. */
  public readonly deadLetterWriterAssignment: RoleAssignment;
  /** Contributor on the storage account, one per `streamingApiOperatorObjectIds` entry. */
  public readonly streamingApiOperatorAssignments: readonly RoleAssignment[];
  /** The action group the alerts mail, when `alerts.emailReceivers` is set. */
  public readonly alertActionGroup?: MonitorActionGroup;
  /** The alerts, when `alerts` is set. */
  public readonly alerts?: IntegrationAlertResources;
  /** Forgets the resource group of an earlier `createResourceGroup: true` instead of destroying it. */
  public readonly keepResourceGroup?: RemovedBlock;
  /** The `CanNotDelete` lock on the storage account, when `deleteLock` is set. */
  public readonly deleteLock?: ManagementLock;
  /** The blob and queue services' diagnostic settings, when `diagnostics` is set. */
  public readonly diagnosticSettings?: { readonly blob: MonitorDiagnosticSetting; readonly queue: MonitorDiagnosticSetting };
  /** The Key Vault copy of the client secret, when `clientSecretKeyVaultId` is set. */
  public readonly keyVaultSecret?: KeyVaultSecret;

  /** Application (client) id: Xshield's "Client ID". */
  public readonly clientId: string;
  /** Directory (tenant) id: Xshield's "Tenant ID". */
  public readonly tenantId: string;
  /** The newest client secret's value (a sensitive token): Xshield's "Client Secret". */
  public readonly clientSecret: string;
  /** When the newest client secret expires (RFC 3339). */
  public readonly clientSecretExpiresAt: string;
  /** When the other, older client secret expires (RFC 3339); it is renewed at the next rotation. */
  public readonly clientSecretPreviousExpiresAt: string;
  /**
   * From when the next apply renews the older secret (RFC 3339, the first day of that month).
   * Xshield must use the newest secret by then.
   */
  public readonly clientSecretNextRotationAt: string;
  /** Which slot holds the newest secret: `"a"` or `"b"`. */
  public readonly clientSecretSlot: string;
  /** Object id of the application's service principal. */
  public readonly servicePrincipalObjectId: string;
  /** Name of the resource group holding the storage resources. */
  public readonly resourceGroupName: string;
  /** Storage account name: Xshield's "Storage Account name". */
  public readonly storageAccountName: string;
  /** Storage account resource id: what Defender's Streaming API asks for. */
  public readonly storageAccountId: string;
  /** Queue name: Xshield's "Storage Queue name". */
  public readonly queueName: string;
  /** The DeviceNetworkEvents container's name (fixed by Defender). */
  public readonly networkEventsContainerName: string = NETWORK_EVENTS_CONTAINER_NAME;
  /** The DeviceNetworkEvents container's resource id. */
  public readonly networkEventsContainerId: string;
  /** The queue's resource id. */
  public readonly queueId: string;
  /** The queue's URL (`https://<account>.queue.core.windows.net/<queue>`). */
  public readonly queueUrl: string;
  /** Object id of the Entra application (not its client id). */
  public readonly applicationObjectId: string;
  /** Object id of the Event Grid system topic's managed identity (which writes to the queue). */
  public readonly systemTopicPrincipalId: string;
  /**
   * The Key Vault copy's id without its version (always the newest secret), when
   * `clientSecretKeyVaultId` is set.
   */
  public readonly keyVaultSecretVersionlessId?: string;
  /** Whether the provider warnings were added (validations run on every synthesis). */
  private providerWarningsGiven = false;

  public constructor(scope: Construct, id: string, props: XshieldMdeIntegrationProps) {
    super(scope, id);

    // The props are read once, into a copy: what is validated is what is built, and a caller's
    // array or object changed later changes neither. Anything in the subtree before the
    // construct made its first element is not the construct's.
    const given = copyProps(props);
    const foreign = new Set(elementsIn(this));
    const report = validateIntegrationProps(given);
    throwIfInvalid(`XshieldMdeIntegration "${this.node.path}"`, report.errors);
    for (const warning of report.warnings) {
      Annotations.of(this).addWarning(warning);
    }

    const config = deepFreeze(resolveIntegrationProps(given));
    // Before anything is made: a token value that resolves to literals now is checked as a literal.
    const planChecks = planChecksOf(config, given, resolveIn(TerraformStack.of(this)), `XshieldMdeIntegration "${this.node.path}"`);
    this.config = config;
    PLAN_EXTENSIONS.set(this, []);
    // A token for the whole map (a Terraform variable) passes through; an empty map writes no tags.
    const tags = config.tags !== undefined && (Token.isUnresolved(config.tags) || Object.keys(config.tags).length > 0) ? config.tags : undefined;

    // ---- Entra ID: the application Xshield signs in as (steps 1–4) ----
    this.clientConfig = new DataAzureadClientConfig(this, "client-config");
    this.defenderApi = new DataAzureadServicePrincipal(this, "defender-api", {
      clientId: DEFENDER_API_CLIENT_ID,
    });
    const machineReadAllRoleId = this.defenderApi.appRoleIds.lookup(MACHINE_READ_ALL);
    // A token for the whole list is a Terraform list: concatenated by Terraform, not spread here.
    // Object ids in lower case, as Graph returns them: an id written in another case would churn
    // the owners on every apply.
    const owners = Token.isUnresolved(config.additionalOwnerObjectIds)
      ? Token.asList(Fn.concat([[this.clientConfig.objectId], config.additionalOwnerObjectIds]))
      : [this.clientConfig.objectId, ...config.additionalOwnerObjectIds.map((id) => (Token.isUnresolved(id) ? id : id.toLowerCase()))];

    this.application = new Application(this, "application", {
      displayName: config.applicationDisplayName,
      signInAudience: "AzureADMyOrg",
      owners,
      notes:
        "Used by ColorTokens Xshield to read device metadata from Microsoft Defender for Endpoint " +
        "and DeviceNetworkEvents from the storage queue and container. Managed by Terraform (xshield-mde-cdktf).",
      requiredResourceAccess: [
        {
          resourceAppId: DEFENDER_API_CLIENT_ID,
          resourceAccess: [{ id: machineReadAllRoleId, type: "Role" }],
        },
      ],
    });

    this.servicePrincipal = new ServicePrincipal(this, "service-principal", {
      clientId: this.application.clientId,
      owners,
    });

    // ---- Two client secrets in alternating slots (step 2, without an outage at rotation) ----
    // An apply renews at most the older slot, when it is due, and writes everything else as the
    // previous apply left it (remembered in the stack's own state): lib/secret-rotation.ts.
    this.secretRotation = new SecretRotation(this, {
      lifetimeMonths: config.clientSecretExpiryMonths,
      rotationMonths: config.clientSecretRotationMonths,
    });
    this.secretMonth = this.secretRotation.month;
    this.secretSlotAMonth = this.secretRotation.slotA.month;
    this.secretSlotBMonth = this.secretRotation.slotB.month;
    const password = (id: string, slot: string, schedule: SlotSchedule) =>
      new ApplicationPassword(this, id, {
        applicationId: this.application.id,
        displayName: `Xshield (slot ${slot})`,
        endDate: schedule.endDate,
        rotateWhenChanged: schedule.rotateWhenChanged,
        lifecycle: { createBeforeDestroy: true },
      });
    this.clientSecretSlotA = password("client-secret-a", "A", this.secretRotation.slotA);
    this.clientSecretSlotB = password("client-secret-b", "B", this.secretRotation.slotB);
    const newest = this.secretRotation.follow(this.clientSecretSlotA, this.clientSecretSlotB);
    this.clientSecretSlot = newest.slot;
    this.clientSecret = newest.secret;
    this.clientSecretExpiresAt = newest.expiresAt;
    this.clientSecretPreviousExpiresAt = newest.previousExpiresAt;
    this.clientSecretNextRotationAt = newest.nextRotationAt;

    this.servicePrincipalObjectId = this.servicePrincipal.objectId;
    this.machineReadConsent = new AppRoleAssignment(this, "machine-read-consent", {
      appRoleId: machineReadAllRoleId,
      principalObjectId: this.servicePrincipalObjectId,
      resourceObjectId: this.defenderApi.objectId,
    });

    // ---- Azure: storage, queue and event delivery (steps 5–9) ----
    if (config.resourceGroup !== undefined) {
      // The caller's own group: nothing of it is written here.
      this.resourceGroupName = config.resourceGroup.name;
    } else if (config.createResourceGroup) {
      this.resourceGroup = new ResourceGroup(this, "resource-group", {
        name: config.resourceGroupName,
        location: config.location,
        tags,
      });
      this.resourceGroupName = this.resourceGroup.name;
    } else {
      this.existingResourceGroup = new DataAzurermResourceGroup(this, "resource-group", {
        name: config.resourceGroupName,
      });
      this.resourceGroupName = this.existingResourceGroup.name;
      // Same construct id, so the same name the group had as a resource: an earlier deploy with
      // createResourceGroup true is forgotten, not destroyed (with everything in it).
      this.keepResourceGroup = new RemovedBlock(
        this,
        "keep-resource-group",
        `azurerm_resource_group.${this.existingResourceGroup.friendlyUniqueId}`,
      );
    }

    const publicAccess = config.publicNetworkAccess;
    this.storageAccount = new StorageAccount(this, "storage-account", {
      name: config.storageAccountName,
      resourceGroupName: this.resourceGroupName,
      location: config.location,
      accountKind: "StorageV2",
      accountTier: "Standard",
      accountReplicationType: config.accountReplicationType,
      accessTier: "Hot",
      minTlsVersion: "TLS1_2",
      httpsTrafficOnlyEnabled: true,
      allowNestedItemsToBePublic: false,
      sharedAccessKeyEnabled: config.sharedAccessKeyEnabled,
      defaultToOauthAuthentication: true,
      infrastructureEncryptionEnabled: true,
      localUserEnabled: false,
      sftpEnabled: false,
      isHnsEnabled: false,
      crossTenantReplicationEnabled: false,
      // Soft delete: a deleted blob or container stays recoverable (through the management plane,
      // like the rest: azurerm 4.x writes blob_properties through BlobServices, not the data plane).
      blobProperties: {
        deleteRetentionPolicy: { days: config.softDeleteRetentionDays },
        containerDeleteRetentionPolicy: { days: config.softDeleteRetentionDays },
      },
      publicNetworkAccessEnabled: true,
      networkRules: {
        defaultAction: publicAccess === "Enabled" ? "Allow" : "Deny",
        bypass: ["AzureServices"],
        // Stryker disable next-line ConditionalExpression: validation allows IP ranges only with SelectedNetworks, so the list is empty otherwise anyway
        ipRules: publicAccess === "SelectedNetworks" ? config.allowedIpRanges : [],
      },
      tags,
    });

    // Each read of a token attribute makes a new token; read each once.
    const accountId = this.storageAccount.id;
    this.storageAccountId = accountId;
    if (config.deleteLock) {
      this.deleteLock = new ManagementLock(this, "delete-lock", {
        name: "xshield-mde-no-delete",
        scope: accountId,
        lockLevel: "CanNotDelete",
        notes: "Defender's Streaming API exports DeviceNetworkEvents to this account for ColorTokens Xshield. Remove this lock (Owner or User Access Administrator) before destroying it.",
      });
    }
    if (config.diagnostics !== undefined) {
      const workspace = config.diagnostics.logAnalyticsWorkspaceId;
      const diagnostics = (id: string, service: "blobServices" | "queueServices") =>
        new MonitorDiagnosticSetting(this, id, {
          name: `xshield-mde-${service === "blobServices" ? "blob" : "queue"}`,
          targetResourceId: `${accountId}/${service}/default`,
          logAnalyticsWorkspaceId: workspace,
          enabledLog: [{ category: "StorageRead" }, { category: "StorageWrite" }, { category: "StorageDelete" }],
          enabledMetric: [{ category: "Transaction" }],
        });
      this.diagnosticSettings = { blob: diagnostics("blob-diagnostics", "blobServices"), queue: diagnostics("queue-diagnostics", "queueServices") };
    }
    this.networkEventsContainer = new StorageContainer(this, "network-events-container", {
      name: NETWORK_EVENTS_CONTAINER_NAME,
      storageAccountId: accountId,
      containerAccessType: "private",
    });
    this.deadLetterContainer = new StorageContainer(this, "dead-letter-container", {
      name: DEAD_LETTER_CONTAINER_NAME,
      storageAccountId: accountId,
      containerAccessType: "private",
    });
    this.queue = new StorageQueue(this, "queue", {
      name: config.queueName,
      storageAccountId: accountId,
    });

    this.retentionPolicy = new StorageManagementPolicy(this, "retention-policy", {
      storageAccountId: accountId,
      rule: [
        {
          name: "delete-old-network-events",
          enabled: true,
          filters: {
            blobTypes: ["blockBlob", "appendBlob"],
            prefixMatch: [`${NETWORK_EVENTS_CONTAINER_NAME}/`, `${DEAD_LETTER_CONTAINER_NAME}/`],
          },
          actions: {
            baseBlob: { deleteAfterDaysSinceModificationGreaterThan: config.blobRetentionDays },
          },
        },
      ],
    });

    this.queueName = this.queue.name;
    const deadLetterContainerName = this.deadLetterContainer.name;
    const queueArmId = queueScope(accountId, this.queueName);
    const xshieldPrincipal = this.servicePrincipalObjectId;
    const onAccount = config.dataRoleScope === "account";
    this.blobReaderAssignment = this.assignRole("blob-reader", {
      adopted: config.adopt?.blobReaderAssignment !== undefined,
      role: ROLES.storageBlobDataReader,
      scope: onAccount ? accountId : containerScope(accountId, this.networkEventsContainer.name),
      principalId: xshieldPrincipal,
      description: "Xshield reads DeviceNetworkEvents blobs exported by Defender's Streaming API.",
    });
    this.queueProcessorAssignment = this.assignRole("queue-processor", {
      adopted: config.adopt?.queueProcessorAssignment !== undefined,
      role: ROLES.storageQueueDataMessageProcessor,
      scope: onAccount ? accountId : queueArmId,
      principalId: xshieldPrincipal,
      description: "Xshield reads and removes blob-created notifications.",
    });
    this.streamingApiOperatorAssignments = config.streamingApiOperatorObjectIds.map((objectId) =>
      this.assignRole(`streaming-api-operator-${objectId.toLowerCase()}`, {
        adopted: Object.keys(config.adopt?.streamingApiOperatorAssignments ?? {}).some((key) => key.toLowerCase() === objectId.toLowerCase()),
        role: ROLES.contributor,
        scope: accountId,
        // As Azure returns it: principal_id is ForceNew, so another case would replace the assignment.
        principalId: objectId.toLowerCase(),
        anyPrincipalType: true,
        description: "Configures Defender's Streaming API to export to this storage account (Microsoft requires Contributor on it).",
      }),
    );

    this.systemTopic = new EventgridSystemTopic(this, "system-topic", {
      name: `${config.storageAccountName}-events`,
      resourceGroupName: this.resourceGroupName,
      location: config.location,
      sourceResourceId: accountId,
      topicType: STORAGE_SYSTEM_TOPIC_TYPE,
      identity: { type: "SystemAssigned" },
      tags,
    });
    const topicPrincipal = this.systemTopic.identity.principalId;
    this.queueSenderAssignment = this.assignRole("queue-sender", {
      adopted: config.adopt?.queueSenderAssignment !== undefined,
      role: ROLES.storageQueueDataMessageSender,
      scope: queueArmId,
      principalId: topicPrincipal,
      description: "Event Grid delivers blob-created notifications through the storage firewall.",
    });
    this.deadLetterWriterAssignment = this.assignRole("dead-letter-writer", {
      adopted: config.adopt?.deadLetterWriterAssignment !== undefined,
      role: ROLES.storageBlobDataContributor,
      scope: containerScope(accountId, deadLetterContainerName),
      principalId: topicPrincipal,
      description: "Event Grid writes events it could not deliver to the dead-letter container.",
    });

    // Event Grid checks, when the subscription is created, that its identity may write to the queue
    // and the dead-letter container. A role assignment takes a while to take effect after it exists.
    this.rolePropagationWait = new Sleep(this, "role-propagation-wait", {
      createDuration: `${config.rolePropagationWaitSeconds}s`,
      triggers: {
        queue_sender: this.queueSenderAssignment.id,
        dead_letter_writer: this.deadLetterWriterAssignment.id,
      },
    });

    this.eventSubscription = new EventgridSystemTopicEventSubscription(this, "event-subscription", {
      name: "xshield-network-events",
      systemTopic: this.systemTopic.name,
      resourceGroupName: this.resourceGroupName,
      eventDeliverySchema: "EventGridSchema",
      includedEventTypes: [BLOB_CREATED_EVENT_TYPE],
      subjectFilter: {
        subjectBeginsWith: `/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}/`,
        caseSensitive: false,
      },
      deliveryIdentity: { type: "SystemAssigned" },
      storageQueueEndpoint: {
        storageAccountId: accountId,
        queueName: this.queueName,
        // A notification lives as long as the blob it announces (Azure's default is 7 days).
        queueMessageTimeToLiveInSeconds: config.blobRetentionDays * 86400,
      },
      deadLetterIdentity: { type: "SystemAssigned" },
      storageBlobDeadLetterDestination: {
        storageAccountId: accountId,
        storageBlobContainerName: deadLetterContainerName,
      },
      retryPolicy: {
        maxDeliveryAttempts: config.eventDeliveryMaxAttempts,
        eventTimeToLive: config.eventTimeToLiveMinutes,
      },
      dependsOn: [this.rolePropagationWait],
    });

    if (config.clientSecretKeyVaultId !== undefined) {
      this.keyVaultSecret = new KeyVaultSecret(this, "key-vault-secret", {
        name: config.clientSecretKeyVaultSecretName,
        keyVaultId: config.clientSecretKeyVaultId,
        value: this.clientSecret,
        expirationDate: this.clientSecretExpiresAt,
        contentType: "Xshield MDE integration client secret",
        tags,
      });
    }

    // ---- Attributes ----
    this.clientId = this.application.clientId;
    this.tenantId = this.clientConfig.tenantId;
    this.storageAccountName = this.storageAccount.name;
    this.networkEventsContainerId = this.networkEventsContainer.id;
    this.queueId = this.queue.id;
    this.queueUrl = this.queue.url;
    this.applicationObjectId = this.application.objectId;
    this.systemTopicPrincipalId = topicPrincipal;
    this.keyVaultSecretVersionlessId = this.keyVaultSecret?.versionlessId;

    if (config.alerts !== undefined) {
      const alerts = this.createAlerts(config.alerts, tags);
      this.alertActionGroup = alerts.actionGroup;
      this.alerts = alerts.alerts;
    }

    // What synthesis cannot check, because only Terraform knows it, Terraform checks when it plans.
    const carriers: { readonly [C in keyof PlanChecks]: TerraformResource | undefined } = {
      storageAccount: this.storageAccount,
      queue: this.queue,
      application: this.application,
      eventSubscription: this.eventSubscription,
      rolePropagationWait: this.rolePropagationWait,
      keyVaultSecret: this.keyVaultSecret,
    };
    for (const [carrier, preconditions] of Object.entries(planChecks) as [keyof PlanChecks, Precondition[]][]) {
      const resource = carriers[carrier];
      if (resource !== undefined && preconditions.length > 0) {
        resource.lifecycle = { ...resource.lifecycle, precondition: [...(resource.lifecycle?.precondition ?? []), ...preconditions] };
      }
    }

    this.useProviders(config.providers);
    if (config.adopt !== undefined) {
      this.importAdopted(config.adopt);
    }
    // plantimestamp() (the rotation) needs Terraform 1.5; the removed block that keeps a resource
    // group createResourceGroup false no longer manages needs 1.7 (none with resourceGroup). In any stack, not only ours.
    requireTerraformVersion(TerraformStack.of(this), this.keepResourceGroup === undefined ? "1.5.0" : "1.7.0");

    // The guard judges the JSON the stack finally writes, after everything else has had its say,
    // against the plan fixed now: every element the constructor made, as it would write it now.
    const stack = TerraformStack.of(this);
    const plan = this.plan(given, foreign);
    const memoryRead = this.secretRotation.memoryRead.friendlyUniqueId;
    const memoryReadViolations = (json: TerraformJson): BaselineViolation[] => {
      const problem = selfStateProblem(json, memoryRead);
      const key = `data.terraform_remote_state.${memoryRead}`;
      return problem === undefined
        ? []
        : [{ rule: "SecretLifetime", path: `${key}.config`, message: problem, element: { key, constructPath: this.secretRotation.memoryRead.node.path, own: true } }];
    };
    registerPlan(stack, plan, () => this.isAttached());
    // Indexed by the names that must be unique, as written now: an integration is compared only
    // with the earlier ones that share a name with it.
    const index = INTEGRATIONS.get(this.node.root) ?? { count: 0, order: new Map(), byName: new Map() };
    INTEGRATIONS.set(this.node.root, index);
    index.order.set(this, index.count++);
    const names = namesOf(this.claims());
    for (const name of names) {
      index.byName.set(name, [...(index.byName.get(name) ?? []), this]);
    }
    checkWrittenJson(stack, () => {
      if (this.isAttached()) {
        const position = index.order.get(this)!;
        const earlier = new Set(names.flatMap((name) => index.byName.get(name) ?? []).filter((i) => index.order.get(i)! < position && i.isAttached()));
        // Claims as of each integration's own check (where its providers are read).
        const mine = this.claims();
        CLAIMS.set(this, mine);
        const others = [...earlier].map((i) => CLAIMS.get(i) ?? (CLAIMS.set(i, i.claims()), CLAIMS.get(i)!));
        throwIfInvalid(`XshieldMdeIntegration "${this.node.path}"`, duplicateProblems(mine, others));
      }
    });
    checkWrittenJson(stack, (json) => {
      if (this.isAttached()) {
        const current = withCurrentTokens(plan);
        const full = { ...current.plan, elements: [...current.plan.elements, ...PLAN_EXTENSIONS.get(this)!, ...stackElements(stack)] };
        const others = plannedByOthers(stack, plan.subject);
        enforce(json, full, [...current.violations, ...memoryReadViolations(json), ...otherStackViolations(stack, json, full, others)], others);
      }
    });
    // A validation (a method on the node, so any copy of cdktf runs it) warns about an azurerm
    // provider that would fail at plan; by then every provider of the stack exists.
    this.node.addValidation({ validate: () => this.warnAboutProviders() });
  }

  /**
   * One metric alert per silent failure, each notifying the action group, each describing what
   * broke and the first thing to check. Scopes are the system topic (which only the integration's
   * subscription reads: the guard refuses others, so topic-wide counts are the subscription's) and
   * the account's queue service (which holds only the integration's queue).
   */
  private createAlerts(
    alerts: NonNullable<ResolvedIntegrationProps["alerts"]>,
    tags: { [key: string]: string } | undefined,
  ): { actionGroup?: MonitorActionGroup; alerts: IntegrationAlertResources } {
    const actionGroup =
      alerts.emailReceivers === undefined
        ? undefined
        : new MonitorActionGroup(this, "alert-action-group", {
            name: `${this.config.storageAccountName}-xshield-alerts`,
            resourceGroupName: this.resourceGroupName,
            shortName: "xshield-mde",
            emailReceiver: alerts.emailReceivers.map((address, i) => ({
              name: `email-${i + 1}`,
              emailAddress: address,
              useCommonAlertSchema: true,
            })),
            tags,
          });
    // Stryker disable next-line StringLiteral: validation requires an action group id or e-mail receivers, so one of the two is there
    const actionGroupId = actionGroup?.id ?? alerts.actionGroupId ?? "";
    // Azure returns a metric alert's action group id in another casing than it was written
    // (`resourcegroups`, `microsoft.insights`…, not always the same), and azurerm 4.x compares it
    // case-sensitively (`flattenMonitorMetricAlertAction` writes the API's string,
    // `resourceMonitorMetricAlertActionHash` hashes it as is; azurerm issues 22000 and 14101): a
    // perpetual diff. So each alert ignores changes of `action`, and this record of the id
    // replaces the alerts when the id really changes (another group, a new one), so a change of
    // `alerts` still takes effect. The guard holds both, and `verify --drift` reads the live action.
    const actionGroupRecord = new DataResource(this, "alert-action-group-id", { input: { action_group_id: actionGroupId } });
    // Azure lower-cases the tag names of metric alerts (azure-rest-api-specs issue 16047): written
    // in lower case, they do not diff on every plan.
    const alertTags = tags === undefined ? undefined : lowerCaseTagNames(tags);
    const topicId = this.systemTopic.id;
    const account = this.config.storageAccountName;
    const events = (metricName: string, operator: string, threshold: number): MonitorMetricAlertCriteria => ({
      metricNamespace: "Microsoft.EventGrid/systemTopics",
      metricName,
      aggregation: "Total",
      operator,
      threshold,
    });
    const alert = (
      id: string,
      suffix: string,
      options: { scope: string; criteria: MonitorMetricAlertCriteria; windowSize: string; frequency: string; description: string },
    ) => {
      const resource = new MonitorMetricAlert(this, id, {
        name: `${account}-${suffix}`,
        resourceGroupName: this.resourceGroupName,
        scopes: [options.scope],
        description: options.description,
        severity: alerts.severity,
        frequency: options.frequency,
        windowSize: options.windowSize,
        criteria: [options.criteria],
        action: [{ actionGroupId }],
        tags: alertTags,
        // The address as text: given the element, cdktf writes "${terraform_data.x}", which
        // Terraform refuses in replace_triggered_by ("Invalid expression"; tried with Terraform).
        lifecycle: { ignoreChanges: ["action"], replaceTriggeredBy: [`terraform_data.${actionGroupRecord.friendlyUniqueId}`] },
      });
      return resource;
    };
    const window = NO_EVENTS_WINDOWS[alerts.noEventsForHours];
    return {
      actionGroup,
      alerts: {
        noEvents: alert("alert-no-events", "no-events", {
          scope: topicId,
          criteria: events("MatchedEventCount", "LessThan", 1),
          windowSize: window,
          frequency: window === "PT1H" ? "PT15M" : "PT1H",
          description:
            `No new DeviceNetworkEvents blob for ${alerts.noEventsForHours} hour(s): Defender's Streaming API is not exporting to ${account}. ` +
            "First check the Streaming API settings (Defender portal > Settings > Microsoft Defender XDR > Streaming API): the export exists, targets this account and forwards DeviceNetworkEvents. " +
            "README: Troubleshooting > No events arriving. (Fires only when Event Grid reports zero events; npm run verify --strict catches it too.)",
        }),
        deadLetters: alert("alert-dead-letters", "dead-letters", {
          scope: topicId,
          criteria: events("DeadLetteredCount", "GreaterThan", 0),
          windowSize: "PT1H",
          frequency: "PT15M",
          description:
            `Event Grid gave up delivering blob notifications of ${account} to the queue and wrote them to the eventgrid-deadletter container. ` +
            "First check that the system topic's identity still holds Storage Queue Data Message Sender on the queue and that the queue exists. " +
            "README: Troubleshooting > Dead letters in eventgrid-deadletter.",
        }),
        deliveryFailures: alert("alert-delivery-failures", "delivery-failures", {
          scope: topicId,
          criteria: events("DeliveryAttemptFailCount", "GreaterThan", 0),
          windowSize: "PT1H",
          frequency: "PT15M",
          description:
            `Event Grid cannot deliver blob notifications of ${account} to the queue (it keeps retrying; a single failure resolves itself). ` +
            "First check the queue's role assignment for the system topic's identity and the storage firewall's AzureServices bypass. " +
            "README: Troubleshooting > Event Grid cannot deliver to the queue.",
        }),
        queueBacklog: alert("alert-queue-backlog", "queue-backlog", {
          scope: `${this.storageAccountId}/queueServices/default`,
          criteria: {
            metricNamespace: "Microsoft.Storage/storageAccounts/queueServices",
            metricName: "QueueMessageCount",
            aggregation: "Average",
            operator: "GreaterThan",
            threshold: alerts.queueBacklogMessages,
          },
          // A capacity metric Azure refreshes about daily: a day's window always holds a value.
          windowSize: "P1D",
          frequency: "PT1H",
          description:
            `More than ${alerts.queueBacklogMessages} notifications wait on the queue of ${account}: Xshield is not reading them (Azure refreshes this count about daily). ` +
            "First check Xshield's integration status, then that its egress addresses are in allowedIpRanges and the client secret in Xshield is current (npm run verify). " +
            "README: Troubleshooting > The queue is not drained.",
        }),
        droppedEvents: alert("alert-dropped-events", "dropped-events", {
          scope: topicId,
          criteria: events("DroppedEventCount", "GreaterThan", 0),
          windowSize: "PT1H",
          frequency: "PT15M",
          description:
            `Event Grid dropped blob notifications of ${account}: it could neither deliver them to the queue nor write them to the eventgrid-deadletter container, so they are lost and the dead-letter alert stays silent. ` +
            "First check that the system topic's identity still holds Storage Blob Data Contributor on the eventgrid-deadletter container and that the container exists. " +
            "README: Troubleshooting > Events dropped.",
        }),
      },
    };
  }

  /**
   * An `import` block for every resource the adoption record names, at the resource's address,
   * through the resource's own provider (cdktf's `importFrom`). The client secrets are never
   * among them.
   */
  private importAdopted(adopt: IntegrationAdoption): void {
    const resources: { readonly [F in AdoptionField]: TerraformResource | undefined } = {
      application: this.application,
      servicePrincipal: this.servicePrincipal,
      machineReadConsent: this.machineReadConsent,
      resourceGroup: this.resourceGroup,
      storageAccount: this.storageAccount,
      networkEventsContainer: this.networkEventsContainer,
      deadLetterContainer: this.deadLetterContainer,
      queue: this.queue,
      retentionPolicy: this.retentionPolicy,
      systemTopic: this.systemTopic,
      eventSubscription: this.eventSubscription,
      blobReaderAssignment: this.blobReaderAssignment,
      queueProcessorAssignment: this.queueProcessorAssignment,
      queueSenderAssignment: this.queueSenderAssignment,
      deadLetterWriterAssignment: this.deadLetterWriterAssignment,
    };
    for (const field of ADOPTION_FIELDS) {
      const id = adopt[field];
      const resource = resources[field];
      if (id !== undefined && resource !== undefined) {
        resource.importFrom(id, resource.provider);
      }
    }
    const operators = new Map(this.config.streamingApiOperatorObjectIds.map((objectId, i) => [objectId.toLowerCase(), this.streamingApiOperatorAssignments[i]]));
    for (const [objectId, id] of Object.entries(adopt.streamingApiOperatorAssignments ?? {})) {
      const assignment = operators.get(objectId.toLowerCase());
      assignment?.importFrom(id, assignment.provider);
    }
  }

  /** Every resource and data source of the integration uses the given provider of its kind. */
  private useProviders(providers: ResolvedIntegrationProps["providers"]): void {
    for (const node of this.node.findAll()) {
      const element = node as { terraformResourceType?: unknown; provider?: TerraformProvider };
      const kind = typeof element.terraformResourceType === "string" ? element.terraformResourceType.split("_")[0] : undefined;
      // Stryker disable next-line ConditionalExpression: the construct's elements are of these three kinds only, and providers has no other key
      const provider = kind === "azurerm" || kind === "azuread" || kind === "time" ? providers[kind] : undefined;
      // Stryker disable next-line ConditionalExpression: setting no provider leaves the element on the stack's default, as not setting one does
      if (provider !== undefined) {
        element.provider = provider;
      }
    }
  }

  /** The azurerm provider the storage account uses: the one given, else the stack's unaliased one. */
  private azurermProvider(): TerraformProvider | undefined {
    return this.providerOf("azurerm");
  }

  /** The provider of a kind the integration's elements use: the one given, else the stack's unaliased one. */
  private providerOf(kind: "azurerm" | "azuread"): TerraformProvider | undefined {
    return (
      this.config.providers[kind] ??
      TerraformStack.of(this)
        .node.findAll()
        .find((n): n is TerraformProvider => TerraformProvider.isTerraformProvider(n) && n.terraformResourceType === kind && n.alias === undefined)
    );
  }

  /** The names this integration writes that must be unique in the App, and where they live. */
  private claims(): IntegrationClaims {
    const literal = (value: string): string | undefined => (Token.isUnresolved(value) ? undefined : value);
    // Where a name is unique: the subscription or tenant the provider names, else the provider (or,
    // with none, the stack), which decides it only at plan.
    const place = (kind: "azurerm" | "azuread", setting: "subscriptionId" | "tenantId"): string => {
      const provider = this.providerOf(kind);
      const id: unknown = (provider as unknown as { [key: string]: unknown } | undefined)?.[setting];
      return typeof id === "string" && !Token.isUnresolved(id)
        ? `${setting}:${id.toLowerCase()}`
        : `provider:${provider?.node.path ?? TerraformStack.of(this).node.path}`;
    };
    const c = this.config;
    return {
      path: this.node.path,
      storageAccountName: literal(c.storageAccountName),
      createdResourceGroup: this.resourceGroup === undefined ? undefined : literal(c.resourceGroupName),
      applicationDisplayName: literal(c.applicationDisplayName),
      subscription: place("azurerm", "subscriptionId"),
      tenant: place("azuread", "tenantId"),
    };
  }

  private warnAboutProviders(): string[] {
    const provider = this.azurermProvider();
    if (provider !== undefined && !this.providerWarningsGiven) {
      this.providerWarningsGiven = true;
      const tf = Tokenization.resolve(provider.toTerraform(), {
        scope: TerraformStack.of(this),
        preparing: false,
        resolver: new DefaultTokenResolver(new StringConcat()),
      }) as { provider?: { azurerm?: { [key: string]: unknown }[] } };
      // Stryker disable next-line OptionalChaining: an azurerm provider always writes provider.azurerm[0]; the chain is for the type
      const config = tf.provider?.azurerm?.[0] ?? {};
      const name = `the azurerm provider ${provider.node.path}`;
      for (const warning of azurermProviderWarnings(name, config, {
        storageUseAzuread: !this.config.sharedAccessKeyEnabled,
        noDataPlane: this.config.publicNetworkAccess !== "Enabled",
      })) {
        Annotations.of(this).addWarning(warning);
      }
    }
    return [];
  }

  private isAttached(): boolean {
    for (let child: Construct = this; child.node.scope !== undefined; child = child.node.scope as Construct) {
      if (child.node.scope.node.tryFindChild(child.node.id) !== child) {
        return false;
      }
    }
    return true;
  }

  /**
   * The plan: every element the constructor made (not those in the subtree before it began), as
   * each would write itself now, with the names and secret expressions the guard looks for. Fixed
   * here: nothing in it is read again from objects anyone can change later.
   */
  private plan(given: XshieldMdeIntegrationProps, foreign: ReadonlySet<unknown>): GuardPlan {
    const stack = TerraformStack.of(this);
    const resolve = resolveIn(stack);
    const secrets = new Set<unknown>([this.clientSecretSlotA, this.clientSecretSlotB, this.keyVaultSecret]);
    const elements = elementsIn(this)
      .filter((e) => !foreign.has(e))
      .flatMap((element) =>
        captureElement(resolve, {
          element,
          role: `the integration's ${element.node.id.replace(/-/g, " ")}`,
          secretAttributes: secrets.has(element) ? ["value"] : [],
        }),
      );
    const literal = (value: string): string | undefined => (Token.isUnresolved(value) ? undefined : value);
    const c = this.config;
    return deepFreeze({
      subject: this.node.path,
      elements,
      names: {
        storageAccount: literal(c.storageAccountName),
        resourceGroup: c.createResourceGroup ? literal(c.resourceGroupName) : undefined,
        applicationDisplayName: literal(c.applicationDisplayName),
      },
      secretExpressions: [String(resolve(this.clientSecret))],
      tokens: plannedTokens(given, resolve, ["providers", "baselineExceptions"]),
      exceptions: c.baselineExceptions,
    });
  }

  // ------------------------------------------------------------------ grants

  /**
   * Storage Blob Data Reader on the DeviceNetworkEvents container, for a principal that reads the
   * raw events (a SIEM): no other container, no writes. A planned role assignment: the guard
   * accepts it, and holds it to what is written here.
   *
   * @param id the construct id of the role assignment (part of its Terraform address: keep it stable)
   * @param principalId object id of the user, group or service principal
   */
  public grantBlobRead(id: string, principalId: string, options: GrantOptions = {}): RoleAssignment {
    return this.grant("grantBlobRead", id, principalId, options, ROLES.storageBlobDataReader, containerScope(this.storageAccountId, NETWORK_EVENTS_CONTAINER_NAME), "Reads DeviceNetworkEvents blobs (read only).");
  }

  /**
   * Storage Queue Data Reader on the queue: peek at the notifications, never remove them (a
   * monitor that must not take Xshield's messages). A planned role assignment.
   */
  public grantQueueRead(id: string, principalId: string, options: GrantOptions = {}): RoleAssignment {
    return this.grant("grantQueueRead", id, principalId, options, ROLES.storageQueueDataReader, queueScope(this.storageAccountId, this.config.queueName), "Peeks at the blob-created notifications (read only).");
  }

  /**
   * Reader on the integration's resource group: sees its resources and their settings, reads no
   * data (an operations group). A planned role assignment.
   */
  public grantResourceGroupRead(id: string, principalId: string, options: GrantOptions = {}): RoleAssignment {
    const groupId = this.config.resourceGroup?.id ?? (this.resourceGroup ?? this.existingResourceGroup!).id;
    return this.grant("grantResourceGroupRead", id, principalId, options, ROLES.reader, groupId, "Sees the Xshield integration's resources (control plane, no data).");
  }

  /**
   * Storage Blob Data Reader on the dead-letter container: reads the events Event Grid could not
   * deliver (an on-call engineer). A planned role assignment.
   */
  public grantDeadLetterRead(id: string, principalId: string, options: GrantOptions = {}): RoleAssignment {
    return this.grant("grantDeadLetterRead", id, principalId, options, ROLES.storageBlobDataReader, containerScope(this.storageAccountId, DEAD_LETTER_CONTAINER_NAME), "Reads dead-lettered notifications (read only).");
  }

  /** Checks a grant's arguments, makes the role assignment, and adds it to the plan. */
  private grant(method: string, id: string, principalId: string, options: GrantOptions, role: BuiltInRole, scope: string, description: string): RoleAssignment {
    const problems = grantProblems(id, principalId, options);
    throwIfInvalid(`${this.node.path}.${method}(${JSON.stringify(id)})`, problems);
    const assignment = new RoleAssignment(this, `grant-${id}`, {
      scope,
      roleDefinitionName: role.name,
      principalId: Token.isUnresolved(principalId) ? principalId : principalId.toLowerCase(),
      principalType: options.principalType,
      description: options.description ?? description,
      provider: this.config.providers.azurerm,
    });
    const planned = PLAN_EXTENSIONS.get(this)!;
    // A principal id or description given as a token is resolved now, and the plan holds to that.
    const eager = Token.isUnresolved(principalId) || Object.values(options).some((v) => Token.isUnresolved(v));
    planned.push(...deepFreeze(captureElement(resolveIn(TerraformStack.of(this)), { element: assignment, role: `the integration's grant ${id}`, eager })));
    return assignment;
  }

  // ------------------------------------------------------------------ outputs

  /**
   * The outputs Xshield and the Defender portal need, in `scope` (a stack): `client_id`,
   * `tenant_id`, `client_secret` (sensitive), `storage_account_name`, `queue_name`,
   * `storage_account_id`, the secrets' expiry and rotation dates and `client_secret_slot` — each
   * `<prefix>_<name>` when a prefix is given (a stack with several integrations), which
   * `xshield-mde values|verify --prefix <prefix>` read.
   */
  public addOutputs(scope: Construct, prefix?: string): { readonly [name: string]: TerraformOutput } {
    if (prefix !== undefined && !/^[a-z][a-z0-9_]{0,39}$/.test(prefix)) {
      throw new XshieldValidationError(`${this.node.path}.addOutputs`, [
        `prefix ${JSON.stringify(prefix)}: must be 1–40 lowercase letters, digits and underscores, starting with a letter (it begins each output's name).`,
      ]);
    }
    const outputs: { [name: string]: TerraformOutput } = {};
    for (const spec of OUTPUT_SPECS) {
      const name = prefix === undefined ? spec.name : `${prefix}_${spec.name}`;
      outputs[name] = new TerraformOutput(scope, name, {
        value: this[spec.attribute],
        description: spec.description,
        sensitive: spec.sensitive ? true : undefined,
      });
    }
    return outputs;
  }

  /**
   * The instructions for the one step no API can do: pointing Defender's Streaming API at the
   * storage account.
   *
   * @param storageAccountId the storage account's resource id; defaults to this construct's token
   */
  public streamingApiInstructions(storageAccountId: string = this.storageAccountId): string {
    return streamingApiInstructions(storageAccountId);
  }

  private assignRole(
    id: string,
    options: { role: BuiltInRole; scope: string; principalId: string; description: string; anyPrincipalType?: boolean; adopted?: boolean },
  ): RoleAssignment {
    // A service principal unless stated otherwise: Azure then needs no directory lookup (which
    // can fail right after the principal is created). An operator may be a user or a group.
    const principalType = options.anyPrincipalType === true ? undefined : "ServicePrincipal";
    const assignment = new RoleAssignment(this, id, {
      scope: options.scope,
      roleDefinitionName: options.role.name,
      principalId: options.principalId,
      principalType,
      // An assignment made by hand has no description, and every argument of a role assignment
      // forces a new one (azurerm v4.55.0 role_assignment_resource.go): an adopted one keeps none,
      // so that importing it replaces nothing and Xshield keeps its access.
      description: options.adopted === true ? undefined : options.description,
    });
    return assignment;
  }
}

/**
 * The manual Defender portal step, with the storage account resource id filled in.
 */
export function streamingApiInstructions(storageAccountId: string): string {
  return [
    "In the Microsoft Defender portal (security.microsoft.com):",
    "  1. Settings > Microsoft Defender XDR > Streaming API > Add.",
    "  2. Name: xshield. Choose 'Forward events to Azure Storage'.",
    `  3. Storage Account Resource ID: ${storageAccountId}`,
    "  4. Event types: tick ONLY DeviceNetworkEvents (under Devices). Save.",
    "Who can do it: someone with the Global Administrator or Security Administrator role in Entra ID",
    "AND Contributor on that storage account (Microsoft requires both). Grant the Contributor role with",
    "the streamingApiOperatorObjectIds prop, or: az role assignment create --role Contributor",
    `  --assignee <user or group object id> --scope ${storageAccountId}`,
  ].join("\n");
}
