import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { BaselineViolation, deepFreeze, GuardPlan, OwnElement, PlannedToken } from "./plan";
import { touchViolations } from "./rules/outside-the-plan";
import { findTouches } from "./touches";
import { writeGeneration } from "../written-json";

/**
 * Building the plan from cdktf constructs: the one place of the guard that knows cdktf. What an
 * element will write is its `toTerraform()` (cdktf's public extension point), resolved in its stack
 * as the stack resolves it; taken when the construct is built, it is the plan.
 */

type Json = { readonly [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Resolves a value as `stack` writes it: every token to its Terraform expression. */
export function resolveIn(stack: TerraformStack): (value: unknown) => unknown {
  return (value) =>
    // Stryker disable next-line BooleanLiteral: preparing only makes cdktf note references to other stacks; the resolved value is the same
    Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

function withoutMetadata(value: unknown): unknown {
  if (!isObject(value) || !("//" in value)) {
    return value;
  }
  const { ["//"]: _metadata, ...rest } = value;
  return rest;
}

/** How one element the construct made is described in the plan. */
export interface OwnElementSpec {
  readonly element: TerraformElement;
  /** What it is, in words: `the integration's storage account`. */
  readonly role: string;
  /** The attributes that hold a client secret. */
  readonly secretAttributes?: readonly string[];
  /**
   * Resolve it now, and always compare what is written with that: for an element holding tokens
   * from outside the props `plannedTokens` checks (a grant's principal id, a stack prop), whose
   * values could change while the tokens stay the same.
   */
  readonly eager?: boolean;
}

/** A deep copy of the plain objects and arrays of a value; everything else (tokens, constructs) kept as it is. */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(copyPlain);
  }
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)]));
    }
  }
  return value;
}

/** Whether two unresolved fragments are the same: plain objects and arrays alike, every other value the very same. */
function sameFragment(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) {
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameFragment(item, b[i]));
  }
  const plain = (v: unknown): v is Json => isObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
  if (!plain(a) || !plain(b)) {
    return false;
  }
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameFragment(a[k], b[k]));
}

/**
 * Whether a stack has overrides of its own (`stack.addOverride`), which cdktf merges into the
 * written JSON after every element wrote itself. cdktf keeps them in the stack's `rawOverrides`
 * (an internal, pinned by __tests__/guard/capture.test.ts); if it ever is not there, every stack
 * counts as overridden, which only costs time.
 */
export function hasStackOverrides(stack: TerraformStack): boolean {
  const raw = (stack as unknown as { rawOverrides?: unknown }).rawOverrides;
  return !isObject(raw) || Object.keys(raw).length > 0;
}

/** The keys (as `elementsOf` keys them) of the blocks an unresolved `toTerraform()` fragment writes. */
function keysOf(fragment: unknown): string[] {
  const keys: string[] = [];
  for (const [block, value] of Object.entries(isObject(fragment) ? fragment : {})) {
    if (value === undefined || value === null) {
      continue;
    }
    if (block === "resource" || block === "data") {
      for (const [type, byName] of Object.entries(isObject(value) ? value : {})) {
        keys.push(...Object.keys(isObject(byName) ? byName : {}).map((name) => `${block}.${type}.${name}`));
      }
    } else if (block === "locals" || block === "output") {
      keys.push(...Object.keys(isObject(value) ? value : {}).map((name) => `${block === "locals" ? "local" : "output"}.${name}`));
    } else if (block === "provider" || block === "terraform") {
      // By provider type, or by setting of the terraform block (backend, required_providers, …).
      keys.push(...Object.keys(isObject(value) ? value : {}).map((name) => `${block}.${name}`));
    } else {
      // moved, import, removed, check, …: lists, by block (two writers of import blocks: no shortcut)
      keys.push(block);
    }
  }
  return keys;
}

/** What each planned element wrote last, and during which write of its stack. */
const WRITTEN = new WeakMap<TerraformElement, { readonly generation: number | undefined; readonly fragment: unknown }>();

/** Per written document: which elements of the stack write each key, and what each wrote (unresolved). */
const WRITERS = new WeakMap<object, { byKey: Map<string, TerraformElement[]>; fragments: Map<TerraformElement, unknown> }>();

/**
 * Who writes what in `stack` now, for the document `json` just written from it: every element of
 * the stack (as cdktf's `toTerraform` takes them) with its unresolved fragment, once per document.
 */
function writersOf(stack: TerraformStack, json: Json): { byKey: Map<string, TerraformElement[]>; fragments: Map<TerraformElement, unknown> } {
  let writers = WRITERS.get(json);
  if (writers === undefined) {
    writers = { byKey: new Map(), fragments: new Map() };
    for (const node of stack.node.findAll()) {
      if (!TerraformElement.isTerraformElement(node) || TerraformStack.of(node) !== stack) {
        continue;
      }
      // A planned element's fragment of this very write, else asked for now.
      const kept = WRITTEN.get(node);
      const generation = writeGeneration(stack);
      const fragment = kept !== undefined && generation !== undefined && kept.generation === generation ? kept.fragment : node.toTerraform();
      writers.fragments.set(node, fragment);
      for (const key of keysOf(fragment)) {
        writers.byKey.set(key, [...(writers.byKey.get(key) ?? []), node]);
      }
    }
    WRITERS.set(json, writers);
  }
  return writers;
}

/**
 * The plan's entries for an element: every block its `toTerraform()` writes now (a resource and,
 * when it has them, its `import` and `moved` blocks), keyed as `elementsOf` keys them.
 *
 * What is fixed now is the element's unresolved `toTerraform()`, copied. Its resolved body is
 * computed from that copy when it is first needed. At synthesis, an element whose `toTerraform`
 * (the same method as now) gives exactly that copy again, in a stack without overrides of its own,
 * is written exactly as the copy resolves: cdktf wrote it by resolving the same thing in the same
 * stack. Its `unchanged()` says so, and the guard then need not resolve it again (resolving is most
 * of what synthesis costs). The tokens in it that come from props are checked apart
 * (`plannedTokens`): a token's value may change while the token stays the same.
 */
export function captureElement(resolve: (value: unknown) => unknown, spec: OwnElementSpec): OwnElement[] {
  const element = spec.element;
  const stack = TerraformStack.of(element);
  const snapshot = deepFreeze(copyPlain(element.toTerraform()));
  // What the element writes is kept, each time it writes, with the stack's write it belongs to:
  // the guard then reads what cdktf just resolved instead of asking the element again.
  const original = element.toTerraform;
  const method = function (this: TerraformElement): unknown {
    const out = original.call(this) as unknown;
    WRITTEN.set(element, { generation: writeGeneration(stack), fragment: out });
    return out;
  } as TerraformElement["toTerraform"];
  Object.defineProperty(element, "toTerraform", { value: method, writable: true, configurable: true, enumerable: false });
  let resolved: { readonly value: unknown } | undefined;
  const fragment = (): unknown => (resolved ??= { value: resolve(snapshot) }).value;
  // The element is the only one that writes its keys (none replaced it, none shares its id), it is
  // written by the same method, and that gives what it gave when the plan was taken.
  const unchanged = (json: Json, keys: readonly string[]) => {
    if (element.toTerraform !== method || hasStackOverrides(stack)) {
      return false;
    }
    const writers = writersOf(stack, json);
    const only = (key: string) => (writers.byKey.get(key) ?? [element]).every((writer) => writer === element);
    return keys.every(only) && writers.fragments.has(element) && sameFragment(snapshot, writers.fragments.get(element));
  };
  if (spec.eager === true) {
    fragment();
  }
  const out: OwnElement[] = [];
  const constructPath = element.node.path;
  // The keys (as keysOf names them) whose writers decide what is written for an entry.
  const writerKeys = (key: string, kind: OwnElement["kind"], type: string): string[] =>
    kind === "provider" ? [`provider.${type === "provider" ? key.split(".")[1] : type}`] : kind === "terraform" ? ["terraform.backend", "terraform.cloud"] : kind === "import" || kind === "moved" || kind === "removed" ? [kind] : [key];
  const add = (key: string, kind: OwnElement["kind"], type: string, pick: (f: unknown) => unknown, role: string, secret: readonly string[]) => {
    const entry = { key, kind, type, role, constructPath, secretAttributes: Object.freeze([...secret]) } as OwnElement;
    let body: { readonly value: unknown } | undefined;
    Object.defineProperty(entry, "body", { enumerable: true, get: () => (body ??= { value: deepFreeze(withoutMetadata(pick(fragment()))) }).value });
    if (spec.eager !== true) {
      const keys = writerKeys(key, kind, type);
      Object.defineProperty(entry, "unchanged", { enumerable: false, value: (json: Json) => unchanged(json, keys) });
    } else {
      void entry.body;
    }
    // Frozen here, so that deepFreeze (which would run the getter) leaves it alone.
    out.push(Object.freeze(entry));
  };
  const at = (v: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>((cur, step) => (Array.isArray(cur) ? cur[step as number] : isObject(cur) ? cur[step as string] : undefined), v);
  for (const [block, value] of Object.entries(isObject(snapshot) ? snapshot : {})) {
    if (value === undefined || value === null) {
      continue;
    }
    switch (block) {
      case "resource":
      case "data":
        for (const [type, byName] of Object.entries(isObject(value) ? value : {})) {
          for (const name of Object.keys(isObject(byName) ? byName : {})) {
            add(`${block}.${type}.${name}`, block, type, (f) => at(f, block, type, name), spec.role, spec.secretAttributes ?? []);
          }
        }
        break;
      case "locals":
        for (const name of Object.keys(isObject(value) ? value : {})) {
          add(`local.${name}`, "local", "local", (f) => at(f, "locals", name), spec.role, []);
        }
        break;
      case "output":
        for (const name of Object.keys(isObject(value) ? value : {})) {
          add(`output.${name}`, "output", "output", (f) => at(f, "output", name), spec.role, []);
        }
        break;
      case "moved":
      case "import":
      case "removed": {
        const list = Array.isArray(value);
        (list ? value : [value]).forEach((body: unknown, i: number) => {
          const address = isObject(body) ? body[block === "import" ? "to" : "from"] : undefined;
          add(`${block}[${String(address)}]`, block, block, (f) => (list ? at(f, block, i) : at(f, block)), `the ${block} block of ${spec.role}`, []);
        });
        break;
      }
      case "provider":
        for (const [type, configs] of Object.entries(isObject(value) ? value : {})) {
          const list = Array.isArray(configs);
          (list ? configs : [configs]).forEach((config: unknown, i: number) => {
            const alias = isObject(config) && typeof config.alias === "string" ? config.alias : undefined;
            add(alias === undefined ? `provider.${type}` : `provider.${type}.${alias}`, "provider", "provider", (f) => (list ? at(f, "provider", type, i) : at(f, "provider", type)), spec.role, []);
          });
        }
        break;
      case "terraform":
        // The stack's backend: the rest of the block (required_version, required_providers) is
        // the whole stack's, not one element's.
        if (isObject(value) && (value.backend !== undefined || value.cloud !== undefined)) {
          add("terraform", "terraform", "terraform", (f) => ({ backend: at(f, "terraform", "backend") }), spec.role, []);
        }
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * A deep copy of props as given, read once: arrays and plain objects are copied, so a caller's
 * array changed after construction changes nothing; tokens and constructs (providers) are kept.
 */
export function copyProps<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map((item) => copyProps(item)) as T;
  }
  if (value !== null && typeof value === "object") {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyProps(v)])) as T;
    }
  }
  return value;
}

/**
 * Every value in `props` that holds a token, with how it resolves now and a way to resolve it
 * again. `skip` names props not to walk (constructs, literal-only lists).
 */
export function plannedTokens(props: object, resolve: (value: unknown) => unknown, skip: readonly string[]): PlannedToken[] {
  const out: PlannedToken[] = [];
  const text = (value: unknown) => JSON.stringify(resolve(value));
  const walk = (value: unknown, prop: string) => {
    if (Token.isUnresolved(value) || (typeof value === "string" && Token.isUnresolved(value))) {
      out.push({ prop, resolved: text(value), resolveNow: () => text(value) });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${prop}[${i}]`));
    } else if (isObject(value) && Object.getPrototypeOf(value) === Object.prototype) {
      for (const [key, item] of Object.entries(value)) {
        if (Token.isUnresolved(key)) {
          out.push({ prop: `${prop} (a key)`, resolved: text(key), resolveNow: () => text(key) });
        }
        walk(item, prop === "" ? key : `${prop}.${key}`);
      }
    }
  };
  for (const [key, value] of Object.entries(props)) {
    if (!skip.includes(key)) {
      walk(value, key);
    }
  }
  return out;
}

/** The elements in `scope`'s subtree. */
export function elementsIn(scope: IConstruct): TerraformElement[] {
  return scope.node.findAll().filter((n): n is TerraformElement => TerraformElement.isTerraformElement(n));
}

// ------------------------------------------------------------------------------------ the stack

/** Per stack, the integrations planned in it: each one's element keys and whether it is still in the tree. */
const INTEGRATIONS = new WeakMap<TerraformStack, { subject: string; keys: ReadonlySet<string>; attached: () => boolean }[]>();

/** Records an integration's plan in its stack, so that the others there leave its elements to it. */
export function registerPlan(stack: TerraformStack, plan: GuardPlan, attached: () => boolean): void {
  const list = INTEGRATIONS.get(stack) ?? [];
  list.push({ subject: plan.subject, keys: new Set(plan.elements.map((e) => e.key)), attached });
  INTEGRATIONS.set(stack, list);
}

/** The element keys other integrations of the stack planned, while they are in the tree (and so judged). */
export function plannedByOthers(stack: TerraformStack, subject: string): Set<string> {
  return new Set((INTEGRATIONS.get(stack) ?? []).filter((i) => i.subject !== subject && i.attached()).flatMap((i) => [...i.keys]));
}

/** Per stack, the elements the stack itself planned (an XshieldMdeStack's providers, backend and outputs). */
const STACK_ELEMENTS = new WeakMap<TerraformStack, readonly OwnElement[]>();

/**
 * Records the elements a stack made for its integration, once, when it is built: they are then
 * judged with the integration's own. A second call for the same stack is refused.
 */
export function planStackElements(stack: TerraformStack, specs: readonly OwnElementSpec[]): void {
  if (STACK_ELEMENTS.has(stack)) {
    throw new Error(`planStackElements: the elements of stack ${stack.node.path} are planned already.`);
  }
  const resolve = resolveIn(stack);
  STACK_ELEMENTS.set(stack, deepFreeze(specs.flatMap((spec) => captureElement(resolve, spec))));
}

/** The elements the stack planned, if it is one that plans any. */
export function stackElements(stack: TerraformStack): readonly OwnElement[] {
  return STACK_ELEMENTS.get(stack) ?? [];
}

// ------------------------------------------------------------------------------------ other stacks

/**
 * Elements of other stacks of the app that reach the integration through cdktf's cross-stack
 * references: cdktf gives the integration's stack an output per referenced value
 * (`cross-stack-output-…`) and the other stack a `terraform_remote_state` data source reading it.
 * Each such stack's JSON is read and analysed with those outputs as the integration's elements; a
 * stack whose own synthesis fails is left to report itself.
 */
export function otherStackViolations(stack: TerraformStack, json: { readonly [key: string]: unknown }, plan: GuardPlan, othersPlanned: ReadonlySet<string>): BaselineViolation[] {
  const analysis = findTouches(json, plan, othersPlanned);
  const carried = new Map<string, { what: string; secret: boolean }>();
  for (const t of [...analysis.harmless, ...analysis.touches]) {
    if (t.element.kind === "output" && t.element.name.startsWith("cross-stack-output-")) {
      carried.set(t.element.name, { what: `output ${t.element.name} of stack ${stack.node.path}, which ${t.how}`, secret: t.secret });
    }
  }
  if (carried.size === 0) {
    return [];
  }
  const consumers = App.of(stack)
    .node.findAll()
    .filter((n): n is TerraformStack => TerraformStack.isStack(n) && n !== stack && n.dependencies.includes(stack));
  const violations: BaselineViolation[] = [];
  for (const consumer of consumers) {
    let other: unknown;
    try {
      other = consumer.toTerraform();
    } catch {
      continue;
    }
    const data = isObject(other) && isObject(other.data) && isObject(other.data.terraform_remote_state) ? other.data.terraform_remote_state : {};
    const sources = new Map(
      Object.keys(data).map((name) => [
        `data.terraform_remote_state.${name}`,
        (rest: readonly (string | null)[]) => (rest[0] === "outputs" && typeof rest[1] === "string" ? carried.get(rest[1]) : undefined),
      ]),
    );
    const touches = findTouches(other as { readonly [key: string]: unknown }, { ...plan, elements: [] }, new Set(), sources).touches;
    violations.push(...touchViolations(touches, `${consumer.node.path}:`));
  }
  return violations;
}
