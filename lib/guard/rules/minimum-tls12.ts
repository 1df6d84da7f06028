import { requires, RuleDefinition } from "../rule";

/** The storage account accepts TLS 1.2 or newer only. */
export const MINIMUM_TLS12: RuleDefinition = {
  rule: "MinimumTls12",
  judges: [{ types: ["azurerm_storage_account"], attribute: "min_tls_version", problems: requires(["TLS1_2", "TLS1_3"], '"TLS1_2" or "TLS1_3"') }],
};
