import { requires, RuleDefinition } from "../rule";

/** Data is encrypted twice at rest. */
export const INFRASTRUCTURE_ENCRYPTION: RuleDefinition = {
  rule: "InfrastructureEncryption",
  judges: [{ types: ["azurerm_storage_account"], attribute: "infrastructure_encryption_enabled", problems: requires([true], "true") }],
};
