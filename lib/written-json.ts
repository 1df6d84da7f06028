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

import { deepFreeze } from "./guard/plan";

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

/**
 * The adder of a hooked stack's checks, for another copy of this library: a frozen function under a
 * name both copies know, which can only append. The checks themselves live in the closure of the
 * first copy's hook, out of reach; no one can remove or reorder them.
 */
const ADD_CHECK = Symbol.for("xshield-mde-cdktf.addWrittenJsonCheck");

type Hooked = StackWithTerraformJson & { readonly [ADD_CHECK]?: unknown };

/** Per hooked stack, how many times it has started writing its JSON. */
const GENERATIONS = new WeakMap<StackWithTerraformJson, number>();

/**
 * Which write of a hooked stack's JSON is under way or was the last (1, 2, …; undefined before
 * the first): what an element wrote during this write is what the written JSON was made from.
 */
export function writeGeneration(stack: StackWithTerraformJson): number | undefined {
  return GENERATIONS.get(stack);
}

/** What a stack that failed a check writes while failures are collected: no element at all. */
const FAILED: TerraformJson = Object.freeze({});

/** Set while {@link collectingCheckFailures} runs: where failed checks go instead of stopping synthesis. */
let collecting: { readonly reportable: (error: unknown) => boolean; readonly failures: unknown[] } | undefined;

/**
 * Runs `work` (an app's synthesis) so that a check throwing an error `reportable` accepts does not
 * stop it: the error is kept, the stack writes `{}` instead of its JSON, and the next stack is
 * synthesized. Returns the kept errors, in the order of the stacks; whoever called this must then
 * refuse the output (every file written meanwhile). Only this module's own copy can turn this on.
 */
export function collectingCheckFailures(reportable: (error: unknown) => boolean, work: () => void): unknown[] {
  if (collecting !== undefined) {
    throw new Error("collectingCheckFailures: already collecting (an app is synthesized inside another's synthesis).");
  }
  const failures: unknown[] = [];
  collecting = { reportable, failures };
  try {
    work();
  } finally {
    collecting = undefined;
  }
  return failures;
}

/**
 * Runs `check` on every JSON the stack produces, before it is returned to whoever writes it.
 * The first call wraps the stack's `toTerraform()` and `toHclTerraform()` on the instance (as
 * read-only, non-configurable properties, so later code cannot swap them back); later calls, from
 * any copy of this library, append. The JSON is frozen before any check sees it, so no check can
 * change what is written after another has judged it. The HCL path computes the JSON once more to
 * check it: HCL is not the fast path.
 */
export function checkWrittenJson(stack: StackWithTerraformJson, check: WrittenJsonCheck): void {
  const add = (stack as Hooked)[ADD_CHECK];
  if (typeof add === "function") {
    (add as (c: WrittenJsonCheck) => void)(check);
    return;
  }
  const own = Object.getOwnPropertyDescriptor(stack, "toTerraform");
  if (own !== undefined && own.configurable === false) {
    throw new Error("checkWrittenJson: this stack's toTerraform was replaced by code that cannot be wrapped, so the secure-baseline guard cannot judge what it writes.");
  }
  const checks: WrittenJsonCheck[] = [check];
  const toTerraform = stack.toTerraform.bind(stack);
  const toHclTerraform = stack.toHclTerraform.bind(stack);
  const checked = (): TerraformJson => {
    GENERATIONS.set(stack, (GENERATIONS.get(stack) ?? 0) + 1);
    const json = deepFreeze(toTerraform() as TerraformJson);
    let failed = false;
    for (const c of checks) {
      try {
        c(json);
      } catch (error) {
        if (collecting === undefined || !collecting.reportable(error)) {
          throw error;
        }
        collecting.failures.push(error);
        failed = true;
      }
    }
    // A stack that failed a check, while failures are collected, writes nothing of its own.
    return failed ? FAILED : json;
  };
  const fixed = { writable: false, configurable: false, enumerable: false };
  Object.defineProperty(stack, ADD_CHECK, { ...fixed, value: Object.freeze((c: WrittenJsonCheck) => void checks.push(c)) });
  Object.defineProperty(stack, "toTerraform", { ...fixed, value: checked });
  Object.defineProperty(stack, "toHclTerraform", {
    ...fixed,
    value: () => {
      checked();
      return toHclTerraform();
    },
  });
}
