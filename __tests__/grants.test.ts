import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { ROLES } from "../lib/constants";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS } from "./support/synth";

// Extending access the supported way: each grant is a least-privilege role assignment the
// construct plans, so the default guard accepts it and holds it to what was written.

const OPS = "4f0d3c2b-1a09-4e8d-9c7b-6a5f4e3d2c1b";

function build(tweak: (i: XshieldMdeIntegration, stack: TerraformStack) => void, props: Partial<XshieldMdeIntegrationProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(i, stack);
  return { i, synth: () => new Synthesized(Testing.synth(stack)) };
}

describe("grants", () => {
  test.each([
    ["grantBlobRead", ROLES.storageBlobDataReader.name, (s: Synthesized) => `${s.ref("azurerm_storage_account", "id")}/blobServices/default/containers/insights-logs-advancedhunting-devicenetworkevents`],
    ["grantQueueRead", ROLES.storageQueueDataReader.name, (s: Synthesized) => `${s.ref("azurerm_storage_account", "id")}/queueServices/default/queues/xshield-mde-events`],
    ["grantResourceGroupRead", ROLES.reader.name, (s: Synthesized) => s.ref("azurerm_resource_group", "id")],
    ["grantDeadLetterRead", ROLES.storageBlobDataReader.name, (s: Synthesized) => `${s.ref("azurerm_storage_account", "id")}/blobServices/default/containers/eventgrid-deadletter`],
  ] as const)("%s: %s on exactly its scope, to the principal, and the default guard accepts it", (method, role, scope) => {
    let made: RoleAssignment | undefined;
    const { synth } = build((i) => (made = i[method]("ops", OPS.toUpperCase(), { principalType: "Group" })));
    const s = synth();
    const body = s.all("azurerm_role_assignment").find(([name]) => name === made!.friendlyUniqueId)![1];
    expect(body).toMatchObject({ role_definition_name: role, scope: scope(s), principal_id: OPS, principal_type: "Group" });
    expect(typeof body.description).toBe("string");
  });

  test("the resource group read uses the existing group when the integration does not make it", () => {
    const { synth } = build((i) => i.grantResourceGroupRead("ops", OPS), { createResourceGroup: false });
    const s = synth();
    expect(s.named("azurerm_role_assignment", "grant-ops").body.scope).toBe(s.dataRef("azurerm_resource_group", "id"));
  });

  test("a grant is held to what was written: a broader role or scope is refused like any planned assignment's", () => {
    const { synth } = build((i) => i.grantBlobRead("siem", OPS).addOverride("role_definition_name", "Storage Blob Data Owner"));
    expect(synth).toThrow(/\[LeastPrivilegeRoles\] resource\.azurerm_role_assignment\.integration_grant-siem_\S+\.role_definition_name is "Storage Blob Data Owner"; planned "Storage Blob Data Reader"/);
    const { synth: wider } = build((i) => i.grantBlobRead("siem", OPS).addOverride("scope", "/subscriptions/00000000-0000-0000-0000-000000000000"));
    expect(wider).toThrow(/\[LeastPrivilegeRoles\] .*grant-siem.*\.scope is "\/subscriptions\//);
  });

  test("a principal id as a token passes; bad arguments are refused naming the method, the argument and the rule", () => {
    const { synth } = build((i, stack) => i.grantQueueRead("monitor", new TerraformVariable(stack, "principal", {}).stringValue));
    expect(synth().named("azurerm_role_assignment", "grant-monitor").body.principal_id).toBe("${var.principal}");
    expect(() => build((i) => i.grantBlobRead("siem", "not-a-guid"))).toThrow(/test\/integration\.grantBlobRead\("siem"\): 1 invalid property[\s\S]*principalId "not-a-guid": must be the object id/);
    expect(() => build((i) => i.grantBlobRead("bad id!", OPS))).toThrow(/id "bad id!": must be 1–63 letters, digits and hyphens/);
    expect(() => build((i) => i.grantBlobRead("siem", OPS, { principalType: "Robot" as never }))).toThrow(/options\.principalType "Robot": must be one of "User", "Group", "ServicePrincipal"/);
    expect(() => build((i) => i.grantBlobRead("siem", OPS, { description: "x".repeat(513) }))).toThrow(/options\.description .*: must be text of at most 512 characters/);
  });

  test("the same grant id twice is a construct id clash", () => {
    expect(() =>
      build((i) => {
        i.grantBlobRead("siem", OPS);
        i.grantQueueRead("siem", OPS);
      }),
    ).toThrow(/There is already a Construct with name 'grant-siem'/);
  });

  test("a role assignment made by hand on the same scope, with the same role, is still outside the plan", () => {
    const { synth } = build((i, stack) =>
      new RoleAssignment(stack, "by-hand", { scope: `${i.storageAccountId}/blobServices/default/containers/${i.networkEventsContainerName}`, roleDefinitionName: "Storage Blob Data Reader", principalId: OPS }),
    );
    expect(synth).toThrow(/\[OutsideThePlan\] resource\.azurerm_role_assignment\.by-hand \(test\/by-hand\) grants "Storage Blob Data Reader"/);
  });
});

describe("addOutputs and the attributes users wire", () => {
  test("the outputs Xshield needs, prefixed for a stack with several integrations; the secret sensitive", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const a = new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    const b = new XshieldMdeIntegration(stack, "b", { ...VALID_PROPS, storageAccountName: "stxshieldb", resourceGroupName: "rg-b", applicationDisplayName: "Xshield B" });
    a.addOutputs(stack, "dev");
    b.addOutputs(stack, "prod");
    const outputs = JSON.parse(Testing.synth(stack)).output as { [name: string]: { value: string; sensitive?: boolean } };
    const names = ["tenant_id", "client_id", "client_secret", "storage_account_name", "queue_name", "storage_account_id", "client_secret_expires_at", "client_secret_previous_expires_at", "client_secret_next_rotation_at", "client_secret_slot"];
    // Besides each integration's rotation memory (its own output, lib/secret-rotation.ts), only the prefixed ones.
    const added = Object.keys(outputs).filter((n) => !n.includes("secret-rotation-memory"));
    expect(Object.keys(outputs).length - added.length).toBe(2);
    expect(added.sort()).toEqual([...names.map((n) => `dev_${n}`), ...names.map((n) => `prod_${n}`)].sort());
    expect(outputs.dev_client_secret.sensitive).toBe(true);
    expect(Object.entries(outputs).filter(([, o]) => o.sensitive === true).map(([n]) => n).sort()).toEqual(["dev_client_secret", "prod_client_secret"]);
    expect(outputs.prod_storage_account_name.value).toMatch(/^\$\{azurerm_storage_account\.b_storage-account_/);
  });

  test("a prefix Terraform would not accept as a name start is refused", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const i = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    expect(() => i.addOutputs(stack, "Dev-1")).toThrow(/prefix "Dev-1": must be 1–40 lowercase letters, digits and underscores, starting with a letter/);
  });

  test("queue id and URL, container id, application object id, the topic's principal id, the vault copy's versionless id", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const i = new XshieldMdeIntegration(stack, "integration", {
      ...VALID_PROPS,
      clientSecretKeyVaultId: "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-security",
    });
    const values = { queueId: i.queueId, queueUrl: i.queueUrl, container: i.networkEventsContainerId, app: i.applicationObjectId, topic: i.systemTopicPrincipalId, vault: i.keyVaultSecretVersionlessId! };
    for (const [name, value] of Object.entries(values)) {
      new (jest.requireActual<typeof import("cdktf")>("cdktf").TerraformOutput)(stack, name, { value });
    }
    const s = new Synthesized(Testing.synth(stack));
    const out = (name: string) => (s.json.output[name] as { value: string }).value;
    expect([out("queueId"), out("queueUrl"), out("container"), out("app"), out("topic"), out("vault")]).toEqual([
      s.ref("azurerm_storage_queue", "id"),
      s.ref("azurerm_storage_queue", "url"),
      s.refNamed("azurerm_storage_container", "network-events-container", "id"),
      s.ref("azuread_application", "object_id"),
      `\${azurerm_eventgrid_system_topic.${s.one("azurerm_eventgrid_system_topic").name}.identity[0].principal_id}`,
      s.ref("azurerm_key_vault_secret", "versionless_id"),
    ]);
  });
});
