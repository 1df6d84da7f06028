/**
 * Fixed facts of the integration. Each one is documented by Microsoft or ColorTokens; none of
 * them is a setting.
 */

/** Application (client) id of the WindowsDefenderATP first-party application (the Defender API). */
export const DEFENDER_API_CLIENT_ID = "fc780465-2017-40d4-a0c5-307022471b92";

/** The Defender API application permission Xshield needs to read device metadata. */
export const MACHINE_READ_ALL = "Machine.Read.All";

/**
 * The container MDE's Streaming API writes DeviceNetworkEvents into (one container per table).
 * The name is chosen by Defender, not by us.
 */
export const NETWORK_EVENTS_CONTAINER_NAME = "insights-logs-advancedhunting-devicenetworkevents";

/** The container Event Grid writes events it could not deliver into. */
export const DEAD_LETTER_CONTAINER_NAME = "eventgrid-deadletter";

/** The only event type the subscription forwards. */
export const BLOB_CREATED_EVENT_TYPE = "Microsoft.Storage.BlobCreated";

/** Topic type of an Event Grid system topic whose source is a storage account. */
export const STORAGE_SYSTEM_TOPIC_TYPE = "Microsoft.Storage.StorageAccounts";

/** A built-in Azure role: its name (used in role assignments) and its immutable id. */
export interface BuiltInRole {
  /** The role's name as Azure shows it. */
  readonly name: string;
  /** The role definition's GUID, the same in every tenant. */
  readonly id: string;
}

/** The built-in roles the integration assigns, and nothing broader. */
export const ROLES = {
  /** Xshield reads DeviceNetworkEvents blobs. */
  storageBlobDataReader: { name: "Storage Blob Data Reader", id: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1" },
  /** Xshield reads and deletes queue messages. */
  storageQueueDataMessageProcessor: {
    name: "Storage Queue Data Message Processor",
    id: "8a0f0c08-91a1-4084-bc3d-661d67233fed",
  },
  /** Event Grid's managed identity writes queue messages. */
  storageQueueDataMessageSender: {
    name: "Storage Queue Data Message Sender",
    id: "c6a89b2d-59bc-44d0-9896-0f6e12d7b80a",
  },
  /**
   * Whoever configures Defender's Streaming API: Microsoft requires Contributor on the storage
   * account (Defender XDR docs, "Configure Defender XDR to stream events to your Storage account").
   */
  contributor: { name: "Contributor", id: "b24988ac-6180-42a0-ab88-20f7382dd24c" },
  /** `grantQueueRead`: peek at the queue's messages, never remove them. */
  storageQueueDataReader: { name: "Storage Queue Data Reader", id: "19e7f393-937e-4f77-808e-94535e297925" },
  /** `grantResourceGroupRead`: see the resources (control plane), read no data. */
  reader: { name: "Reader", id: "acdd72a7-3385-48ef-bd42-f606fba81ae7" },
  /** Event Grid's managed identity writes undeliverable events into the dead-letter container. */
  storageBlobDataContributor: {
    name: "Storage Blob Data Contributor",
    id: "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  },
} as const satisfies Record<string, BuiltInRole>;

/**
 * The resource providers the integration needs registered in the subscription, spelled as Azure
 * returns them (the azurerm provider compares names case-sensitively; Azure returns
 * `microsoft.insights` in lowercase). Storage and Event Grid for the resources; Insights for
 * Defender's Streaming API, which exports through Azure Monitor diagnostic settings, and for the
 * optional alerts.
 */
export const RESOURCE_PROVIDERS = ["Microsoft.EventGrid", "Microsoft.Storage", "microsoft.insights"] as const;

/** Entra ID's cap on a client secret's lifetime, in months. */
export const MAX_SECRET_MONTHS = 24;
