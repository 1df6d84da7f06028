import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Lazy, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { PLAN_RULES, PlanCheckedProp } from "../lib/plan-checks";
import { NON_PUBLIC_IPV4_BLOCKS } from "../lib/rules";
import { validateIntegrationProps } from "../lib/validation";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS } from "./support/synth";

// Where a prop is a token, Terraform checks at plan what synthesis checks of a literal. The claim
// "the same rule" is tested against Terraform itself: each condition is evaluated by `terraform
// console` (offline, no provider) for a corpus of values, and must say what the TypeScript rule
// says of each; then the preconditions as written are planned on terraform_data stand-ins.

const TERRAFORM = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
const ENV = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", TF_IN_AUTOMATION: "1" };
const describeWithTerraform = TERRAFORM ? describe : describe.skip;

/** The literal rule's verdict: no error naming the prop. */
function literalVerdict(prop: PlanCheckedProp, value: unknown): boolean {
  const listed = prop === "allowedIpRanges" || prop === "additionalOwnerObjectIds";
  const report = validateIntegrationProps({ ...VALID_PROPS, [prop]: listed ? [value] : value });
  return !report.errors.some((e) => e.startsWith(prop));
}

/** Terraform's verdicts for `values`, one `terraform console` run for all rules. */
function terraformVerdicts(cases: { prop: PlanCheckedProp; values: unknown[] }[]): boolean[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-checks-"));
  try {
    // One expression (a piped console prints only its last result): a list of each rule's verdicts.
    const lists = cases.map(({ prop, values }) => `[for val in jsondecode(${JSON.stringify(JSON.stringify(values))}) : ${PLAN_RULES[prop].condition}]`);
    const run = spawnSync("terraform", ["console"], { cwd: dir, env: ENV, input: `jsonencode([${lists.join(", ")}])\n`, encoding: "utf8" });
    if (run.status !== 0) {
      throw new Error(`terraform console failed: ${run.stderr}`);
    }
    const results = JSON.parse(JSON.parse(run.stdout.trim()) as string) as boolean[][];
    expect(results).toHaveLength(cases.length);
    return results;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so that a failure can be reproduced. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const toAddress = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");
const toNumber = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);

/** Addresses and ranges at every edge of every non-public block, malformed forms, and random ones. */
function ipCorpus(): string[] {
  const out = new Set<string>(["20.50.1.7", "20.50.1.0/24", "20.50.1.0/30", "20.50.1.0/31", "20.50.1.1/32", "20.50.1.1/24", "0.0.0.0/0", "8.0.0.0/4", "8.0.0.0/7", "1.0.0.0/8"]);
  ["01.2.3.4", "1.2.3", "1.2.3.4/", "1.2.3.4/031", " 1.2.3.4", "1.2.3.4 ", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/8/8", "::1", "2001:db8::/32", "1.2.3.4-1.2.3.9", "", "a.b.c.d", "20.50.1.0/024"].forEach((v) => out.add(v));
  for (const { cidr } of NON_PUBLIC_IPV4_BLOCKS) {
    const [base, prefix] = cidr.split("/");
    const first = toNumber(base);
    const last = first + 2 ** (32 - Number(prefix)) - 1;
    for (const n of [first - 1, first, last, last + 1]) {
      if (n >= 0 && n <= 0xffffffff) {
        out.add(toAddress(n));
        out.add(`${toAddress(n - (n % 4))}/30`);
      }
    }
    out.add(cidr);
    if (Number(prefix) > 1) {
      const wider = Number(prefix) - 1;
      out.add(`${toAddress(first - (first % 2 ** (32 - wider)))}/${wider}`);
    }
  }
  const next = random(24);
  for (let i = 0; i < 300; i++) {
    const prefix = Math.floor(next() * 33);
    const n = Math.floor(next() * 2 ** 32);
    const network = prefix === 0 ? 0 : n - (n % 2 ** (32 - prefix));
    out.add(next() < 0.3 ? toAddress(n) : `${toAddress(next() < 0.8 ? network : n)}/${prefix}`);
  }
  return [...out];
}

const CORPUS: { readonly [P in PlanCheckedProp]: unknown[] } = {
  location: ["westeurope", "West Europe", "eastus2", "", " ", "west-europe", "westeurope!", "ö"],
  resourceGroupName: ["rg-x", "rg_x.(1)", "rg.", "a".repeat(90), "a".repeat(91), "", "rg x", "rg/x", "rg:x", "rg@x", "rg[x]", "rg^x", "rg-", "(rg)", "rgé"],
  storageAccountName: ["stx", "st", "a".repeat(24), "a".repeat(25), "stX", "st-x", "st_x", "123"],
  queueName: ["xshield-mde-events", "abc", "ab", "a".repeat(63), "a".repeat(64), "-ab", "ab-", "a--b", "a-b-c", "aBc", "a_b"],
  applicationDisplayName: ["Xshield", "", " ", "\t", "a".repeat(256), "a".repeat(257), " x "],
  additionalOwnerObjectIds: ["0b1f6471-1bf0-4dda-aec3-cb9272f09590", "0B1F6471-1BF0-4DDA-AEC3-CB9272F09590", "{0b1f6471-1bf0-4dda-aec3-cb9272f09590}", "0b1f6471-1bf0-4dda-aec3-cb9272f0959", "g0000000-0000-0000-0000-000000000000", ""],
  clientSecretKeyVaultSecretName: ["xshield", "a".repeat(127), "a".repeat(128), "", "a_b", "a-b", "ä"],
  allowedIpRanges: ipCorpus(),
  accountReplicationType: ["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS", "lrs", "Standard_LRS", ""],
  eventDeliveryMaxAttempts: [1, 30, 0, 31, 1.5, -1],
  eventTimeToLiveMinutes: [1, 1440, 0, 1441, 10.5],
  rolePropagationWaitSeconds: [0, 1800, -1, 1801, 0.5, 120],
};

describeWithTerraform("each plan-time condition says what the literal rule says (terraform console)", () => {
  const props = Object.keys(PLAN_RULES) as PlanCheckedProp[];
  const verdicts = new Map<PlanCheckedProp, boolean[]>();
  beforeAll(() => {
    const results = terraformVerdicts(props.map((prop) => ({ prop, values: CORPUS[prop] })));
    props.forEach((prop, i) => verdicts.set(prop, results[i]));
  });

  test.each(props)("%s", (prop) => {
    const tf = verdicts.get(prop)!;
    const disagreements = CORPUS[prop]
      .map((value, i) => ({ value, literal: literalVerdict(prop, value), terraform: tf[i] }))
      .filter((d) => d.literal !== d.terraform);
    expect(disagreements).toEqual([]);
    // The corpus has both kinds, so the condition is neither always true nor always false.
    expect(new Set(tf)).toEqual(new Set([true, false]));
  });
});

describe("the preconditions are written where a prop is a token, on the resource it goes to", () => {
  test("a variable's allow list, names and numbers: one precondition each, naming the prop; literals get none", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const v = (id: string, type: string) => new TerraformVariable(stack, id, { type });
    new XshieldMdeIntegration(stack, "mde", {
      ...VALID_PROPS,
      storageAccountName: v("account", "string").stringValue,
      allowedIpRanges: v("ranges", "list(string)").listValue,
      queueName: v("queue", "string").stringValue,
      eventDeliveryMaxAttempts: v("attempts", "number").numberValue,
    });
    const s = new Synthesized(Testing.synth(stack));
    const preconditions = (type: string) => ((s.one(type).body.lifecycle as { precondition?: { condition: string; error_message: string }[] } | undefined)?.precondition ?? []);
    expect(preconditions("azurerm_storage_account").map((p) => p.error_message.split(" ")[0])).toEqual(["storageAccountName", "allowedIpRanges", "allowedIpRanges"]);
    expect(preconditions("azurerm_storage_account")[1].condition).toContain("var.ranges");
    expect(preconditions("azurerm_storage_queue")).toHaveLength(1);
    expect(preconditions("azurerm_eventgrid_system_topic_event_subscription")).toHaveLength(1);
    expect(preconditions("azuread_application")).toEqual([]);
    // Nothing for literal props: the JSON of an all-literal integration carries no precondition.
    const literal = new TerraformStack(Testing.app(), "test");
    new XshieldMdeIntegration(literal, "mde", VALID_PROPS);
    expect(Testing.synth(literal)).not.toContain("precondition");
  });

  test("a literal list with a token entry checks that entry only", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const extra = new TerraformVariable(stack, "extra", { type: "string" });
    new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, allowedIpRanges: ["20.50.1.7", extra.stringValue] });
    const account = new Synthesized(Testing.synth(stack)).one("azurerm_storage_account").body as { lifecycle: { precondition: { condition: string }[] } };
    expect(account.lifecycle.precondition).toHaveLength(1);
    expect(account.lifecycle.precondition[0].condition).toContain("toset([var.extra])");
    expect(account.lifecycle.precondition[0].condition).not.toContain("20.50.1.7");
  });
});

describe("a token cdktf cannot iterate (a Lazy list)", () => {
  test("holding values known now: checked as literals, at construction, and no precondition is written", () => {
    const build = (ranges: string[]) => () =>
      new XshieldMdeIntegration(new TerraformStack(Testing.app(), "t"), "mde", { ...VALID_PROPS, allowedIpRanges: Lazy.listValue({ produce: () => ranges }) });
    expect(build(["10.0.0.0/8"])).toThrow(/allowedIpRanges\[0\] "10\.0\.0\.0\/8": must be a public IPv4 address/);
    const stack = new TerraformStack(Testing.app(), "t");
    new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, allowedIpRanges: Lazy.listValue({ produce: () => ["20.50.1.7"] }) });
    expect(Testing.synth(stack)).not.toContain("precondition");
  });

  test("holding references: refused, with what to give instead", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const v = new TerraformVariable(stack, "ip", { type: "string" });
    expect(() => new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, allowedIpRanges: Lazy.listValue({ produce: () => [v.stringValue] }) })).toThrow(
      /allowedIpRanges: is a token Terraform cannot check entry by entry.*give a Terraform variable, a resource's list attribute, or a list of values/,
    );
  });
});

describeWithTerraform("Terraform plans the preconditions as written (terraform_data stand-ins)", () => {
  /**
   * The synthesized stack's preconditions on terraform_data stand-ins with the same variables:
   * `terraform plan` with the given values, its exit status and output.
   */
  function plan(vars: { [name: string]: unknown }): { status: number | null; out: string } {
    const stack = new TerraformStack(Testing.app(), "test");
    const variable = (id: string, type: string) => new TerraformVariable(stack, id, { type });
    new XshieldMdeIntegration(stack, "mde", {
      ...VALID_PROPS,
      storageAccountName: variable("account", "string").stringValue,
      allowedIpRanges: variable("ranges", "list(string)").listValue,
      queueName: variable("queue", "string").stringValue,
      eventDeliveryMaxAttempts: variable("attempts", "number").numberValue,
    });
    const json = JSON.parse(Testing.synth(stack)) as { variable: object; resource: { [type: string]: { [name: string]: { lifecycle?: { precondition?: unknown[] } } } } };
    const standIns: { [name: string]: object } = {};
    for (const [type, byName] of Object.entries(json.resource)) {
      for (const [name, body] of Object.entries(byName)) {
        if (body.lifecycle?.precondition !== undefined) {
          standIns[`${type}_${name}`] = { input: "x", lifecycle: { precondition: body.lifecycle.precondition } };
        }
      }
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-checks-plan-"));
    try {
      fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify({ variable: json.variable, resource: { terraform_data: standIns } }));
      fs.writeFileSync(path.join(dir, "terraform.tfvars.json"), JSON.stringify(vars));
      expect(spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: dir, env: ENV, encoding: "utf8" }).status).toBe(0);
      const run = spawnSync("terraform", ["plan", "-input=false", "-no-color"], { cwd: dir, env: ENV, encoding: "utf8" });
      return { status: run.status, out: `${run.stdout}${run.stderr}`.replace(/\s*│\s*/g, " ") };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test("good values plan; a private range, a bad name and an attempt count out of range fail, each named with its value", () => {
    expect(plan({ account: "stxshield", ranges: ["20.50.1.0/24"], queue: "xshield-events", attempts: 30 }).status).toBe(0);
    const bad = plan({ account: "St_Xshield", ranges: ["20.50.1.7", "10.0.0.0/8", "20.50.1.1/24"], queue: "a--b", attempts: 31 });
    expect(bad.status).toBe(1);
    expect(bad.out).toMatch(/storageAccountName "St_Xshield": must be 3–24 lowercase letters and digits/);
    expect(bad.out).toMatch(/allowedIpRanges "10\.0\.0\.0\/8", "20\.50\.1\.1\/24": must be a public IPv4 address/);
    expect(bad.out).not.toMatch(/allowedIpRanges "20\.50\.1\.7"/);
    expect(bad.out).toMatch(/queueName "a--b": must be 3–63 lowercase letters/);
    expect(bad.out).toMatch(/eventDeliveryMaxAttempts 31: must be a whole number from 1 to 30/);
  });

  test("more than 400 entries fail with the count", () => {
    const ranges = Array.from({ length: 401 }, (_, i) => `20.${50 + Math.floor(i / 256)}.${i % 256}.0/24`);
    const run = plan({ account: "stxshield", ranges, queue: "xshield-events", attempts: 30 });
    expect(run.status).toBe(1);
    expect(run.out).toMatch(/allowedIpRanges \(401 entries\): must hold at most 400/);
  });
});
