import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { defaultRotationMonths, maxRotationMonths } from "../lib/props";
import {
  calendarSlot,
  modelStep,
  Ledger,
  modelApply,
  modelCalendar,
  modelDueMonth,
  modelRefresh,
  ModelState,
  monthStartDate,
  Snapshot,
  standIn,
  START,
  synthWalkStack,
  terraformAvailable,
  TerraformDir,
  violations,
  walk,
  WalkedIntegration,
  WalkStep,
} from "./support/rotation-walk";

// The claim (README, "Secret rotation without an outage"): two client secrets take turns. With an
// apply at least monthly, no apply replaces both, none deletes the newest secret or the one
// Xshield may still use before the rotation date it was told, every secret lives at most its
// lifetime and lasts until the next apply; a change of clientSecretExpiryMonths (E) or
// clientSecretRotationMonths (R) takes effect at the older slot's next renewal; the outputs name
// the newest secret that exists, also after a refresh-only apply. Months are numbered
// year × 12 + month − 1.

const COMBINATIONS: [number, number][] = [];
for (let expiry = 3; expiry <= 24; expiry++) {
  for (let rotation = 1; rotation <= maxRotationMonths(expiry); rotation++) {
    COMBINATIONS.push([expiry, rotation]);
  }
}

/** The model's state as the integration's snapshot would show it, with an id per secret (what forces a new one: its slot, renewal month and expiry). */
function modelSnapshot(s: ModelState): Snapshot {
  const slot = (name: "a" | "b") => ({ id: `${name}@${s[name].month}-${s[name].expiry}`, month: s[name].month, endDate: monthStartDate(s[name].expiry) });
  const a = slot("a");
  const b = slot("b");
  const [newest, older] = a.month > b.month ? [a, b] : [b, a];
  return {
    a,
    b,
    outputs: { slot: newest === a ? "a" : "b", secret: newest.id, expiresAt: newest.endDate, previousExpiresAt: older.endDate, nextRotationAt: monthStartDate(s.announced) },
  };
}

type Rule = (s: ModelState, month: number, lifetime: number, rotation: number) => { state: ModelState };

/** Walks the model (or another rule) month by month with the invariants checked after every apply and refresh. */
function walkModel(
  plan: { month: number; lifetime: number; rotation: number; refresh?: boolean; apply?: boolean }[],
  rule: Rule = modelApply,
): string[] {
  const found: string[] = [];
  const ledger = new Ledger();
  let state: ModelState | undefined;
  let before: Snapshot | undefined;
  for (const { month, lifetime, rotation, refresh, apply } of plan) {
    if (before !== undefined) {
      ledger.observe(before, month);
    }
    const steps: boolean[] = [...(refresh === true && state !== undefined ? [true] : []), ...(apply === false ? [] : [false])];
    for (const isRefresh of steps) {
      state = state === undefined ? modelCalendar(month, lifetime, rotation) : isRefresh ? modelRefresh(state, rotation) : rule(state, month, lifetime, rotation).state;
      const after = modelSnapshot(state);
      found.push(...violations(before, after, month, lifetime, ledger, isRefresh));
      ledger.record(after, month, lifetime);
      before = after;
    }
  }
  return found;
}

const monthly = (months: number, lifetime: number, rotation: number, start = START) =>
  Array.from({ length: months }, (_, k) => ({ month: start + k, lifetime, rotation }));

describe("the two-slot rotation, modelled month by month", () => {
  test("the defaults and the bounds are what the props say", () => {
    expect(defaultRotationMonths(24)).toBe(6);
    expect(defaultRotationMonths(3)).toBe(1);
    expect(maxRotationMonths(24)).toBe(11);
    expect(maxRotationMonths(3)).toBe(1);
    expect(COMBINATIONS.length).toBeGreaterThan(100);
  });

  test.each(COMBINATIONS)("lifetime %i, rotation every %i: 120 monthly applies keep every invariant and renew on the earlier versions' calendar", (lifetime, rotation) => {
    expect(walkModel(monthly(120, lifetime, rotation))).toEqual([]);
    // With the settings unchanged, the slots are renewed in the months the calendar of earlier
    // versions renewed them in: an upgrade changes nothing.
    let state = modelCalendar(START, lifetime, rotation);
    for (let month = START + 1; month < START + 120; month++) {
      state = modelApply(state, month, lifetime, rotation).state;
      expect([month, state.a.month, state.b.month]).toEqual([month, calendarSlot(month, rotation, "a"), calendarSlot(month, rotation, "b")]);
    }
  });

  test("any changes of lifetime and interval, with refresh-only applies between, keep every invariant", () => {
    const setting = fc.integer({ min: 3, max: 24 }).chain((lifetime) => fc.tuple(fc.constant(lifetime), fc.integer({ min: 1, max: maxRotationMonths(lifetime) })));
    fc.assert(
      fc.property(setting, fc.array(fc.tuple(fc.integer({ min: 1, max: 20 }), setting, fc.boolean()), { maxLength: 12 }), fc.integer({ min: 0, max: 30 }), (first, changes, start) => {
        const plan: { month: number; lifetime: number; rotation: number; refresh?: boolean }[] = [];
        let [lifetime, rotation] = first;
        let month = START + start;
        for (const [after, next, refresh] of [[6, first, false] as const, ...changes]) {
          for (let k = 0; k < after; k++) {
            plan.push({ month: month++, lifetime, rotation, refresh: refresh && k === 0 });
          }
          [lifetime, rotation] = next;
        }
        plan.push(...monthly(30, lifetime, rotation, month));
        expect(walkModel(plan)).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  test("a pause renews only the older slot; the newest, and the secret Xshield was told to use, are never deleted", () => {
    for (const [lifetime, rotation] of [[24, 6], [12, 5], [6, 2], [3, 1]]) {
      for (let pause = 2; pause <= 2 * rotation + 2; pause++) {
        const plan = monthly(60, lifetime, rotation).map((p) => ({ ...p, apply: p.month < START + 10 || p.month >= START + 10 + pause }));
        // A long pause may let a secret expire (the walk reports it); nothing else may go wrong.
        const found = walkModel(plan).filter((v) => !/expires on|holds a secret/.test(v));
        expect([lifetime, rotation, pause, found]).toEqual([lifetime, rotation, pause, []]);
      }
    }
  });

  test("the walk is not blind: the calendar of earlier versions, and a rule that ignores the announced date, are caught", () => {
    // Earlier versions: slot months from the calendar, where R 6 → 4 moves both in some months.
    const calendar: Rule = (_s, month, lifetime, rotation) => ({ state: modelCalendar(month, lifetime, rotation) });
    const change = bothMove(START + 1, 6, 4);
    const plan = [...monthly(change - START, 24, 6), ...monthly(12, 24, 4, change)];
    expect(walkModel(plan, calendar)).toContainEqual(expect.stringMatching(/replaced both secrets/));
    expect(walkModel(plan)).toEqual([]);
    // 24/6 → 12/3 with the calendar deletes the newest.
    expect(walkModel([...monthly(7, 24, 6), ...monthly(12, 12, 3, START + 7)], calendar)).toContainEqual(expect.stringMatching(/replaced both secrets/));
    expect(walkModel([...monthly(7, 24, 6), ...monthly(12, 12, 3, START + 7)])).toEqual([]);
    // Without the announcement, R 5 → 1 right after a rotation renews the secret Xshield may still use.
    const eager: Rule = (s, month, lifetime, rotation) => modelApply({ ...s, announced: 0 }, month, lifetime, rotation);
    const rotated = START + 1 + [...Array(12).keys()].find((k) => modelApply(modelCalendar(START, 12, 5), START + 1 + k, 12, 5).renewed !== undefined)!;
    const lower = [...monthly(rotated - START + 1, 12, 5), ...monthly(10, 12, 1, rotated + 1)];
    expect(walkModel(lower, eager)).toContainEqual(expect.stringMatching(/Xshield uses|before the announced/));
    expect(walkModel(lower)).toEqual([]);
  });

  test("the checks catch each broken promise in a state", () => {
    const ledger = new Ledger();
    const good = modelSnapshot(modelCalendar(START, 12, 3));
    ledger.record(good, START, 12);
    expect(violations(undefined, good, START, 12, ledger)).toEqual([]);
    const renewed = (s: Snapshot, slot: "a" | "b", month: number, end: string): Snapshot => ({ ...s, [slot]: { id: `new-${slot}`, month, endDate: end } });
    const older = good.a.month > good.b.month ? "b" : "a";
    const newest = older === "a" ? "b" : "a";
    const both = renewed(renewed(good, "a", START + 3, monthStartDate(START + 15)), "b", START + 2, monthStartDate(START + 14));
    expect(violations(good, both, START + 3, 12, ledger).join("\n")).toMatch(/replaced both secrets/);
    expect(violations(good, renewed(good, newest, START + 3, monthStartDate(START + 15)), START + 3, 12, ledger).join("\n")).toMatch(/deleted the secret that was newest/);
    expect(violations(good, good, START + 30, 12, ledger).join("\n")).toMatch(/expires on .* before the next monthly apply/);
    const tooLong = renewed(good, older, START + 3, monthStartDate(START + 3 + 13));
    expect(violations(good, tooLong, START + 3, 12, ledger).join("\n")).toMatch(/made in month .* with a lifetime of/);
    expect(violations(good, { ...good, outputs: { ...good.outputs, slot: older } }, START, 12, ledger).join("\n")).toMatch(/the outputs name slot/);
    expect(violations(good, { ...good, keyVault: { value: good[older].id, expirationDate: good.outputs.expiresAt } }, START, 12, ledger).join("\n")).toMatch(/Key Vault/);
    expect(violations(good, renewed(good, older, START + 1, monthStartDate(START + 13)), START + 1, 12, ledger, true).join("\n")).toMatch(/refresh-only apply replaced/);
  });

  test("the model's due month is the first month that meets the rule", () => {
    const s = { a: { month: 100, expiry: 124 }, b: { month: 106, expiry: 130 } };
    expect(modelDueMonth(s, 6, 0)).toBe(112);
    expect(modelDueMonth(s, 3, 0)).toBe(109);
    expect(modelDueMonth(s, 3, 112)).toBe(112); // announced later: kept
    expect(modelDueMonth({ ...s, a: { month: 100, expiry: 110 } }, 6, 0)).toBe(109); // the older expires first
    expect(modelDueMonth({ a: { month: 100, expiry: 130 }, b: { month: 106, expiry: 109 } }, 6, 0)).toBe(107); // the newest expires first
    expect(modelDueMonth({ ...s, a: { month: 100, expiry: 101 } }, 6, 0)).toBe(107); // never in the newest's month
  });
});

// ---- the synthesized configuration, applied by Terraform month by month

const describeWithTerraform = terraformAvailable() ? describe : describe.skip;

/**
 * The first month from `from` in which the calendar of earlier versions, with the interval
 * changed from `before` to `after`, moves both slots, though neither is due under `before`.
 */
function bothMove(from: number, before: number, after: number): number {
  for (let month = from; ; month++) {
    const moved = (["a", "b"] as const).every((slot) => calendarSlot(month - 1, before, slot) !== calendarSlot(month, after, slot));
    const due = (["a", "b"] as const).some((slot) => calendarSlot(month, before, slot) === month);
    if (moved && !due) {
      return month;
    }
  }
}

/**
 * The default walk: 27 monthly applies of two integrations in one stack and one state. The
 * stack's own (with a Key Vault copy) goes 24/6 → 24/4 in a month where the calendar of earlier
 * versions would replace both secrets, then → 12/3. The second starts as an earlier version
 * without the memory (an upgrade), then, right after a rotation, drops its interval 5 → 1, later
 * goes 3/1 and then 24/11. Refresh-only applies run in months a slot is due, and one apply fails
 * after a secret was replaced. ROTATION_WALK_YEARS=10 (say) adds a seeded random walk of four
 * integrations for that many years.
 */
function scriptedWalk(): { steps: WalkStep[]; bothMoved: number; lowered: number; failing: number } {
  const bothMoved = bothMove(START + 3, 6, 4);
  const lowered = START + 9;
  const configs = (month: number): WalkedIntegration[] => [
    month < bothMoved
      ? { id: "integration", lifetime: 24, rotation: 6, keyVault: true }
      : month < bothMoved + 8
        ? { id: "integration", lifetime: 24, rotation: 4, keyVault: true }
        : { id: "integration", lifetime: 12, rotation: 3, keyVault: true },
    month < lowered
      ? { id: "second", lifetime: 12, rotation: 5, remembers: month >= START + 3 }
      : month < lowered + 7
        ? { id: "second", lifetime: 12, rotation: 1 }
        : month < lowered + 11
          ? { id: "second", lifetime: 3, rotation: 1 }
          : { id: "second", lifetime: 24, rotation: 11 },
  ];
  // Where the model renews, to put refresh-only applies and the failing apply there.
  const renewals: { [id: string]: number[] } = {};
  const state = new Map<string, ModelState>();
  const remembers = new Map<string, boolean>();
  const months = Array.from({ length: 27 }, (_, k) => START + k);
  for (const month of months) {
    for (const i of configs(month)) {
      const before = state.get(i.id);
      const after = modelStep(before, remembers.get(i.id) === true, i, month);
      if (before !== undefined && (before.a.month !== after.a.month || before.b.month !== after.b.month)) {
        (renewals[i.id] ??= []).push(month);
      }
      state.set(i.id, after);
      remembers.set(i.id, i.remembers !== false);
    }
  }
  const failing = renewals.integration.find((m) => m >= bothMoved + 8)!;
  const refreshes = new Set([...renewals.integration.slice(0, 2), ...renewals.second.slice(0, 3), bothMoved]);
  const steps = months.flatMap((month): WalkStep[] => [
    ...(refreshes.has(month) ? [{ month, integrations: configs(month), kind: "refresh" as const }] : []),
    { month, integrations: configs(month), kind: month === failing ? "failing-apply" : "apply" },
  ]);
  return { steps, bothMoved, lowered, failing };
}

/** A seeded random walk: every integration changes its lifetime or interval now and then; refresh-only applies at random. */
function randomWalk(years: number, seed: number): WalkStep[] {
  let x = seed;
  const random = () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
  const pick = (): [number, number] => {
    const lifetime = 3 + Math.floor(random() * 22);
    return [lifetime, 1 + Math.floor(random() * maxRotationMonths(lifetime))];
  };
  const settings = ["integration", "second", "third", "fourth"].map((id) => ({ id, setting: pick() }));
  const steps: WalkStep[] = [];
  for (let month = START; month < START + years * 12; month++) {
    for (const s of settings) {
      if (random() < 0.08) {
        s.setting = pick();
      }
    }
    const integrations = settings.map(({ id, setting: [lifetime, rotation] }) => ({ id, lifetime, rotation, keyVault: id === "third" }));
    if (random() < 0.15 && month > START) {
      steps.push({ month, integrations, kind: "refresh" });
    }
    steps.push({ month, integrations });
  }
  return steps;
}

describeWithTerraform("the synthesized rotation, applied by Terraform with terraform_data stand-ins and real local state (skipped without terraform)", () => {
  const dirs: string[] = [];
  /** A fresh directory with the stand-in of these integrations written and Terraform initialised. */
  const initialised = (integrations: readonly WalkedIntegration[]): TerraformDir => {
    const dir = mkdtempSync(join(tmpdir(), "rotation-walk-"));
    dirs.push(dir);
    const tf = new TerraformDir(dir);
    tf.write(standIn(synthWalkStack(integrations), integrations).config);
    tf.init();
    return tf;
  };
  /** Walks the steps and expects every promise kept, each state as the model says. */
  const walkKept = (steps: readonly WalkStep[], tf = initialised(steps[0].integrations)) => {
    const result = walk(tf, steps);
    expect(result.violations).toEqual([]);
    expect(result.disagreements).toEqual([]);
    return result;
  };
  afterAll(() => {
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the stand-in is made from the synthesized JSON: each secret's ForceNew attributes, the memory and its read-back, every rotation output", () => {
    const integrations = [{ id: "integration", lifetime: 24, rotation: 6 }, { id: "second", lifetime: 12, rotation: 3, keyVault: true }];
    const json = synthWalkStack(integrations);
    const { config, names } = standIn(json, integrations);
    const resources = (config.resource as { terraform_data: { [name: string]: { triggers_replace?: { [k: string]: unknown } } } }).terraform_data;
    for (const n of names) {
      for (const slot of [n.a, n.b]) {
        expect(Object.keys(resources[slot].triggers_replace ?? {}).sort()).toEqual(["display_name", "end_date", "rotate_when_changed"]);
        expect(JSON.stringify(resources[slot])).toMatch(/local\./);
      }
    }
    expect(names[1].keyVault).toBeDefined();
    // Two integrations in one state: each its own memory output and data source.
    const data = Object.keys((config.data as { terraform_remote_state: object }).terraform_remote_state);
    expect(data).toHaveLength(2);
    expect(new Set(names.map((n) => n.memory)).size).toBe(2);
    expect(JSON.stringify(config)).not.toMatch(/plantimestamp|azuread_|azurerm_/);
    // The stand-in refuses what it does not model, rather than walking something else.
    const withStart = { ...json, resource: { ...json.resource, azuread_application_password: { [names[0].a]: { ...json.resource.azuread_application_password[names[0].a], start_date: "x" } } } };
    expect(() => standIn(withStart, integrations.slice(0, 1))).toThrow(/does not model start_date/);
  });

  test("27 months, two integrations in one state, schedule changes, an upgrade, refresh-only and failing applies: every promise kept, as the model says", () => {
    const { steps, bothMoved, lowered, failing } = scriptedWalk();
    const result = walkKept(steps);
    // Where the calendar of earlier versions would have replaced both, nothing was replaced.
    expect(result.renewals.integration).not.toContain(bothMoved);
    // The second renewed nothing before the date it had announced under R = 5, R = 1 notwithstanding.
    expect(result.renewals.second).toContain(lowered - 1);
    expect(result.renewals.second.filter((m) => m >= lowered)[0]).toBe(lowered - 1 + 5);
    // The failing apply had replaced a secret, and the next one went on from it.
    expect(result.renewals.integration).toContain(failing);
    // Both rotated, several times.
    expect(result.renewals.integration.length).toBeGreaterThanOrEqual(4);
    expect(result.renewals.second.length).toBeGreaterThanOrEqual(6);
  }, 60_000);

  test("a new workspace starts from the calendar and then remembers its own slots (its state lives under terraform.tfstate.d)", () => {
    const before: WalkedIntegration[] = [{ id: "integration", lifetime: 24, rotation: 6 }];
    const after: WalkedIntegration[] = [{ id: "integration", lifetime: 24, rotation: 4 }];
    const month = bothMove(START + 2, 6, 4);
    const tf = initialised(before);
    tf.newWorkspace("staging");
    const steps = [month - 2, month - 1, month, month + 1].map((m) => ({ month: m, integrations: m < month ? before : after }));
    const result = walkKept(steps, tf);
    expect(result.renewals.integration ?? []).not.toContain(month);
  });

  test("the walk is not blind: without the memory (earlier versions' calendar), the same change replaces both secrets", () => {
    const month = bothMove(START + 1, 6, 4);
    const old = (rotation: number): WalkedIntegration[] => [{ id: "integration", lifetime: 24, rotation, remembers: false }];
    const result = walk(initialised(old(6)), [
      { month: month - 1, integrations: old(6) },
      { month, integrations: old(4) },
    ]);
    expect(result.violations.join("\n")).toMatch(/replaced both secrets/);
  });

  const years = Number(process.env.ROTATION_WALK_YEARS ?? "0");
  (years > 0 ? test : test.skip)(`a random walk of ROTATION_WALK_YEARS (${years}) years`, () => {
    walkKept(randomWalk(years, Number(process.env.ROTATION_WALK_SEED ?? "20261101")));
  }, 600_000);
});
