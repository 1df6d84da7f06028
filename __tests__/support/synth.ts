import { Testing, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { XshieldMdeIntegration } from "../../lib/xshield-mde-integration";
import { XshieldMdeIntegrationProps } from "../../lib/props";
import { XshieldMdeStack } from "../../lib/xshield-mde-stack";
import { XshieldMdeStackProps } from "../../lib/props";

/** Props that pass every rule; tests change one thing at a time. */
export const VALID_PROPS: XshieldMdeIntegrationProps = {
  location: "westeurope",
  resourceGroupName: "rg-xshield-test",
  storageAccountName: "stxshieldtest",
  allowedIpRanges: ["20.50.60.0/28"],
};

type Body = { [key: string]: unknown };

/** The synthesized JSON of a stack, with small helpers to find resources and references. */
export class Synthesized {
  public readonly json: {
    resource: { [type: string]: { [name: string]: Body } };
    data: { [type: string]: { [name: string]: Body } };
    output: { [name: string]: Body };
    terraform: Body;
    provider: { [type: string]: Body[] };
  };

  public constructor(public readonly text: string) {
    this.json = JSON.parse(text);
  }

  /** Every resource of a type, as [name, body] pairs. */
  public all(type: string): [string, Body][] {
    return Object.entries(this.json.resource?.[type] ?? {});
  }

  /** The only resource of a type; fails the test when there are none or several. */
  public one(type: string): { name: string; body: Body } {
    const found = this.all(type);
    if (found.length !== 1) {
      throw new Error(`expected exactly one ${type}, found ${found.length}`);
    }
    return { name: found[0][0], body: found[0][1] };
  }

  /** The resource of a type whose logical name contains `part`. */
  public named(type: string, part: string): { name: string; body: Body } {
    const found = this.all(type).filter(([name]) => name.includes(`_${part}_`));
    if (found.length !== 1) {
      throw new Error(`expected one ${type} named *${part}*, found ${found.length}`);
    }
    return { name: found[0][0], body: found[0][1] };
  }

  /** The only data source of a type. */
  public data(type: string): { name: string; body: Body } {
    const found = Object.entries(this.json.data?.[type] ?? {});
    if (found.length !== 1) {
      throw new Error(`expected exactly one data.${type}, found ${found.length}`);
    }
    return { name: found[0][0], body: found[0][1] };
  }

  /** A Terraform reference to a resource attribute, as it appears in the JSON. */
  public ref(type: string, attribute: string): string {
    return `\${${type}.${this.one(type).name}.${attribute}}`;
  }

  /** A Terraform reference to a named resource's attribute. */
  public refNamed(type: string, part: string, attribute: string): string {
    return `\${${type}.${this.named(type, part).name}.${attribute}}`;
  }

  /** A Terraform reference to a data source attribute. */
  public dataRef(type: string, attribute: string): string {
    return `\${data.${type}.${this.data(type).name}.${attribute}}`;
  }
}

/** Synthesizes one integration in a bare stack (no providers). */
export function synthIntegration(overrides: Partial<XshieldMdeIntegrationProps> = {}): Synthesized {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...overrides });
  return new Synthesized(Testing.synth(stack));
}

/** Synthesizes a whole environment stack. */
export function synthStack(props: Partial<XshieldMdeStackProps> = {}): Synthesized {
  const app = Testing.app();
  const stack = new XshieldMdeStack(app, "dev", { integration: VALID_PROPS, ...props });
  return new Synthesized(Testing.synth(stack));
}

/** The warnings cdktf Annotations attached to a construct or any of its children. */
export function warningsOf(scope: IConstruct): string[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === "@cdktf/warn")
    .map((m) => String(m.data));
}
