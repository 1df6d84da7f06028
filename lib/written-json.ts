/**
 * Checks on the JSON a stack writes. It leans on how cdktf writes a stack, so
 * `__tests__/written-json.test.ts` tests exactly that and fails the day cdktf changes under it.
 *
 * Every way cdktf turns a stack into Terraform goes through two public methods of the stack:
 * `toTerraform()` (the JSON that `app.synth()` writes, and what `Testing.synth` returns) and
 * `toHclTerraform()` (`cdktf synth --hcl`). Both run after every aspect, validation and override,
 * and `app.synth()` writes what `toTerraform()` returns unchanged. A check hooked onto these
 * methods of the stack *instance* therefore judges exactly what is written, whatever route a
 * change took, costs no second `toTerraform()`, and runs whichever copy of cdktf calls it (an
 * Aspect is stored under a per-copy symbol and would silently not run when a consumer's cdktf is
 * another copy than this library's).
 */

/** The resolved Terraform JSON of one stack, as `TerraformStack.toTerraform()` returns it. */
export interface TerraformJson {
  readonly [block: string]: unknown;
}

/** A check of a stack's final JSON; it throws to stop synthesis. */
export type WrittenJsonCheck = (json: TerraformJson) => void;

/** The part of a cdktf stack the hook needs (structural, so any copy of cdktf fits). */
export interface StackWithTerraformJson {
  toTerraform(): unknown;
  toHclTerraform(): unknown;
}

/** Shared across copies of this library, so two copies of it hook a stack only once. */
const CHECKS = Symbol.for("xshield-mde-cdktf.writtenJsonChecks");

/**
 * Runs `check` on every JSON the stack produces, before it is returned to whoever writes it.
 * The first call wraps the stack's `toTerraform()` and `toHclTerraform()` on the instance (as
 * read-only properties, so later code cannot quietly swap them back); later calls add checks.
 * The HCL path computes the JSON once more to check it: HCL is not the fast path.
 */
export function checkWrittenJson(stack: StackWithTerraformJson, check: WrittenJsonCheck): void {
  const holder = stack as StackWithTerraformJson & { [CHECKS]?: WrittenJsonCheck[] };
  const existing = holder[CHECKS];
  if (existing !== undefined) {
    existing.push(check);
    return;
  }
  const checks: WrittenJsonCheck[] = [check];
  const toTerraform = stack.toTerraform.bind(stack);
  const toHclTerraform = stack.toHclTerraform.bind(stack);
  const checked = (): TerraformJson => {
    const json = toTerraform() as TerraformJson;
    for (const c of checks) {
      c(json);
    }
    return json;
  };
  Object.defineProperty(stack, CHECKS, { value: checks });
  Object.defineProperty(stack, "toTerraform", { value: checked, writable: false, configurable: false });
  Object.defineProperty(stack, "toHclTerraform", {
    value: () => {
      checked();
      return toHclTerraform();
    },
    writable: false,
    configurable: false,
  });
}
