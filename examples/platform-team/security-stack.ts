import { TerraformOutput, TerraformStack, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider, AzurermProviderConfig } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { XshieldMdeIntegration } from "xshield-mde-cdktf";

/**
 * What the azurerm provider of an integration's storage account needs: shared keys are off, so
 * storage calls use Entra ID; plan never reads the storage data plane (the firewall would refuse
 * it); and azurerm registers only the resource providers the integration uses, so the deploying
 * identity needs no subscription-wide rights. Without these, synthesis warns.
 */
const AZURERM_FOR_XSHIELD: AzurermProviderConfig = {
  features: [{ storage: [{ dataPlaneAvailable: false }] }],
  storageUseAzuread: true,
  resourceProviderRegistrations: "none",
  resourceProvidersToRegister: ["Microsoft.EventGrid", "Microsoft.Storage", "microsoft.insights"],
};

/**
 * The platform team's security stack: one Xshield MDE integration per region, each in its own
 * subscription, in one Terraform configuration and one state.
 *
 * - EMEA uses the default providers (the subscription of ARM_SUBSCRIPTION_ID or the Azure CLI).
 * - Americas uses an aliased azurerm provider for a second subscription, given to the construct
 *   through `providers`; its Entra application lives in the same tenant (default azuread).
 */
export class SecurityStack extends TerraformStack {
  public readonly emea: XshieldMdeIntegration;
  public readonly americas: XshieldMdeIntegration;

  public constructor(scope: Construct, id: string) {
    super(scope, id);

    const americasSubscriptionId = new TerraformVariable(this, "americas_subscription_id", {
      type: "string",
      description: "Subscription that holds the Americas integration's storage account",
    });
    // Xshield's egress addresses, from ColorTokens: the storage firewalls let only these through.
    const xshieldEgressRanges = new TerraformVariable(this, "xshield_egress_ranges", {
      type: "list(string)",
      description: "Xshield's public egress IPv4 addresses or CIDR ranges (from ColorTokens)",
    });

    new AzureadProvider(this, "azuread", {});
    new TimeProvider(this, "time", {});
    new AzurermProvider(this, "azurerm", AZURERM_FOR_XSHIELD);
    const americasSubscription = new AzurermProvider(this, "azurerm-americas", {
      ...AZURERM_FOR_XSHIELD,
      alias: "americas",
      subscriptionId: americasSubscriptionId.stringValue,
    });

    this.emea = new XshieldMdeIntegration(this, "xshield-emea", {
      location: "westeurope",
      resourceGroupName: "rg-xshield-mde-emea",
      storageAccountName: "stplatformxshieldemea",
      applicationDisplayName: "Xshield MDE Integration (EMEA)",
      allowedIpRanges: Token.asList(xshieldEgressRanges.listValue),
      tags: { owner: "platform-team", region: "emea" },
    });
    this.americas = new XshieldMdeIntegration(this, "xshield-americas", {
      location: "eastus2",
      resourceGroupName: "rg-xshield-mde-americas",
      storageAccountName: "stplatformxshieldamer",
      applicationDisplayName: "Xshield MDE Integration (Americas)",
      allowedIpRanges: Token.asList(xshieldEgressRanges.listValue),
      tags: { owner: "platform-team", region: "americas" },
      providers: { azurerm: americasSubscription },
    });

    // The values Xshield's dialog asks for, per region, and the storage account id the Streaming
    // API step needs. The client secrets are sensitive: read them with `terraform output -raw
    // <name>`, never in logs. `npx xshield-mde values security --prefix emea` prints them all.
    for (const [region, integration] of [["emea", this.emea], ["americas", this.americas]] as const) {
      new TerraformOutput(this, `${region}_tenant_id`, { value: integration.tenantId });
      new TerraformOutput(this, `${region}_client_id`, { value: integration.clientId });
      new TerraformOutput(this, `${region}_client_secret`, { value: integration.clientSecret, sensitive: true });
      new TerraformOutput(this, `${region}_storage_account_name`, { value: integration.storageAccountName });
      new TerraformOutput(this, `${region}_queue_name`, { value: integration.queueName });
      new TerraformOutput(this, `${region}_storage_account_id`, { value: integration.storageAccountId });
      new TerraformOutput(this, `${region}_client_secret_expires_at`, { value: integration.clientSecretExpiresAt });
    }
  }
}
