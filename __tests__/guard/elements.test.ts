import { elementsOf, pathOf, stringsOf } from "../../lib/guard/elements";

const DOC = {
  "//": { metadata: { stackName: "s" } },
  resource: {
    azurerm_storage_account: {
      sa: { "//": { metadata: { path: "s/sa", uniqueId: "sa" } }, name: "x", depends_on: ["azurerm_resource_group.rg"] },
    },
  },
  data: { azurerm_client_config: { c: {} } },
  locals: { a: "${var.x}", b: { k: "v" } },
  variable: { x: { type: "string", default: "literal ${not.interpolated}", validation: [{ condition: "${length(var.x) > 0}", error_message: "e" }] } },
  output: { o: { value: "${local.a}", description: "text ${x.y}" } },
  module: { m: { source: "./m", version: "1.0", input: "${local.a}", providers: { azurerm: "azurerm.second" } } },
  provider: { azurerm: [{ features: {} }, { alias: "second", subscription_id: "${local.a}" }] },
  terraform: { backend: { local: { path: "${not.read}" } }, required_version: ">= 1.5.0" },
  check: { c: { assert: [{ condition: "${local.a != \"\"}", error_message: "x" }] } },
  moved: [{ from: "azurerm_storage_account.old", to: "azurerm_storage_account.sa" }],
  import: [{ to: "azurerm_storage_account.sa", id: "${local.a}", provider: "azurerm.second" }],
  removed: [{ from: "azurerm_resource_group.rg", lifecycle: { destroy: false } }, { from: 7 }],
  something_new: { x: "${local.a}" },
};

describe("the elements of a document", () => {
  test("every kind, keyed as references name them, with construct paths where cdktf writes them", () => {
    const elements = elementsOf(DOC);
    expect(elements.map((e) => [e.key, e.kind, e.constructPath])).toEqual([
      ["resource.azurerm_storage_account.sa", "resource", "s/sa"],
      ["data.azurerm_client_config.c", "data", undefined],
      ["local.a", "local", undefined],
      ["local.b", "local", undefined],
      ["variable.x", "variable", undefined],
      ["output.o", "output", undefined],
      ["module.m", "module", undefined],
      ["provider.azurerm", "provider", undefined],
      ["provider.azurerm.second", "provider", undefined],
      ["terraform", "terraform", undefined],
      ["check.c", "check", undefined],
      ["moved[azurerm_storage_account.old]", "moved", undefined],
      ["import[azurerm_storage_account.sa]", "import", undefined],
      ["removed[azurerm_resource_group.rg]", "removed", undefined],
      ["removed[1]", "removed", undefined],
      ["something_new", "other", undefined],
    ]);
    expect(elements[0].body).toEqual({ name: "x", depends_on: ["azurerm_resource_group.rg"] });
    expect(elements[0].type).toBe("azurerm_storage_account");
    expect(pathOf(elements[2])).toBe("locals.a");
    expect(pathOf(elements[0])).toBe("resource.azurerm_storage_account.sa");
  });

  test("blocks written as a single object rather than a list, and a provider given as an object", () => {
    const elements = elementsOf({ moved: { from: "a.b", to: "a.c" }, provider: { azurerm: { alias: "x" } } });
    expect(elements.map((e) => e.key)).toEqual(["moved[a.b]", "provider.azurerm.x"]);
  });
});

describe("how Terraform reads each string", () => {
  const modes = (key: string) => {
    const element = elementsOf(DOC).find((e) => e.key === key)!;
    return stringsOf(element).map((s) => [s.path, s.mode]);
  };

  test("resources: attributes are templates, depends_on only orders", () => {
    expect(modes("resource.azurerm_storage_account.sa")).toEqual([
      ["resource.azurerm_storage_account.sa.name", "template"],
      ["resource.azurerm_storage_account.sa.depends_on[0]", "order"],
    ]);
  });

  test("a variable's default is literal, its validations are expressions; the terraform block is literal", () => {
    expect(modes("variable.x")).toEqual([
      ["variable.x.type", "literal"],
      ["variable.x.default", "literal"],
      // keys below the top level are text too
      ["variable.x.validation[0].condition", "literal"],
      ["variable.x.validation[0].condition", "template"],
      ["variable.x.validation[0].error_message", "literal"],
      ["variable.x.validation[0].error_message", "template"],
    ]);
    expect(modes("terraform")).toEqual([
      ["terraform.backend.local", "literal"],
      ["terraform.backend.local.path", "literal"],
      ["terraform.backend.local.path", "literal"],
      ["terraform.required_version", "literal"],
    ]);
  });

  test("outputs, modules, providers: descriptions, sources and aliases are literal, module providers are references", () => {
    expect(modes("output.o")).toEqual([
      ["output.o.value", "template"],
      ["output.o.description", "literal"],
    ]);
    expect(modes("module.m")).toEqual([
      ["module.m.source", "literal"],
      ["module.m.version", "literal"],
      ["module.m.input", "template"],
      ["module.m.providers.azurerm", "literal"],
      ["module.m.providers.azurerm", "bare"],
    ]);
    expect(modes("provider.azurerm.second")).toEqual([
      ["provider.azurerm.second.alias", "literal"],
      ["provider.azurerm.second.subscription_id", "template"],
    ]);
  });

  test("moved, import and removed: addresses are bare, an import's id is a template", () => {
    expect(modes("moved[azurerm_storage_account.old]")).toEqual([
      ["moved[azurerm_storage_account.old].from", "bare"],
      ["moved[azurerm_storage_account.old].to", "bare"],
    ]);
    expect(modes("import[azurerm_storage_account.sa]")).toEqual([
      ["import[azurerm_storage_account.sa].to", "bare"],
      ["import[azurerm_storage_account.sa].id", "template"],
      ["import[azurerm_storage_account.sa].provider", "bare"],
    ]);
    expect(modes("removed[azurerm_resource_group.rg]")).toEqual([
      ["removed[azurerm_resource_group.rg].from", "bare"],
      ["removed[azurerm_resource_group.rg].lifecycle.destroy", "literal"],
    ]);
  });

  test("lifecycle: replace_triggered_by only orders, ignore_changes and flags are literal; a provider is a reference", () => {
    const element = elementsOf({
      resource: { t: { n: { provider: "azurerm.x", lifecycle: { replace_triggered_by: ["a.b"], ignore_changes: ["tags"], prevent_destroy: true, create_before_destroy: true } } } },
    })[0];
    expect(stringsOf(element).map((s) => [s.path, s.mode])).toEqual([
      ["resource.t.n.provider", "bare"],
      ["resource.t.n.lifecycle.replace_triggered_by", "literal"],
      ["resource.t.n.lifecycle.replace_triggered_by[0]", "order"],
      ["resource.t.n.lifecycle.ignore_changes", "literal"],
      ["resource.t.n.lifecycle.ignore_changes[0]", "literal"],
      ["resource.t.n.lifecycle.prevent_destroy", "literal"],
      ["resource.t.n.lifecycle.create_before_destroy", "literal"],
    ]);
  });

  test("map keys: below the top level they are text (a name can be spelled there), interpolated keys are templates", () => {
    const element = elementsOf({ resource: { t: { n: { tags: { plain: "v", "${local.k}": "w" } } } } })[0];
    expect(stringsOf(element).map((s) => [s.path, s.text, s.mode])).toEqual([
      ["resource.t.n.tags.plain", "plain", "literal"],
      ["resource.t.n.tags.plain", "v", "template"],
      ["resource.t.n.tags.${local.k}", "${local.k}", "template"],
      ["resource.t.n.tags.${local.k}", "w", "template"],
    ]);
    // A local's object: its keys are map keys.
    expect(stringsOf(elementsOf(DOC).find((e) => e.key === "local.b")!).map((s) => [s.path, s.text, s.mode])).toEqual([
      ["locals.b.k", "k", "literal"],
      ["locals.b.k", "v", "template"],
    ]);
  });
});
