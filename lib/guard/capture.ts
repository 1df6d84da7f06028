import { App, DefaultTokenResolver, StringConcat, TerraformElement, TerraformStack, Token, Tokenization } from "cdktf";
import { IConstruct } from "constructs";
import { BaselineViolation, deepFreeze, GuardPlan, OwnElement, PlannedToken } from "./plan";
import { touchViolations } from "./rules/outside-the-plan";
import { findTouches } from "./touches";

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
}

/**
 * The plan's entries for an element: every block its `toTerraform()` writes now (a resource and,
 * when it has them, its `import` and `moved` blocks), resolved, keyed as `elementsOf` keys them.
 */
export function captureElement(resolve: (value: unknown) => unknown, spec: OwnElementSpec): OwnElement[] {
  const fragment = resolve(spec.element.toTerraform());
  const out: OwnElement[] = [];
  const constructPath = spec.element.node.path;
  const add = (key: string, kind: OwnElement["kind"], type: string, body: unknown, role: string, secret: readonly string[]) =>
    out.push({ key, kind, type, role, constructPath, body: withoutMetadata(body), secretAttributes: secret });
  for (const [block, value] of Object.entries(isObject(fragment) ? fragment : {})) {
    if (value === undefined || value === null) {
      continue;
    }
    switch (block) {
      case "resource":
      case "data":
        for (const [type, byName] of Object.entries(isObject(value) ? value : {})) {
          for (const [name, body] of Object.entries(isObject(byName) ? byName : {})) {
            add(`${block}.${type}.${name}`, block, type, body, spec.role, spec.secretAttributes ?? []);
          }
        }
        break;
      case "locals":
        for (const [name, body] of Object.entries(isObject(value) ? value : {})) {
          add(`local.${name}`, "local", "local", body, spec.role, []);
        }
        break;
      case "output":
        for (const [name, body] of Object.entries(isObject(value) ? value : {})) {
          add(`output.${name}`, "output", "output", body, spec.role, []);
        }
        break;
      case "moved":
      case "import":
      case "removed":
        for (const body of Array.isArray(value) ? value : [value]) {
          const address = isObject(body) ? body[block === "import" ? "to" : "from"] : undefined;
          add(`${block}[${String(address)}]`, block, block, body, `the ${block} block of ${spec.role}`, []);
        }
        break;
      case "provider":
        for (const [type, configs] of Object.entries(isObject(value) ? value : {})) {
          for (const config of Array.isArray(configs) ? configs : [configs]) {
            const alias = isObject(config) && typeof config.alias === "string" ? config.alias : undefined;
            add(alias === undefined ? `provider.${type}` : `provider.${type}.${alias}`, "provider", "provider", config, spec.role, []);
          }
        }
        break;
      case "terraform":
        // The stack's backend: the rest of the block (required_version, required_providers) is
        // the whole stack's, not one element's.
        if (isObject(value) && (value.backend !== undefined || value.cloud !== undefined)) {
          add("terraform", "terraform", "terraform", { backend: value.backend }, spec.role, []);
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
