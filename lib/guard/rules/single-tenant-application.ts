import { asPlanned, asPlannedWhole, requires, RuleDefinition } from "../rule";
import { DEFENDER_API_CLIENT_ID } from "../../constants";

/**
 * The Entra application is single-tenant, owned as planned, and holds exactly Machine.Read.All on
 * the Defender API, granted to its own service principal.
 */
export const SINGLE_TENANT_APPLICATION: RuleDefinition = {
  rule: "SingleTenantApplication",
  judges: [
    { types: ["azuread_application"], attribute: "sign_in_audience", problems: requires(["AzureADMyOrg"], '"AzureADMyOrg"') },
    {
      types: ["azuread_application"],
      attribute: "required_resource_access",
      problems: asPlannedWhole(`(Machine.Read.All, type "Role", on the Defender API ${DEFENDER_API_CLIENT_ID} only)`),
    },
    { types: ["azuread_application", "azuread_service_principal"], attribute: "owners", problems: asPlanned("(the deployer and additionalOwnerObjectIds)") },
    { types: ["azuread_application", "azuread_service_principal", "azuread_app_role_assignment"], attribute: "*", problems: asPlanned() },
  ],
};
