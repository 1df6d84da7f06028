import { GuardPlan, OwnElement } from "../../lib/guard/plan";
import { findTouches, keyOfTraversal } from "../../lib/guard/touches";

// The touch analysis on hand-written JSON: a small plan (an account, a password, a local), and
// every way another element can reach it.

const own = (key: string, role: string, secretAttributes: string[] = []): OwnElement => ({
  key,
  kind: key.startsWith("local.") ? "local" : "resource",
  type: key.split(".")[1] ?? "local",
  role,
  constructPath: `s/${key}`,
  body: {},
  secretAttributes,
});

const PLAN: GuardPlan = {
  subject: "s/integration",
  elements: [
    own("resource.azurerm_storage_account.sa", "the integration's storage account"),
    own("resource.azuread_application_password.pw", "the integration's client secret", ["value"]),
    own("local.month", "the integration's secret month"),
  ],
  names: { storageAccount: "stxshield", resourceGroup: "rg-xshield", applicationDisplayName: "Xshield App" },
  secretExpressions: ["${local.month > 0 ? azuread_application_password.pw.value : azuread_application_password.pw.value}"],
  tokens: [],
  exceptions: [],
};

const resource = (type: string, name: string, body: object) => ({ resource: { [type]: { [name]: body } } });
type Json = { [key: string]: unknown };
const touched = (json: Json, plan: GuardPlan = PLAN) => findTouches(json, plan).touches.map((t) => [t.element.key, t.secret, t.how]);

describe("references to the integration", () => {
  test("any attribute, or the element as a whole, is a touch; the element's own words say what it reaches", () => {
    expect(touched(resource("x_thing", "a", { v: "${azurerm_storage_account.sa.id}" }))).toEqual([
      ["resource.x_thing.a", false, "refers to azurerm_storage_account.sa.id (the integration's storage account)"],
    ]);
    expect(touched(resource("x_thing", "a", { v: "${jsonencode(azurerm_storage_account.sa)}" }))).toEqual([
      ["resource.x_thing.a", false, "refers to azurerm_storage_account.sa (the integration's storage account)"],
    ]);
    expect(touched(resource("x_thing", "a", { v: "${local.month + 1}" }))).toEqual([["resource.x_thing.a", false, "refers to local.month (the integration's secret month)"]]);
  });

  test("nothing that refers elsewhere, or only orders operations, is a touch", () => {
    expect(touched(resource("x_thing", "a", { v: "${azurerm_storage_account.other.id}", depends_on: ["azurerm_storage_account.sa"] }))).toEqual([]);
    expect(touched(resource("x_thing", "a", { lifecycle: { replace_triggered_by: ["azurerm_storage_account.sa"] } }))).toEqual([]);
    expect(touched(resource("x_thing", "a", { v: "$${azurerm_storage_account.sa.id}" }))).toEqual([]);
  });

  test("through any chain of other elements, whatever order they are written in; the secret spreads too", () => {
    const json = {
      locals: { b: "${local.a}", a: "${azuread_application_password.pw.value}" },
      resource: { x_thing: { c: { v: "${local.b}" } } },
    };
    expect(touched(json)).toEqual([
      ["local.b", true, "refers to local.a, which refers to azuread_application_password.pw.value (the integration's client secret)"],
      ["local.a", true, "refers to azuread_application_password.pw.value (the integration's client secret)"],
      ["resource.x_thing.c", true, "refers to local.b, which refers to local.a, which refers to azuread_application_password.pw.value (the integration's client secret)"],
    ]);
  });

  test("an element reaching the integration twice is named by its secret route when it has one", () => {
    const json = resource("x_thing", "a", { v: "${azurerm_storage_account.sa.id}", w: "${azuread_application_password.pw.value}" });
    expect(touched(json)).toEqual([["resource.x_thing.a", true, "refers to azuread_application_password.pw.value (the integration's client secret)"]]);
    const later = { locals: { s: "${azuread_application_password.pw.value}" }, resource: { x_thing: { a: { v: "${azurerm_storage_account.sa.id}", w: "${local.s}" } } } };
    expect(touched(later).find(([key]) => key === "resource.x_thing.a")).toEqual([
      "resource.x_thing.a",
      true,
      "refers to local.s, which refers to azuread_application_password.pw.value (the integration's client secret)",
    ]);
  });

  test("elements another integration planned are left to it", () => {
    const json = resource("x_thing", "b_owned", { v: "${azurerm_storage_account.sa.id}" });
    expect(findTouches(json, PLAN, new Set(["resource.x_thing.b_owned"])).touches).toEqual([]);
  });

  test("references that stand for the integration in another stack's document", () => {
    const json = resource("x_thing", "a", { v: "${data.terraform_remote_state.main.outputs.cross-stack-output-x}", w: "${data.terraform_remote_state.main.outputs.other}" });
    const sources = new Map([
      ["data.terraform_remote_state.main", (rest: readonly (string | null)[]) => (rest[1] === "cross-stack-output-x" ? { what: "the account, through main", secret: false } : undefined)],
    ]);
    expect(findTouches(json, { ...PLAN, elements: [] }, new Set(), sources).touches.map((t) => t.how)).toEqual([
      "refers to data.terraform_remote_state.main.outputs.cross-stack-output-x (the account, through main)",
    ]);
  });
});

describe("the secret", () => {
  test.each([
    ["${azuread_application_password.pw.value}", true],
    ['${azuread_application_password.pw["value"]}', true],
    ['${(azuread_application_password.pw)["value"]}', true],
    ['${lookup(azuread_application_password.pw, "value")}', true],
    ["${azuread_application_password.pw[*].value}", true],
    ["${azuread_application_password.pw.end_date}", false],
    ["${azuread_application_password.pw.key_id}", false],
  ])("%s copies it: %s", (text, secret) => {
    expect(findTouches(resource("x_thing", "a", { v: text }), PLAN).touches.map((t) => t.secret)).toEqual([secret]);
  });
});

describe("names spelled out", () => {
  test("the storage account's, in any case and any string, as a whole word, after folding constants", () => {
    expect(touched(resource("x_thing", "a", { scope: "/subscriptions/x/providers/Microsoft.Storage/storageAccounts/STXSHIELD" }))).toEqual([
      ["resource.x_thing.a", false, 'spells out the name of the integration\'s storage account, "stxshield" (at resource.x_thing.a.scope)'],
    ]);
    expect(touched(resource("x_thing", "a", { name: 'st${""}${lower("XSHIELD")}' }))).toHaveLength(1);
    // the local alone spells nothing; the name put together from it does
    expect(touched({ locals: { rest: "shield" }, resource: { x_thing: { a: { name: "stx${local.rest}" } } } }).map(([key]) => key)).toEqual(["resource.x_thing.a"]);
    expect(touched({ variable: { rest: { default: "xshield" } }, resource: { x_thing: { a: { name: "st${var.rest}" } } } })).toHaveLength(1);
    expect(touched(resource("x_thing", "a", { name: "stxshield2", other: "my-stxshield-copy" }))).toHaveLength(1);
    expect(touched(resource("x_thing", "a", { name: "stxshield2", other: "stxshieldish" }))).toEqual([]);
    expect(touched(resource("x_thing", "a", { name: "st${var.unknown}xshield" }))).toEqual([]);
  });

  test("the resource group's only when the integration makes it, with its own characters as part of a name", () => {
    expect(touched(resource("x_thing", "a", { scope: "/subscriptions/x/resourceGroups/RG-XSHIELD/" }))).toHaveLength(1);
    expect(touched(resource("x_thing", "a", { scope: "/subscriptions/x/resourceGroups/rg-xshield-2" }))).toEqual([]);
    expect(touched(resource("x_thing", "a", { scope: "/subscriptions/x/resourceGroups/rg-xshield.(old)" }))).toEqual([]);
    expect(touched(resource("x_thing", "a", { scope: "/subscriptions/x/resourceGroups/rg-xshield" }), { ...PLAN, names: { ...PLAN.names, resourceGroup: undefined } })).toEqual([]);
  });

  test("the application's display name only where something looks objects up by it", () => {
    expect(touched({ data: { azuread_application: { a: { display_name: "Xshield App" } } } })).toHaveLength(1);
    expect(touched(resource("msgraph_resource", "a", { url: "applications?$filter=displayName eq 'xshield app'" }))).toHaveLength(1);
    expect(touched(resource("azuread_group", "a", { display_name: "Xshield App operators" }))).toEqual([]);
    expect(touched({ data: { azurerm_key_vault: { a: { name: "Xshield App" } } } })).toEqual([]);
  });

  test("names in text Terraform never interpolates count too (a backend, a variable's default)", () => {
    expect(touched({ terraform: { backend: { azurerm: { storage_account_name: "stxshield" } } } })).toEqual([
      ["terraform", false, 'spells out the name of the integration\'s storage account, "stxshield" (at terraform.backend.azurerm.storage_account_name)'],
    ]);
  });
});

describe("the harmless forms", () => {
  const analysis = (json: Json) => {
    const { touches, harmless } = findTouches(json, PLAN);
    return { touches: touches.map((t) => t.element.key), harmless: harmless.map((t) => t.element.key) };
  };

  test("locals, variables and outputs of non-secret values; still followed by the taint", () => {
    expect(analysis({ locals: { id: "${azurerm_storage_account.sa.id}" }, output: { id: { value: "${local.id}" } }, variable: { v: { default: "stxshield" } } })).toEqual({
      touches: [],
      harmless: ["local.id", "output.id", "variable.v"],
    });
    expect(analysis({ locals: { id: "${azurerm_storage_account.sa.id}" }, resource: { x_thing: { a: { v: "${local.id}" } } } })).toEqual({
      touches: ["resource.x_thing.a"],
      harmless: ["local.id"],
    });
  });

  test("of the secret: only a sensitive output of exactly the construct's expression or one secret's value", () => {
    const output = (value: string, sensitive?: boolean, name = "o") => analysis({ output: { [name]: { value, ...(sensitive === undefined ? {} : { sensitive }) } } });
    expect(output(PLAN.secretExpressions[0], true)).toEqual({ touches: [], harmless: ["output.o"] });
    expect(output("${azuread_application_password.pw.value}", true)).toEqual({ touches: [], harmless: ["output.o"] });
    expect(output("${azuread_application_password.pw.value}")).toEqual({ touches: ["output.o"], harmless: [] });
    expect(output("${nonsensitive(azuread_application_password.pw.value)}", true)).toEqual({ touches: ["output.o"], harmless: [] });
    expect(output("${azuread_application_password.pw.value}", true, "cross-stack-output-x")).toEqual({ touches: ["output.cross-stack-output-x"], harmless: [] });
    expect(analysis({ locals: { s: "${azuread_application_password.pw.value}" } })).toEqual({ touches: ["local.s"], harmless: [] });
  });

  test("a moved block into one of the integration's addresses, not out of one", () => {
    expect(analysis({ moved: [{ from: "azurerm_storage_account.old", to: "azurerm_storage_account.sa" }] })).toEqual({ touches: [], harmless: ["moved[azurerm_storage_account.old]"] });
    expect(analysis({ moved: [{ from: "azurerm_storage_account.sa", to: "azurerm_storage_account.elsewhere" }] })).toEqual({ touches: ["moved[azurerm_storage_account.sa]"], harmless: [] });
    expect(analysis({ import: [{ to: "azurerm_storage_account.sa", id: "/x" }] })).toEqual({ touches: ["import[azurerm_storage_account.sa]"], harmless: [] });
  });
});

describe("which element a reference names", () => {
  test.each([
    [{ root: "azurerm_x", steps: ["n", "id"] }, { key: "resource.azurerm_x.n", rest: ["id"] }],
    [{ root: "data", steps: ["azurerm_x", "n", "id"] }, { key: "data.azurerm_x.n", rest: ["id"] }],
    [{ root: "local", steps: ["n", "k"] }, { key: "local.n", rest: ["k"] }],
    [{ root: "var", steps: ["n"] }, { key: "variable.n", rest: [] }],
    [{ root: "module", steps: ["m", "out"] }, { key: "module.m", rest: ["out"] }],
    [{ root: "each", steps: ["value"] }, undefined],
    [{ root: "count", steps: ["index"] }, undefined],
    [{ root: "self", steps: ["id"] }, undefined],
    [{ root: "path", steps: ["module"] }, undefined],
    [{ root: "terraform", steps: ["workspace"] }, undefined],
    [{ root: "data", steps: ["azurerm_x", null] }, undefined],
    [{ root: "azurerm_x", steps: [null] }, undefined],
    [{ root: "local", steps: [] }, undefined],
  ])("%j", (traversal, expected) => {
    expect(keyOfTraversal(traversal)).toEqual(expected);
  });
});
