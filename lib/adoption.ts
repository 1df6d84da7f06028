import { Token } from "cdktf";
import { DEAD_LETTER_CONTAINER_NAME, NETWORK_EVENTS_CONTAINER_NAME } from "./constants";

/**
 * The Terraform import ids of resources that already exist (made by hand with ColorTokens'
 * guide), one optional field per resource of {@link XshieldMdeIntegration} that can be adopted.
 * Each field is named after the construct's member holding that resource; a field left out is
 * created. `npm run adopt -- <env>` finds the objects and writes this record to
 * `adopt/<env>.json`.
 *
 * Never adoptable: the client secrets (Terraform cannot read a secret's value, so the first
 * apply adds the two slots; see {@link NOT_ADOPTABLE}).
 */
export interface IntegrationAdoption {
  /** `azuread_application`: `/applications/<object id>` (the object id, not the client id). */
  readonly application?: string;
  /** `azuread_service_principal`: `/servicePrincipals/<object id>`. */
  readonly servicePrincipal?: string;
  /**
   * `azuread_app_role_assignment` (the admin consent to Machine.Read.All):
   * `/servicePrincipals/<WindowsDefenderATP's object id>/appRoleAssignedTo/<assignment id>`.
   */
  readonly machineReadConsent?: string;
  /** `azurerm_resource_group` (only with `createResourceGroup` true): `/subscriptions/<id>/resourceGroups/<name>`. */
  readonly resourceGroup?: string;
  /** `azurerm_storage_account`: `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>`. */
  readonly storageAccount?: string;
  /** `azurerm_storage_container` DeviceNetworkEvents: `<storage account id>/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents`. */
  readonly networkEventsContainer?: string;
  /** `azurerm_storage_container` dead letters: `<storage account id>/blobServices/default/containers/eventgrid-deadletter`. */
  readonly deadLetterContainer?: string;
  /** `azurerm_storage_queue`: `<storage account id>/queueServices/default/queues/<queue name>`. */
  readonly queue?: string;
  /** `azurerm_storage_management_policy`: `<storage account id>/managementPolicies/default`. */
  readonly retentionPolicy?: string;
  /** `azurerm_eventgrid_system_topic`: `/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.EventGrid/systemTopics/<name>`. */
  readonly systemTopic?: string;
  /** `azurerm_eventgrid_system_topic_event_subscription`: `<system topic id>/eventSubscriptions/<name>`. */
  readonly eventSubscription?: string;
  /** `azurerm_role_assignment` Storage Blob Data Reader: `<scope>/providers/Microsoft.Authorization/roleAssignments/<GUID>`. */
  readonly blobReaderAssignment?: string;
  /** `azurerm_role_assignment` Storage Queue Data Message Processor. */
  readonly queueProcessorAssignment?: string;
  /** `azurerm_role_assignment` Storage Queue Data Message Sender (the system topic's identity). */
  readonly queueSenderAssignment?: string;
  /** `azurerm_role_assignment` Storage Blob Data Contributor on the dead-letter container (the system topic's identity). */
  readonly deadLetterWriterAssignment?: string;
  /** `azurerm_role_assignment` Contributor on the account, by the operator's object id (a `streamingApiOperatorObjectIds` entry). */
  readonly streamingApiOperatorAssignments?: { readonly [objectId: string]: string };
}

/** The fields holding one import id each (all but the operators' map). */
export type AdoptionField = Exclude<keyof IntegrationAdoption, "streamingApiOperatorAssignments">;

/** The names of the parts of an import id, each with its own rule. */
type PartName =
  | "subscriptionId"
  | "resourceGroupName"
  | "storageAccountName"
  | "queueName"
  | "systemTopicName"
  | "eventSubscriptionName"
  | "objectId"
  | "appRoleAssignmentId"
  | "roleAssignmentName";

/** One segment of an import id: written exactly so (case included), or a named part. */
type Segment = string | { readonly part: PartName };

const part = (name: PartName): Segment => ({ part: name });

/** What each part of an id must be, and why. */
const PART_RULES: { readonly [P in PartName]: { readonly rule: string; readonly valid: (v: string) => boolean } } = {
  subscriptionId: { rule: "a GUID", valid: (v) => GUID.test(v) },
  resourceGroupName: {
    rule: "1–90 letters, digits, hyphens, underscores, periods and parentheses, not ending in a period",
    valid: (v) => /^[A-Za-z0-9\-_.()]{0,89}[A-Za-z0-9\-_()]$/.test(v),
  },
  storageAccountName: { rule: "3–24 lowercase letters and digits", valid: (v) => /^[a-z0-9]{3,24}$/.test(v) },
  queueName: {
    rule: "3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    valid: (v) => /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/.test(v),
  },
  systemTopicName: { rule: "3–128 letters, digits and hyphens", valid: (v) => /^[-a-zA-Z0-9]{3,128}$/.test(v) },
  eventSubscriptionName: { rule: "3–64 letters, digits and hyphens", valid: (v) => /^[-a-zA-Z0-9]{3,64}$/.test(v) },
  objectId: { rule: "an object id (a GUID)", valid: (v) => GUID.test(v) },
  // Graph's app role assignment ids are URL-safe base64 (43 characters in every id Graph returns).
  appRoleAssignmentId: { rule: "an app role assignment id (URL-safe base64)", valid: (v) => /^[A-Za-z0-9_-]+$/.test(v) },
  roleAssignmentName: { rule: "a role assignment name (a GUID)", valid: (v) => GUID.test(v) },
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The import id shapes. Terraform's import parsers match the fixed segments case-sensitively,
// so they are written here exactly as the provider parses them (each source is cited at its shape).

/** azurerm 4.x `commonids.ResourceGroupId` (resource_group_resource.go: ImporterValidatingIdentity(&commonids.ResourceGroupId{})). */
const RESOURCE_GROUP: readonly Segment[] = ["subscriptions", part("subscriptionId"), "resourceGroups", part("resourceGroupName")];
/** azurerm 4.x `commonids.StorageAccountId` (storage_account_resource.go: ImporterValidatingIdentity(&commonids.StorageAccountId{})). */
const STORAGE_ACCOUNT: readonly Segment[] = [...RESOURCE_GROUP, "providers", "Microsoft.Storage", "storageAccounts", part("storageAccountName")];
/** `commonids.StorageContainerId` (storage_container_resource.go: ParseStorageContainerID for ids starting with /subscriptions/). */
const container = (name: string): readonly Segment[] => [...STORAGE_ACCOUNT, "blobServices", "default", "containers", name];
/** `queueservice.ParseQueueID`, 2023-05-01 (storage_queue_resource.go: ids starting with /subscriptions/, the storage_account_id form). */
const QUEUE: readonly Segment[] = [...STORAGE_ACCOUNT, "queueServices", "default", "queues", part("queueName")];
/** `parse.StorageAccountManagementPolicyID` (storage_management_policy_resource.go); Azure names the only policy "default". */
const MANAGEMENT_POLICY: readonly Segment[] = [...STORAGE_ACCOUNT, "managementPolicies", "default"];
/** `systemtopics.ParseSystemTopicID`, 2025-02-15 (eventgrid_system_topic_resource.go). */
const SYSTEM_TOPIC: readonly Segment[] = [...RESOURCE_GROUP, "providers", "Microsoft.EventGrid", "systemTopics", part("systemTopicName")];
/** `eventsubscriptions.ParseSystemTopicEventSubscriptionID` (eventgrid_system_topic_event_subscription_resource.go). */
const EVENT_SUBSCRIPTION: readonly Segment[] = [...SYSTEM_TOPIC, "eventSubscriptions", part("eventSubscriptionName")];
/**
 * `parse.RoleAssignmentID` (authorization/parse/role_assignment.go): the scope's id, then
 * `/providers/Microsoft.Authorization/roleAssignments/<name>`. The optional `|<tenant id>` suffix
 * is for a principal in another tenant, which the integration's principals never are.
 */
const roleAssignment = (scope: readonly Segment[]): readonly Segment[] => [...scope, "providers", "Microsoft.Authorization", "roleAssignments", part("roleAssignmentName")];
/** azuread 3.x `stable.ValidateApplicationID` (application_resource.go's importer; docs/resources/application.md, Import). */
const APPLICATION: readonly Segment[] = ["applications", part("objectId")];
/** azuread 3.x `stable.ValidateServicePrincipalID` (service_principal_resource.go; docs/resources/service_principal.md, Import). */
const SERVICE_PRINCIPAL: readonly Segment[] = ["servicePrincipals", part("objectId")];
/**
 * azuread 3.x `stable.ValidateServicePrincipalIdAppRoleAssignedToID` (app_role_assignment_resource.go;
 * docs/resources/app_role_assignment.md, Import): the object id of the service principal that
 * defines the role (WindowsDefenderATP's), then the assignment's id (not the app role's).
 */
const APP_ROLE_ASSIGNMENT: readonly Segment[] = ["servicePrincipals", part("objectId"), "appRoleAssignedTo", part("appRoleAssignmentId")];

/** What the guide's hand-made setup and this table call one adoptable resource. */
export interface AdoptionFieldInfo {
  /** The Terraform resource type. */
  readonly resourceType: string;
  /** The construct id of the resource in {@link XshieldMdeIntegration} (its Terraform address ends in it plus a hash). */
  readonly constructId: string;
  /** What it is, in a few words. */
  readonly what: string;
  /** The id's form, with `<…>` for the parts. */
  readonly format: string;
  /** An id of that form. */
  readonly example: string;
  /** Where the form comes from (provider file and version). */
  readonly source: string;
}

const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const ACCOUNT_EXAMPLE = `/subscriptions/${SUB}/resourceGroups/rg-xshield-mde/providers/Microsoft.Storage/storageAccounts/stxshieldmde`;
const TOPIC_EXAMPLE = `/subscriptions/${SUB}/resourceGroups/rg-xshield-mde/providers/Microsoft.EventGrid/systemTopics/stxshieldmde-events`;
const ROLE_SUFFIX = "/providers/Microsoft.Authorization/roleAssignments/";
const AZURERM = "azurerm 4.55.0";
const AZUREAD = "azuread 3.7.0";

interface FieldSpec extends AdoptionFieldInfo {
  /** The id shapes the field accepts (role assignments: one per scope the construct may plan). */
  readonly shapes: readonly (readonly Segment[])[];
}

const FIELDS: { readonly [F in AdoptionField]: FieldSpec } = {
  application: {
    resourceType: "azuread_application",
    constructId: "application",
    what: "the Entra application",
    format: "/applications/<object id>",
    example: "/applications/4f9c2d4e-2a8b-4b43-9a5e-0f1d2c3b4a59",
    source: `${AZUREAD} internal/services/applications/application_resource.go (importer: stable.ValidateApplicationID)`,
    shapes: [APPLICATION],
  },
  servicePrincipal: {
    resourceType: "azuread_service_principal",
    constructId: "service-principal",
    what: "the application's service principal",
    format: "/servicePrincipals/<object id>",
    example: "/servicePrincipals/8d0c6f3a-5b7e-4c1d-9e2f-3a4b5c6d7e8f",
    source: `${AZUREAD} docs/resources/service_principal.md (Import)`,
    shapes: [SERVICE_PRINCIPAL],
  },
  machineReadConsent: {
    resourceType: "azuread_app_role_assignment",
    constructId: "machine-read-consent",
    what: "the admin consent to Machine.Read.All",
    format: "/servicePrincipals/<WindowsDefenderATP's object id>/appRoleAssignedTo/<assignment id>",
    example: "/servicePrincipals/2b6e4c1a-7d3f-4e5a-8b9c-0d1e2f3a4b5c/appRoleAssignedTo/Om8MjX57L0-0Q3rQ4m3Sp4pvDI1-O0xPtA3r0Nl7yXg",
    source: `${AZUREAD} internal/services/approleassignments/app_role_assignment_resource.go (importer: stable.ValidateServicePrincipalIdAppRoleAssignedToID)`,
    shapes: [APP_ROLE_ASSIGNMENT],
  },
  resourceGroup: {
    resourceType: "azurerm_resource_group",
    constructId: "resource-group",
    what: "the resource group (createResourceGroup true only)",
    format: "/subscriptions/<subscription id>/resourceGroups/<name>",
    example: `/subscriptions/${SUB}/resourceGroups/rg-xshield-mde`,
    source: `${AZURERM} internal/services/resource/resource_group_resource.go (commonids.ResourceGroupId)`,
    shapes: [RESOURCE_GROUP],
  },
  storageAccount: {
    resourceType: "azurerm_storage_account",
    constructId: "storage-account",
    what: "the storage account",
    format: "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.Storage/storageAccounts/<name>",
    example: ACCOUNT_EXAMPLE,
    source: `${AZURERM} internal/services/storage/storage_account_resource.go (commonids.StorageAccountId)`,
    shapes: [STORAGE_ACCOUNT],
  },
  networkEventsContainer: {
    resourceType: "azurerm_storage_container",
    constructId: "network-events-container",
    what: "the DeviceNetworkEvents container",
    format: `<storage account id>/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}`,
    example: `${ACCOUNT_EXAMPLE}/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}`,
    source: `${AZURERM} internal/services/storage/storage_container_resource.go (commonids.ParseStorageContainerID)`,
    shapes: [container(NETWORK_EVENTS_CONTAINER_NAME)],
  },
  deadLetterContainer: {
    resourceType: "azurerm_storage_container",
    constructId: "dead-letter-container",
    what: "the dead-letter container",
    format: `<storage account id>/blobServices/default/containers/${DEAD_LETTER_CONTAINER_NAME}`,
    example: `${ACCOUNT_EXAMPLE}/blobServices/default/containers/${DEAD_LETTER_CONTAINER_NAME}`,
    source: `${AZURERM} internal/services/storage/storage_container_resource.go (commonids.ParseStorageContainerID)`,
    shapes: [container(DEAD_LETTER_CONTAINER_NAME)],
  },
  queue: {
    resourceType: "azurerm_storage_queue",
    constructId: "queue",
    what: "the storage queue",
    format: "<storage account id>/queueServices/default/queues/<queue name>",
    example: `${ACCOUNT_EXAMPLE}/queueServices/default/queues/xshield-mde-events`,
    source: `${AZURERM} internal/services/storage/storage_queue_resource.go (queueservice.ParseQueueID, the storage_account_id form)`,
    shapes: [QUEUE],
  },
  retentionPolicy: {
    resourceType: "azurerm_storage_management_policy",
    constructId: "retention-policy",
    what: "the storage account's lifecycle management policy",
    format: "<storage account id>/managementPolicies/default",
    example: `${ACCOUNT_EXAMPLE}/managementPolicies/default`,
    source: `${AZURERM} internal/services/storage/storage_management_policy_resource.go (parse.StorageAccountManagementPolicyID)`,
    shapes: [MANAGEMENT_POLICY],
  },
  systemTopic: {
    resourceType: "azurerm_eventgrid_system_topic",
    constructId: "system-topic",
    what: "the storage account's Event Grid system topic",
    format: "/subscriptions/<subscription id>/resourceGroups/<group>/providers/Microsoft.EventGrid/systemTopics/<name>",
    example: TOPIC_EXAMPLE,
    source: `${AZURERM} internal/services/eventgrid/eventgrid_system_topic_resource.go (systemtopics.ParseSystemTopicID)`,
    shapes: [SYSTEM_TOPIC],
  },
  eventSubscription: {
    resourceType: "azurerm_eventgrid_system_topic_event_subscription",
    constructId: "event-subscription",
    what: "the event subscription delivering to the queue",
    format: "<system topic id>/eventSubscriptions/<name>",
    example: `${TOPIC_EXAMPLE}/eventSubscriptions/xshield-network-events`,
    source: `${AZURERM} internal/services/eventgrid/eventgrid_system_topic_event_subscription_resource.go (eventsubscriptions.ParseSystemTopicEventSubscriptionID)`,
    shapes: [EVENT_SUBSCRIPTION],
  },
  blobReaderAssignment: {
    resourceType: "azurerm_role_assignment",
    constructId: "blob-reader",
    what: "Xshield's Storage Blob Data Reader (on the DeviceNetworkEvents container, or the account with dataRoleScope \"account\")",
    format: `<container id or storage account id>${ROLE_SUFFIX}<GUID>`,
    example: `${ACCOUNT_EXAMPLE}/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}${ROLE_SUFFIX}5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`,
    source: `${AZURERM} internal/services/authorization/parse/role_assignment.go (RoleAssignmentID)`,
    shapes: [roleAssignment(container(NETWORK_EVENTS_CONTAINER_NAME)), roleAssignment(STORAGE_ACCOUNT)],
  },
  queueProcessorAssignment: {
    resourceType: "azurerm_role_assignment",
    constructId: "queue-processor",
    what: "Xshield's Storage Queue Data Message Processor (on the queue, or the account with dataRoleScope \"account\")",
    format: `<queue id or storage account id>${ROLE_SUFFIX}<GUID>`,
    example: `${ACCOUNT_EXAMPLE}/queueServices/default/queues/xshield-mde-events${ROLE_SUFFIX}6b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e`,
    source: `${AZURERM} internal/services/authorization/parse/role_assignment.go (RoleAssignmentID)`,
    shapes: [roleAssignment(QUEUE), roleAssignment(STORAGE_ACCOUNT)],
  },
  queueSenderAssignment: {
    resourceType: "azurerm_role_assignment",
    constructId: "queue-sender",
    what: "the system topic's Storage Queue Data Message Sender on the queue",
    format: `<queue id>${ROLE_SUFFIX}<GUID>`,
    example: `${ACCOUNT_EXAMPLE}/queueServices/default/queues/xshield-mde-events${ROLE_SUFFIX}7c3d4e5f-6a7b-4c8d-8e9f-1a2b3c4d5e6f`,
    source: `${AZURERM} internal/services/authorization/parse/role_assignment.go (RoleAssignmentID)`,
    shapes: [roleAssignment(QUEUE)],
  },
  deadLetterWriterAssignment: {
    resourceType: "azurerm_role_assignment",
    constructId: "dead-letter-writer",
    what: "the system topic's Storage Blob Data Contributor on the dead-letter container",
    format: `<dead-letter container id>${ROLE_SUFFIX}<GUID>`,
    example: `${ACCOUNT_EXAMPLE}/blobServices/default/containers/${DEAD_LETTER_CONTAINER_NAME}${ROLE_SUFFIX}8d4e5f6a-7b8c-4d9e-9f0a-2b3c4d5e6f7a`,
    source: `${AZURERM} internal/services/authorization/parse/role_assignment.go (RoleAssignmentID)`,
    shapes: [roleAssignment(container(DEAD_LETTER_CONTAINER_NAME))],
  },
};

/** The operators' Contributor assignments: one per object id, on the storage account. */
const OPERATOR_FIELD: FieldSpec = {
  resourceType: "azurerm_role_assignment",
  constructId: "streaming-api-operator-<object id in lowercase>",
  what: "Contributor on the storage account for a streamingApiOperatorObjectIds entry",
  format: `<storage account id>${ROLE_SUFFIX}<GUID>, by the operator's object id`,
  example: `${ACCOUNT_EXAMPLE}${ROLE_SUFFIX}9e5f6a7b-8c9d-4e0f-8a1b-3c4d5e6f7a8b`,
  source: `${AZURERM} internal/services/authorization/parse/role_assignment.go (RoleAssignmentID)`,
  shapes: [roleAssignment(STORAGE_ACCOUNT)],
};

/** Every adoptable field, in the order the construct creates the resources. */
export const ADOPTION_FIELDS: readonly AdoptionField[] = Object.keys(FIELDS) as AdoptionField[];

/**
 * What each field adopts: the resource type, its construct id, the id's form with an example,
 * and where that form comes from. `streamingApiOperatorAssignments` holds one such id per
 * operator's object id.
 */
export const ADOPTION_TABLE: { readonly [F in keyof IntegrationAdoption]-?: AdoptionFieldInfo } = Object.fromEntries(
  [...ADOPTION_FIELDS.map((field) => [field, info(FIELDS[field])] as const), ["streamingApiOperatorAssignments", info(OPERATOR_FIELD)] as const],
) as { [F in keyof IntegrationAdoption]-?: AdoptionFieldInfo };

function info(spec: FieldSpec): AdoptionFieldInfo {
  return { resourceType: spec.resourceType, constructId: spec.constructId, what: spec.what, format: spec.format, example: spec.example, source: spec.source };
}

/**
 * What the integration creates that can never be adopted, and why. The first apply creates each
 * of them next to what it adopts.
 */
export const NOT_ADOPTABLE = {
  clientSecrets:
    "The client secrets (azuread_application_password, slots A and B) are never imported: Terraform cannot read a secret's " +
    "value (the provider does not support importing them: azuread 3.7.0 docs/resources/application_password.md), and a secret " +
    "whose value is unknown cannot be an output. The first apply adds two new secrets to the adopted application and leaves the " +
    "hand-made one alone (the application resource manages no password it has not made: application_resource.go keeps only a " +
    "password whose key id is in state). Enter the new client_secret in Xshield, then delete the hand-made secret.",
  rolePropagationWait:
    "The time_sleep that waits for Event Grid's roles has no object in Azure; its triggers cannot be imported and changing " +
    "them replaces it (time 0.13.1 docs/resources/sleep.md, Import), so the first apply creates it and waits once.",
} as const;

/** What the integration plans, for the checks that compare an id with it (all optional). */
export interface AdoptionPlan {
  /** The subscription every azurerm id must be in. */
  readonly subscriptionId?: string;
  /** `resourceGroupName`: the storage account and the resource group are adopted only under this name. */
  readonly resourceGroupName?: string;
  /** `storageAccountName`. */
  readonly storageAccountName?: string;
  /** `queueName`. */
  readonly queueName?: string;
  /** `createResourceGroup`: with `false` the group is read, not managed, so it cannot be adopted. */
  readonly createResourceGroup?: boolean;
  /** `streamingApiOperatorObjectIds`: the operators whose assignments can be adopted. */
  readonly streamingApiOperatorObjectIds?: readonly string[];
}

/** Options of {@link adoptionProblems}. */
export interface AdoptionCheckOptions {
  /**
   * How the record is named in messages (`<prop>.<field>`).
   *
   * @default "adopt"
   */
  readonly prop?: string;
  /** What the integration plans; without it, ids are checked only against each other. */
  readonly planned?: AdoptionPlan;
}

/** Shows a value in a message: strings JSON-quoted (long ones cut), others as JSON. */
// Stryker disable all: explains a bad value in its message; which values are bad is decided elsewhere and tested
function show(value: unknown): string {
  if (typeof value === "string") {
    return value.length > 300 ? `${JSON.stringify(value.slice(0, 300))}… (${value.length} characters)` : JSON.stringify(value);
  }
  return JSON.stringify(value) ?? String(value);
}
// Stryker restore all

/** The parts of an id that matched a shape, by name (the first of each name). */
type Parts = Partial<Record<PartName, string>>;

/** How an id fails a shape (a phrase after "but it", and how far it got), or its parts when it fits. */
function matchShape(id: string, shape: readonly Segment[]): { parts: Parts } | { mismatch: string; at: number } {
  if (!id.startsWith("/")) {
    return { mismatch: 'does not start with "/"', at: 0 };
  }
  if (id.includes("|")) {
    return { mismatch: 'has a "|<tenant id>" suffix, which is only for a principal in another tenant', at: 0 };
  }
  const segments = id.slice(1).split("/");
  const parts: Parts = {};
  for (let i = 0; i < Math.max(segments.length, shape.length); i++) {
    const expected = shape[i];
    const actual = segments[i];
    if (expected === undefined) {
      return { mismatch: `goes on after ${JSON.stringify(`/${segments.slice(0, i).join("/")}`)} with ${JSON.stringify(`/${segments.slice(i).join("/")}`)}`, at: i };
    }
    if (actual === undefined) {
      return { mismatch: `ends after ${segments.length} segment${segments.length === 1 ? "" : "s"}, where ${shape.length} are needed`, at: i };
    }
    if (typeof expected === "string") {
      if (actual !== expected) {
        const caseOnly = actual.toLowerCase() === expected.toLowerCase();
        const mismatch =
          `has ${JSON.stringify(actual)} as segment ${i + 1}, where ${JSON.stringify(expected)} belongs` +
          (caseOnly ? " (the case matters: Terraform's import parser compares the fixed segments case-sensitively)" : "");
        return { mismatch, at: i };
      }
    } else {
      const rule = PART_RULES[expected.part];
      if (!rule.valid(actual)) {
        return { mismatch: `has ${JSON.stringify(actual)} as the ${expected.part} (segment ${i + 1}), which must be ${rule.rule}`, at: i };
      }
      parts[expected.part] ??= actual;
    }
  }
  return { parts };
}

/** One id checked against the shapes its field accepts: its parts, or why it fits none. */
function checkId(id: string, spec: FieldSpec): { parts: Parts } | { problem: string } {
  let best: { mismatch: string; at: number } | undefined;
  for (const shape of spec.shapes) {
    const result = matchShape(id, shape);
    if ("parts" in result) {
      return { parts: result.parts };
    }
    // The shape the id follows furthest explains it best.
    // Stryker disable next-line EqualityOperator: on a tie (both shapes fail at one segment) either explains it as well
    if (best === undefined || result.at > best.at) {
      best = result;
    }
  }
  return { problem: best!.mismatch };
}

/**
 * Every problem with an adoption record, one sentence each naming the field, the value, the rule
 * and an example: not an object; an unknown field; a value that is not a string; an id not in the
 * exact form Terraform's importer of that resource parses (fixed segments case-sensitive, each
 * part by its Azure rule, containers by their fixed names); ids that do not belong together
 * (children of another storage account, another subscription, an event subscription of another
 * topic, an operator's assignment to another account); and, with `planned`, ids whose name
 * differs from the planned one where the first plan would replace the resource and lose its
 * data (the storage account, the queue, the resource group), a resource group when it is not
 * managed, and operators not in `streamingApiOperatorObjectIds`. cdktf tokens pass unjudged.
 */
export function adoptionProblems(value: unknown, options: AdoptionCheckOptions = {}): string[] {
  const prop = options.prop ?? "adopt";
  if (Token.isUnresolved(value)) {
    return [];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [`${prop} ${show(value)}: must be an object of import ids, one per adoptable resource (${Object.keys(ADOPTION_TABLE).join(", ")}).`];
  }
  const problems: string[] = [];
  const record = value as { readonly [key: string]: unknown };
  const checked: Checked[] = [];

  const check = (field: string, spec: FieldSpec, id: unknown, operator?: string): void => {
    if (Token.isUnresolved(id)) {
      return;
    }
    const rule = `${spec.what}'s import id (${spec.resourceType}), ${JSON.stringify(spec.format)}`;
    if (typeof id !== "string") {
      problems.push(`${prop}.${field} ${show(id)}: must be a string, ${rule}. Example: ${JSON.stringify(spec.example)}.`);
      return;
    }
    const result = checkId(id, spec);
    if ("problem" in result) {
      problems.push(`${prop}.${field} ${show(id)}: must be ${rule}, but it ${result.problem}. Example: ${JSON.stringify(spec.example)}.`);
      return;
    }
    checked.push({ field, id, parts: result.parts, operator });
  };

  for (const [key, item] of Object.entries(record)) {
    // A field set to undefined is a field left out (an optional property, as TypeScript has it).
    if (Token.isUnresolved(key) || item === undefined) {
      continue;
    }
    if (key in FIELDS) {
      check(key, FIELDS[key as AdoptionField], item);
    } else if (key === "streamingApiOperatorAssignments") {
      if (Token.isUnresolved(item)) {
        continue;
      }
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        problems.push(
          `${prop}.${key} ${show(item)}: must be an object from each operator's object id (a streamingApiOperatorObjectIds entry) ` +
            `to the import id of its Contributor assignment, e.g. {"<object id>": ${JSON.stringify(OPERATOR_FIELD.example)}}.`,
        );
        continue;
      }
      for (const [objectId, id] of Object.entries(item as { readonly [key: string]: unknown })) {
        if (Token.isUnresolved(objectId)) {
          continue;
        }
        if (!GUID.test(objectId)) {
          problems.push(`${prop}.${key} key ${show(objectId)}: must be an operator's object id (a GUID), as in streamingApiOperatorObjectIds.`);
        }
        check(`${key}[${JSON.stringify(objectId)}]`, OPERATOR_FIELD, id, objectId);
      }
    } else {
      problems.push(`${prop}.${key}: is not an adoptable resource; the fields are ${Object.keys(ADOPTION_TABLE).join(", ")} (a misspelt field would leave its resource to be created, and Azure would refuse the duplicate).`);
    }
  }

  problems.push(...consistencyProblems(prop, checked, options.planned ?? {}));
  return problems;
}

/** An id that has the form of its field. */
interface Checked {
  readonly field: string;
  readonly id: string;
  readonly parts: Parts;
  /** For an operator's assignment: the object id it is keyed by. */
  readonly operator?: string;
}

/** Ids that do not belong together, or that the plan would replace with their data. */
function consistencyProblems(prop: string, checked: readonly Checked[], planned: AdoptionPlan): string[] {
  const problems: string[] = [];
  const byField = new Map(checked.map((c) => [c.field, c]));
  const subscriptions = [...new Set(checked.map((c) => c.parts.subscriptionId?.toLowerCase()).filter((s): s is string => s !== undefined))];
  const expectedSubscription = planned.subscriptionId?.toLowerCase() ?? (subscriptions.length > 1 ? undefined : subscriptions[0]);
  for (const c of checked) {
    const subscription = c.parts.subscriptionId?.toLowerCase();
    if (subscription !== undefined && subscription !== expectedSubscription) {
      problems.push(
        `${prop}.${c.field} ${show(c.id)}: is in subscription ${subscription}, ` +
          (expectedSubscription !== undefined
            ? `but the integration deploys to ${expectedSubscription}.`
            : `but the ids name ${subscriptions.length} subscriptions (${subscriptions.join(", ")}): every azurerm resource of the integration is in one.`),
      );
    }
  }

  const account = byField.get("storageAccount");
  if (account !== undefined) {
    const accountId = account.id.toLowerCase();
    for (const c of checked) {
      if (c !== account && c.parts.storageAccountName !== undefined && !c.id.toLowerCase().startsWith(`${accountId}/`)) {
        problems.push(
          `${prop}.${c.field} ${show(c.id)}: must be under the adopted storage account ${JSON.stringify(account.id)}; ` +
            "imported into the integration, a resource of another account would be replaced (deleted there) by the first apply.",
        );
      }
    }
  }
  const topic = byField.get("systemTopic");
  const subscription = byField.get("eventSubscription");
  if (topic !== undefined && subscription !== undefined && !subscription.id.toLowerCase().startsWith(`${topic.id.toLowerCase()}/`)) {
    problems.push(`${prop}.eventSubscription ${show(subscription.id)}: must be a subscription of the adopted system topic ${JSON.stringify(topic.id)}.`);
  }
  for (const c of checked) {
    const objectId = c.operator;
    if (objectId !== undefined && planned.streamingApiOperatorObjectIds !== undefined) {
      if (!planned.streamingApiOperatorObjectIds.some((o) => o.toLowerCase() === objectId.toLowerCase())) {
        problems.push(
          `${prop}.${c.field}: ${objectId} is not in streamingApiOperatorObjectIds (${planned.streamingApiOperatorObjectIds.join(", ") || "empty"}), ` +
            "so no assignment of the integration could take this id; add the object id there or remove the entry.",
        );
      }
    }
  }

  const named = (field: string, partName: PartName, plannedName: string | undefined, prop2: string, loss: string): void => {
    const c = byField.get(field);
    const actual = c?.parts[partName];
    if (actual === undefined || plannedName === undefined || Token.isUnresolved(plannedName) || actual === plannedName) {
      return;
    }
    problems.push(
      `${prop}.${field} ${show(c!.id)}: names ${partName} ${JSON.stringify(actual)}, but ${prop2} is ${JSON.stringify(plannedName)}; ` +
        `the first plan would replace it (${loss}). Set ${prop2} to ${JSON.stringify(actual)}, or leave the field out.`,
    );
  };
  named("storageAccount", "storageAccountName", planned.storageAccountName, "storageAccountName", "delete the account with every blob and message in it");
  named("storageAccount", "resourceGroupName", planned.resourceGroupName, "resourceGroupName", "delete the account with every blob and message in it");
  named("resourceGroup", "resourceGroupName", planned.resourceGroupName, "resourceGroupName", "delete the group with everything in it");
  named("queue", "queueName", planned.queueName, "queueName", "delete the queue with its messages; Xshield reads the queue by name");
  if (planned.createResourceGroup === false && byField.has("resourceGroup")) {
    problems.push(
      `${prop}.resourceGroup: createResourceGroup is false, so the integration reads the group instead of managing it and nothing can be imported; leave the field out.`,
    );
  }
  return problems;
}

/** The canonical import ids, built from their parts (what `npm run adopt` writes). */
export const adoptionIds = {
  application: (objectId: string): string => `/applications/${objectId}`,
  servicePrincipal: (objectId: string): string => `/servicePrincipals/${objectId}`,
  appRoleAssignment: (resourceObjectId: string, assignmentId: string): string => `/servicePrincipals/${resourceObjectId}/appRoleAssignedTo/${assignmentId}`,
  resourceGroup: (subscriptionId: string, name: string): string => `/subscriptions/${subscriptionId}/resourceGroups/${name}`,
  storageAccount: (subscriptionId: string, resourceGroupName: string, name: string): string =>
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${name}`,
  container: (accountId: string, name: string): string => `${accountId}/blobServices/default/containers/${name}`,
  queue: (accountId: string, name: string): string => `${accountId}/queueServices/default/queues/${name}`,
  managementPolicy: (accountId: string): string => `${accountId}/managementPolicies/default`,
  systemTopic: (subscriptionId: string, resourceGroupName: string, name: string): string =>
    `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.EventGrid/systemTopics/${name}`,
  eventSubscription: (topicId: string, name: string): string => `${topicId}/eventSubscriptions/${name}`,
  roleAssignment: (scope: string, name: string): string => `${scope}${ROLE_SUFFIX}${name}`,
} as const;
