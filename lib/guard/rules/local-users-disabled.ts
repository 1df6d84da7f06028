import { requires, RuleDefinition } from "../rule";

/** No local (SFTP) users on the account. */
export const LOCAL_USERS_DISABLED: RuleDefinition = {
  rule: "LocalUsersDisabled",
  judges: [
    { types: ["azurerm_storage_account"], attribute: "local_user_enabled", problems: requires([false], "false") },
    { types: ["azurerm_storage_account"], attribute: "sftp_enabled", problems: requires([false], "false") },
  ],
};
