import { asPlanned, RuleDefinition } from "../rule";

/**
 * The application's only credentials are the construct's client secrets, each expiring on the
 * date its schedule computes; nothing else copies them.
 */
export const SECRET_LIFETIME: RuleDefinition = {
  rule: "SecretLifetime",
  judges: [
    { types: ["azuread_application"], attribute: "password", problems: () => [{ message: "adds a client secret the construct does not manage." }] },
    { types: ["azuread_application_password"], attribute: "*", problems: asPlanned("(each secret's expiry comes from the construct's schedule)") },
    { types: ["local"], attribute: "value", problems: asPlanned("(the secrets' schedule)") },
    { types: ["azurerm_key_vault_secret"], attribute: "value", problems: asPlanned("(the newest client secret)") },
    { types: ["azurerm_key_vault_secret"], attribute: "expiration_date", problems: asPlanned("(the newest secret's expiry)") },
  ],
};
