import { TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { IntegrationAlerts, XshieldMdeIntegrationProps } from "../lib/props";
import { validateIntegrationProps } from "../lib/validation";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS, synthIntegration } from "./support/synth";

const ACTION_GROUP = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-monitoring/providers/microsoft.insights/actionGroups/secops";
type Body = { [key: string]: unknown };

/** The five alerts by their construct id part. */
function alertsOf(s: Synthesized): { [part: string]: Body } {
  return Object.fromEntries(
    ["no-events", "dead-letters", "delivery-failures", "queue-backlog", "dropped-events"].map((part) => [part, s.named("azurerm_monitor_metric_alert", `alert-${part}`).body]),
  );
}

const criteria = (body: Body) => (body.criteria as Body[])[0];

describe("alerts", () => {
  test("without alerts there is no alert resource at all", () => {
    const s = synthIntegration();
    expect(s.all("azurerm_monitor_metric_alert")).toEqual([]);
    expect(s.all("azurerm_monitor_action_group")).toEqual([]);
  });

  test("emailReceivers creates an action group that mails them, and five alerts that notify it", () => {
    const s = synthIntegration({ alerts: { emailReceivers: ["secops@contoso.com", "oncall@contoso.com"] } });
    const group = s.one("azurerm_monitor_action_group").body;
    expect(group).toMatchObject({
      short_name: "xshield-mde",
      resource_group_name: s.ref("azurerm_resource_group", "name"),
      email_receiver: [
        { name: "email-1", email_address: "secops@contoso.com", use_common_alert_schema: true },
        { name: "email-2", email_address: "oncall@contoso.com", use_common_alert_schema: true },
      ],
    });
    // A short name Azure accepts: 1–12 characters.
    expect(String(group.short_name).length).toBeLessThanOrEqual(12);
    const alerts = alertsOf(s);
    expect(Object.keys(alerts)).toHaveLength(5);
    expect(s.all("azurerm_monitor_metric_alert")).toHaveLength(5);
    for (const body of Object.values(alerts)) {
      expect(body.action).toEqual([{ action_group_id: s.ref("azurerm_monitor_action_group", "id") }]);
      expect(body.severity).toBe(2);
      expect(body.enabled).toBeUndefined();
    }
  });

  test("the action's casing diff is ignored, and a real change of the action group replaces the alerts", () => {
    // azurerm v4.55.0 monitor_metric_alert_resource.go: flattenMonitorMetricAlertAction stores the
    // API's action_group_id as returned and resourceMonitorMetricAlertActionHash hashes it as is;
    // Azure returns it in another casing (azurerm issues 22000 and 14101), a diff on every plan.
    const s = synthIntegration({ alerts: { emailReceivers: ["secops@contoso.com"] } });
    const record = s.one("terraform_data");
    expect(record.body.input).toEqual({ action_group_id: s.ref("azurerm_monitor_action_group", "id") });
    for (const body of Object.values(alertsOf(s))) {
      expect(body.lifecycle).toEqual({ ignore_changes: ["action"], replace_triggered_by: [`terraform_data.${record.name}`] });
    }
    const given = synthIntegration({ alerts: { actionGroupId: ACTION_GROUP } });
    expect(given.one("terraform_data").body.input).toEqual({ action_group_id: ACTION_GROUP });
  });

  test("tag names are written in lower case on the alerts (Azure stores them so), as given elsewhere", () => {
    // Azure lower-cases the tag names of Microsoft.Insights/metricAlerts (azure-rest-api-specs issue 16047).
    const s = synthIntegration({ tags: { "Cost Center": "42", team: "sec" }, alerts: { emailReceivers: ["secops@contoso.com"] } });
    for (const body of Object.values(alertsOf(s))) {
      expect(body.tags).toEqual({ "cost center": "42", team: "sec" });
    }
    expect(s.one("azurerm_monitor_action_group").body.tags).toEqual({ "Cost Center": "42", team: "sec" });
    expect(s.one("azurerm_storage_account").body.tags).toEqual({ "Cost Center": "42", team: "sec" });
  });

  test("tags given as a token are lower-cased by Terraform on the alerts", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const v = new TerraformVariable(stack, "tags", { type: "map(string)" });
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, tags: Token.asStringMap(v.value), alerts: { emailReceivers: ["secops@contoso.com"] } });
    const s = new Synthesized(Testing.synth(stack));
    expect(alertsOf(s)["no-events"].tags).toBe("${{ for key, val in var.tags: lower(key) => val }}");
  });

  test("actionGroupId notifies an existing action group and creates none", () => {
    const s = synthIntegration({ alerts: { actionGroupId: ACTION_GROUP } });
    expect(s.all("azurerm_monitor_action_group")).toEqual([]);
    for (const body of Object.values(alertsOf(s))) {
      expect(body.action).toEqual([{ action_group_id: ACTION_GROUP }]);
    }
  });

  test("each alert watches the right metric on the right scope, with a window Azure Monitor offers", () => {
    const s = synthIntegration({ alerts: { actionGroupId: ACTION_GROUP } });
    const a = alertsOf(s);
    const topic = [s.ref("azurerm_eventgrid_system_topic", "id")];
    const eventGrid = "Microsoft.EventGrid/systemTopics";
    expect(a["no-events"]).toMatchObject({ scopes: topic, window_size: "PT6H", frequency: "PT1H" });
    expect(criteria(a["no-events"])).toEqual({ metric_namespace: eventGrid, metric_name: "MatchedEventCount", aggregation: "Total", operator: "LessThan", threshold: 1 });
    expect(a["dead-letters"]).toMatchObject({ scopes: topic, window_size: "PT1H", frequency: "PT15M" });
    expect(criteria(a["dead-letters"])).toEqual({ metric_namespace: eventGrid, metric_name: "DeadLetteredCount", aggregation: "Total", operator: "GreaterThan", threshold: 0 });
    expect(a["delivery-failures"]).toMatchObject({ scopes: topic, window_size: "PT1H", frequency: "PT15M" });
    expect(criteria(a["delivery-failures"])).toEqual({
      metric_namespace: eventGrid,
      metric_name: "DeliveryAttemptFailCount",
      aggregation: "Total",
      operator: "GreaterThan",
      threshold: 0,
    });
    // A capacity metric Azure refreshes about daily: the window is a day.
    expect(a["queue-backlog"]).toMatchObject({
      scopes: [`${s.ref("azurerm_storage_account", "id")}/queueServices/default`],
      window_size: "P1D",
      frequency: "PT1H",
    });
    // Events neither delivered nor dead-lettered: DroppedEventCount (Microsoft Learn, supported
    // metrics for Microsoft.EventGrid/systemTopics).
    expect(a["dropped-events"]).toMatchObject({ scopes: topic, window_size: "PT1H", frequency: "PT15M" });
    expect(criteria(a["dropped-events"])).toEqual({ metric_namespace: eventGrid, metric_name: "DroppedEventCount", aggregation: "Total", operator: "GreaterThan", threshold: 0 });
    expect(criteria(a["queue-backlog"])).toEqual({
      metric_namespace: "Microsoft.Storage/storageAccounts/queueServices",
      metric_name: "QueueMessageCount",
      aggregation: "Average",
      operator: "GreaterThan",
      threshold: 100,
    });
    // Azure Monitor evaluates no more often than the window is long.
    const minutes = { PT15M: 15, PT1H: 60, PT6H: 360, PT12H: 720, P1D: 1440 } as { [k: string]: number };
    for (const body of Object.values(a)) {
      expect(minutes[String(body.frequency)]).toBeLessThan(minutes[String(body.window_size)]);
    }
  });

  test("every alert says what broke and where to look first, with the README's troubleshooting entry", () => {
    const a = alertsOf(synthIntegration({ alerts: { actionGroupId: ACTION_GROUP } }));
    expect(a["no-events"].description).toMatch(/No new DeviceNetworkEvents blob for 6 hour\(s\)[\s\S]*First check the Streaming API[\s\S]*README: Troubleshooting > No events arriving/);
    expect(a["dead-letters"].description).toMatch(/eventgrid-deadletter[\s\S]*First check[\s\S]*README: Troubleshooting > Dead letters in eventgrid-deadletter/);
    expect(a["delivery-failures"].description).toMatch(/cannot deliver[\s\S]*First check[\s\S]*README: Troubleshooting > Event Grid cannot deliver to the queue/);
    expect(a["queue-backlog"].description).toMatch(/More than 100 notifications[\s\S]*First check[\s\S]*README: Troubleshooting > The queue is not drained/);
    expect(a["dropped-events"].description).toMatch(/dropped blob notifications[\s\S]*dead-letter alert stays silent[\s\S]*First check[\s\S]*README: Troubleshooting > Events dropped/);
  });

  test.each([
    [1, "PT1H", "PT15M"],
    [6, "PT6H", "PT1H"],
    [12, "PT12H", "PT1H"],
    [24, "P1D", "PT1H"],
  ] as const)("noEventsForHours %i is the window %s, evaluated every %s", (hours, window, frequency) => {
    const a = alertsOf(synthIntegration({ alerts: { actionGroupId: ACTION_GROUP, noEventsForHours: hours } }));
    expect(a["no-events"]).toMatchObject({ window_size: window, frequency });
  });

  test("queueBacklogMessages and severity reach the alerts", () => {
    const a = alertsOf(synthIntegration({ alerts: { actionGroupId: ACTION_GROUP, queueBacklogMessages: 500, severity: 1 } }));
    expect(criteria(a["queue-backlog"]).threshold).toBe(500);
    expect(Object.values(a).map((b) => b.severity)).toEqual([1, 1, 1, 1, 1]);
  });
});

describe("bad alerts settings are refused, naming the prop", () => {
  const errors = (alerts: unknown) => validateIntegrationProps({ ...VALID_PROPS, alerts: alerts as IntegrationAlerts }).errors;

  test.each<[string, unknown, RegExp]>([
    ["alerts: {}", {}, /^alerts \{\}: must say who is told: exactly one of actionGroupId .* or emailReceivers .*, but it has neither\.$/],
    ["both receivers", { actionGroupId: ACTION_GROUP, emailReceivers: ["a@b.co"] }, /^alerts .*: must say who is told: .*not both\.$/],
    ["an action group id of the wrong shape", { actionGroupId: "secops" }, /^alerts\.actionGroupId "secops": must be the resource id of an action group, .* but it does not have that shape/],
    [
      "an action group id with a bad subscription",
      { actionGroupId: ACTION_GROUP.replace("0b1f6471-1bf0-4dda-aec3-cb9272f09590", "prod") },
      /^alerts\.actionGroupId .*has the subscription "prod", which is not a GUID/,
    ],
    ["no addresses", { emailReceivers: [] }, /^alerts\.emailReceivers \[\]: must list at least one address/],
    ["not an address", { emailReceivers: ["secops at contoso"] }, /^alerts\.emailReceivers\[0\] "secops at contoso": must be an e-mail address/],
    ["an address twice", { emailReceivers: ["a@b.co", "A@b.co"] }, /^alerts\.emailReceivers\[1\] "A@b\.co": repeats alerts\.emailReceivers\[0\]/],
    ["a window Azure Monitor does not offer", { actionGroupId: ACTION_GROUP, noEventsForHours: 3 }, /^alerts\.noEventsForHours 3: must be 1, 6, 12 or 24/],
    ["a severity out of range", { actionGroupId: ACTION_GROUP, severity: 5 }, /^alerts\.severity 5: must be a whole number from 0 to 4/],
    ["a backlog of 0", { actionGroupId: ACTION_GROUP, queueBacklogMessages: 0 }, /^alerts\.queueBacklogMessages 0: must be a whole number from 1 to 100000/],
    ["a misspelt setting", { actionGroupId: ACTION_GROUP, severty: 1 }, /^alerts\.severty: is not a setting of alerts/],
    ["not an object", "secops@contoso.com", /^alerts "secops@contoso\.com": must be an object/],
    ["a list", ["secops@contoso.com"], /^alerts \["secops@contoso\.com"\]: must be an object/],
    ["null", null, /^alerts null: must be an object/],
    ["an action group id with more after the name", { actionGroupId: `${ACTION_GROUP}/extra` }, /^alerts\.actionGroupId .*does not have that shape/],
    ["an action group id with something before it", { actionGroupId: `x${ACTION_GROUP}` }, /^alerts\.actionGroupId .*does not have that shape/],
    ["an action group id in a list", { actionGroupId: [ACTION_GROUP] }, /^alerts\.actionGroupId \[.*does not have that shape/],
    [
      "an action group id with a bad resource group",
      { actionGroupId: ACTION_GROUP.replace(/resourceGroups\/[^/]+/, "resourceGroups/rg!ops") },
      /^alerts\.actionGroupId .*has the resource group "rg!ops", which breaks the resource group rule/,
    ],
    ["an address with text before it", { emailReceivers: ["secops team@contoso.com"] }, /^alerts\.emailReceivers\[0\] "secops team@contoso\.com": must be an e-mail address/],
    ["an address with text after it", { emailReceivers: ["secops@contoso.com team"] }, /^alerts\.emailReceivers\[0\] "secops@contoso\.com team": must be an e-mail address/],
    ["an address that is not text", { emailReceivers: [42] }, /^alerts\.emailReceivers\[0\] 42: must be an e-mail address/],
    ["receivers that are not a list", { emailReceivers: "secops@contoso.com" }, /^alerts\.emailReceivers "secops@contoso\.com": must be a list/],
    ["an address in a list of its own", { emailReceivers: [["secops@contoso.com"]] }, /^alerts\.emailReceivers\[0\] \["secops@contoso\.com"\]: must be an e-mail address/],
    ["receivers that are a token", { emailReceivers: Token.asList({ Ref: "mails" }) }, /^alerts\.emailReceivers: is a token/],
    ["a window that is a token", { actionGroupId: ACTION_GROUP, noEventsForHours: Token.asNumber({ Ref: "h" }) }, /^alerts\.noEventsForHours: is a token/],
    ["a window written as text", { actionGroupId: ACTION_GROUP, noEventsForHours: "6" }, /^alerts\.noEventsForHours "6": must be 1, 6, 12 or 24/],
  ])("%s", (_, alerts, message) => {
    expect(errors(alerts)).toEqual([expect.stringMatching(message)]);
  });

  test("too many addresses for one action group; Azure's limit itself is accepted", () => {
    const many = Array.from({ length: 1001 }, (_, i) => `user${i}@contoso.com`);
    expect(errors({ emailReceivers: many })).toEqual([expect.stringMatching(/^alerts\.emailReceivers \(1001 addresses\): must hold at most 1000/)]);
    expect(errors({ emailReceivers: many.slice(0, 1000) })).toEqual([]);
  });

  test("a token address is refused once, as a token, and not also as a malformed address", () => {
    expect(errors({ emailReceivers: [Token.asString({ Ref: "mail" })] })).toEqual([expect.stringMatching(/^alerts\.emailReceivers\[0\]: is a token/)]);
  });

  test("the construct refuses them before anything is synthesized", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    expect(() => new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, alerts: {} } as XshieldMdeIntegrationProps)).toThrow(
      /XshieldMdeIntegration "test\/integration": 1 invalid property[\s\S]*alerts \{\}/,
    );
  });
});

describe("the guard holds the alerts to what was planned", () => {
  function synth(tweak: (i: XshieldMdeIntegration) => void): () => string {
    const stack = new TerraformStack(Testing.app(), "test");
    const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, alerts: { emailReceivers: ["secops@contoso.com"] } });
    tweak(i);
    return () => Testing.synth(stack);
  }

  test("the planned alerts pass", () => {
    expect(synth(() => undefined)).not.toThrow();
  });

  test.each<[string, (i: XshieldMdeIntegration) => void, RegExp]>([
    ["an alert turned off", (i) => i.alerts!.deadLetters.addOverride("enabled", false), /\[AlertsIntact\].*alert-dead-letters.*enabled is false/],
    ["an alert sent elsewhere", (i) => i.alerts!.noEvents.addOverride("action", [{ action_group_id: "/subscriptions/x/other" }]), /\[AlertsIntact\].*alert-no-events.*\.action is/],
    ["a threshold raised out of reach", (i) => i.alerts!.queueBacklog.addOverride("criteria.0.threshold", 1e9), /\[AlertsIntact\].*alert-queue-backlog.*\.criteria\[0\]\.threshold is 1000000000; planned 100\./],
    ["an alert pointed at another resource", (i) => i.alerts!.deliveryFailures.addOverride("scopes", ["/subscriptions/x/other"]), /\[AlertsIntact\].*scopes is/],
    ["a webhook added to the action group", (i) => i.alertActionGroup!.addOverride("webhook_receiver", [{ name: "x", service_uri: "https://example.com" }]), /\[AlertsIntact\].*webhook_receiver adds a receiver/],
    ["another address", (i) => i.alertActionGroup!.addOverride("email_receiver.0.email_address", "someone@else.example"), /\[AlertsIntact\].*email_receiver mails \["someone@else\.example"\]/],
    ["the action group turned off", (i) => i.alertActionGroup!.addOverride("enabled", false), /\[AlertsIntact\].*action-group.*enabled is false/],
  ])("%s fails synthesis", (_, tweak, message) => {
    expect(synth(tweak)).toThrow(message);
  });
});
