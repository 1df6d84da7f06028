import { requires, RuleDefinition } from "../rule";

/**
 * Every request is authorised by Entra ID. `shared_access_key_enabled` may only differ from the
 * plan by being off (the plan has it on only with `sharedAccessKeyEnabled: true`).
 */
export const SHARED_KEY_DISABLED: RuleDefinition = {
  rule: "SharedKeyDisabled",
  judges: [
    { types: ["azurerm_storage_account"], attribute: "shared_access_key_enabled", problems: requires([false], "false (or sharedAccessKeyEnabled: true)") },
    { types: ["azurerm_storage_account"], attribute: "default_to_oauth_authentication", problems: requires([true], "true") },
  ],
};
