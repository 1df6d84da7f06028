import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { defaultRotationMonths, maxRotationMonths } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS } from "./support/synth";

// The claim: two client secrets take turns. With an apply at least every clientSecretRotationMonths
// (R), no apply renews both, every secret lives at most clientSecretExpiryMonths (E), a newer
// secret always exists long before the one Xshield uses expires, and the one Xshield uses stays
// valid for R months after the next one appears. Months are numbered year × 12 + month − 1.

/** The schedule as stated in words, not as the construct computes it: search back for the due month. */
function latestDueMonth(month: number, rotation: number, slot: "a" | "b"): number {
  const offset = slot === "a" ? 0 : rotation;
  for (let m = month; ; m--) {
    if ((((m - offset) % (2 * rotation)) + 2 * rotation) % (2 * rotation) === 0) {
      return m;
    }
  }
}

interface Secret {
  readonly createdMonth: number;
  /** First month in which it is no longer valid (it expires at the start of that month). */
  readonly expiresMonth: number;
}

interface Walk {
  readonly violations: string[];
  /** Applies that renewed both slots, with the months since the apply before. */
  readonly doubleRenewals: { month: number; gap: number }[];
}

/**
 * Walks `months` months from `start`, applying in the months `applies` picks, and checks every
 * invariant at every month. Xshield's operator enters the newest secret as late as allowed: in the
 * last month before the next rotation.
 */
function walk(
  expiry: number,
  rotation: number,
  start: number,
  months: number,
  applies: (month: number) => boolean,
  dueMonth: (month: number, rotation: number, slot: "a" | "b") => number = latestDueMonth,
): Walk {
  const violations: string[] = [];
  const doubleRenewals: { month: number; gap: number }[] = [];
  const slots: { a?: Secret & { key: number }; b?: Secret & { key: number } } = {};
  let xshieldUses: Secret | undefined;
  let lastApply = start;
  for (let month = start; month < start + months; month++) {
    if (month === start || applies(month)) {
      let renewed = 0;
      for (const slot of ["a", "b"] as const) {
        const key = dueMonth(month, rotation, slot);
        if (slots[slot]?.key !== key) {
          const old = slots[slot];
          if (old !== undefined && old === xshieldUses) {
            violations.push(`month ${month}: slot ${slot} renewed while Xshield still used its secret`);
          }
          slots[slot] = { key, createdMonth: month, expiresMonth: key + expiry };
          renewed++;
        }
      }
      if (renewed === 2 && month !== start) {
        doubleRenewals.push({ month, gap: month - lastApply });
      }
      lastApply = month;
    }
    const a = slots.a!;
    const b = slots.b!;
    const newest = a.key > b.key ? a : b;
    for (const s of [a, b]) {
      if (s.expiresMonth - s.createdMonth > expiry) {
        violations.push(`month ${month}: a secret lives ${s.expiresMonth - s.createdMonth} months, more than ${expiry}`);
      }
      if (s.expiresMonth <= month) {
        violations.push(`month ${month}: a slot still holds an expired secret (its renewal came too late)`);
      }
    }
    if (newest.expiresMonth - month <= rotation) {
      violations.push(`month ${month}: the newest secret expires within ${rotation} months`);
    }
    if (xshieldUses !== undefined && xshieldUses.expiresMonth <= month) {
      violations.push(`month ${month}: the secret Xshield uses has expired`);
    }
    // The operator switches Xshield to the newest secret in the last month before the next rotation.
    if (dueMonth(month + 1, rotation, "a") === month + 1 || dueMonth(month + 1, rotation, "b") === month + 1 || xshieldUses === undefined) {
      xshieldUses = newest;
    }
  }
  return { violations, doubleRenewals };
}

const START = 2026 * 12 + 11 - 1; // November 2026
const COMBINATIONS: [number, number][] = [];
for (let expiry = 3; expiry <= 24; expiry++) {
  for (let rotation = 1; rotation <= maxRotationMonths(expiry); rotation++) {
    COMBINATIONS.push([expiry, rotation]);
  }
}

describe("the two-slot rotation schedule, month by month", () => {
  test("the defaults and the bounds are what the props say", () => {
    expect(defaultRotationMonths(24)).toBe(6);
    expect(defaultRotationMonths(3)).toBe(1);
    expect(maxRotationMonths(24)).toBe(11);
    expect(maxRotationMonths(3)).toBe(1);
    expect(COMBINATIONS.length).toBeGreaterThan(100);
  });

  test.each(COMBINATIONS)("lifetime %i, rotation every %i: 120 months of monthly applies keep every invariant", (expiry, rotation) => {
    const result = walk(expiry, rotation, START, 120, () => true);
    expect(result.violations).toEqual([]);
    expect(result.doubleRenewals).toEqual([]);
  });

  test.each([[24, 6], [24, 11], [12, 3], [12, 5], [6, 1], [3, 1]])(
    "lifetime %i, rotation every %i: applies up to one rotation interval apart never renew both slots; up to (lifetime − 2 × rotation) months apart they keep every invariant",
    (expiry, rotation) => {
      for (let cadence = 1; cadence <= rotation; cadence++) {
        for (let phase = 0; phase < cadence; phase++) {
          const result = walk(expiry, rotation, START, 120, (m) => (m - START - phase) % cadence === 0);
          expect(result.doubleRenewals).toEqual([]);
          if (cadence <= expiry - 2 * rotation) {
            expect([cadence, phase, result.violations]).toEqual([cadence, phase, []]);
          }
        }
      }
    },
  );

  test("only a pause longer than a rotation interval renews both slots in one apply (the documented limit)", () => {
    const rotation = 6;
    const paused = walk(24, rotation, START, 60, (m) => m < START + 10 || m >= START + 10 + 2 * rotation);
    expect(paused.doubleRenewals.length).toBeGreaterThan(0);
    expect(paused.doubleRenewals.every((d) => d.gap > rotation)).toBe(true);
    for (let phase = 0; phase < 12; phase++) {
      const justInTime = walk(24, rotation, START, 60, (m) => m < START + phase || m >= START + phase + rotation - 1);
      expect(justInTime.doubleRenewals).toEqual([]);
    }
  });

  test("the walk is not blind: slots renewed in step, or a lifetime too short for the interval, are caught", () => {
    const inStep = walk(24, 6, START, 60, () => true, (month, rotation) => latestDueMonth(month, rotation, "a"));
    expect(inStep.doubleRenewals.length).toBeGreaterThan(0);
    expect(inStep.violations.some((v) => v.includes("while Xshield still used its secret"))).toBe(true);
    // A lifetime of only 2 × rotation: with an apply every other month, a slot's secret expires before its renewal.
    expect(walk(6, 3, START, 24, (m) => m % 2 === 0).violations.some((v) => v.includes("still holds an expired secret"))).toBe(true);
    expect(walk(7, 3, START, 24, (m) => m % 2 === 0).violations).toEqual([]);
  });
});

// ---- the construct's own expressions, evaluated by Terraform month by month

function terraformAvailable(): boolean {
  const r = spawnSync("terraform", ["version"], { encoding: "utf8" });
  return r.error === undefined && r.status === 0;
}

/** The synthesized expressions of the schedule, with every local inlined and plantimestamp() replaced by `now`. */
function scheduleExpressions(expiry: number, rotation: number): { [name: string]: string } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "t");
  const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, clientSecretExpiryMonths: expiry, clientSecretRotationMonths: rotation });
  const s = new Synthesized(Testing.synth(stack));
  const locals = (s.json as unknown as { locals: { [name: string]: string } }).locals;
  const unwrap = (e: string) => e.replace(/^\$\{([\s\S]*)\}$/, "$1");
  const inline = (e: string): string =>
    unwrap(e)
      .replace(/local\.([A-Za-z0-9_-]+)/g, (_, name: string) => `(${inline(locals[name])})`)
      .replace(/plantimestamp\(\)/g, "now");
  const password = (part: string) => s.named("azuread_application_password", part).body as { end_date: string; rotate_when_changed: { slot_month: string } };
  const outputs = {
    key_a: password("client-secret-a").rotate_when_changed.slot_month,
    key_b: password("client-secret-b").rotate_when_changed.slot_month,
    end_a: password("client-secret-a").end_date,
    end_b: password("client-secret-b").end_date,
    slot: String(Tokenization.resolve(i.clientSecretSlot, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) })),
    next_rotation: String(Tokenization.resolve(i.clientSecretNextRotationAt, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) })),
  };
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, inline(v)]));
}

const rfc3339 = (month: number, day = 15) => `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}T10:30:00Z`;
const monthStart = (month: number) => `${String(Math.floor(month / 12)).padStart(4, "0")}-${String((month % 12) + 1).padStart(2, "0")}-01T00:00:00Z`;

const describeWithTerraform = terraformAvailable() ? describe : describe.skip;

describeWithTerraform("the synthesized schedule, evaluated by terraform console (skipped without terraform)", () => {
  test.each([[24, 6], [12, 5], [6, 1], [3, 1]])("lifetime %i, rotation every %i: Terraform agrees with the model for 60 months", (expiry, rotation) => {
    const e = scheduleExpressions(expiry, rotation);
    const months = Array.from({ length: 60 }, (_, k) => START + k);
    const dir = mkdtempSync(join(tmpdir(), "rotation-"));
    try {
      writeFileSync(join(dir, "main.tf"), `variable "nows" { type = list(string) }\n`);
      const expression = `jsonencode([for now in var.nows : { ${Object.entries(e).map(([k, v]) => `${k} = ${v}`).join(", ")} }])`;
      const run = spawnSync("terraform", ["console", `-var=nows=${JSON.stringify(months.map((m) => rfc3339(m)))}`], {
        cwd: dir,
        input: `${expression}\n`,
        encoding: "utf8",
        env: { ...process.env, TF_IN_AUTOMATION: "1", TF_CLI_CONFIG_FILE: "/dev/null" },
        timeout: 60_000,
      });
      expect(run.stderr).toBe("");
      const values = JSON.parse(JSON.parse(run.stdout.trim())) as { key_a: string; key_b: string; end_a: string; end_b: string; slot: string; next_rotation: string }[];
      values.forEach((v, k) => {
        const month = months[k];
        const a = latestDueMonth(month, rotation, "a");
        const b = latestDueMonth(month, rotation, "b");
        expect(v).toEqual({
          key_a: String(a),
          key_b: String(b),
          end_a: monthStart(a + expiry),
          end_b: monthStart(b + expiry),
          slot: a > b ? "a" : "b",
          next_rotation: monthStart(Math.max(a, b) + rotation),
        });
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
