/**
 * The outputs Xshield and the Defender portal ask for: their names, in the order of Xshield's
 * activation dialog, and what each shows. `XshieldMdeStack` writes them; so does
 * `XshieldMdeIntegration.addOutputs` in any stack, with an optional prefix.
 */

/** The output names, as the Xshield console and Defender portal ask for the values. */
export const OUTPUT_NAMES = {
  clientId: "client_id",
  tenantId: "tenant_id",
  clientSecret: "client_secret",
  storageAccountName: "storage_account_name",
  queueName: "queue_name",
  storageAccountId: "storage_account_id",
  clientSecretExpiresAt: "client_secret_expires_at",
  clientSecretPreviousExpiresAt: "client_secret_previous_expires_at",
  clientSecretNextRotationAt: "client_secret_next_rotation_at",
  clientSecretSlot: "client_secret_slot",
} as const;

/** One stack output: its Terraform name, the integration attribute it shows, and where it goes. */
export interface OutputSpec {
  readonly name: (typeof OUTPUT_NAMES)[keyof typeof OUTPUT_NAMES];
  readonly attribute: keyof typeof OUTPUT_NAMES;
  readonly description: string;
  readonly sensitive?: boolean;
}

const XSHIELD_DIALOG = "Xshield: Settings > Integrations > EDR > Microsoft Defender > Activate";

/** The outputs, in the order the Xshield activation dialog asks for them, then the rest. */
export const OUTPUT_SPECS: readonly OutputSpec[] = [
  { name: OUTPUT_NAMES.tenantId, attribute: "tenantId", description: `${XSHIELD_DIALOG} > Tenant ID.` },
  { name: OUTPUT_NAMES.clientId, attribute: "clientId", description: `${XSHIELD_DIALOG} > Client ID.` },
  {
    name: OUTPUT_NAMES.clientSecret,
    attribute: "clientSecret",
    description: `${XSHIELD_DIALOG} > Client Secret: the newest of the two secrets. Read it with: terraform output -raw client_secret. Enter it again after each rotation, before client_secret_next_rotation_at.`,
    sensitive: true,
  },
  {
    name: OUTPUT_NAMES.storageAccountName,
    attribute: "storageAccountName",
    description: `${XSHIELD_DIALOG} > Storage Account name.`,
  },
  { name: OUTPUT_NAMES.queueName, attribute: "queueName", description: `${XSHIELD_DIALOG} > Storage Queue name.` },
  {
    name: OUTPUT_NAMES.storageAccountId,
    attribute: "storageAccountId",
    description:
      "Defender portal: Settings > Microsoft Defender XDR > Streaming API > Add > Forward events to Azure Storage > Storage Account Resource ID (forward only DeviceNetworkEvents).",
  },
  {
    name: OUTPUT_NAMES.clientSecretExpiresAt,
    attribute: "clientSecretExpiresAt",
    description: "When the newest client secret (the client_secret output) expires (RFC 3339).",
  },
  {
    name: OUTPUT_NAMES.clientSecretPreviousExpiresAt,
    attribute: "clientSecretPreviousExpiresAt",
    description:
      "When the older client secret expires (RFC 3339). It keeps working until the next rotation renews its slot.",
  },
  {
    name: OUTPUT_NAMES.clientSecretNextRotationAt,
    attribute: "clientSecretNextRotationAt",
    description:
      "From this date (RFC 3339) the next apply renews the older secret: Xshield must use client_secret by then. Run an apply at least this often (a scheduled pipeline).",
  },
  {
    name: OUTPUT_NAMES.clientSecretSlot,
    attribute: "clientSecretSlot",
    description: 'Which slot ("a" or "b") holds the newest secret, the one in client_secret.',
  },
];

