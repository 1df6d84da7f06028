import { Lazy, TerraformElement, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Construct } from "constructs";
import { captureElement, hasStackOverrides, resolveIn } from "../../lib/guard/capture";
import { XshieldMdeIntegration } from "../../lib/xshield-mde-integration";
import { XshieldMdeStack } from "../../lib/xshield-mde-stack";
import { VALID_PROPS } from "../support/synth";

// The guard resolves a planned element only when it may be written otherwise than planned: an
// element that still writes exactly what it wrote when the plan was taken, by the same method,
// alone at its keys, in a stack without overrides of its own, is written exactly as planned
// (cdktf resolves the same fragment in the same stack). These tests pin both halves: the shortcut
// is taken when nothing changed, and every way to write something else still leads to the full
// comparison (and so to the violation).

function unchangedOf(stack: TerraformStack, element: TerraformElement): boolean {
  const entry = captureElement(resolveIn(stack), { element, role: "x" })[0];
  return entry.unchanged!(JSON.parse(Testing.synth(stack)));
}

describe("the shortcut is taken", () => {
  test("for every element of an integration nobody touched, and then nothing is resolved a second time", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const i = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    const json = JSON.parse(Testing.synth(stack));
    const plan = (i as unknown as { plan: (given: unknown, foreign: ReadonlySet<unknown>) => { elements: { key: string; unchanged?: (j: unknown) => boolean }[] } }).plan(VALID_PROPS, new Set());
    const slow = plan.elements.filter((e) => e.unchanged?.(json) !== true).map((e) => e.key);
    expect(plan.elements.length).toBeGreaterThan(30);
    expect(slow).toEqual([]);
  });
});

describe("the shortcut is not taken, and the difference is found", () => {
  const account = (i: XshieldMdeIntegration) => i.storageAccount;
  const build = () => {
    const stack = new TerraformStack(Testing.app(), "s");
    return { stack, i: new XshieldMdeIntegration(stack, "integration", VALID_PROPS) };
  };

  test("an override on the element, or on the stack (cdktf keeps those in rawOverrides, an internal this pins)", () => {
    const a = build();
    account(a.i).addOverride("min_tls_version", "TLS1_0");
    expect(() => Testing.synth(a.stack)).toThrow(/\[MinimumTls12\]/);
    const b = build();
    expect(hasStackOverrides(b.stack)).toBe(false);
    b.stack.addOverride(`resource.azurerm_storage_account.${account(b.i).friendlyUniqueId}.min_tls_version`, "TLS1_0");
    expect(hasStackOverrides(b.stack)).toBe(true);
    expect((b.stack as unknown as { rawOverrides: object }).rawOverrides).toEqual({ resource: expect.any(Object) });
    expect(() => Testing.synth(b.stack)).toThrow(/\[MinimumTls12\]/);
  });

  test("the element's toTerraform replaced, even by one that writes the same keys", () => {
    const { stack, i } = build();
    const original = account(i).toTerraform.bind(account(i));
    account(i).toTerraform = () => {
      const out = original() as { resource: { azurerm_storage_account: { [name: string]: { [k: string]: unknown } } } };
      Object.values(out.resource.azurerm_storage_account)[0].min_tls_version = "TLS1_0";
      return out;
    };
    expect(() => Testing.synth(stack)).toThrow(/\[MinimumTls12\]/);
  });

  test("another element that writes into the account's key (a raw element of another id)", () => {
    const { stack, i } = build();
    const name = account(i).friendlyUniqueId;
    class Raw extends TerraformElement {
      public toTerraform() {
        return { resource: { azurerm_storage_account: { [name]: { min_tls_version: "TLS1_0" } } } };
      }
    }
    new Raw(stack, "raw");
    expect(() => Testing.synth(stack)).toThrow(/\[MinimumTls12\]/);
  });

  test("the element removed and another put in its place, at the same path", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const scope = new Construct(stack, "scope");
    const element = new (class extends TerraformElement {
      public toTerraform() {
        return { locals: { kept: "a" } };
      }
    })(scope, "e");
    expect(unchangedOf(stack, element)).toBe(true);
    const again = new TerraformStack(Testing.app(), "s");
    const first = new (class extends TerraformElement {
      public toTerraform() {
        return { locals: { kept: "a" } };
      }
    })(again, "e");
    const entry = captureElement(resolveIn(again), { element: first, role: "x" })[0];
    again.node.tryRemoveChild("e");
    new (class extends TerraformElement {
      public toTerraform() {
        return { locals: { kept: "b" } };
      }
    })(again, "e");
    expect(entry.unchanged!(JSON.parse(Testing.synth(again)))).toBe(false);
    expect(entry.body).toBe("a");
  });

  test("tokens from outside the props: a grant's principal id, a stack prop, a resource group's name, each a Lazy changed afterwards", () => {
    let principal = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    const g = build();
    g.i.grantBlobRead("siem", Lazy.stringValue({ produce: () => principal }));
    principal = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    expect(() => Testing.synth(g.stack)).toThrow(/\[LeastPrivilegeRoles\]|\[WrittenAsPlanned\]/);

    let subscription = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
    const app = Testing.app();
    const s = new XshieldMdeStack(app, "dev", { integration: VALID_PROPS, subscriptionId: Lazy.stringValue({ produce: () => subscription }) });
    expect(() => Testing.synth(s)).not.toThrow();
    subscription = "5b4b650e-28b9-4790-b3ab-ddbd88d727c4";
    expect(() => Testing.synth(s)).toThrow(/provider\.azurerm.*subscription_id/);

    let group = "rg-platform";
    const r = new TerraformStack(Testing.app(), "s");
    const { location: _l, resourceGroupName: _n, ...rest } = VALID_PROPS;
    new XshieldMdeIntegration(r, "integration", {
      ...rest,
      resourceGroup: { name: Lazy.stringValue({ produce: () => group }), id: "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-platform", location: "westeurope" },
    });
    group = "rg-other";
    expect(() => Testing.synth(r)).toThrow(/\[WrittenAsPlanned\] s\/integration takes resourceGroup\.name from a token/);
  });

  test("a variable, as a token, is no such case: it resolves the same at every synthesis", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const v = new TerraformVariable(stack, "account", { type: "string" });
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, storageAccountName: v.stringValue });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(() => Testing.synth(stack)).not.toThrow();
  });
});
