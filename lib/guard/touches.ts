import { Element, elementsOf, StringSite, stringsOf } from "./elements";
import { Constant, ConstantLookup, HOLE, readBareExpression, readTemplateString, Step, Traversal } from "./expressions";
import { GuardPlan, OwnElement, referenceOf } from "./plan";

/**
 * The touch analysis: which elements outside the plan reach the integration. An element *touches*
 * the integration when any of its expressions refers to an element the construct made (any
 * attribute, or the element as a whole), directly or through other elements — locals, variables,
 * data sources, outputs, modules, any resource: the taint spreads transitively — or when it spells
 * out the name of one of the integration's resources (after folding constant interpolations, in
 * any case). It *copies the secret* when what it reaches includes a client secret: a secret
 * attribute, a secret element as a whole (index, splat, `lookup`, `jsonencode` …), or an element
 * that itself copies the secret.
 *
 * Addresses that only order operations (`depends_on`, `replace_triggered_by`) carry no value and
 * are not touches.
 */

type Json = { readonly [key: string]: unknown };

/** One element outside the plan that reaches the integration. */
export interface Touch {
  readonly element: Element;
  /** Whether it copies a client secret. */
  readonly secret: boolean;
  /** What it reaches and how, in words: `refers to local.x, which refers to azurerm_storage_account.y.id (the integration's storage account)`. */
  readonly how: string;
}

/** The result of the analysis. */
export interface TouchAnalysis {
  /** Elements that touch the integration and are not one of the harmless forms. */
  readonly touches: readonly Touch[];
  /**
   * Harmless forms that touch it (locals, variables and outputs of non-secret values; a sensitive
   * output of exactly the secret): allowed, and still followed by the taint.
   */
  readonly harmless: readonly Touch[];
}

/** A reference from one element to another, with the steps after the element's own address. */
interface Edge {
  readonly key: string;
  readonly rest: readonly Step[];
  readonly text: string;
}

/** The element key a traversal refers to, and the steps after that element's address. */
export function keyOfTraversal(t: Traversal): { key: string; rest: readonly Step[] } | undefined {
  const [a, b] = t.steps;
  switch (t.root) {
    case "data":
      return typeof a === "string" && typeof b === "string" ? { key: `data.${a}.${b}`, rest: t.steps.slice(2) } : undefined;
    case "local":
    case "var":
    case "module":
      return typeof a === "string"
        ? { key: `${t.root === "var" ? "variable" : t.root}.${a}`, rest: t.steps.slice(1) }
        : undefined;
    case "each":
    case "count":
    case "self":
    case "path":
    case "terraform":
      return undefined;
    default:
      return typeof a === "string" ? { key: `resource.${t.root}.${a}`, rest: t.steps.slice(1) } : undefined;
  }
}

/** `a.b.c` of a traversal, as written (other steps as `[…]`). */
function spell(t: Traversal): string {
  return [t.root, ...t.steps].map((s, i) => (s === null ? "[…]" : i === 0 ? s : `.${s}`)).join("");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The spelled-out names to look for, each with the words for it and where it counts. */
interface NamePattern {
  readonly pattern: RegExp;
  readonly what: string;
  readonly applies: (element: Element) => boolean;
}

function namePatterns(plan: GuardPlan): NamePattern[] {
  const patterns: NamePattern[] = [];
  const { storageAccount, resourceGroup, applicationDisplayName } = plan.names;
  if (storageAccount !== undefined) {
    patterns.push({
      pattern: new RegExp(`(?:^|[^a-z0-9])${escapeRegExp(storageAccount)}(?![a-z0-9])`, "i"),
      what: `the name of the integration's storage account, "${storageAccount}"`,
      applies: () => true,
    });
  }
  if (resourceGroup !== undefined) {
    patterns.push({
      pattern: new RegExp(`(?:^|[^A-Za-z0-9_.()-])${escapeRegExp(resourceGroup)}(?![A-Za-z0-9_.()-])`, "i"),
      what: `the name of the integration's resource group, "${resourceGroup}"`,
      applies: () => true,
    });
  }
  if (applicationDisplayName !== undefined) {
    patterns.push({
      pattern: new RegExp(`(?:^|[^A-Za-z0-9])${escapeRegExp(applicationDisplayName)}(?![A-Za-z0-9])`, "i"),
      what: `the display name of the integration's application, "${applicationDisplayName}"`,
      // A display name is not unique and is a person's words: it names the application only where
      // something looks objects up by it (an Entra data source, a Microsoft Graph call).
      applies: (e) => e.type !== undefined && ((e.kind === "data" && e.type.startsWith("azuread_")) || e.type.startsWith("msgraph_")),
    });
  }
  return patterns;
}

/** Constant values of locals and variable defaults, for folding (cycles fold to nothing). */
function constantLookup(json: Json): ConstantLookup {
  const locals = isObject(json.locals) ? json.locals : {};
  const variables = isObject(json.variable) ? json.variable : {};
  const memo = new Map<string, Constant | undefined>();
  const lookup: ConstantLookup = (t) => {
    if (t.steps.length !== 1 || typeof t.steps[0] !== "string" || (t.root !== "local" && t.root !== "var")) {
      return undefined;
    }
    const id = `${t.root}.${t.steps[0]}`;
    if (memo.has(id)) {
      return memo.get(id);
    }
    memo.set(id, undefined);
    let raw: unknown;
    if (t.root === "local") {
      raw = locals[t.steps[0]];
    } else {
      const variable = variables[t.steps[0]];
      raw = isObject(variable) ? variable.default : undefined;
    }
    let value: Constant | undefined;
    if (typeof raw === "string") {
      const folded = t.root === "var" ? raw : readTemplateString(raw, lookup).folded;
      value = folded.includes(HOLE) ? undefined : folded;
    } else if (typeof raw === "number" || typeof raw === "boolean") {
      value = raw;
    } else if (Array.isArray(raw) && raw.every((x) => typeof x === "string" && !x.includes("${"))) {
      value = raw as string[];
    }
    memo.set(id, value);
    return value;
  };
  return lookup;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a reference to an own element, with these steps after its address, reaches a secret. */
function reachesSecret(own: OwnElement, rest: readonly Step[]): boolean {
  if (own.secretAttributes.length === 0) {
    return false;
  }
  const first = rest[0];
  return typeof first !== "string" || own.secretAttributes.includes(first);
}

/** Reads what every element outside the plan refers to and spells out. */
function readElements(elements: readonly Element[], own: ReadonlySet<string>, lookup: ConstantLookup, names: readonly NamePattern[]) {
  const edges = new Map<string, Edge[]>();
  const spelled = new Map<string, string>();
  for (const element of elements) {
    if (own.has(element.key)) {
      continue;
    }
    const list: Edge[] = [];
    const patterns = names.filter((n) => n.applies(element));
    for (const site of stringsOf(element)) {
      const text = readSite(site, lookup, list);
      if (!spelled.has(element.key)) {
        const hit = patterns.find((p) => p.pattern.test(text));
        if (hit !== undefined) {
          spelled.set(element.key, `spells out ${hit.what} (at ${site.path})`);
        }
      }
    }
    edges.set(element.key, list);
  }
  return { edges, spelled };
}

/** Adds a site's references to `edges`; returns its folded text, to look for names in. */
function readSite(site: StringSite, lookup: ConstantLookup, edges: Edge[]): string {
  if (site.mode === "literal" || site.mode === "order") {
    return site.text;
  }
  const reading = site.mode === "bare" ? readBareExpression(site.text) : readTemplateString(site.text, lookup);
  for (const t of reading.traversals) {
    const target = keyOfTraversal(t);
    if (target !== undefined) {
      edges.push({ ...target, text: spell(t) });
    }
  }
  return reading.folded;
}

/**
 * Whether a touching output, local or variable is one of the harmless forms: it names a value and
 * passes it on, and it is not a copy of the secret — or it is a sensitive output of exactly the
 * construct's secret expression (not one cdktf made to hand a value to another stack).
 */
function isHarmless(element: Element, secret: boolean, plan: GuardPlan, own: ReadonlyMap<string, OwnElement>): boolean {
  if (element.kind === "moved") {
    // Moving another address's state into one of the integration's (cdktf's moveFromId): the
    // element there is then written as planned. Moving state away from one is not harmless.
    const body = isObject(element.body) ? element.body : {};
    const address = (text: unknown) => (typeof text === "string" ? readBareExpression(text).traversals.map(keyOfTraversal)[0]?.key : undefined);
    const to = address(body.to);
    const from = address(body.from);
    return to !== undefined && own.has(to) && (from === undefined || !own.has(from));
  }
  if (element.kind !== "output" && element.kind !== "local" && element.kind !== "variable") {
    return false;
  }
  if (!secret) {
    return true;
  }
  if (element.kind !== "output" || !isObject(element.body) || element.name.startsWith("cross-stack-output-")) {
    return false;
  }
  const { value, sensitive } = element.body;
  const exact = [...own.values()]
    .filter((o) => o.secretAttributes.includes("value") && o.kind === "resource" && o.type === "azuread_application_password")
    .map((o) => `\${${referenceOf(o.key)}.value}`);
  return sensitive === true && typeof value === "string" && (plan.secretExpressions.includes(value) || exact.includes(value));
}

/**
 * Finds every element of `json` outside the plan that touches the integration.
 *
 * @param othersPlanned keys of elements other integrations in the same stack planned
 * @param extraSources references that stand for the integration although no own element is
 *   written in this document (another stack's view of it): key → words and whether it carries the secret
 */
export function findTouches(
  json: Json,
  plan: GuardPlan,
  othersPlanned: ReadonlySet<string> = new Set(),
  extraSources: ReadonlyMap<string, (rest: readonly Step[]) => { what: string; secret: boolean } | undefined> = new Map(),
): TouchAnalysis {
  // The same frozen document, plan and neighbours, asked twice in a row (a stack's own check, then
  // the look at stacks that read it): the same answer, computed once.
  if (extraSources.size === 0 && Object.isFrozen(json) && last !== undefined && last.json === json && last.plan === plan && last.othersPlanned === othersPlanned) {
    return last.analysis;
  }
  const analysis = analyse(json, plan, othersPlanned, extraSources);
  last = extraSources.size === 0 ? { json, plan, othersPlanned, analysis } : undefined;
  return analysis;
}

/** The last analysis {@link findTouches} made without extra sources, and what it was of. */
let last: { readonly json: Json; readonly plan: GuardPlan; readonly othersPlanned: ReadonlySet<string>; readonly analysis: TouchAnalysis } | undefined;

function analyse(
  json: Json,
  plan: GuardPlan,
  othersPlanned: ReadonlySet<string>,
  extraSources: ReadonlyMap<string, (rest: readonly Step[]) => { what: string; secret: boolean } | undefined>,
): TouchAnalysis {
  // Elements another integration of the stack planned are judged by that integration's guard,
  // against its own plan; here they are neither sources nor suspects.
  const elements = elementsOf(json).filter((e) => !othersPlanned.has(e.key));
  const own = new Map(plan.elements.map((e) => [e.key, e]));
  const ownKeys = new Set(own.keys());
  const { edges, spelled } = readElements(elements, ownKeys, constantLookup(json), namePatterns(plan));

  // What each element reaches directly.
  const reached = new Map<string, { how: string; secret: boolean }>();
  for (const element of elements) {
    if (ownKeys.has(element.key)) {
      continue;
    }
    let how: string | undefined;
    let secret = false;
    for (const edge of edges.get(element.key) ?? []) {
      const target = own.get(edge.key);
      const extra = target === undefined ? extraSources.get(edge.key)?.(edge.rest) : undefined;
      if (target !== undefined || extra !== undefined) {
        const carries = target !== undefined ? reachesSecret(target, edge.rest) : extra!.secret;
        // The first secret reference is the one to name, else the first reference.
        if (how === undefined || (carries && !secret)) {
          how = `refers to ${edge.text} (${target !== undefined ? target.role : extra!.what})`;
        }
        secret = secret || carries;
      }
    }
    if (how === undefined && spelled.has(element.key)) {
      how = spelled.get(element.key);
    }
    if (how !== undefined) {
      reached.set(element.key, { how, secret });
    }
  }

  // Through other elements, until nothing changes: an element that refers to a touching one
  // touches too, and copies the secret when that one does.
  let changed = true;
  while (changed) {
    changed = false;
    for (const element of elements) {
      if (ownKeys.has(element.key)) {
        continue;
      }
      const current = reached.get(element.key);
      for (const edge of edges.get(element.key) ?? []) {
        const via = reached.get(edge.key);
        if (via === undefined || edge.key === element.key) {
          continue;
        }
        if (current === undefined || (via.secret && !current.secret)) {
          reached.set(element.key, { how: `refers to ${edge.text}, which ${via.how}`, secret: via.secret || (current?.secret ?? false) });
          changed = true;
          break;
        }
      }
    }
  }

  const touches: Touch[] = [];
  const harmless: Touch[] = [];
  for (const element of elements) {
    const r = reached.get(element.key);
    if (r === undefined) {
      continue;
    }
    const touch = { element, secret: r.secret, how: r.how };
    (isHarmless(element, r.secret, plan, own) ? harmless : touches).push(touch);
  }
  return { touches, harmless };
}
