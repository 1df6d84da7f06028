import { asPlanned, RuleDefinition, show } from "../rule";

/** The alerts stay enabled and notify only the planned action group, which mails only the planned addresses. */
export const ALERTS_INTACT: RuleDefinition = {
  rule: "AlertsIntact",
  judges: [
    { types: ["azurerm_monitor_metric_alert", "azurerm_monitor_action_group"], attribute: "enabled", problems: (w) => (w === false ? [{ message: "is false; the alert and its action group must stay on." }] : []) },
    ...["webhook_receiver", "sms_receiver", "voice_receiver", "arm_role_receiver", "automation_runbook_receiver", "azure_app_push_receiver", "azure_function_receiver", "event_hub_receiver", "itsm_receiver", "logic_app_receiver"].map(
      (attribute) => ({
        types: ["azurerm_monitor_action_group"],
        attribute,
        problems: (w: unknown) =>
          w === null || w === undefined || (Array.isArray(w) && w.length === 0)
            ? []
            : [{ message: "adds a receiver that is not planned; the action group only mails the planned addresses." }],
      }),
    ),
    {
      types: ["azurerm_monitor_action_group"],
      attribute: "email_receiver",
      problems: (w: unknown, p: unknown) => {
        const addresses = (v: unknown) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((r) => (typeof r === "object" && r !== null ? (r as { email_address?: unknown }).email_address : r));
        const [written, planned] = [addresses(w), addresses(p)].map((a) => a.map((x) => JSON.stringify(x ?? null)).sort());
        return JSON.stringify(written) === JSON.stringify(planned) ? [] : [{ message: `mails ${show(addresses(w))}; planned ${show(addresses(p))}.` }];
      },
    },
    { types: ["azurerm_monitor_metric_alert", "azurerm_monitor_action_group"], attribute: "*", problems: asPlanned() },
  ],
};
