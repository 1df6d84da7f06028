import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { DataAzurermResourceGroup } from "@cdktf/provider-azurerm/lib/data-azurerm-resource-group";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS } from "./support/synth";

// The integration's props without a place: each test says where it goes.
const { location: _location, resourceGroupName: _name, ...NO_PLACE } = VALID_PROPS;
const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const GROUP_ID = `/subscriptions/${SUB}/resourceGroups/rg-platform`;

function inTeamStack(group: (stack: TerraformStack) => XshieldMdeIntegrationProps["resourceGroup"], more: Partial<XshieldMdeIntegrationProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "team");
  const resourceGroup = group(stack);
  const mde = new XshieldMdeIntegration(stack, "mde", { ...NO_PLACE, resourceGroup, ...more });
  return { stack, mde, s: new Synthesized(Testing.synth(stack)) };
}

const build = (props: Partial<XshieldMdeIntegrationProps>) => () =>
  new XshieldMdeIntegration(new TerraformStack(Testing.app(), "t"), "mde", { ...NO_PLACE, ...props } as XshieldMdeIntegrationProps);

describe("resourceGroup: a group the caller's stack defines", () => {
  test("its own resource: used by reference, with no lookup, no removed block, no group of the integration's, Terraform 1.5", () => {
    const { mde, s } = inTeamStack((stack) => new ResourceGroup(stack, "rg", { name: "rg-platform", location: "northeurope" }));
    // The only group is the team's; the integration looked nothing up and forgets nothing.
    expect(s.all("azurerm_resource_group").map(([name]) => name)).toEqual(["rg"]);
    expect(s.json.data?.azurerm_resource_group).toBeUndefined();
    expect(JSON.stringify(s.json)).not.toContain('"removed"');
    expect(s.json.terraform.required_version).toBe(">= 1.5.0");
    expect(mde.resourceGroup).toBeUndefined();
    expect(mde.existingResourceGroup).toBeUndefined();
    const account = s.one("azurerm_storage_account").body;
    expect(account.resource_group_name).toBe("${azurerm_resource_group.rg.name}");
    expect(account.location).toBe("${azurerm_resource_group.rg.location}");
    expect(s.one("azurerm_eventgrid_system_topic").body.location).toBe("${azurerm_resource_group.rg.location}");
    expect(s.one("azurerm_eventgrid_system_topic").body.resource_group_name).toBe("${azurerm_resource_group.rg.name}");
  });

  test("its data source, and a location of the integration's own", () => {
    const { s } = inTeamStack((stack) => new DataAzurermResourceGroup(stack, "shared", { name: "rg-shared" }), { location: "westeurope" });
    expect(Object.keys(s.json.data.azurerm_resource_group)).toEqual(["shared"]);
    expect(s.json.resource.azurerm_resource_group).toBeUndefined();
    expect(s.one("azurerm_storage_account").body).toMatchObject({
      resource_group_name: "${data.azurerm_resource_group.shared.name}",
      location: "westeurope",
    });
  });

  test("grantResourceGroupRead grants Reader on that group", () => {
    const { s } = inTeamStack((stack) => {
      const rg = new ResourceGroup(stack, "rg", { name: "rg-platform", location: "northeurope" });
      return rg;
    });
    expect(s.all("azurerm_role_assignment").length).toBeGreaterThan(0);
    const stack = new TerraformStack(Testing.app(), "team");
    const rg = new ResourceGroup(stack, "rg", { name: "rg-platform", location: "northeurope" });
    const mde = new XshieldMdeIntegration(stack, "mde", { ...NO_PLACE, resourceGroup: rg });
    mde.grantResourceGroupRead("ops", "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    const grant = new Synthesized(Testing.synth(stack)).named("azurerm_role_assignment", "grant-ops").body;
    expect(grant).toMatchObject({ scope: "${azurerm_resource_group.rg.id}", role_definition_name: "Reader" });
  });

  test("literals of a group that exists: checked like resourceGroupName, the id against the name", () => {
    const ok = { name: "rg-platform", id: GROUP_ID, location: "northeurope" };
    expect(build({ resourceGroup: ok })).not.toThrow();
    expect(build({ resourceGroup: { ...ok, id: `/subscriptions/${SUB}/resourceGroups/RG-PLATFORM` } })).not.toThrow();
    expect(build({ resourceGroup: { ...ok, name: "rg platform" } })).toThrow(/resourceGroup\.name "rg platform": must be 1–90 ASCII letters/);
    expect(build({ resourceGroup: { ...ok, id: `/subscriptions/${SUB}/resourceGroups/rg-other` } })).toThrow(
      /resourceGroup\.id ".*rg-other": names the group "rg-other", but resourceGroup\.name is "rg-platform"/,
    );
    expect(build({ resourceGroup: { ...ok, id: "/subscriptions/not-a-guid/resourceGroups/rg-platform" } })).toThrow(/subscription "not-a-guid" is not a GUID/);
    expect(build({ resourceGroup: { ...ok, id: "rg-platform" } })).toThrow(/resourceGroup\.id "rg-platform": must be the resource group's id/);
    expect(build({ resourceGroup: { ...ok, location: "west europe!" } })).toThrow(/resourceGroup\.location "west europe!": must be an Azure region name/);
  });

  test("refused: with resourceGroupName, with createResourceGroup true, as a single token, not an object; adopting the group", () => {
    const ok = { name: "rg-platform", id: GROUP_ID, location: "northeurope" };
    expect(build({ resourceGroup: ok, resourceGroupName: "rg-platform" })).toThrow(/resourceGroupName "rg-platform": is given together with resourceGroup.*give one of the two/);
    expect(build({ resourceGroup: ok, createResourceGroup: true })).toThrow(/createResourceGroup true: resourceGroup is a group your stack already defines/);
    expect(build({ resourceGroup: ok, createResourceGroup: false })).not.toThrow();
    expect(build({ resourceGroup: "rg-platform" as never })).toThrow(/resourceGroup "rg-platform": must be a resource group object/);
    expect(() => {
      const stack = new TerraformStack(Testing.app(), "t");
      const v = new TerraformVariable(stack, "rg", { type: "object({ name = string, id = string, location = string })" });
      new XshieldMdeIntegration(stack, "mde", { ...NO_PLACE, resourceGroup: v.value });
    }).toThrow(/resourceGroup .*: must be a resource group object/);
    expect(build({ resourceGroup: ok, adopt: { resourceGroup: GROUP_ID } })).toThrow(/adopt\.resourceGroup: .*nothing can be imported/);
  });

  test("neither a name nor a group: both the name and the location are asked for", () => {
    expect(build({})).toThrow(/- location undefined: must be a string of an Azure region name[\s\S]*- resourceGroupName: is required.*or give resourceGroup/);
  });
});

describe("resourceGroupName as a token", () => {
  test("left to the default createResourceGroup true, it is refused, pointing to resourceGroup (no second group is written)", () => {
    const stack = new TerraformStack(Testing.app(), "team");
    const rg = new ResourceGroup(stack, "rg", { name: "rg-platform", location: "northeurope" });
    expect(() => new XshieldMdeIntegration(stack, "mde", { ...VALID_PROPS, resourceGroupName: rg.name })).toThrow(
      /resourceGroupName "\$\{TfToken\[TOKEN\.\d+\]\}": is a token, and createResourceGroup is true by default.*second azurerm_resource_group.*resourceGroup: rg/,
    );
  });

  test("with createResourceGroup false it is looked up, as before; with true said outright, a group of that computed name is made", () => {
    const lookup = new TerraformStack(Testing.app(), "team");
    const name = new TerraformVariable(lookup, "rg", { type: "string" });
    new XshieldMdeIntegration(lookup, "mde", { ...VALID_PROPS, resourceGroupName: name.stringValue, createResourceGroup: false });
    const s = new Synthesized(Testing.synth(lookup));
    expect(s.data("azurerm_resource_group").body.name).toBe("${var.rg}");

    const made = new TerraformStack(Testing.app(), "team");
    const name2 = new TerraformVariable(made, "rg", { type: "string" });
    new XshieldMdeIntegration(made, "mde", { ...VALID_PROPS, resourceGroupName: name2.stringValue, createResourceGroup: true });
    expect(new Synthesized(Testing.synth(made)).one("azurerm_resource_group").body.name).toBe("${var.rg}");
  });
});
