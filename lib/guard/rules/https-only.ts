import { requires, RuleDefinition } from "../rule";

/** The storage account accepts HTTPS only. */
export const HTTPS_ONLY: RuleDefinition = {
  rule: "HttpsOnly",
  judges: [{ types: ["azurerm_storage_account"], attribute: "https_traffic_only_enabled", problems: requires([true], "true") }],
};
