import type { BaselineRule } from "../props";

/**
 * How a rule judges the construct's own elements: for an attribute whose written value differs
 * from the planned one, the problems with it (none: it still keeps the rule, as a stronger TLS
 * version or fewer allowed addresses do). Each rule is a file of `rules/`; the engine that finds
 * the elements and their differences is `own.ts`.
 */

/** One problem: where below the attribute (`default_action` for `network_rules.default_action`), and what. */
export interface Problem {
  readonly at?: string;
  readonly message: string;
}

/** Judges one attribute of some element types. `"*"` stands for any type, or any attribute. */
export interface AttributeJudge {
  readonly types: readonly string[];
  readonly attribute: string;
  readonly problems: (written: unknown, planned: unknown) => readonly Problem[];
}

/** A rule of the secure baseline, as the guard applies it to the construct's own elements. */
export interface RuleDefinition {
  readonly rule: BaselineRule;
  readonly judges: readonly AttributeJudge[];
}

/** A value in a message: JSON, or `unset`. */
export function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/**
 * Any difference from the plan is a problem: `is …; planned ….` (with `why` after it), at the
 * deepest place the two differ (`storage_queue_endpoint.queue_name`), one problem per place.
 */
export function asPlanned(why = ""): (written: unknown, planned: unknown) => Problem[] {
  return (written, planned) =>
    differences(written, planned).map(({ at, w, p }) => ({ at, message: `is ${show(w)}; planned ${show(p)}${why === "" ? "" : ` ${why}`}.` }));
}

/** Any difference from the plan is a problem, shown whole (for values best read as one: a permission list). */
export function asPlannedWhole(why = ""): (written: unknown, planned: unknown) => Problem[] {
  return (written, planned) => [{ message: `is ${show(written)}; planned ${show(planned)}${why === "" ? "" : ` ${why}`}.` }];
}

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Where two JSON values differ: into objects key by key, into lists of the same length item by item. */
export function differences(written: unknown, planned: unknown, at?: string): { at?: string; w: unknown; p: unknown }[] {
  const below = (key: string) => (at === undefined ? key : `${at}.${key}`);
  if (isObject(written) && isObject(planned)) {
    return [...new Set([...Object.keys(planned), ...Object.keys(written)])]
      .sort()
      .flatMap((key) => (JSON.stringify(written[key]) === JSON.stringify(planned[key]) ? [] : differences(written[key], planned[key], below(key))));
  }
  if (Array.isArray(written) && Array.isArray(planned) && written.length === planned.length && written.length > 0) {
    return written.flatMap((item, i) => (JSON.stringify(item) === JSON.stringify(planned[i]) ? [] : differences(item, planned[i], `${at ?? ""}[${i}]`)));
  }
  return [{ at, w: written, p: planned }];
}

/** The written value must be one of `allowed`: `is …; the baseline requires ….` */
export function requires(allowed: readonly unknown[], words: string): (written: unknown) => Problem[] {
  return (written) => (allowed.includes(written) ? [] : [{ message: `is ${show(written)}; the baseline requires ${words}.` }]);
}

/** The single block a nested block is written as (`network_rules` as an object or a list of one), or why it is not one. */
export function singleBlock(value: unknown): { block: { [key: string]: unknown }; problem?: string } {
  const isObject = (v: unknown): v is { [key: string]: unknown } => typeof v === "object" && v !== null && !Array.isArray(v);
  if (Array.isArray(value)) {
    if (value.length === 1 && isObject(value[0])) {
      return { block: value[0] };
    }
    return value.length === 0 ? { block: {} } : { block: {}, problem: `is given ${value.length} times` };
  }
  return { block: isObject(value) ? value : {} };
}
