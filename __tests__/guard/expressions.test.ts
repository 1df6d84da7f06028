import { Constant, HOLE, readBareExpression, readTemplateString, Traversal } from "../../lib/guard/expressions";

const refs = (text: string): string[] =>
  readTemplateString(text).traversals.map((t) => [t.root, ...t.steps.map((s) => (s === null ? "<?>" : s))].join("."));

describe("references, as Terraform reads them", () => {
  test.each([
    ["${azurerm_storage_account.sa.id}", ["azurerm_storage_account.sa.id"]],
    ["${data.azurerm_client_config.c.tenant_id}", ["data.azurerm_client_config.c.tenant_id"]],
    ["prefix-${local.name}-suffix", ["local.name"]],
    ["${var.x}${module.m.out}", ["var.x", "module.m.out"]],
    // index forms: a string index is a name, anything else ends what is known of the path
    ['${azuread_application_password.a["value"]}', ["azuread_application_password.a.value"]],
    ["${azuread_application_password.a[0].value}", ["azuread_application_password.a.<?>"]],
    ["${azuread_application_password.a[*].value}", ["azuread_application_password.a.<?>"]],
    ["${azuread_application_password.a.*.value}", ["azuread_application_password.a.<?>"]],
    ["${azuread_application_password.a[local.k]}", ["azuread_application_password.a.<?>", "local.k"]],
    // whole objects, inside parentheses and function calls
    ['${(azuread_application_password.a)["value"]}', ["azuread_application_password.a"]],
    ['${lookup(azuread_application_password.a, "value")}', ["azuread_application_password.a"]],
    ["${jsonencode(azuread_application_password.a)}", ["azuread_application_password.a"]],
    // a for expression's own names are roots too; they name no element
    ["${[for p in [azuread_application_password.a] : p.value]}", ["p", "azuread_application_password.a", "p.value"]],
  ])("%s", (text, expected) => {
    expect(refs(text).sort()).toEqual([...expected].sort());
  });

  test("spaces, line breaks, tabs and every kind of comment inside a reference", () => {
    expect(refs("${azurerm_storage_account . sa\n\t. id}")).toEqual(["azurerm_storage_account.sa.id"]);
    expect(refs("${azurerm_storage_account/* c */.sa # c\n.id}")).toEqual(["azurerm_storage_account.sa.id"]);
    expect(refs("${azurerm_storage_account // c\n.sa.id}")).toEqual(["azurerm_storage_account.sa.id"]);
  });

  test("what is not a reference: strings, escapes, function names, object keys, keywords, steps", () => {
    expect(refs('${"azurerm_storage_account.sa.id"}')).toEqual([]);
    expect(refs("$${azurerm_storage_account.sa.id}")).toEqual([]);
    expect(refs("%%{if azurerm_storage_account.sa.id}")).toEqual([]);
    expect(refs("${upper(true)}")).toEqual([]);
    expect(readTemplateString("${upper(x.y)}").functions).toEqual(["upper"]);
    expect(readTemplateString("${provider::azurerm::parse_resource_id(x.y)}").functions).toEqual(["provider::azurerm::parse_resource_id"]);
    // `a / b` is division, `//` inside a string is text
    expect(refs('${local.a / local.b} ${"http://x"} ${local.c}')).toEqual(["local.a", "local.b", "local.c"]);
  });

  test("references inside nested templates, heredocs, directives, conditionals and for expressions", () => {
    expect(refs('${"inner ${local.a} and ${"deeper ${local.b}"}"}')).toEqual(["local.a", "local.b"]);
    expect(refs("${<<EOT\nhello ${local.a}\nEOT\n}")).toEqual(["local.a"]);
    expect(refs("%{ if local.on }${local.a}%{ else }x%{ endif }")).toEqual(["local.on", "local.a"]);
    expect(refs("%{ for k, v in local.m }${v.name}%{ endfor }")).toEqual(["k", "v", "local.m", "v.name"]);
    expect(refs("${local.c ? azurerm_storage_account.a.id : azurerm_storage_account.b.name}")).toEqual([
      "local.c",
      "azurerm_storage_account.a.id",
      "azurerm_storage_account.b.name",
    ]);
  });

  test("strip markers and escapes inside quoted strings", () => {
    expect(refs("${~ local.a ~}")).toEqual(["local.a"]);
    expect(refs('${"\\"${local.a}\\""}')).toEqual(["local.a"]);
  });

  test("text that ends inside an interpolation, a string or a comment is not complete, and its references are still found", () => {
    for (const text of ["${local.a", '${"abc ${local.a}', "${local.a /* no end"]) {
      const reading = readTemplateString(text);
      expect({ complete: reading.complete, refs: reading.traversals.map((t) => t.root) }).toEqual({ complete: false, refs: ["local"] });
    }
    expect(readTemplateString("${local.a}").complete).toBe(true);
  });

  test("bare expressions: addresses and provider references", () => {
    expect(readBareExpression("azurerm_storage_account.sa").traversals).toEqual([{ root: "azurerm_storage_account", steps: ["sa"] }]);
    expect(readBareExpression("module.m.azurerm_storage_account.sa").traversals).toEqual([{ root: "module", steps: ["m", "azurerm_storage_account", "sa"] }]);
    expect(readBareExpression("azurerm.second").traversals).toEqual([{ root: "azurerm", steps: ["second"] }]);
  });
});

describe("folding constants, to find names spelled out", () => {
  const fold = (text: string, constants: { [ref: string]: Constant } = {}) =>
    readTemplateString(text, (t: Traversal) => constants[[t.root, ...t.steps].join(".")]).folded;

  test("literal text, string literals, empty interpolations and a split name are put together", () => {
    expect(fold("stxshield")).toBe("stxshield");
    expect(fold('st${""}xshield')).toBe("stxshield");
    expect(fold('${"st"}${"xshield"}')).toBe("stxshield");
    expect(fold('${"st${""}xsh"}ield')).toBe("stxshield");
  });

  test("pure string functions of constants fold; anything else is a hole", () => {
    expect(fold('${lower("STXSHIELD")}')).toBe("stxshield");
    expect(fold('${join("", ["st", "xshield"])}')).toBe("stxshield");
    expect(fold('${format("%s%s", "st", "xshield")}')).toBe("stxshield");
    expect(fold('${replace("st-xshield", "-", "")}')).toBe("stxshield");
    expect(fold('${trimspace(" stxshield ")}')).toBe("stxshield");
    expect(fold('${coalesce("", "stxshield")}')).toBe("stxshield");
    expect(fold('${replace("stXshield", "/X/", "x")}')).toBe(HOLE); // a regular expression: not folded
    expect(fold('${sha256("x")}')).toBe(HOLE);
    expect(fold("${local.a}x")).toBe(`${HOLE}x`);
    expect(fold('${"a" == "a" ? "st" : "x"}')).toBe(HOLE);
    expect(fold("%{ if true }st%{ endif }xshield")).toBe(`${HOLE}st${HOLE}xshield`);
  });

  test("constant locals and variable defaults the caller supplies are folded in", () => {
    expect(fold("st${local.rest}", { "local.rest": "xshield" })).toBe("stxshield");
    expect(fold('${lower(var.name)}', { "var.name": "STXSHIELD" })).toBe("stxshield");
    expect(fold("${local.rest}", { "local.rest": "xshield" })).toBe("xshield");
    expect(fold("${local.list[0]}", { "local.list": ["a"] })).toBe(HOLE);
  });
});
