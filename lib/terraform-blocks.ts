import { TerraformElement } from "cdktf";
import { Construct, IConstruct } from "constructs";

/**
 * Blocks of Terraform's own language that cdktf 0.21 has no construct for. Each is an element
 * whose `toTerraform()` (cdktf's public extension point) returns the block; the stack merges the
 * fragments of all its elements (lists are concatenated).
 */

/**
 * A Terraform `removed` block with `lifecycle { destroy = false }` (Terraform 1.7 or later): when
 * the state holds a resource at `from`, Terraform forgets it instead of destroying it; when it
 * does not, the block does nothing.
 *
 * cdktf's own HCL renderer knows no `removed` block; `npm run synth:hcl` adds it (see
 * `addTerraformBlocksToHcl`).
 */
export class RemovedBlock extends TerraformElement {
  public constructor(
    scope: Construct,
    id: string,
    /** The address to forget, `<type>.<name>`. */
    public readonly from: string,
  ) {
    // Stryker disable next-line StringLiteral: cdktf reads the element type only for its metadata; toTerraform writes the block
    super(scope, id, "removed");
  }

  public override toTerraform(): { [key: string]: unknown } {
    return { removed: [{ from: this.from, lifecycle: { destroy: false } }] };
  }

  /** The block in HCL. */
  public hcl(): string {
    return `removed {\n  from = ${this.from}\n\n  lifecycle {\n    destroy = false\n  }\n}\n`;
  }
}

/**
 * The oldest Terraform a stack can use (`terraform { required_version = ">= …" }`), written by an
 * element rather than a stack override: cdktf renders stack overrides of the `terraform` block
 * wrongly in HCL. One per stack: see {@link requireTerraformVersion}.
 */
export class RequiredTerraformVersion extends TerraformElement {
  private minimum: string;

  public constructor(scope: Construct, id: string, minimum: string) {
    // Stryker disable next-line StringLiteral: cdktf reads the element type only for its metadata; toTerraform writes the block
    super(scope, id, "terraform");
    this.minimum = minimum;
  }

  /** The version constraint, `">= 1.5.0"`. */
  public get constraint(): string {
    return `>= ${this.minimum}`;
  }

  /** Raises the minimum to `version` if that is newer. */
  public atLeast(version: string): void {
    const parts = (v: string) => v.split(".").map(Number);
    const [a, b] = [parts(version), parts(this.minimum)];
    const newer = a.findIndex((n, i) => n !== (b[i] ?? 0));
    // Stryker disable next-line EqualityOperator: ">=" is equivalent: where the two differ, > and >= agree, and with no difference (-1) a[-1] is undefined, so both are false ("<=" shares the mutator name and is left out with it, though the test of an older version later would kill it)
    if (a[newer] > (b[newer] ?? 0)) {
      this.minimum = version;
    }
  }

  public override toTerraform(): { [key: string]: unknown } {
    return { terraform: { required_version: this.constraint } };
  }

  /** Nothing: cdktf 0.21's HCL renderer cannot render extra `terraform` settings; see {@link addTerraformBlocksToHcl}. */
  public override toHclTerraform(): { [key: string]: unknown } {
    return {};
  }
}

const REQUIRED_VERSION_ID = "xshield-mde-terraform-version";

/** Makes `stack` require at least Terraform `version` (one constraint per stack, the newest asked for). */
export function requireTerraformVersion(stack: IConstruct, version: string): void {
  const existing = stack.node.tryFindChild(REQUIRED_VERSION_ID);
  if (existing instanceof RequiredTerraformVersion) {
    existing.atLeast(version);
  } else {
    new RequiredTerraformVersion(stack, REQUIRED_VERSION_ID, version);
  }
}

/**
 * Adds what cdktf's HCL renderer leaves out (`required_version`, `removed` blocks) to the HCL
 * cdktf wrote for `stack`. Used by `npm run synth:hcl`.
 */
export function addTerraformBlocksToHcl(hcl: string, stack: IConstruct): string {
  const elements = stack.node.findAll();
  const versions = elements.filter((e): e is RequiredTerraformVersion => e instanceof RequiredTerraformVersion);
  const removed = elements.filter((e): e is RemovedBlock => e instanceof RemovedBlock);
  let out = hcl;
  if (versions.length > 0) {
    // Stryker disable next-line StringLiteral: requireTerraformVersion keeps one per stack; the join is for a stack built otherwise
    const constraint = versions.map((v) => v.constraint).join(", ");
    out = out.replace(/^terraform \{\n/m, (block) => `${block}  required_version = "${constraint}"\n`);
  }
  for (const block of removed) {
    out = `${out.replace(/\n*$/, "\n")}\n${block.hcl()}`;
  }
  return out;
}
