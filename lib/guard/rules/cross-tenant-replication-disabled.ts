import { requires, RuleDefinition } from "../rule";

/** Objects are not replicated out of the account. */
export const CROSS_TENANT_REPLICATION_DISABLED: RuleDefinition = {
  rule: "CrossTenantReplicationDisabled",
  judges: [{ types: ["azurerm_storage_account"], attribute: "cross_tenant_replication_enabled", problems: requires([false], "false") }],
};
