// The guard, item by item: every attribute it keeps from ignore_changes, every planned element it
// misses when it is gone, every type that passes a value through or adds a credential, and the
// edges of each side-door check (what still counts as the integration's, and what does not).
// The lists here are written out independently of lib/guard/, so dropping an item there fails a
// test here.
import { TerraformElement, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { BaselineRule, XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { VALID_PROPS } from "./support/synth";

type Tweak = (i: XshieldMdeIntegration, stack: TerraformStack) => void;

function synthWith(tweak: Tweak, props: Partial<XshieldMdeIntegrationProps> = {}): () => string {
  const stack = new TerraformStack(Testing.app(), "test");
  const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(integration, stack);
  return () => Testing.synth(stack);
}

/** The message of what `synth` throws ("" when it does not), for several assertions on one run. */
function failure(synth: () => string): string {
  try {
    synth();
    return "";
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

type Addressed = { terraformResourceType: string; friendlyUniqueId: string };
const at = (r: Addressed) => `resource.${r.terraformResourceType}.${r.friendlyUniqueId}`;
const ref = (r: Addressed, attribute: string) => `\${${r.terraformResourceType}.${r.friendlyUniqueId}.${attribute}}`;

const ALERTS = { alerts: { emailReceivers: ["secops@contoso.com"] } } satisfies Partial<XshieldMdeIntegrationProps>;
const OBJECT_ID = "00000000-0000-0000-0000-000000000001";
const exception = (rule: BaselineRule) => ({ rule, reason: "Accepted by the security review board, ticket SEC-1234." });

/** A raw element written into the stack's JSON (stack-level override), as any other code could. */
const raw = (path: string, body: unknown): Tweak => (_, s) => s.addOverride(path, body);
/** An Owner role assignment on `scope`, written elsewhere in the stack. */
const ownerOn = (scope: string): Tweak => raw("resource.azurerm_role_assignment.extra", { scope, role_definition_name: "Owner", principal_id: OBJECT_ID });

describe("ignore_changes on what the guard holds", () => {
  // Per resource of the integration: the attributes whose drift ignore_changes would hide.
  const GUARDED: [string, (i: XshieldMdeIntegration) => TerraformElement & Addressed, string[], Partial<XshieldMdeIntegrationProps>?][] = [
    [
      "the storage account",
      (i) => i.storageAccount,
      [
        "min_tls_version",
        "https_traffic_only_enabled",
        "allow_nested_items_to_be_public",
        "default_to_oauth_authentication",
        "infrastructure_encryption_enabled",
        "local_user_enabled",
        "sftp_enabled",
        "cross_tenant_replication_enabled",
        "shared_access_key_enabled",
        "public_network_access_enabled",
        "network_rules",
      ],
    ],
    ["a role assignment", (i) => i.blobReaderAssignment, ["scope", "role_definition_name", "role_definition_id", "principal_id", "principal_type"]],
    ["a container", (i) => i.networkEventsContainer, ["container_access_type", "storage_account_id"]],
    [
      "the event subscription",
      (i) => i.eventSubscription,
      ["included_event_types", "subject_filter", "storage_queue_endpoint", "delivery_identity", "dead_letter_identity", "storage_blob_dead_letter_destination"],
    ],
    ["the application", (i) => i.application, ["sign_in_audience", "required_resource_access", "password"]],
    ["the admin consent", (i) => i.machineReadConsent, ["app_role_id", "principal_object_id", "resource_object_id"]],
    ["a client secret", (i) => i.clientSecretSlotA, ["end_date", "rotate_when_changed"]],
    // (its action is ignored by plan: Azure returns the action group id in another casing)
    ["a metric alert", (i) => i.alerts!.noEvents, ["enabled", "scopes", "criteria", "window_size", "frequency"], ALERTS],
    ["the action group", (i) => i.alertActionGroup!, ["enabled", "email_receiver", "webhook_receiver"], ALERTS],
  ];

  test.each(GUARDED)("%s: each guarded attribute, and all", (_, element, attributes, props = {}) => {
    for (const attribute of [...attributes, "all"]) {
      let path = "";
      const message = failure(
        synthWith((i) => {
          element(i).addOverride("lifecycle.ignore_changes", [attribute]);
          path = at(element(i));
        }, props),
      );
      expect(message).toContain(`[WrittenAsPlanned] ${path}.lifecycle.ignore_changes lists ["${attribute}"]`);
    }
  });

  test("an attribute inside a guarded block, and ignore_changes written as one string, are caught too", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", ["network_rules[0].ip_rules"]))).toThrow(
      /\[WrittenAsPlanned\] .*lifecycle\.ignore_changes lists \["network_rules\[0\]\.ip_rules"\]/,
    );
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", "min_tls_version"))).toThrow(/lifecycle\.ignore_changes lists \["min_tls_version"\]/);
  });

  test("only tags may be ignored (they may change anyway); anything else is a change never corrected", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", ["tags"]))).not.toThrow();
    expect(synthWith((i) => i.storageAccount.addOverride("lifecycle.ignore_changes", ['tags["cost-center"]']))).not.toThrow();
    expect(synthWith((i) => i.queue.addOverride("lifecycle.ignore_changes", ["metadata"]))).toThrow(/\[WrittenAsPlanned\] .*azurerm_storage_queue.*lifecycle\.ignore_changes lists \["metadata"\]/);
  });
});

describe("a planned element that is not written is missing, reported as such", () => {
  const ELEMENTS: [string, (i: XshieldMdeIntegration) => TerraformElement, Partial<XshieldMdeIntegrationProps>?][] = [
    ["storage account", (i) => i.storageAccount],
    ["network events container", (i) => i.networkEventsContainer],
    ["dead-letter container", (i) => i.deadLetterContainer],
    ["queue", (i) => i.queue],
    ["system topic", (i) => i.systemTopic],
    ["event subscription", (i) => i.eventSubscription],
    ["application", (i) => i.application],
    ["service principal", (i) => i.servicePrincipal],
    ["admin consent", (i) => i.machineReadConsent],
    ["Defender API lookup", (i) => i.defenderApi],
    ["resource group", (i) => i.resourceGroup!],
    ["blob reader role", (i) => i.blobReaderAssignment],
    ["queue processor role", (i) => i.queueProcessorAssignment],
    ["client secret slot A", (i) => i.clientSecretSlotA],
    ["client secret slot B", (i) => i.clientSecretSlotB],
    ["secret schedule local", (i) => i.secretSlotAMonth],
    ["metric alert", (i) => i.alerts!.noEvents, ALERTS],
    ["action group", (i) => i.alertActionGroup!, ALERTS],
  ];

  test.each(ELEMENTS)("%s", (_, element, props = {}) => {
    let path = "";
    const message = failure(
      synthWith((i) => {
        const e = element(i);
        const json = e.toTerraform() as { locals?: object; data?: object };
        const kind = json.locals !== undefined ? "locals" : json.data !== undefined ? "data" : "resource";
        path = kind === "locals" ? `locals.${e.friendlyUniqueId}` : `${kind}.${(e as unknown as Addressed).terraformResourceType}.${e.friendlyUniqueId}`;
        expect(e.node.scope!.node.tryRemoveChild(e.node.id)).toBe(true);
      }, props),
    );
    expect(message).toMatch(/^SecureBaselineError: /);
    expect(message).toContain(`[WrittenAsPlanned] ${path} is missing from the synthesized configuration`);
  });
});

describe("the storage account's blocks", () => {
  test("network_rules as a list of one block is that block; an empty list is no block", () => {
    expect(synthWith((i, s) => s.addOverride(`${at(i.storageAccount)}.network_rules`, [{ default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["20.50.60.0/28"] }]))).not.toThrow();
    const empty = failure(synthWith((i, s) => s.addOverride(`${at(i.storageAccount)}.network_rules`, [])));
    expect(empty).toContain(".network_rules.default_action is unset");
    expect(empty).not.toContain("times");
  });

  test("a dynamic block anywhere inside a resource, lists included", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules", [{ dynamic: { x: { for_each: [1], content: {} } } }]))).toThrow(
      /\[WrittenAsPlanned\] resource\.azurerm_storage_account\.[^ ]+\.dynamic is a dynamic block/,
    );
  });

  test("bypass and IP rules: left out is Azure's default, null is not what was planned, empty subnet and link lists are none", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.bypass", undefined))).not.toThrow();
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.bypass", null))).toThrow(/\[FirewallDenyByDefault\] .*\.network_rules\.bypass is null/);
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.ip_rules", null))).toThrow(/\[FirewallDenyByDefault\] .*\.network_rules\.ip_rules lets through null/);
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.virtual_network_subnet_ids", []))).not.toThrow();
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.private_link_access", []))).not.toThrow();
  });

  test('with publicNetworkAccess "Enabled" no IP rule is planned, so any written is extra', () => {
    const enabled = { publicNetworkAccess: "Enabled" as const, allowedIpRanges: [] };
    expect(synthWith(() => undefined, enabled)).not.toThrow();
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.ip_rules", ["20.50.60.0/28"]), enabled)).toThrow(
      /\[FirewallDenyByDefault\] .*network_rules\.ip_rules lets through \["20\.50\.60\.0\/28"\]/,
    );
  });

  test("each rule names what it requires", () => {
    const message = failure(
      synthWith((i) => {
        i.storageAccount.addOverride("https_traffic_only_enabled", false);
        i.storageAccount.addOverride("local_user_enabled", true);
        i.storageAccount.addOverride("min_tls_version", "TLS1_0");
      }),
    );
    expect(message).toMatch(/\.https_traffic_only_enabled is false; the baseline requires true\./);
    expect(message).toMatch(/\.local_user_enabled is true; the baseline requires false\./);
    expect(message).toMatch(/\.min_tls_version is "TLS1_0"; the baseline requires "TLS1_2"/);
  });
});

describe("event delivery, item by item", () => {
  test.each([
    ["two event types", ["Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobDeleted"]],
    ["another one", ["Microsoft.Storage.BlobDeleted"]],
  ])("included_event_types: %s", (_, types) => {
    // Set through the property: an override of a list would be merged with the written one.
    const message = failure(synthWith((i) => (i.eventSubscription.includedEventTypes = types)));
    expect(message).toContain(`.included_event_types is ${JSON.stringify(types)}; planned ["Microsoft.Storage.BlobCreated"] only.`);
  });

  test("a queue endpoint given twice", () => {
    expect(
      synthWith((i) =>
        i.eventSubscription.addOverride("storage_queue_endpoint", [
          { storage_account_id: "x", queue_name: "a" },
          { storage_account_id: "y", queue_name: "b" },
        ]),
      ),
    ).toThrow(/\[EventDeliveryScoped\] .*\.storage_queue_endpoint is given 2 times; planned once\./);
  });

  test("the system topic of another account, and the subscription on another topic", () => {
    expect(synthWith((i) => i.systemTopic.addOverride("source_resource_id", "/subscriptions/x/other"))).toThrow(
      /\[EventDeliveryScoped\] resource\.azurerm_eventgrid_system_topic\.[^ ]+\.source_resource_id is "\/subscriptions\/x\/other"/,
    );
    expect(synthWith((i) => i.eventSubscription.addOverride("system_topic", "other"))).toThrow(/\[EventDeliveryScoped\] .*\.system_topic is "other"/);
  });
});

describe("secrets and alerts, item by item", () => {
  test("more dependencies, prevent_destroy, and naming the default provider change nothing; losing a dependency or another provider does", () => {
    expect(
      synthWith((i) => {
        i.clientSecretSlotA.addOverride("depends_on", [at(i.application).replace(/^resource\./, "")]);
        i.clientSecretSlotA.addOverride("provider", "azuread");
        i.clientSecretSlotA.addOverride("lifecycle.prevent_destroy", true);
      }),
    ).not.toThrow();
    expect(synthWith((i) => (i.eventSubscription.dependsOn = []))).toThrow(/\[WrittenAsPlanned\] .*event_subscription.*\.depends_on is \[\]; planned \["time_sleep\..*"\] \(a planned dependency is gone\)/);
    expect(synthWith((i) => i.clientSecretSlotA.addOverride("provider", "azuread.other"))).toThrow(/\[WrittenAsPlanned\] .*\.provider is "azuread\.other"; planned unset/);
    expect(synthWith((i) => i.clientSecretSlotA.addOverride("lifecycle.create_before_destroy", false))).toThrow(/\[WrittenAsPlanned\] .*\.lifecycle\.create_before_destroy is false; planned true/);
  });

  test("an action group's other receivers: empty is none, any entry is one too many", () => {
    expect(synthWith((i) => i.alertActionGroup!.addOverride("webhook_receiver", []), ALERTS)).not.toThrow();
    expect(synthWith((i) => i.alertActionGroup!.addOverride("webhook_receiver", null), ALERTS)).not.toThrow();
    for (const key of ["webhook_receiver", "sms_receiver"]) {
      expect(synthWith((i) => i.alertActionGroup!.addOverride(key, [{ name: "x", service_uri: "https://example.com" }]), ALERTS)).toThrow(
        new RegExp(`\\[AlertsIntact\\] resource\\.azurerm_monitor_action_group\\.[^ ]+\\.${key} adds a receiver that is not planned`),
      );
    }
  });

  test("e-mail receivers compare as a set of addresses, also when written as one block; a replaced action group is not the planned one", () => {
    const two = { alerts: { emailReceivers: ["secops@contoso.com", "soc@contoso.com"] } };
    const receiver = (address: string, i: number) => ({ name: `email-${i + 1}`, email_address: address, use_common_alert_schema: true });
    const written = (receivers: unknown): Tweak => (i, s) => {
      // Written out whole: an override of a list would be merged with the planned one.
      const group = i.alertActionGroup!;
      const path = at(group);
      const body = JSON.parse(JSON.stringify(group.toTerraform())).resource.azurerm_monitor_action_group[group.friendlyUniqueId];
      i.node.tryRemoveChild(group.node.id);
      s.addOverride(path, { ...body, email_receiver: receivers });
    };
    expect(synthWith(written(["soc@contoso.com", "secops@contoso.com"].map(receiver)), two)).not.toThrow();
    expect(synthWith(written(receiver("secops@contoso.com", 0)), ALERTS)).not.toThrow();
    expect(synthWith(written(receiver("x@example.com", 0)), ALERTS)).toThrow(/\.email_receiver mails \["x@example\.com"\]; planned \["secops@contoso\.com"\]/);
    expect(synthWith(written([]), ALERTS)).toThrow(/\.email_receiver mails \[\]; planned/);
    expect(synthWith((i) => i.alertActionGroup!.addOverride("email_receiver", null), ALERTS)).toThrow(/\.email_receiver mails \[null\]; planned/);
    const replaced: Tweak = (i, s) => {
      const group = i.alertActionGroup!;
      const path = at(group);
      i.node.tryRemoveChild(group.node.id);
      s.addOverride(path, { name: "ag", resource_group_name: "rg", short_name: "ag", email_receiver: receiver("secops@contoso.com", 0) });
    };
    expect(synthWith(replaced, ALERTS)).toThrow(/\[AlertsIntact\] resource\.azurerm_monitor_action_group\.\S+\.name is "ag"; planned "stxshieldtest-xshield-alerts"/);
  });
});

describe("side doors: what stands for the integration's resources", () => {
  test.each(["terraform_data", "null_resource", "time_static", "time_rotating", "time_offset", "time_sleep"])(
    "a value passed through %s is still the account",
    (type) => {
      expect(
        synthWith((i, s) => {
          s.addOverride(`resource.${type}.hop`, { triggers: { id: ref(i.storageAccount, "id") } });
          ownerOn(`\${${type}.hop.triggers.id}`)(i, s);
        }),
      ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra grants");
    },
  );

  test("a pass-through that reads the account touches it; an element that does not read the pass-through does not", () => {
    const message = failure(
      synthWith((i, s) => {
        s.addOverride("resource.terraform_data.hop", { input: ref(i.storageAccount, "id") });
        ownerOn("/subscriptions/x/resourceGroups/rg-other")(i, s);
      }),
    );
    expect(message).toContain("[OutsideThePlan] resource.terraform_data.hop refers to azurerm_storage_account.");
    expect(message).not.toContain("azurerm_role_assignment.extra");
  });

  test("through a chain of pass-throughs, whatever order they are written in", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("resource.terraform_data.hop_a", { input: "${terraform_data.hop_b.output}" });
        s.addOverride("resource.terraform_data.hop_b", { input: ref(i.storageAccount, "id") });
        ownerOn("${terraform_data.hop_a.output}")(i, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra");
  });

  test("whatever refers to the account touches it, and so does whatever refers to that (the taint spreads)", () => {
    const message = failure(
      synthWith((i, s) => {
        s.addOverride("resource.azurerm_key_vault.vault", { name: "kv", tags: { account: ref(i.storageAccount, "id") } });
        ownerOn("${azurerm_key_vault.vault.id}")(i, s);
      }),
    );
    expect(message).toContain("[OutsideThePlan] resource.azurerm_key_vault.vault refers to azurerm_storage_account.");
    expect(message).toContain('[OutsideThePlan] resource.azurerm_role_assignment.extra grants "Owner" and refers to azurerm_key_vault.vault.id, which refers to azurerm_storage_account.');
  });

  test("a data source stands for what it looks up, and only that", () => {
    // The resource group looked up by name: a role on it covers the account.
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azurerm_resource_group.rg", { name: "RG-XSHIELD-TEST" });
        ownerOn("${data.azurerm_resource_group.rg.id}")(i, s);
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra grants");
    // Any element that spells the account's name out touches it, whatever it looks up.
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azurerm_key_vault.vault", { name: "kv", resource_group_name: "stxshieldtest" });
        ownerOn("${data.azurerm_key_vault.vault.id}")(i, s);
      }),
    ).toThrow('[OutsideThePlan] data.azurerm_key_vault.vault spells out the name of the integration\'s storage account, "stxshieldtest" (at data.azurerm_key_vault.vault.resource_group_name)');
    // …but not a name that only starts with it.
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azurerm_key_vault.vault", { name: "kv", resource_group_name: "stxshieldtest2" });
        ownerOn("${data.azurerm_key_vault.vault.id}")(i, s);
      }),
    ).not.toThrow();
  });

  test("the application or its service principal looked up by display name", () => {
    const name = "Xshield MDE Integration (test)";
    expect(
      synthWith(
        (_, s) => {
          s.addOverride("data.azuread_application.app", { display_name: name });
          s.addOverride("resource.azuread_application_password.extra", { application_id: "${data.azuread_application.app.id}" });
        },
        { applicationDisplayName: name },
      ),
    ).toThrow("[OutsideThePlan] resource.azuread_application_password.extra adds a client secret and refers to data.azuread_application.app.id, which spells out the display name of the integration's application");
    expect(
      synthWith(
        (_, s) => {
          s.addOverride("data.azuread_service_principal.sp", { display_name: name });
          s.addOverride("resource.azurerm_role_assignment.extra", { scope: "/subscriptions/x", role_definition_name: "Owner", principal_id: "${data.azuread_service_principal.sp.object_id}" });
        },
        { applicationDisplayName: name },
      ),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra grants");
  });

  test("a service principal looked up by the application's client id is the integration's principal", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azuread_service_principal.sp", { client_id: ref(i.application, "client_id") });
        s.addOverride("resource.azurerm_role_assignment.extra", { scope: "/subscriptions/x", role_definition_name: "Owner", principal_id: "${data.azuread_service_principal.sp.object_id}" });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra grants");
  });

  test("a local that is exactly the resource group's name stands for it; one that only contains it does not", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("locals.rg", "RG-XSHIELD-TEST");
        ownerOn("/subscriptions/x/resourceGroups/${local.rg}")(i, s);
      }),
    ).toThrow("[OutsideThePlan]");
    expect(
      synthWith((i, s) => {
        s.addOverride("locals.rg", "rg-xshield-test-logs");
        ownerOn("/subscriptions/x/resourceGroups/${local.rg}")(i, s);
      }),
    ).not.toThrow();
  });

  test("a variable whose default names the account stands for it", () => {
    expect(
      synthWith((_, s) => {
        s.addOverride("variable.account", { type: "string", default: "stxshieldtest" });
        s.addOverride("resource.azurerm_storage_account_network_rules.open", {
          storage_account_id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/${var.account}",
          default_action: "Allow",
        });
      }),
    ).toThrow("[OutsideThePlan] resource.azurerm_storage_account_network_rules.open");
  });
});

describe("side doors: each kind of element, on the account and elsewhere", () => {
  const ACCOUNT_ID = "/subscriptions/x/resourceGroups/rg-xshield-test/providers/Microsoft.Storage/storageAccounts/stxshieldtest";
  const OTHER_ID = "/subscriptions/x/resourceGroups/rg-other/providers/Microsoft.Storage/storageAccounts/stxshieldtest2";

  test.each<[string, string, (id: string) => object, string]>([
    ["network rules", "azurerm_storage_account_network_rules", (id) => ({ storage_account_id: id, default_action: "Allow" }), "sets firewall rules"],
    ["a local user", "azurerm_storage_account_local_user", (id) => ({ storage_account_id: id, name: "u" }), "adds a local user"],
    ["object replication", "azurerm_storage_object_replication", (id) => ({ source_storage_account_id: id, destination_storage_account_id: "/x" }), "replicates blobs"],
    ["a public container", "azurerm_storage_container", (id) => ({ storage_account_id: id, name: "c", container_access_type: "blob" }), 'is a container (access "blob")'],
    ["a private container", "azurerm_storage_container", (id) => ({ storage_account_id: id, name: "c" }), 'is a container (access "private")'],
    ["an event subscription", "azurerm_eventgrid_event_subscription", (id) => ({ scope: id, name: "s" }), "subscribes to events"],
    ["another system topic", "azurerm_eventgrid_system_topic", (id) => ({ source_resource_id: id, name: "t" }), "makes a system topic"],
    ["an Owner role", "azurerm_role_assignment", (id) => ({ scope: id, role_definition_name: "Owner", principal_id: OBJECT_ID }), 'grants "Owner"'],
  ])("%s: on the account's id written out fails; on another account passes", (_, type, body, does) => {
    expect(synthWith(raw(`resource.${type}.side`, body(ACCOUNT_ID)))).toThrow(`[OutsideThePlan] resource.${type}.side ${does} and spells out the name of the integration's storage account`);
    expect(synthWith(raw(`resource.${type}.side`, body(OTHER_ID)))).not.toThrow();
  });

  test("a role on the resource group covers the account, with or without a trailing slash; a group that only starts with its name does not", () => {
    expect(synthWith(ownerOn("/subscriptions/x/resourceGroups/rg-xshield-test/"))).toThrow("[OutsideThePlan]");
    expect(synthWith((i, s) => ownerOn(ref(i.resourceGroup!, "id"))(i, s))).toThrow("[OutsideThePlan]");
    expect(synthWith(ownerOn("/subscriptions/x/resourceGroups/rg-xshield-test-2"))).not.toThrow();
    expect(synthWith(ownerOn("/subscriptions/x"))).not.toThrow();
  });

  test("suppressing notifications: on the integration's alerts, or on its resource group", () => {
    const suppress = (scopes: (i: XshieldMdeIntegration) => unknown[]): Tweak => (i, s) =>
      s.addOverride("resource.azurerm_monitor_alert_processing_rule_suppression.quiet", { name: "quiet", scopes: scopes(i) });
    expect(synthWith(suppress((i) => [ref(i.alerts!.noEvents, "id")]), ALERTS)).toThrow("[OutsideThePlan] resource.azurerm_monitor_alert_processing_rule_suppression.quiet suppresses alert notifications");
    expect(synthWith(suppress(() => ["/subscriptions/x/resourceGroups/rg-xshield-test"]), ALERTS)).toThrow("[OutsideThePlan]");
    expect(synthWith(suppress(() => ["/subscriptions/x/resourceGroups/rg-xshield-test"]))).toThrow("[OutsideThePlan]");
    expect(synthWith(suppress(() => ["/subscriptions/x", "/subscriptions/x/resourceGroups/rg-other"]), ALERTS)).not.toThrow();
  });

  test.each([
    ["azuread_application_password", "adds a client secret"],
    ["azuread_application_certificate", "adds a certificate credential"],
    ["azuread_application_federated_identity_credential", "adds a federated credential"],
    ["azuread_application_flexible_federated_identity_credential", "adds a federated credential"],
    ["azuread_service_principal_password", "adds a service principal secret"],
    ["azuread_service_principal_certificate", "adds a service principal certificate"],
    ["azuread_service_principal_token_signing_certificate", "adds a token signing certificate"],
    ["azuread_application_api_access", "adds API permissions"],
    ["azuread_application_owner", "refers to"],
  ])("%s on the integration's application: refused, saying what it does", (type, does) => {
    expect(synthWith((i, s) => s.addOverride(`resource.${type}.side`, { application_id: ref(i.application, "id") }))).toThrow(`[OutsideThePlan] resource.${type}.side ${does}`);
  });

  test("modules that receive the application, a principal or the secret", () => {
    for (const value of [(i: XshieldMdeIntegration) => ref(i.application, "client_id"), (i: XshieldMdeIntegration) => ref(i.servicePrincipal, "object_id"), (i: XshieldMdeIntegration) => ref(i.clientSecretSlotA, "value")]) {
      expect(synthWith((i, s) => s.addOverride("module.helper", { source: "./helper", input: value(i) }))).toThrow(
        /\[(OutsideThePlan|SecretLifetime)\] module\.helper passes it to a module, which the guard cannot see into and refers to/,
      );
    }
    expect(synthWith(raw("module.helper", { source: "./helper", input: "unrelated" }))).not.toThrow();
  });

  test("outputs and locals: of non-secret values they are harmless; of the secret only a sensitive output of exactly it is", () => {
    expect(synthWith(raw("output.plain", { value: "not a secret" }))).not.toThrow();
    expect(synthWith((i, s) => s.addOverride("output.plain", { value: ref(i.application, "client_id") }))).not.toThrow();
    expect(synthWith((i, s) => s.addOverride("locals.id", ref(i.application, "client_id")))).not.toThrow();
    expect(synthWith((i, s) => s.addOverride("output.leak", { value: `\${nonsensitive (${ref(i.clientSecretSlotA, "value").slice(2, -1)})}`, sensitive: true }))).toThrow(
      "[SecretLifetime] output.leak refers to azuread_application_password.",
    );
    expect(synthWith((i, s) => s.addOverride("locals.shown", `\${nonsensitive\t(${ref(i.clientSecretSlotA, "value").slice(2, -1)})}`))).toThrow("[SecretLifetime] locals.shown refers to");
    expect(synthWith((i, s) => s.addOverride("locals.held", ref(i.clientSecretSlotA, "value")))).toThrow("[SecretLifetime] locals.held refers to");
    expect(synthWith(raw("locals.other", "${nonsensitive(var.password)}"))).not.toThrow();
  });

  test("a reference with spaces only after its dots, or line breaks and tabs around them, is the same reference", () => {
    expect(synthWith((i, s) => ownerOn(`\${azurerm_storage_account. ${i.storageAccount.friendlyUniqueId}. id}`)(i, s))).toThrow("[OutsideThePlan]");
    expect(synthWith((i, s) => ownerOn(`\${azurerm_storage_account\n  .${i.storageAccount.friendlyUniqueId}\n\t.id}`)(i, s))).toThrow("[OutsideThePlan]");
  });
});

describe("how violations and exceptions are reported", () => {
  test("an exception for a rule nothing breaks is reported next to the violations of other rules", () => {
    const message = failure(synthWith((i) => i.storageAccount.addOverride("min_tls_version", "TLS1_0"), { baselineExceptions: [exception("HttpsOnly")] }));
    expect(message).toContain("[MinimumTls12]");
    expect(message).toContain("baselineExceptions[0] (HttpsOnly): nothing it names breaks the baseline");
  });

  test("a violation explains each broken rule once and how to excuse it", () => {
    const message = failure(
      synthWith((i) => {
        i.storageAccount.addOverride("min_tls_version", "TLS1_0");
        i.storageAccount.addOverride("https_traffic_only_enabled", false);
        i.storageAccount.addOverride("local_user_enabled", true);
        i.storageAccount.addOverride("sftp_enabled", true);
      }),
    );
    expect(message).toMatch(/\nEach rule: HttpsOnly: [^;]+; LocalUsersDisabled: [^;]+; MinimumTls12: [^\n]+\.\n/);
    expect(message.match(/LocalUsersDisabled: /g)).toHaveLength(1);
    expect(message).toContain('add to the baselineExceptions prop of XshieldMdeIntegration, with a reason a reviewer understands: { rule: "HttpsOnly", reason: "…" }, { rule: "LocalUsersDisabled", reason: "…" }, { rule: "MinimumTls12", reason: "…" };');
  });

  test("an error that is only about an unused exception neither explains rules nor suggests another exception", () => {
    const message = failure(synthWith(() => undefined, { baselineExceptions: [exception("HttpsOnly")] }));
    expect(message).toContain("baselineExceptions[0] (HttpsOnly): nothing it names breaks the baseline");
    expect(message).not.toContain("Each rule");
    expect(message).not.toContain("If this is deliberate");
  });
});

describe("each finding names its JSON path", () => {
  test.each<[string, Tweak, string, Partial<XshieldMdeIntegrationProps>?]>([
    ["count on a resource", (i) => i.storageAccount.addOverride("count", 2), "[WrittenAsPlanned] <account>.count is 2"],
    ["another endpoint on the subscription", (i) => i.eventSubscription.addOverride("webhook_endpoint", { url: "https://example.com" }), "[EventDeliveryScoped] <subscription>.webhook_endpoint is set"],
    ["a password block on the application", (i) => i.application.addOverride("password", { display_name: "x" }), "[SecretLifetime] <application>.password adds a client secret"],
    ["a secret's end date", (i) => i.clientSecretSlotA.addOverride("end_date", "2099-01-01T00:00:00Z"), '[SecretLifetime] <slotA>.end_date is "2099-01-01T00:00:00Z"'],
    ["an alert switched off", (i) => i.alerts!.noEvents.addOverride("enabled", false), "[AlertsIntact] <alert>.enabled is false", ALERTS],
    ["an alert's window", (i) => i.alerts!.noEvents.addOverride("window_size", "P7D"), '[AlertsIntact] <alert>.window_size is "P7D"', ALERTS],
    ["the action group switched off", (i) => i.alertActionGroup!.addOverride("enabled", false), "[AlertsIntact] <group>.enabled is false", ALERTS],
  ])("%s", (_, tweak, expected, props = {}) => {
    let paths: { [name: string]: string } = {};
    const message = failure(
      synthWith((i, s) => {
        tweak(i, s);
        paths = {
          "<account>": at(i.storageAccount),
          "<subscription>": at(i.eventSubscription),
          "<application>": at(i.application),
          "<slotA>": at(i.clientSecretSlotA),
          ...(i.alerts === undefined ? {} : { "<alert>": at(i.alerts.noEvents), "<group>": at(i.alertActionGroup!) }),
        };
      }, props),
    );
    expect(message).toContain(`  - ${expected.replace(/<[a-zA-Z]+>/, (name) => paths[name])}`);
  });
});

describe("the integration's own containers and firewall", () => {
  test.each([
    ["the DeviceNetworkEvents container", (i: XshieldMdeIntegration) => i.networkEventsContainer],
    ["the dead-letter container", (i: XshieldMdeIntegration) => i.deadLetterContainer],
  ])("%s made public", (_, container) => {
    let path = "";
    const message = failure(
      synthWith((i) => {
        container(i).addOverride("container_access_type", "blob");
        path = at(container(i));
      }),
    );
    expect(message).toContain(`[NoPublicBlobAccess] ${path}.container_access_type is "blob"; the baseline requires "private".`);
  });

  test("IP rules left out let nothing through", () => {
    expect(synthWith((i) => i.storageAccount.addOverride("network_rules.ip_rules", undefined))).not.toThrow();
  });

  test("outside SelectedNetworks no IP rule is planned, whatever allowedIpRanges holds", () => {
    const open: Tweak = (i) => i.storageAccount.addOverride("network_rules.ip_rules", ["20.50.60.0/28"]);
    expect(synthWith(open)).not.toThrow();
    expect(synthWith(open, { publicNetworkAccess: "Enabled", allowedIpRanges: [] })).toThrow(/\[FirewallDenyByDefault\] .*network_rules\.ip_rules lets through \["20\.50\.60\.0\/28"\]/);
  });
});

describe("side doors: names and scopes at their edges", () => {
  test("the account's id written out in another case is still the account", () => {
    expect(synthWith(ownerOn("/subscriptions/x/resourcegroups/RG/providers/microsoft.storage/storageaccounts/STXSHIELDTEST"))).toThrow("[OutsideThePlan]");
  });

  test("with token names (no literal to compare), references are still found and nothing else is flagged", () => {
    const withTokenNames = (tweak: Tweak) => () => {
      const stack = new TerraformStack(Testing.app(), "test");
      const name = (id: string) => new TerraformVariable(stack, id, { type: "string" }).stringValue;
      const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, storageAccountName: name("account"), resourceGroupName: name("group") });
      tweak(integration, stack);
      return Testing.synth(stack);
    };
    expect(withTokenNames((i, s) => ownerOn(ref(i.storageAccount, "id"))(i, s))).toThrow("[OutsideThePlan]");
    expect(withTokenNames((i, s) => ownerOn(ref(i.resourceGroup!, "id"))(i, s))).toThrow("[OutsideThePlan]");
    expect(withTokenNames(ownerOn("/subscriptions/x/resourceGroups/rg-xshield-test/providers/Microsoft.Storage/storageAccounts/other"))).not.toThrow();
  });

  test("a scope that is not text: a list holding the account is caught, a number is nothing", () => {
    expect(synthWith((i, s) => ownerOn([ref(i.storageAccount, "id")] as unknown as string)(i, s))).toThrow("[OutsideThePlan]");
    expect(synthWith(ownerOn(42 as unknown as string))).not.toThrow();
  });

  test("a role on anything in the resource group the construct made touches it: the group, or a resource inside it", () => {
    expect(synthWith((i, s) => ownerOn(`${ref(i.resourceGroup!, "id")}/providers/Microsoft.KeyVault/vaults/kv`)(i, s))).toThrow("[OutsideThePlan] resource.azurerm_role_assignment.extra");
    expect(synthWith((i, s) => ownerOn(`${ref(i.resourceGroup!, "id")}/`)(i, s))).toThrow("[OutsideThePlan]");
  });

  test("an existing resource group, looked up by the construct, is the group", () => {
    expect(
      synthWith((i, s) => ownerOn(`\${data.azurerm_resource_group.${i.existingResourceGroup!.friendlyUniqueId}.id}`)(i, s), { createResourceGroup: false }),
    ).toThrow("[OutsideThePlan]");
  });

  test("suppression scopes: one of them on the group is enough", () => {
    expect(
      synthWith(
        raw("resource.azurerm_monitor_alert_processing_rule_suppression.quiet", { name: "quiet", scopes: ["/subscriptions/x/resourceGroups/rg-other", "/subscriptions/x/resourceGroups/rg-xshield-test"] }),
        ALERTS,
      ),
    ).toThrow("[OutsideThePlan]");
  });

  test("a name right after a word, separated only by a line break or a comment, is still a reference", () => {
    for (const gap of ["\n", "\t", "/* the account */"]) {
      expect(synthWith((i, s) => ownerOn(`\${one([for id in${gap}azurerm_storage_account.${i.storageAccount.friendlyUniqueId}[*].id : id])}`)(i, s))).toThrow(
        "[OutsideThePlan]",
      );
    }
  });
});

describe("side doors: what stands for the integration, and what does not", () => {
  test("a local that holds the account's name", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("locals.account", "stxshieldtest");
        ownerOn("/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${local.account}")(i, s);
      }),
    ).toThrow("[OutsideThePlan]");
  });

  test("a module's output that passes the account's id on", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("module.wrap", { source: "./wrap", account: ref(i.storageAccount, "id") });
        ownerOn("${module.wrap.account_id}")(i, s);
      }),
    ).toThrow("[OutsideThePlan]");
  });

  test.each([
    ["a container", "azurerm_storage_container", (i: XshieldMdeIntegration) => ({ name: ref(i.networkEventsContainer, "name"), storage_account_id: ref(i.storageAccount, "id") })],
    ["a queue", "azurerm_storage_queue", (i: XshieldMdeIntegration) => ({ name: ref(i.queue, "name"), storage_account_id: ref(i.storageAccount, "id") })],
    ["the resource group", "azurerm_resource_group", (i: XshieldMdeIntegration) => ({ name: ref(i.resourceGroup!, "name") })],
  ])("%s looked up by reference", (_, type, body) => {
    expect(
      synthWith((i, s) => {
        s.addOverride(`data.${type}.lookup`, body(i));
        ownerOn(`\${data.${type}.lookup.id}`)(i, s);
      }),
    ).toThrow("[OutsideThePlan]");
  });

  test("the application looked up by reference", () => {
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azuread_application.lookup", { client_id: ref(i.application, "client_id") });
        s.addOverride("resource.azuread_application_password.extra", { application_id: "${data.azuread_application.lookup.id}" });
      }),
    ).toThrow("[OutsideThePlan] resource.azuread_application_password.extra adds a client secret and refers to data.azuread_application.lookup.id, which refers to azuread_application.");
  });

  test("a data source that only reads the account touches it too, and what reads the data source", () => {
    const message = failure(
      synthWith((i, s) => {
        s.addOverride("data.azurerm_monitor_diagnostic_categories.account", { resource_id: ref(i.storageAccount, "id") });
        ownerOn("${data.azurerm_monitor_diagnostic_categories.account.id}")(i, s);
      }),
    );
    expect(message).toContain("[OutsideThePlan] data.azurerm_monitor_diagnostic_categories.account refers to azurerm_storage_account.");
    expect(message).toContain("[OutsideThePlan] resource.azurerm_role_assignment.extra grants \"Owner\" and refers to data.azurerm_monitor_diagnostic_categories.account.id, which refers to");
  });

  test("the application's display name in a resource is no lookup; the client id in a vault is a touch; a lookup by either is one", () => {
    const name = "Xshield MDE Integration (test)";
    // A group named after the application, through a local that holds its display name: a name, not a lookup.
    expect(
      synthWith(
        (_, s) => {
          s.addOverride("locals.app_name", name);
          s.addOverride("resource.azuread_group.operators", { display_name: "${local.app_name} operators", security_enabled: true });
        },
        { applicationDisplayName: name },
      ),
    ).not.toThrow();
    // The client id kept in a vault, directly or through a local: each vault secret touches the application.
    const message = failure(
      synthWith((i, s) => {
        s.addOverride("locals.client_id", ref(i.application, "client_id"));
        s.addOverride("resource.azurerm_key_vault_secret.client_id", { name: "client-id", value: "${local.client_id}", key_vault_id: "/x" });
        s.addOverride("resource.azurerm_key_vault_secret.direct", { name: "client-id-2", value: ref(i.application, "client_id"), key_vault_id: "/x" });
      }),
    );
    expect(message.split("\n").filter((l) => l.startsWith("  - ")).map((l) => /^  - \[(\w+)\] (\S+)/.exec(l)!.slice(1, 3)).sort()).toEqual([
      ["OutsideThePlan", "resource.azurerm_key_vault_secret.client_id"],
      ["OutsideThePlan", "resource.azurerm_key_vault_secret.direct"],
    ]);
    // The application looked up through its principal's client id, or by its display name.
    expect(
      synthWith((i, s) => {
        s.addOverride("data.azuread_application.app", { client_id: ref(i.servicePrincipal, "client_id") });
        s.addOverride("resource.azurerm_role_assignment.extra", { scope: "/subscriptions/x", role_definition_name: "Reader", principal_id: "${data.azuread_application.app.object_id}" });
      }),
    ).toThrow("[OutsideThePlan] data.azuread_application.app refers to azuread_service_principal.");
    expect(
      synthWith(
        (_, s) => {
          s.addOverride("data.azuread_application.app", { display_name: name });
          s.addOverride("resource.azurerm_role_assignment.extra", { scope: "/subscriptions/x", role_definition_name: "Reader", principal_id: "${data.azuread_application.app.object_id}" });
        },
        { applicationDisplayName: name },
      ),
    ).toThrow(`[OutsideThePlan] data.azuread_application.app spells out the display name of the integration's application, "${name}"`);
  });
});

describe("the error, line by line", () => {
  test("a header, one line per finding and unused exception, the rules, and how to excuse them", () => {
    let path = "";
    const message = failure(
      synthWith(
        (i) => {
          i.storageAccount.addOverride("min_tls_version", "TLS1_0");
          path = at(i.storageAccount);
        },
        { baselineExceptions: [exception("HttpsOnly")] },
      ),
    );
    const lines = message.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^SecureBaselineError: Secure baseline violated in .+; nothing was synthesized\.$/);
    expect(lines[1]).toBe(`  - [MinimumTls12] ${path}.min_tls_version is "TLS1_0"; the baseline requires "TLS1_2" or "TLS1_3".`);
    expect(lines[2]).toMatch(/^ {2}- baselineExceptions\[0\] \(HttpsOnly\): nothing it names breaks the baseline/);
    expect(lines[3]).toMatch(/^Each rule: MinimumTls12: [^;]+\.$/);
    expect(lines[4]).toMatch(/^If this is deliberate, add to the baselineExceptions prop of XshieldMdeIntegration, with a reason a reviewer understands: \{ rule: "MinimumTls12", reason: "…" \}; otherwise remove the override or element that causes it\.$/);
  });

  test("only an unused exception: its line ends the error", () => {
    const lines = failure(synthWith(() => undefined, { baselineExceptions: [exception("HttpsOnly")] })).split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^ {2}- baselineExceptions\[0\] \(HttpsOnly\): nothing it names breaks the baseline, so the exception would only hide a later weakening; remove it\.$/);
  });

  test.each<[string, unknown, string]>([
    ["min_tls_version", "TLS1_0", '"TLS1_2" or "TLS1_3"'],
    ["https_traffic_only_enabled", false, "true"],
    ["allow_nested_items_to_be_public", true, "false"],
    ["default_to_oauth_authentication", false, "true"],
    ["infrastructure_encryption_enabled", false, "true"],
    ["local_user_enabled", true, "false"],
    ["sftp_enabled", true, "false"],
    ["cross_tenant_replication_enabled", true, "false"],
  ])("the account's %s: what the baseline requires", (key, value, wanted) => {
    expect(failure(synthWith((i) => i.storageAccount.addOverride(key, value)))).toMatch(
      new RegExp(`\\.${key} is ${JSON.stringify(value).replace(/"/g, '\\"')}; the baseline requires ${wanted.replace(/"/g, '\\"')}`),
    );
  });
});
