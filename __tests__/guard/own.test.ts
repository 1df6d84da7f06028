import { judgeOwnElements } from "../../lib/guard/own";
import { GuardPlan, OwnElement } from "../../lib/guard/plan";
import { judgeFor, OWN_ELEMENT_RULES } from "../../lib/guard/rules";
import { differences } from "../../lib/guard/rule";

// The construct's own elements against the plan, on hand-written JSON: what must stay, what may
// change, and which rule speaks for each attribute.

type Json = { [key: string]: unknown };

const ACCOUNT = {
  name: "st",
  min_tls_version: "TLS1_2",
  network_rules: { default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["20.1.1.0/28", "20.1.2.0/28"] },
  tags: { team: "sec" },
  lifecycle: { create_before_destroy: false },
  depends_on: ["azurerm_resource_group.rg"],
};
const PASSWORD = { application_id: "${azuread_application.app.id}", end_date: "2027-01-01T00:00:00Z" };

const element = (key: string, body: unknown, secretAttributes: string[] = []): OwnElement => {
  const [kind, type] = key.startsWith("local.") ? ["local", "local"] : key === "terraform" ? ["terraform", "terraform"] : key.split(".");
  return { key, kind: kind as OwnElement["kind"], type, role: `the integration's ${key}`, constructPath: `s/${key}`, body, secretAttributes };
};

const PLAN: GuardPlan = {
  subject: "s/integration",
  elements: [
    element("resource.azurerm_storage_account.sa", ACCOUNT),
    element("resource.azuread_application_password.pw", PASSWORD, ["value"]),
    element("local.month", "${tonumber(formatdate(\"M\", plantimestamp()))}"),
    element("terraform", { backend: { local: { path: "state" } } }),
  ],
  names: {},
  secretExpressions: [],
  tokens: [],
  exceptions: [],
};

const written = (account: Json = ACCOUNT, rest: Json = {}) => ({
  resource: { azurerm_storage_account: { sa: { "//": { metadata: {} }, ...account } }, azuread_application_password: { pw: PASSWORD } },
  locals: { month: PLAN.elements[2].body },
  terraform: { backend: { local: { path: "state" } }, required_version: ">= 1.5.0" },
  ...rest,
});

const findings = (json: Json) => judgeOwnElements(json, PLAN).map((v) => `[${v.rule}] ${v.path} ${v.message}`);

describe("own elements as planned", () => {
  test("written exactly as planned (metadata aside, keys in any order): nothing to say", () => {
    const reordered = Object.fromEntries(Object.entries(ACCOUNT).reverse());
    expect(findings(written(reordered))).toEqual([]);
  });

  test("an element not written is missing", () => {
    const json = written();
    delete (json.resource as Json).azuread_application_password;
    expect(findings(json)).toEqual([
      "[WrittenAsPlanned] resource.azuread_application_password.pw is missing from the synthesized configuration (the integration's resource.azuread_application_password.pw: removed from the construct tree, renamed, or written elsewhere).",
    ]);
  });

  test("what may change: tags, an added prevent_destroy, more dependencies, ignoring tags, the default provider named; a stronger TLS; fewer allowed addresses", () => {
    expect(
      findings(
        written({
          ...ACCOUNT,
          tags: { team: "sec", "cost-center": "42" },
          lifecycle: { create_before_destroy: false, prevent_destroy: true, ignore_changes: ["tags"] },
          depends_on: ["azurerm_resource_group.rg", "azurerm_key_vault.kv"],
          provider: "azurerm",
          min_tls_version: "TLS1_3",
          network_rules: { default_action: "Deny", bypass: ["AzureServices"], ip_rules: ["20.1.1.0/28"] },
        }),
      ),
    ).toEqual([]);
  });

  test("what may not: each change named at its deepest place, by its rule", () => {
    expect(
      findings(
        written({
          ...ACCOUNT,
          name: "other",
          min_tls_version: "TLS1_0",
          network_rules: { default_action: "Allow", bypass: ["AzureServices", "Logging"], ip_rules: ["0.0.0.0/0"], virtual_network_subnet_ids: ["/s"] },
          lifecycle: { create_before_destroy: true, ignore_changes: ["min_tls_version"] },
          depends_on: [],
          provider: "azurerm.other",
          count: 2,
        }),
      ),
    ).toEqual([
      '[WrittenAsPlanned] resource.azurerm_storage_account.sa.count is 2; the integration writes one resource, without count.',
      '[WrittenAsPlanned] resource.azurerm_storage_account.sa.depends_on is []; planned ["azurerm_resource_group.rg"] (a planned dependency is gone).',
      "[WrittenAsPlanned] resource.azurerm_storage_account.sa.lifecycle.create_before_destroy is true; planned false.",
      '[WrittenAsPlanned] resource.azurerm_storage_account.sa.lifecycle.ignore_changes lists ["min_tls_version"], so a change made outside Terraform there would never be corrected.',
      '[MinimumTls12] resource.azurerm_storage_account.sa.min_tls_version is "TLS1_0"; the baseline requires "TLS1_2" or "TLS1_3".',
      '[WrittenAsPlanned] resource.azurerm_storage_account.sa.name is "other"; planned "st".',
      '[FirewallDenyByDefault] resource.azurerm_storage_account.sa.network_rules.default_action is "Allow"; the baseline requires "Deny" (or publicNetworkAccess: "Enabled").',
      '[FirewallDenyByDefault] resource.azurerm_storage_account.sa.network_rules.bypass is ["AzureServices","Logging"]; only "AzureServices" is planned.',
      '[FirewallDenyByDefault] resource.azurerm_storage_account.sa.network_rules.ip_rules lets through ["0.0.0.0/0"], which is not in allowedIpRanges.',
      '[FirewallDenyByDefault] resource.azurerm_storage_account.sa.network_rules.virtual_network_subnet_ids lets through ["/s"], which is not planned.',
      '[WrittenAsPlanned] resource.azurerm_storage_account.sa.provider is "azurerm.other"; planned unset (the provider the integration was given, or the stack\'s default).',
    ]);
  });

  test("a dynamic block anywhere inside an attribute, and at the top", () => {
    expect(findings(written({ ...ACCOUNT, network_rules: [{ dynamic: { ip_rules: {} } }] }))).toContain(
      "[WrittenAsPlanned] resource.azurerm_storage_account.sa.dynamic is a dynamic block; the integration writes every block out in full.",
    );
    expect(findings(written({ ...ACCOUNT, dynamic: { x: {} } }))).toContain(
      "[WrittenAsPlanned] resource.azurerm_storage_account.sa.dynamic is a dynamic block; the integration writes every block out in full.",
    );
  });

  test("the client secret copied into an attribute that may otherwise change (tags)", () => {
    for (const text of ["${azuread_application_password.pw.value}", "${jsonencode(azuread_application_password.pw)}", "x-${azuread_application_password.pw[\"value\"]}"]) {
      expect(findings(written({ ...ACCOUNT, tags: { leak: text } }))).toEqual([
        "[SecretLifetime] resource.azurerm_storage_account.sa.tags.leak copies the integration's client secret into an attribute the plan does not put it in; Terraform would write it to Azure in plain text.",
      ]);
    }
    expect(findings(written({ ...ACCOUNT, tags: { expiry: "${azuread_application_password.pw.end_date}" } }))).toEqual([]);
  });

  test("a local is compared by its value; of the terraform block only the planned backend (and no cloud block)", () => {
    const json = written(ACCOUNT, { locals: { month: "${12}" }, terraform: { backend: { local: { path: "elsewhere" } }, cloud: { organization: "o" } } });
    expect(findings(json)).toEqual([
      '[SecretLifetime] locals.month is "${12}"; planned "${tonumber(formatdate(\\"M\\", plantimestamp()))}" (the secrets\' schedule).',
      '[WrittenAsPlanned] terraform.backend.local.path is "elsewhere"; planned "state".',
      '[WrittenAsPlanned] terraform.cloud is {"organization":"o"}; planned unset.',
    ]);
  });
});

describe("which rule speaks for an attribute", () => {
  test("the most specific judge: this type and attribute, any type and this attribute, this type and any attribute, the catch-all", () => {
    const rule = (type: string, attribute: string) => judgeFor(OWN_ELEMENT_RULES, type, attribute).rule.rule;
    expect(rule("azurerm_storage_account", "min_tls_version")).toBe("MinimumTls12");
    expect(rule("azuread_application_password", "lifecycle")).toBe("WrittenAsPlanned");
    expect(rule("azuread_application_password", "end_date")).toBe("SecretLifetime");
    expect(rule("azuread_application", "password")).toBe("SecretLifetime");
    expect(rule("azuread_application", "notes")).toBe("SingleTenantApplication");
    expect(rule("azurerm_storage_account", "access_tier")).toBe("WrittenAsPlanned");
    expect(rule("azurerm_monitor_metric_alert", "severity")).toBe("AlertsIntact");
    expect(rule("azurerm_role_assignment", "description")).toBe("WrittenAsPlanned");
  });

  test("differences are found at their deepest place, into objects and lists of the same length", () => {
    expect(differences({ a: { b: 1, c: [1, { d: 2 }] } }, { a: { b: 1, c: [1, { d: 3 }] } })).toEqual([{ at: "a.c[1].d", w: 2, p: 3 }]);
    expect(differences([1, 2], [1])).toEqual([{ at: undefined, w: [1, 2], p: [1] }]);
    expect(differences({ a: 1 }, { b: 1 })).toEqual([
      { at: "a", w: 1, p: undefined },
      { at: "b", w: undefined, p: 1 },
    ]);
  });
});
