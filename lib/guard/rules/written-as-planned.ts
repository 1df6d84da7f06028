import { asPlanned, Problem, RuleDefinition, show } from "../rule";

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A lifecycle may only add `prevent_destroy = true`; anything else, `ignore_changes` above all
 * (a change made outside Terraform would never be corrected), differs from the plan.
 */
function lifecycleProblems(written: unknown, planned: unknown): Problem[] {
  const w = isObject(written) ? written : {};
  const p = isObject(planned) ? planned : {};
  const problems: Problem[] = [];
  for (const key of new Set([...Object.keys(w), ...Object.keys(p)])) {
    if (JSON.stringify(w[key]) === JSON.stringify(p[key]) || (key === "prevent_destroy" && w[key] === true)) {
      continue;
    }
    problems.push(
      key === "ignore_changes"
        ? { at: key, message: `lists ${show(w[key])}, so a change made outside Terraform there would never be corrected.` }
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
    { types: ["*"], attribute: "provider", problems: asPlanned("(the provider the integration was given, or the stack's default)") },
    { types: ["*"], attribute: "*", problems: asPlanned() },
  ],
};
