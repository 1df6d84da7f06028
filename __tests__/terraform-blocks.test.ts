// Terraform's own blocks that cdktf 0.21 has no construct for: the required version (one per
// stack, the newest asked for) and `removed`, in the JSON a stack writes and in its HCL.
import { TerraformStack, Testing } from "cdktf";
import { addTerraformBlocksToHcl, RemovedBlock, requireTerraformVersion } from "../lib/terraform-blocks";

function written(stack: TerraformStack): { terraform?: { required_version?: string }; removed?: unknown } {
  return JSON.parse(Testing.synth(stack));
}

describe("requireTerraformVersion", () => {
  test.each<[string, string[], string]>([
    ["one", ["1.5.0"], ">= 1.5.0"],
    ["a newer one later", ["1.5.0", "1.7.0"], ">= 1.7.0"],
    ["an older one later", ["1.7.0", "1.6.9"], ">= 1.7.0"],
    ["numbers, not text: 1.10 is newer than 1.9", ["1.9.0", "1.10.0"], ">= 1.10.0"],
    ["a major version", ["1.10.0", "2"], ">= 2"],
    ["the same version written shorter", ["1.7.0", "1.7"], ">= 1.7.0"],
    ["a patch of a patch", ["1.7.0", "1.7.0.1"], ">= 1.7.0.1"],
  ])("%s", (_, versions, constraint) => {
    const stack = new TerraformStack(Testing.app(), "test");
    versions.forEach((v) => requireTerraformVersion(stack, v));
    expect(written(stack).terraform?.required_version).toBe(constraint);
  });
});

describe("RemovedBlock", () => {
  test("forgets the address instead of destroying it, in JSON and in HCL", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const block = new RemovedBlock(stack, "keep-group", "azurerm_resource_group.rg");
    expect(written(stack).removed).toEqual([{ from: "azurerm_resource_group.rg", lifecycle: { destroy: false } }]);
    expect(block.hcl()).toBe("removed {\n  from = azurerm_resource_group.rg\n\n  lifecycle {\n    destroy = false\n  }\n}\n");
  });
});

describe("addTerraformBlocksToHcl", () => {
  const HCL = 'terraform {\n  required_providers {\n    azurerm = {\n      source = "azurerm"\n    }\n  }\n}\n\nprovider "azurerm" {\n}\n\n\n';

  test("adds the version first in the terraform block and each removed block at the end", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    requireTerraformVersion(stack, "1.7.0");
    new RemovedBlock(stack, "a", "azurerm_resource_group.a");
    new RemovedBlock(stack, "b", "azurerm_resource_group.b");
    const out = addTerraformBlocksToHcl(HCL, stack);
    expect(out).toBe(
      'terraform {\n  required_version = ">= 1.7.0"\n  required_providers {\n    azurerm = {\n      source = "azurerm"\n    }\n  }\n}\n\nprovider "azurerm" {\n}\n' +
        "\nremoved {\n  from = azurerm_resource_group.a\n\n  lifecycle {\n    destroy = false\n  }\n}\n" +
        "\nremoved {\n  from = azurerm_resource_group.b\n\n  lifecycle {\n    destroy = false\n  }\n}\n",
    );
  });

  test("leaves HCL alone when the stack has neither, and touches only a block that starts a line", () => {
    const plain = new TerraformStack(Testing.app(), "plain");
    expect(addTerraformBlocksToHcl(HCL, plain)).toBe(HCL);
    const versioned = new TerraformStack(Testing.app(), "versioned");
    requireTerraformVersion(versioned, "1.5.0");
    const text = '# not a terraform {\nterraform {\n}\n';
    expect(addTerraformBlocksToHcl(text, versioned)).toBe('# not a terraform {\nterraform {\n  required_version = ">= 1.5.0"\n}\n');
  });
});

describe("cdktf's own HCL", () => {
  test("renders a stack with both blocks, leaving them to addTerraformBlocksToHcl", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    requireTerraformVersion(stack, "1.7.0");
    new RemovedBlock(stack, "keep-group", "azurerm_resource_group.rg");
    const hcl = Testing.synthHcl(stack);
    expect(hcl).not.toContain("required_version");
    expect(hcl).not.toContain("removed {");
  });
});
