import type { EnvironmentConfig } from "./lib/app";

/**
 * The environments this project deploys, one stack each (`npx cdktf deploy dev`).
 *
 * The values are placeholders that synthesize without Azure credentials: replace the storage
 * account names (globally unique) and allowedIpRanges (Xshield's egress addresses, from
 * ColorTokens) before deploying. 203.0.113.0/24-style documentation ranges are refused, so the
 * placeholders below are ordinary public addresses; change them.
 */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    name: "dev",
    integration: {
      location: "westeurope",
      resourceGroupName: "rg-xshield-mde-dev",
      storageAccountName: "stxshieldmdedev",
      applicationDisplayName: "Xshield MDE Integration (dev)",
      allowedIpRanges: ["20.50.60.0/28"],
      clientSecretExpiryMonths: 6,
      blobRetentionDays: 7,
      tags: { environment: "dev", workload: "xshield-mde" },
    },
  },
  {
    name: "prod",
    integration: {
      location: "westeurope",
      resourceGroupName: "rg-xshield-mde-prod",
      storageAccountName: "stxshieldmdeprod",
      accountReplicationType: "ZRS",
      allowedIpRanges: ["20.50.60.0/28", "20.50.61.10"],
      tags: { environment: "prod", workload: "xshield-mde" },
    },
    backend: {
      type: "azurerm",
      resourceGroupName: "rg-terraform-state",
      storageAccountName: "sttfstateexample",
      containerName: "tfstate",
    },
  },
];
