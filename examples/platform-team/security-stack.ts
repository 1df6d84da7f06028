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

    // The values Xshield's dialog asks for, per region (emea_client_id, ...), and the storage
    // account id the Streaming API step needs. The client secrets are sensitive: read them with
    // `terraform output -raw <name>`, never in logs. `npx xshield-mde values security --prefix emea`
    // prints them all.
    this.emea.addOutputs(this, "emea");
    this.americas.addOutputs(this, "americas");

    // Access beyond Xshield's, each a planned least-privilege role the guard accepts: the SOC's
    // SIEM reads the raw DeviceNetworkEvents blobs; the operations group sees the resources.
    const siemPrincipalId = new TerraformVariable(this, "siem_principal_id", { type: "string", description: "Object id of the SIEM's managed identity" });
    const opsGroupId = new TerraformVariable(this, "ops_group_object_id", { type: "string", description: "Object id of the operations group" });
    this.emea.grantBlobRead("siem", siemPrincipalId.stringValue);
    this.emea.grantResourceGroupRead("ops", opsGroupId.stringValue, { principalType: "Group" });
  }
}
