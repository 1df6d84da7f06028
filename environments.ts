import type { EnvironmentConfig } from "./lib/app";

/**
 * The environments this project deploys, one stack each (`npx cdktf deploy dev`).
 *
 * The values are placeholders that synthesize without Azure credentials. Before deploying,
 * replace the storage account names (globally unique) and add Xshield's egress addresses (from
 * ColorTokens) to allowedIpRanges: until then synthesis warns that Xshield cannot read. No
 * placeholder addresses are given on purpose: deploying one unedited would open the storage
 * firewall to whoever holds it.
 */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [
  {
    name: "dev",
    integration: {
      location: "westeurope",
      resourceGroupName: "rg-xshield-mde-dev",
      storageAccountName: "stxshieldmdedev",
      applicationDisplayName: "Xshield MDE Integration (dev)",
      allowedIpRanges: [],
      clientSecretExpiryMonths: 6,
      clientSecretRotationMonths: 2,
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
      allowedIpRanges: [],
      // Replace with your security team's address (example.com receives no mail).
      alerts: { emailReceivers: ["security-operations@example.com"] },
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
