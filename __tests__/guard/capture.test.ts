import { Lazy, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { Construct } from "constructs";
import { copyProps, planStackElements, plannedByOthers, plannedTokens, registerPlan, resolveIn } from "../../lib/guard/capture";
import { GuardPlan } from "../../lib/guard/plan";
import { withCurrentTokens } from "../../lib/guard/tokens";
import { XshieldMdeIntegration } from "../../lib/xshield-mde-integration";
import { VALID_PROPS } from "../support/synth";

// Building the plan from cdktf constructs, and what changes of it at synthesis.

describe("props are read once, into a copy", () => {
  test("arrays and plain objects are copied; tokens and class instances are kept as they are", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const token = Lazy.stringValue({ produce: () => "x" });
    const instance = new Construct(stack, "c");
    const given = { list: ["a", token], nested: { deep: ["b"] }, instance, n: 1 };
    const copy = copyProps(given);
    expect(copy).toEqual(given);
    expect([copy.list !== given.list, copy.nested !== given.nested, copy.nested.deep !== given.nested.deep]).toEqual([true, true, true]);
    expect([copy.list[1] === token, copy.instance === instance]).toEqual([true, true]);
  });

  test("a getter is read once: what is validated is what is built", () => {
    let reads = 0;
    const props = {
      ...VALID_PROPS,
      get queueName() {
        reads++;
        return reads === 1 ? "events" : "Not--Valid";
      },
    };
    const stack = new TerraformStack(Testing.app(), "s");
    const i = new XshieldMdeIntegration(stack, "integration", props);
    expect({ reads, queue: i.config.queueName }).toEqual({ reads: 1, queue: "events" });
    expect(() => Testing.synth(stack)).not.toThrow();
  });
});

describe("tokens in the props", () => {
  test("each one found with the prop that holds it, in strings, lists and keys", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const v = new TerraformVariable(stack, "v", {});
    const props = { a: v.stringValue, b: ["x", `prefix-${v.stringValue}`], c: { [v.stringValue]: "k" }, d: Token.asList(v.listValue), skipped: v.stringValue, plain: "no" };
    const tokens = plannedTokens(props, resolveIn(stack), ["skipped"]);
    expect(tokens.map((t) => [t.prop, t.resolved])).toEqual([
      ["a", '"${var.v}"'],
      ["b[1]", '"prefix-${var.v}"'],
      ["c (a key)", '"${var.v}"'],
      ["d", '"${var.v}"'],
    ]);
    expect(tokens.map((t) => t.resolveNow())).toEqual(tokens.map((t) => t.resolved));
  });

  test("a token that resolves differently at synthesis: a cross-stack reference is followed, anything else is reported", () => {
    const plan = (resolved: string, now: string): GuardPlan => ({
      subject: "s/i",
      elements: [{ key: "resource.t.n", kind: "resource", type: "t", role: "r", constructPath: "s/i/n", body: { a: "${azurerm_key_vault.kv.id}", b: "x-${azurerm_key_vault.kv.id_other}" }, secretAttributes: [] }],
      names: {},
      secretExpressions: [],
      tokens: [{ prop: "clientSecretKeyVaultId", resolved, resolveNow: () => now }],
      exceptions: [],
    });
    const followed = withCurrentTokens(plan('"${azurerm_key_vault.kv.id}"', '"${data.terraform_remote_state.cross-stack-reference-input-shared.outputs.cross-stack-output-x}"'));
    expect({ violations: followed.violations, body: followed.plan.elements[0].body }).toEqual({
      violations: [],
      body: { a: "${data.terraform_remote_state.cross-stack-reference-input-shared.outputs.cross-stack-output-x}", b: "x-${azurerm_key_vault.kv.id_other}" },
    });
    const same = plan('"${var.x}"', '"${var.x}"');
    expect(withCurrentTokens(same).plan).toBe(same);
    const changed = withCurrentTokens(plan('"20.1.1.0/28"', '"0.0.0.0/0"'));
    expect(changed.violations.map((v) => `[${v.rule}] ${v.path} ${v.message}`)).toEqual([
      '[WrittenAsPlanned] s/i takes clientSecretKeyVaultId from a token that resolved to "20.1.1.0/28" when the integration was built and to "0.0.0.0/0" now; the plan is fixed when the construct is built, so give a value that does not change afterwards.',
    ]);
  });

  test("a Lazy whose source changes after construction is refused at synthesis", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const ranges = ["20.50.60.0/28"];
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, allowedIpRanges: Lazy.listValue({ produce: () => ranges }) });
    ranges.push("0.0.0.0/0");
    expect(() => Testing.synth(stack)).toThrow(/\[WrittenAsPlanned\] s\/integration takes allowedIpRanges from a token that resolved to .*20\.50\.60\.0\/28.* when the integration was built and to .*0\.0\.0\.0\/0.* now/);
  });
});

describe("what the stack holds", () => {
  test("another integration's elements are left to it only while it is in the tree", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const plan = (subject: string, key: string) => ({ subject, elements: [{ key }] }) as unknown as GuardPlan;
    let attached = true;
    registerPlan(stack, plan("s/a", "resource.t.a"), () => true);
    registerPlan(stack, plan("s/b", "resource.t.b"), () => attached);
    expect([...plannedByOthers(stack, "s/a")]).toEqual(["resource.t.b"]);
    expect([...plannedByOthers(stack, "s/b")]).toEqual(["resource.t.a"]);
    attached = false;
    expect([...plannedByOthers(stack, "s/a")]).toEqual([]);
  });

  test("a stack's own elements are planned once, when it is built", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    planStackElements(stack, []);
    expect(() => planStackElements(stack, [])).toThrow("planStackElements: the elements of stack s are planned already.");
  });
});
