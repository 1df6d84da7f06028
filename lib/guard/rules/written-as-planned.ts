import { asPlanned, Problem, RuleDefinition, show } from "../rule";

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The entries of a written `ignore_changes` the plan does not have. */
function added(written: unknown, planned: unknown): unknown[] {
  const before = list(planned).map(String);
  return list(written).filter((entry) => !before.includes(String(entry)));
}

/** Whether `ignore_changes` adds nothing to the plan's but tags (which may change anyway: a policy's tags). */
function onlyTags(written: unknown, planned: unknown): boolean {
  const before = list(planned).map(String);
  return list(written).every((entry) => before.includes(String(entry)) || /^tags(?:$|[.[])/.test(String(entry)));
}

/**
 * A lifecycle may only add `prevent_destroy = true` and ignore changes of tags; anything else, `ignore_changes` above all
 * (a change made outside Terraform would never be corrected), differs from the plan.
 */
function lifecycleProblems(written: unknown, planned: unknown): Problem[] {
  const w = isObject(written) ? written : {};
  const p = isObject(planned) ? planned : {};
  const problems: Problem[] = [];
  for (const key of new Set([...Object.keys(w), ...Object.keys(p)])) {
    if (JSON.stringify(w[key]) === JSON.stringify(p[key]) || (key === "prevent_destroy" && w[key] === true) || (key === "ignore_changes" && onlyTags(w[key], p[key]))) {
      continue;
    }
    problems.push(
      key === "ignore_changes"
        ? { at: key, message: `lists ${show(added(w[key], p[key]))}, so a change made outside Terraform there would never be corrected.` }
        : { at: key, message: `is ${show(w[key])}; planned ${show(p[key])}.` },
    );
  }
  return problems;
}

/**
 * Every element of the integration is written once, at its own address, as planned: not removed,
 * without count, for_each, dynamic blocks or provisioners, with the provider and lifecycle it was
 * given. Tags may change (an organisation's tagging aspect); `prevent_destroy` may be added.
 */
export const WRITTEN_AS_PLANNED: RuleDefinition = {
  rule: "WrittenAsPlanned",
  judges: [
    { types: ["*"], attribute: "tags", problems: () => [] },
    { types: ["*"], attribute: "lifecycle", problems: lifecycleProblems },
    { types: ["*"], attribute: "dynamic", problems: () => [{ message: "is a dynamic block; the integration writes every block out in full." }] },
    ...["count", "for_each"].map((attribute) => ({
      types: ["*"],
      attribute,
      problems: (w: unknown) => [{ message: `is ${show(w)}; the integration writes one resource, without ${attribute}.` }],
    })),
    {
      types: ["*"],
      attribute: "provider",
      // Naming the default provider of the element's kind (`azuread`) is what leaving it unset means.
      problems: (w: unknown, p: unknown) =>
        p === undefined && typeof w === "string" && /^[a-z0-9]+$/.test(w) ? [] : asPlanned("(the provider the integration was given, or the stack's default)")(w, p),
    },
    {
      types: ["*"],
      attribute: "depends_on",
      // More dependencies only order operations; every planned one must stay.
      problems: (w: unknown, p: unknown) =>
        list(p).every((d) => list(w).includes(d)) ? [] : [{ message: `is ${show(w)}; planned ${show(p)} (a planned dependency is gone).` }],
    },
    { types: ["*"], attribute: "*", problems: asPlanned() },
  ],
};
