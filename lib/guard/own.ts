import { Element, elementsOf, pathOf, stringsOf } from "./elements";
import { readTemplateString } from "./expressions";
import { BaselineViolation, GuardPlan, OwnElement } from "./plan";
import { OWN_ELEMENT_RULES, judgeFor } from "./rules";
import { keyOfTraversal } from "./touches";

/**
 * The construct's own elements, judged against the plan: each must be written, at its own
 * address, and every attribute as planned — or differ only in a way its rule accepts. No own
 * element may copy a client secret where the plan did not put one.
 */

type Json = { readonly [key: string]: unknown };

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Object keys sorted, so two JSON values compare by content. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]])) : v,
  );
}

function containsKey(value: unknown, key: string): boolean {
  if (Array.isArray(value)) {
    return value.some((v) => containsKey(v, key));
  }
  return isObject(value) && Object.entries(value).some(([k, v]) => k === key || containsKey(v, key));
}

/** Where a planned element stands in the written document, if it is there. */
function writtenElements(json: Json): Map<string, Element> {
  return new Map(elementsOf(json).map((e) => [e.key, e]));
}

/** References in `value` that reach a client secret of the plan. */
function secretReferences(value: unknown, own: ReadonlyMap<string, OwnElement>, path: string): string[] {
  const found: string[] = [];
  const element: Element = { key: "resource.x.y", kind: "resource", type: "x", name: "y", body: { value } };
  for (const site of stringsOf(element)) {
    if (site.mode !== "template") {
      continue;
    }
    for (const t of readTemplateString(site.text).traversals) {
      const target = keyOfTraversal(t);
      const o = target === undefined ? undefined : own.get(target.key);
      if (o !== undefined && o.secretAttributes.length > 0) {
        const first = target!.rest[0];
        if (typeof first !== "string" || o.secretAttributes.includes(first)) {
          found.push(site.path.replace("resource.x.y.value", path));
        }
      }
    }
  }
  return found;
}

/** Every way the written JSON departs from the plan in the construct's own elements. */
export function judgeOwnElements(json: Json, plan: GuardPlan): BaselineViolation[] {
  const written = writtenElements(json);
  const own = new Map(plan.elements.map((e) => [e.key, e]));
  const violations: BaselineViolation[] = [];
  for (const planned of plan.elements) {
    const path = pathOf(planned);
    const element = { key: planned.key, constructPath: planned.constructPath, own: true };
    const actual = written.get(planned.key);
    if (actual === undefined) {
      violations.push({
        rule: "WrittenAsPlanned",
        path,
        message: `is missing from the synthesized configuration (${planned.role}: removed from the construct tree, renamed, or written elsewhere).`,
        element,
      });
      continue;
    }
    // Written exactly as the plan resolves, because the element still writes what it did then.
    if (planned.unchanged?.(json) === true) {
      continue;
    }
    const p = planned.kind === "local" ? { value: planned.body } : isObject(planned.body) ? planned.body : {};
    const w = planned.kind === "local" ? { value: actual.body } : isObject(actual.body) ? actual.body : {};
    // Of the terraform block, a stack plans only where its state lives (a backend, or a cloud block).
    const keys = planned.kind === "terraform" ? ["backend", "cloud"] : [...new Set([...Object.keys(p), ...Object.keys(w)])];
    for (const key of keys.sort()) {
      if (canonical(w[key]) === canonical(p[key])) {
        continue;
      }
      const at = planned.kind === "local" ? path : `${path}.${key}`;
      const { rule, judge } = judgeFor(OWN_ELEMENT_RULES, planned.type, key);
      for (const problem of judge.problems(w[key], p[key])) {
        const where = problem.at === undefined ? at : problem.at.startsWith("[") ? `${at}${problem.at}` : `${at}.${problem.at}`;
        violations.push({ rule: rule.rule, path: where, message: problem.message, element });
      }
      if (key !== "dynamic" && containsKey(w[key], "dynamic") && !containsKey(p[key], "dynamic")) {
        violations.push({ rule: "WrittenAsPlanned", path: `${path}.dynamic`, message: "is a dynamic block; the integration writes every block out in full.", element });
      }
      for (const where of secretReferences(w[key], own, at)) {
        violations.push({
          rule: "SecretLifetime",
          path: where,
          message: "copies the integration's client secret into an attribute the plan does not put it in; Terraform would write it to Azure in plain text.",
          element,
        });
      }
    }
  }
  return violations;
}
