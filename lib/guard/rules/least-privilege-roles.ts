import { asPlanned, RuleDefinition } from "../rule";

/** The construct's role assignments: the planned role, on the planned scope, to the planned principal, nothing more. */
export const LEAST_PRIVILEGE_ROLES: RuleDefinition = {
  rule: "LeastPrivilegeRoles",
  judges: ["role_definition_name", "role_definition_id", "scope", "principal_id", "principal_type", "condition", "condition_version", "delegated_managed_identity_resource_id"].map(
    (attribute) => ({ types: ["azurerm_role_assignment"], attribute, problems: asPlanned() }),
  ),
};
