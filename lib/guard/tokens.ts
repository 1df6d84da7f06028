import { BaselineViolation, GuardPlan, OwnElement } from "./plan";

/**
 * Props given as tokens, as they resolve at synthesis. A token is resolved when the construct is
 * built, and that is the plan; only a reference to another stack's element legitimately resolves
 * differently later (cdktf replaces it with a read of that stack's remote state while it prepares
 * the stacks), and then the plan follows it. Any other difference is a token whose value changed
 * after the construct was built — a Lazy whose source was mutated — and is reported.
 */

const LONE_REFERENCE = /^"\$\{([A-Za-z_][\w-]*(?:\.[\w-]+|\["[^"]*"\])+)\}"$/;

/** Replaces a whole-word `from` with `to` in every string of `value`. */
function substitute(value: unknown, from: string, to: string): unknown {
  if (typeof value === "string") {
    return value.split(from).reduce((out, part, i) => {
      if (i === 0) {
        return part;
      }
      const prev = out.charAt(out.length - 1);
      const next = part.charAt(0);
      const whole = !/[\w.-]/.test(prev) && !/[\w-]/.test(next);
      return out + (whole ? to : from) + part;
    });
  }
  if (Array.isArray(value)) {
    return value.map((v) => substitute(v, from, to));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, from, to)]));
  }
  return value;
}

/** The plan with its tokens as they resolve now, and the tokens that changed otherwise. */
export function withCurrentTokens(plan: GuardPlan): { plan: GuardPlan; violations: BaselineViolation[] } {
  let elements: readonly OwnElement[] = plan.elements;
  const violations: BaselineViolation[] = [];
  for (const token of plan.tokens) {
    const now = token.resolveNow();
    if (now === token.resolved) {
      continue;
    }
    const before = LONE_REFERENCE.exec(token.resolved);
    const after = LONE_REFERENCE.exec(now);
    if (before !== null && after !== null && after[1].startsWith("data.terraform_remote_state.")) {
      // A plain copy with the new body (and no claim to be unchanged: its body is not the element's any more).
      elements = elements.map(({ key, kind, type, role, constructPath, secretAttributes, body }) => ({ key, kind, type, role, constructPath, secretAttributes, body: substitute(body, before[1], after[1]) }));
      continue;
    }
    violations.push({
      rule: "WrittenAsPlanned",
      path: plan.subject,
      message: `takes ${token.prop} from a token that resolved to ${token.resolved} when the integration was built and to ${now} now; the plan is fixed when the construct is built, so give a value that does not change afterwards.`,
      element: { key: plan.subject, constructPath: plan.subject, own: true },
    });
  }
  return { plan: elements === plan.elements ? plan : { ...plan, elements }, violations };
}
