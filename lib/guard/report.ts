import { BASELINE_RULES, BaselineException, BaselineRule } from "../props";
import { BaselineViolation } from "./plan";

/** Thrown at synthesis when the secure baseline is broken without a reasoned exception. */
export class SecureBaselineError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "SecureBaselineError";
  }
}

/**
 * How an element is named in an exception: the address as a reference writes it
 * (`azurerm_role_assignment.x`, `data.t.n`, `local.n`, `output.n`, `module.n`), or the construct path
 * cdktf wrote for it.
 */
export function elementNames(element: BaselineViolation["element"]): string[] {
  const names = [element.key, addressOf(element.key)];
  if (element.constructPath !== undefined) {
    names.push(element.constructPath);
  }
  return [...new Set(names)];
}

/** The address a reference writes for an element key (`azurerm_x.n`, `var.n`; the others are their key). */
function addressOf(key: string): string {
  if (key.startsWith("resource.")) {
    return key.slice("resource.".length);
  }
  return key.startsWith("variable.") ? `var.${key.slice("variable.".length)}` : key;
}

/** Whether `exception` excuses `violation`. */
export function excuses(exception: BaselineException, violation: BaselineViolation): boolean {
  if (exception.rule !== undefined && exception.rule !== violation.rule) {
    return false;
  }
  if (exception.element !== undefined) {
    return elementNames(violation.element).includes(exception.element);
  }
  // A rule alone excuses that rule on the integration's own elements only: whatever else reaches
  // the integration is named one by one.
  return violation.element.own;
}

/** What to write to excuse a violation: the element's construct path when it has one. */
function suggestion(v: BaselineViolation): string {
  const name = v.element.constructPath ?? addressOf(v.element.key);
  return v.element.own
    ? `{ rule: "${v.rule}", reason: "…" }`
    : `{ element: ${JSON.stringify(name)}, reason: "…" }`;
}

/**
 * Throws a {@link SecureBaselineError} listing every violation no exception excuses, and every
 * exception that excuses nothing (an unused exception would silently let a later weakening
 * through). `subject` names the integration.
 */
export function report(subject: string, violations: readonly BaselineViolation[], exceptions: readonly BaselineException[]): void {
  const unexcused = violations.filter((v) => !exceptions.some((e) => excuses(e, v)));
  const unused = exceptions.map((e, index) => ({ e, index })).filter(({ e }) => !violations.some((v) => excuses(e, v)));
  if (unexcused.length === 0 && unused.length === 0) {
    return;
  }
  const lines = [
    ...unexcused.map((v) => `  - [${v.rule}] ${v.path}${v.element.constructPath !== undefined && !v.element.own ? ` (${v.element.constructPath})` : ""} ${v.message}`),
    ...unused.map(
      ({ e, index }) =>
        `  - baselineExceptions[${index}] (${[e.rule, e.element].filter((x) => x !== undefined).join(", ")}): nothing it names breaks the baseline, so the exception would only hide a later weakening; remove it.`,
    ),
  ];
  const rules = [...new Set(unexcused.map((v) => v.rule))] as BaselineRule[];
  const examples = [...new Set(unexcused.map(suggestion))];
  throw new SecureBaselineError(
    `Secure baseline violated in ${subject}; nothing was synthesized.\n` +
      lines.join("\n") +
      (rules.length > 0 ? `\nEach rule: ${rules.map((r) => `${r}: ${BASELINE_RULES[r]}`).join("; ")}.` : "") +
      (unexcused.length > 0
        ? `\nIf this is deliberate, add to the baselineExceptions prop of XshieldMdeIntegration, with a reason a reviewer understands: ${examples.join(", ")}; ` +
          "otherwise remove the override or element that causes it."
        : ""),
  );
}
