/**
 * Recorded-style answers of Microsoft Graph (v1.0) and ARM for setups made by hand with
 * ColorTokens' guide, shaped like the services' own examples (Azure/azure-rest-api-specs:
 * storage 2023-05-01 StorageAccountGetProperties.json, eventgrid 2025-02-15
 * SystemTopics_ListBySubscription.json and SystemTopicEventSubscriptions_Get.json; Graph's
 * application, servicePrincipal and appRoleAssignment resources), with the quirks they show:
 * ARM writes a system topic's source in lowercase, role assignment ids with "resourcegroups",
 * absent storage properties where the provider assumes a default.
 */
import { DEAD_LETTER_CONTAINER_NAME, DEFENDER_API_CLIENT_ID, NETWORK_EVENTS_CONTAINER_NAME, ROLES } from "../../lib/constants";
import type { FakeWorld, Json } from "./fake-azure";

export const SUB = "5b4b650e-28b9-4790-b3ab-ddbd88d727c4";
export const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
/** The signed-in admin (the caller), and a colleague who also owns the hand-made application. */
export const ADMIN = "1c9f3e7a-0b2d-4c8e-9f6a-3d5b7e9c1a20";
export const COLLEAGUE = "2d0a4f8b-1c3e-4d9f-8a7b-4e6c8f0d2b31";
export const OPERATOR = "3e1b5a9c-2d4f-4e0a-9b8c-5f7d9a1e3c42";
export const DEFENDER_SP = "4f2c6b0d-3e5a-4f1b-8c9d-6a8e0b2f4d53";
export const MACHINE_READ_ALL_ROLE = "ea8291d3-4b9a-44b5-bc3a-6cea3026dc79";
export const MACHINE_ISOLATE_ROLE = "7e4f8b2c-9a1d-4e3f-8b6a-2c5d7e9f1a84";
export const APP_OBJECT = "5a3d7c1e-4f6b-4a2c-9d0e-7b9f1c3a5e64";
export const APP_ID = "6b4e8d2f-5a7c-4b3d-8e1f-8c0a2d4b6f75";
export const SECOND_APP_OBJECT = "7c5f9e3a-6b8d-4c4e-9f2a-9d1b3e5c7a86";
export const SECOND_APP_ID = "8d6a0f4b-7c9e-4d5f-8a3b-0e2c4f6d8b97";
export const SP_OBJECT = "9e7b1a5c-8d0f-4e6a-9b4c-1f3d5a7e9ca8";
export const SECOND_SP_OBJECT = "0f8c2b6d-9e1a-4f7b-8c5d-2a4e6b8f0db9";
export const CONSENT_ID = "Om8MjX57L0-0Q3rQ4m3Sp4pvDI1-O0xPtA3r0Nl7yXg";
export const TOPIC_PRINCIPAL = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
export const HANDMADE_SECRET_KEY = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";
export const ROLE_IDS = {
  blobReader: "c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f",
  processor: "d4e5f6a7-b8c9-4d0e-9f1a-3b4c5d6e7f80",
  sender: "e5f6a7b8-c9d0-4e1f-8a2b-4c5d6e7f8091",
  deadLetterWriter: "f6a7b8c9-d0e1-4f2a-9b3c-5d6e7f8091a2",
  operator: "0718293a-4b5c-4d6e-8f70-8192a3b4c5d6",
  extraContributor: "18293a4b-5c6d-4e7f-9081-92a3b4c5d6e7",
  readerOnGroup: "293a4b5c-6d7e-4f80-8192-a3b4c5d6e7f8",
} as const;
/** Reader: a role the tool does not know by id, so it looks its name up. */
export const READER_ROLE = "acdd72a7-3385-48ef-bd42-f606fba81ae7";

export const GROUP = "rg-xshield";
export const ACCOUNT = "stxshieldmde";
export const QUEUE = "xshield-queue";
export const ACCOUNT_ID = `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`;
export const TOPIC_NAME = "stxshieldmde-topic";
export const TOPIC_ID = `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.EventGrid/systemTopics/${TOPIC_NAME}`;

const roleDefinition = (id: string) => `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${id}`;

/** A role assignment as ARM lists it: the id with "resourcegroups" in lowercase, the scope as the portal wrote it. */
export function roleAssignment(name: string, roleId: string, principalId: string, principalType: string, scope: string, extra: Json = {}): Json {
  return {
    id: `${scope.replace("/resourceGroups/", "/resourcegroups/")}/providers/Microsoft.Authorization/roleAssignments/${name}`,
    name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: {
      roleDefinitionId: roleDefinition(roleId),
      principalId,
      principalType,
      scope,
      condition: null,
      conditionVersion: null,
      createdOn: "2024-03-04T09:12:44.5212312Z",
      updatedOn: "2024-03-04T09:12:44.5212312Z",
      createdBy: ADMIN,
      updatedBy: ADMIN,
      delegatedManagedIdentityResourceId: null,
      description: null,
      ...extra,
    },
  };
}

export function application(objectId: string, appId: string, displayName: string): Json {
  return {
    id: objectId,
    appId,
    displayName,
    createdDateTime: "2024-03-04T09:02:11Z",
    signInAudience: "AzureADMyOrg",
    notes: null,
    identifierUris: [],
    // The portal adds Microsoft Graph's User.Read (delegated) to every new registration.
    requiredResourceAccess: [
      { resourceAppId: "00000003-0000-0000-c000-000000000000", resourceAccess: [{ id: "e1fe6dd8-ba31-4d61-89e7-88639da4683d", type: "Scope" }] },
      { resourceAppId: DEFENDER_API_CLIENT_ID, resourceAccess: [{ id: MACHINE_READ_ALL_ROLE, type: "Role" }] },
    ],
    passwordCredentials: [
      { customKeyIdentifier: null, displayName: "xshield", endDateTime: "2026-03-04T09:05:00Z", hint: "Q~8", keyId: HANDMADE_SECRET_KEY, secretText: null, startDateTime: "2024-03-04T09:05:00Z" },
    ],
    keyCredentials: [],
    appRoles: [],
    api: { acceptMappedClaims: null, knownClientApplications: [], requestedAccessTokenVersion: null, oauth2PermissionScopes: [], preAuthorizedApplications: [] },
    web: { homePageUrl: null, logoutUrl: null, redirectUris: [], implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false } },
    spa: { redirectUris: [] },
    publicClient: { redirectUris: [] },
  };
}

export function servicePrincipal(objectId: string, appId: string, displayName: string): Json {
  return { id: objectId, appId, displayName, servicePrincipalType: "Application", accountEnabled: true, passwordCredentials: [], keyCredentials: [] };
}

const defenderPrincipal: Json = {
  id: DEFENDER_SP,
  appId: DEFENDER_API_CLIENT_ID,
  displayName: "WindowsDefenderATP",
  appRoles: [
    { allowedMemberTypes: ["Application"], description: "Allows the app to read all machine profiles", displayName: "Read all machine profiles", id: MACHINE_READ_ALL_ROLE, isEnabled: true, origin: "Application", value: "Machine.Read.All" },
    { allowedMemberTypes: ["Application"], description: "Allows the app to isolate machines", displayName: "Isolate machine", id: MACHINE_ISOLATE_ROLE, isEnabled: true, origin: "Application", value: "Machine.Isolate" },
  ],
};

export function consent(id: string, principalId: string, appRoleId = MACHINE_READ_ALL_ROLE): Json {
  return {
    id,
    appRoleId,
    createdDateTime: "2024-03-04T09:07:30.1234567Z",
    deletedDateTime: null,
    principalDisplayName: "Xshield",
    principalId,
    principalType: "ServicePrincipal",
    resourceDisplayName: "WindowsDefenderATP",
    resourceId: DEFENDER_SP,
  };
}

/** A StorageV2 account as the portal creates it today: TLS 1.2, HTTPS, no anonymous access; shared keys on, firewall open, single encryption. */
export function storageAccount(group = GROUP, location = "westeurope"): Json {
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${group}/providers/Microsoft.Storage/storageAccounts/${ACCOUNT}`,
    name: ACCOUNT,
    type: "Microsoft.Storage/storageAccounts",
    kind: "StorageV2",
    location,
    sku: { name: "Standard_LRS", tier: "Standard" },
    tags: { "created-by": "portal" },
    properties: {
      dnsEndpointType: "Standard",
      defaultToOAuthAuthentication: false,
      publicNetworkAccess: "Enabled",
      allowBlobPublicAccess: false,
      allowSharedKeyAccess: true,
      minimumTlsVersion: "TLS1_2",
      networkAcls: { bypass: "AzureServices", virtualNetworkRules: [], ipRules: [], defaultAction: "Allow" },
      supportsHttpsTrafficOnly: true,
      allowCrossTenantReplication: false,
      encryption: {
        requireInfrastructureEncryption: false,
        services: { file: { keyType: "Account", enabled: true }, blob: { keyType: "Account", enabled: true } },
        keySource: "Microsoft.Storage",
      },
      accessTier: "Hot",
      provisioningState: "Succeeded",
      creationTime: "2024-03-04T09:20:41.7633306Z",
      primaryLocation: location,
      statusOfPrimary: "available",
      primaryEndpoints: { blob: `https://${ACCOUNT}.blob.core.windows.net/`, queue: `https://${ACCOUNT}.queue.core.windows.net/` },
    },
  };
}

export function container(name: string, publicAccess = "None"): Json {
  return {
    id: `${ACCOUNT_ID}/blobServices/default/containers/${name}`,
    name,
    type: "Microsoft.Storage/storageAccounts/blobServices/containers",
    etag: '"0x8DC3C1B2A3F4E5D"',
    properties: { publicAccess, leaseStatus: "Unlocked", leaseState: "Available", lastModifiedTime: "2024-03-04T09:40:00Z", hasImmutabilityPolicy: false, hasLegalHold: false },
  };
}

export function queue(name: string): Json {
  return { id: `${ACCOUNT_ID}/queueServices/default/queues/${name}`, name, type: "Microsoft.Storage/storageAccounts/queueServices/queues" };
}

export function systemTopic(name: string, identity: Json | null): Json {
  return {
    properties: {
      provisioningState: "Succeeded",
      source: `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/microsoft.storage/storageaccounts/${ACCOUNT}`,
      topicType: "microsoft.storage.storageaccounts",
      metricResourceId: "183c0fb1-17ff-47b6-ac77-5a47420ab01e",
    },
    ...(identity !== null ? { identity } : {}),
    location: "westeurope",
    tags: null,
    id: `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.EventGrid/systemTopics/${name}`,
    name,
    type: "Microsoft.EventGrid/systemTopics",
  };
}

/** An event subscription to the queue, as the portal's Events blade makes it; with `identity`, delivered with the topic's identity. */
export function queueSubscription(topicName: string, name: string, queueName: string, identity: boolean): Json {
  const destination = { endpointType: "StorageQueue", properties: { resourceId: ACCOUNT_ID, queueName } };
  return {
    properties: {
      topic: `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.EventGrid/systemTopics/${topicName}`,
      provisioningState: "Succeeded",
      ...(identity ? { deliveryWithResourceIdentity: { identity: { type: "SystemAssigned" }, destination } } : { destination }),
      filter: {
        includedEventTypes: ["Microsoft.Storage.BlobCreated"],
        subjectBeginsWith: `/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}/`,
        isSubjectCaseSensitive: false,
        enableAdvancedFilteringOnArrays: true,
      },
      labels: [],
      eventDeliverySchema: "EventGridSchema",
      retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 },
    },
    id: `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.EventGrid/systemTopics/${topicName}/eventSubscriptions/${name}`,
    name,
    type: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
  };
}

const topicIdentity: Json = { type: "SystemAssigned", principalId: TOPIC_PRINCIPAL, tenantId: TENANT };

/** Everything the guide makes, and more: a complete setup someone built by hand (adopted whole by an environment with dataRoleScope "account"). */
export function foundWorld(): FakeWorld {
  const containerId = (name: string) => `${ACCOUNT_ID}/blobServices/default/containers/${name}`;
  const queueId = `${ACCOUNT_ID}/queueServices/default/queues/${QUEUE}`;
  return {
    applications: [application(APP_OBJECT, APP_ID, "Xshield")],
    servicePrincipals: [defenderPrincipal, servicePrincipal(SP_OBJECT, APP_ID, "Xshield")],
    owners: { [APP_OBJECT]: [ADMIN, COLLEAGUE], [SP_OBJECT]: [] },
    appRoleAssignments: { [SP_OBJECT]: [consent(CONSENT_ID, SP_OBJECT)] },
    resourceGroups: [{ id: `/subscriptions/${SUB}/resourceGroups/${GROUP}`, name: GROUP, type: "Microsoft.Resources/resourceGroups", location: "westeurope", properties: { provisioningState: "Succeeded" } }],
    storageAccounts: [storageAccount()],
    containers: { [ACCOUNT_ID.toLowerCase()]: [container(NETWORK_EVENTS_CONTAINER_NAME), container(DEAD_LETTER_CONTAINER_NAME), container("public-stuff", "Blob")] },
    queues: { [ACCOUNT_ID.toLowerCase()]: [queue(QUEUE)] },
    managementPolicies: {
      [ACCOUNT_ID.toLowerCase()]: {
        id: `${ACCOUNT_ID}/managementPolicies/default`,
        name: "DefaultManagementPolicy",
        type: "Microsoft.Storage/storageAccounts/managementPolicies",
        properties: {
          lastModifiedTime: "2024-03-04T10:00:00Z",
          policy: {
            rules: [
              {
                enabled: true,
                name: "delete-after-7-days",
                type: "Lifecycle",
                definition: { actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 7 } } }, filters: { blobTypes: ["blockBlob"], prefixMatch: [`${NETWORK_EVENTS_CONTAINER_NAME}/`] } },
              },
            ],
          },
        },
      },
    },
    systemTopics: [systemTopic(TOPIC_NAME, topicIdentity)],
    eventSubscriptions: {
      [TOPIC_ID.toLowerCase()]: [
        queueSubscription(TOPIC_NAME, "xshield-blob-created", QUEUE, true),
        {
          properties: { topic: TOPIC_ID, provisioningState: "Succeeded", destination: { endpointType: "WebHook", properties: { endpointBaseUrl: "https://debug.example.com/events" } }, filter: {}, eventDeliverySchema: "EventGridSchema" },
          id: `${TOPIC_ID}/eventSubscriptions/debug-webhook`,
          name: "debug-webhook",
          type: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
        },
      ],
    },
    roleAssignments: [
      roleAssignment(ROLE_IDS.blobReader, ROLES.storageBlobDataReader.id, SP_OBJECT, "ServicePrincipal", ACCOUNT_ID),
      roleAssignment(ROLE_IDS.processor, ROLES.storageQueueDataMessageProcessor.id, SP_OBJECT, "ServicePrincipal", ACCOUNT_ID),
      roleAssignment(ROLE_IDS.sender, ROLES.storageQueueDataMessageSender.id, TOPIC_PRINCIPAL, "ServicePrincipal", queueId),
      roleAssignment(ROLE_IDS.deadLetterWriter, ROLES.storageBlobDataContributor.id, TOPIC_PRINCIPAL, "ServicePrincipal", containerId(DEAD_LETTER_CONTAINER_NAME)),
      roleAssignment(ROLE_IDS.operator, ROLES.contributor.id, OPERATOR, "User", ACCOUNT_ID),
      roleAssignment(ROLE_IDS.extraContributor, ROLES.storageBlobDataContributor.id, SP_OBJECT, "ServicePrincipal", ACCOUNT_ID),
      roleAssignment(ROLE_IDS.readerOnGroup, READER_ROLE, SP_OBJECT, "ServicePrincipal", `/subscriptions/${SUB}/resourceGroups/${GROUP}`),
    ],
    roleDefinitions: {
      [READER_ROLE]: { id: roleDefinition(READER_ROLE), name: READER_ROLE, type: "Microsoft.Authorization/roleDefinitions", properties: { roleName: "Reader", type: "BuiltInRole" } },
    },
  };
}

/** The guide followed to the letter and no further: roles on the account, Event Grid without an identity, no dead letters, no retention. */
export function partlyWorld(): FakeWorld {
  const found = foundWorld();
  return {
    ...found,
    appRoleAssignments: {
      [SP_OBJECT]: [consent(CONSENT_ID, SP_OBJECT), { ...consent("Pn9NkY68M1-1R4sR5n4Tq5qwEJ2-P1yQuB4s1Om8zYh", SP_OBJECT, "df021288-bdef-4463-88db-98f22de89214"), resourceDisplayName: "Microsoft Graph", resourceId: "10213243-5465-4768-8990-a1b2c3d4e5f6" }],
    },
    containers: { [ACCOUNT_ID.toLowerCase()]: [container(NETWORK_EVENTS_CONTAINER_NAME)] },
    managementPolicies: {},
    systemTopics: [systemTopic("stxshieldmde-events", null)],
    eventSubscriptions: { [`/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.EventGrid/systemTopics/stxshieldmde-events`.toLowerCase()]: [queueSubscription("stxshieldmde-events", "xshield-network-events", QUEUE, false)] },
    roleAssignments: [
      roleAssignment(ROLE_IDS.blobReader, ROLES.storageBlobDataReader.id, SP_OBJECT, "ServicePrincipal", ACCOUNT_ID),
      roleAssignment(ROLE_IDS.processor, ROLES.storageQueueDataMessageProcessor.id, SP_OBJECT, "ServicePrincipal", ACCOUNT_ID),
    ],
  };
}

/** A tenant with Defender onboarded and nothing made for Xshield yet. */
export function emptyWorld(): FakeWorld {
  return {
    applications: [],
    servicePrincipals: [defenderPrincipal],
    owners: {},
    appRoleAssignments: {},
    resourceGroups: [],
    storageAccounts: [],
    containers: {},
    queues: {},
    managementPolicies: {},
    systemTopics: [],
    eventSubscriptions: {},
    roleAssignments: [],
    roleDefinitions: {},
  };
}

/** The complete setup, with a second application of the same name and a second subscription delivering to the queue. */
export function candidatesWorld(): FakeWorld {
  const found = foundWorld();
  return {
    ...found,
    applications: [...found.applications, application(SECOND_APP_OBJECT, SECOND_APP_ID, "Xshield")],
    servicePrincipals: [...found.servicePrincipals, servicePrincipal(SECOND_SP_OBJECT, SECOND_APP_ID, "Xshield")],
    owners: { ...found.owners, [SECOND_APP_OBJECT]: [ADMIN], [SECOND_SP_OBJECT]: [] },
    eventSubscriptions: {
      [TOPIC_ID.toLowerCase()]: [queueSubscription(TOPIC_NAME, "xshield-blob-created", QUEUE, true), queueSubscription(TOPIC_NAME, "xshield-old", QUEUE, false)],
    },
  };
}
