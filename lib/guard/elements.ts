/**
 * The elements of a Terraform JSON document, every kind of them, and the strings each one holds,
 * with how Terraform reads each string: as a template (`${…}` interpolated), as a bare expression
 * (an address or provider reference), or as plain text.
 */

type Json = { readonly [key: string]: unknown };

/** What kind of element a key names. */
export type ElementKind =
  | "resource"
  | "data"
  | "local"
  | "variable"
  | "output"
  | "module"
  | "provider"
  | "terraform"
  | "check"
  | "moved"
  | "import"
  | "removed"
  | "other";

/** One element of a Terraform JSON document. */
export interface Element {
  /**
   * How a reference names it: `resource.<type>.<name>`, `data.<type>.<name>`, `local.<name>`,
   * `variable.<name>`, `output.<name>`, `module.<name>`, `provider.<type>` (`provider.<type>.<alias>`),
   * `check.<name>`, `terraform`, and `moved[<from>]`, `import[<to>]`, `removed[<from>]` for the
   * blocks Terraform's JSON syntax writes as lists (the index when the address is not text).
   */
  readonly key: string;
  readonly kind: ElementKind;
  /** A resource's or data source's type; a provider's name. */
  readonly type?: string;
  readonly name: string;
  /** Its body as written, cdktf's `//` metadata left out. */
  readonly body: unknown;
  /** The cdktf construct path, from the metadata cdktf writes (resources and data sources). */
  readonly constructPath?: string;
}

/** How Terraform reads a string. */
export type StringMode =
  /** An expression position: literal text with `${…}` interpolations. */
  | "template"
  /** An address or reference without `${}` (`moved.from`, `import.to`, `provider = "azurerm.x"`). */
  | "bare"
  /** An address that only orders operations and carries no value (`depends_on`, `replace_triggered_by`). */
  | "order"
  /** Text Terraform never interpolates (a variable's default, backend settings, `ignore_changes`). */
  | "literal";

/** One string in an element, where it stands (a JSON path) and how Terraform reads it. */
export interface StringSite {
  readonly path: string;
  readonly text: string;
  readonly mode: StringMode;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withoutMetadata(value: unknown): unknown {
  if (!isObject(value) || !("//" in value)) {
    return value;
  }
  const { ["//"]: _metadata, ...rest } = value;
  return rest;
}

function constructPathOf(value: unknown): string | undefined {
  if (!isObject(value) || !isObject(value["//"])) {
    return undefined;
  }
  const metadata = value["//"].metadata;
  return isObject(metadata) && typeof metadata.path === "string" ? metadata.path : undefined;
}

/** The address a `moved`, `import` or `removed` block is about (`from`, `to`), which names it. */
function blockAddress(block: "moved" | "import" | "removed", body: unknown): string | undefined {
  const address = isObject(body) ? body[block === "import" ? "to" : "from"] : undefined;
  return typeof address === "string" ? address : undefined;
}

/** Every element of the document, in a stable order (blocks as written, names sorted by the writer). */
export function elementsOf(json: Json): Element[] {
  const out: Element[] = [];
  for (const [block, value] of Object.entries(json)) {
    if (block === "//") {
      continue;
    }
    switch (block) {
      case "resource":
      case "data":
        for (const [type, byName] of Object.entries(isObject(value) ? value : {})) {
          for (const [name, body] of Object.entries(isObject(byName) ? byName : {})) {
            out.push({ key: `${block}.${type}.${name}`, kind: block, type, name, body: withoutMetadata(body), constructPath: constructPathOf(body) });
          }
        }
        break;
      case "locals":
      case "variable":
      case "output":
      case "module":
      case "check":
        for (const [name, body] of Object.entries(isObject(value) ? value : {})) {
          const kind = block === "locals" ? "local" : block;
          out.push({ key: `${kind}.${name}`, kind, name, body: withoutMetadata(body), constructPath: constructPathOf(body) });
        }
        break;
      case "provider":
        for (const [type, configs] of Object.entries(isObject(value) ? value : {})) {
          (Array.isArray(configs) ? configs : [configs]).forEach((config, i) => {
            const alias = isObject(config) && typeof config.alias === "string" ? config.alias : undefined;
            const name = alias ?? (i === 0 ? "default" : `[${i}]`);
            out.push({ key: alias === undefined ? `provider.${type}` : `provider.${type}.${alias}`, kind: "provider", type, name, body: withoutMetadata(config) });
          });
        }
        break;
      case "terraform":
        out.push({ key: "terraform", kind: "terraform", name: "terraform", body: value });
        break;
      case "moved":
      case "import":
      case "removed":
        (Array.isArray(value) ? value : [value]).forEach((body, i) => {
          out.push({ key: `${block}[${blockAddress(block, body) ?? i}]`, kind: block, name: String(i), body: withoutMetadata(body) });
        });
        break;
      default:
        out.push({ key: block, kind: "other", name: block, body: value });
    }
  }
  return out;
}

/** The JSON path of an element, as messages show it (`resource.<type>.<name>`, `locals.<name>`, …). */
export function pathOf(element: Pick<Element, "key" | "kind">): string {
  return element.kind === "local" ? `locals.${element.key.slice("local.".length)}` : element.key;
}

/**
 * Where in an element a string is read as an address or as plain text rather than a template.
 * Keys are matched against the path inside the element's body, with list indices left out.
 */
function modeAt(element: Element, inner: readonly string[]): StringMode {
  const [first, second] = inner;
  const last = inner[inner.length - 1];
  switch (element.kind) {
    case "variable":
      // A default is a literal value; validations are expressions.
      return first === "validation" ? "template" : "literal";
    case "terraform":
      return "literal";
    case "moved":
      return first === "from" || first === "to" ? "bare" : "literal";
    case "removed":
      if (first === "from") {
        return "bare";
      }
      return first === "lifecycle" ? "literal" : "template";
    case "import":
      return first === "to" || first === "provider" ? "bare" : "template";
    case "module":
      if (first === "source" || first === "version") {
        return "literal";
      }
      if (first === "providers") {
        return "bare";
      }
      break;
    case "output":
      if (first === "description") {
        return "literal";
      }
      break;
    case "provider":
      if (first === "alias") {
        return "literal";
      }
      break;
    default:
      break;
  }
  if (first === "depends_on") {
    return "order";
  }
  if (first === "provider" && inner.length === 1) {
    return "bare";
  }
  if (first === "lifecycle") {
    if (second === "replace_triggered_by") {
      return "order";
    }
    if (second === "ignore_changes" || last === "prevent_destroy" || last === "create_before_destroy" || last === "destroy") {
      return "literal";
    }
  }
  return "template";
}

/**
 * Every string in the element: values and object keys (Terraform interpolates the keys of maps
 * too), each with its JSON path and how Terraform reads it.
 */
export function stringsOf(element: Element): StringSite[] {
  const sites: StringSite[] = [];
  const base = pathOf(element);
  const walk = (value: unknown, path: string, inner: string[]) => {
    if (typeof value === "string") {
      sites.push({ path, text: value, mode: modeAt(element, inner) });
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, inner));
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key === "//") {
          continue;
        }
        const keyPath = [...inner, key];
        if (key.includes("${") || key.includes("%{")) {
          sites.push({ path: `${path}.${key}`, text: key, mode: modeAt(element, keyPath) === "literal" ? "literal" : "template" });
        } else if (inner.length > 0 || element.kind === "local") {
          // Below the top level a key may be a map's (tags, a local's object), which can spell a
          // name out; attribute names at the top level cannot.
          sites.push({ path: `${path}.${key}`, text: key, mode: "literal" });
        }
        walk(item, `${path}.${key}`, keyPath);
      }
    }
  };
  walk(element.body, base, []);
  return sites;
}
