import { GuardPlan, BaselineViolation } from "./plan";
import { judgeOwnElements } from "./own";
import { report } from "./report";
import { touchViolations } from "./rules/outside-the-plan";
import { findTouches } from "./touches";

/**
 * The secure-baseline guard, default deny: the construct's own elements must be written as the
 * plan fixed when it was built (rules accept only stronger values), and nothing outside the plan may
 * refer to the integration or spell out its names, unless it is one of a few harmless forms (a
 * local, variable or output of non-secret values; a sensitive output of exactly the secret) or an
 * exception names it.
 *
 * The parts: `plan.ts` (what the construct made, frozen), `expressions.ts` (how Terraform reads a
 * string), `elements.ts` (the elements of a document), `touches.ts` (what reaches the integration),
 * `own.ts` with `rules/` (each rule's judgement of the construct's own attributes), `report.ts`
 * (exceptions and the error), `capture.ts` (building the plan from cdktf constructs).
 */

export { SecureBaselineError } from "./report";
export type { BaselineViolation, GuardPlan } from "./plan";

/** Every way the written JSON breaks the baseline for one integration, exceptions not applied. */
export function findViolations(
  json: { readonly [key: string]: unknown },
  plan: GuardPlan,
  othersPlanned: ReadonlySet<string> = new Set(),
): BaselineViolation[] {
  return [...judgeOwnElements(json, plan), ...touchViolations(findTouches(json, plan, othersPlanned).touches)];
}

/**
 * Throws a SecureBaselineError when the written JSON breaks the baseline without a reasoned
 * exception. `more` are violations found elsewhere (tokens that changed, other stacks).
 */
export function enforce(
  json: { readonly [key: string]: unknown },
  plan: GuardPlan,
  more: readonly BaselineViolation[] = [],
  othersPlanned: ReadonlySet<string> = new Set(),
): void {
  report(plan.subject, [...more, ...findViolations(json, plan, othersPlanned)], plan.exceptions);
}
