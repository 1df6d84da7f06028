import { requires, RuleDefinition } from "../rule";

/** No anonymous reads: the account forbids public containers, and the integration's containers are private. */
export const NO_PUBLIC_BLOB_ACCESS: RuleDefinition = {
  rule: "NoPublicBlobAccess",
  judges: [
    { types: ["azurerm_storage_account"], attribute: "allow_nested_items_to_be_public", problems: requires([false], "false") },
    { types: ["azurerm_storage_container"], attribute: "container_access_type", problems: requires(["private"], '"private"') },
  ],
};
