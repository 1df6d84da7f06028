import {
  Aspects,
  DataTerraformRemoteState,
  IAspect,
  TerraformDataSource,
  TerraformHclModule,
  TerraformLocal,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  TerraformVariable,
  Testing,
  Fn,
} from "cdktf";
import { Construct, IConstruct } from "constructs";
import { AppRoleAssignment } from "@cdktf/provider-azuread/lib/app-role-assignment";
import { ApplicationFederatedIdentityCredential } from "@cdktf/provider-azuread/lib/application-federated-identity-credential";
import { ApplicationPasswordA as ApplicationPassword } from "@cdktf/provider-azuread/lib/application-password";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { EventgridSystemTopicEventSubscription } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { ManagementLock } from "@cdktf/provider-azurerm/lib/management-lock";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";
import { PimActiveRoleAssignment } from "@cdktf/provider-azurerm/lib/pim-active-role-assignment";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { ResourceGroupTemplateDeployment } from "@cdktf/provider-azurerm/lib/resource-group-template-deployment";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageAccountCustomerManagedKeyA as StorageAccountCustomerManagedKey } from "@cdktf/provider-azurerm/lib/storage-account-customer-managed-key";
import { StorageAccountNetworkRulesA as StorageAccountNetworkRules } from "@cdktf/provider-azurerm/lib/storage-account-network-rules";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob";
import { StorageObjectReplication } from "@cdktf/provider-azurerm/lib/storage-object-replication";
import { BaselineException, XshieldMdeIntegrationProps } from "../../lib/props";
import { XshieldMdeIntegration } from "../../lib/xshield-mde-integration";
import { VALID_PROPS } from "../support/synth";

// The guard, tried as an adversary would: a platform team's insider writing a pull request, or an
// honest teammate making a mistake. Each route must fail synthesis with a message that names the
// element, what it touches, and the exception that would allow it; the legitimate uses at the end
// must synthesize.

type Tweak = (i: XshieldMdeIntegration, stack: TerraformStack) => void;

function build(tweak: Tweak, props: Partial<XshieldMdeIntegrationProps> = {}): () => string {
  const stack = new TerraformStack(Testing.app(), "test");
  const i = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...props });
  tweak(i, stack);
  return () => Testing.synth(stack);
}

function failure(synth: () => unknown): string {
  try {
    synth();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error("synthesis did not fail");
}

/** The violation lines of an error. */
const lines = (message: string) => message.split("\n").filter((l) => l.startsWith("  - "));

/**
 * Expects synthesis to fail with a line of `rule` that names `element` (its address or construct
 * path) and says `what` it touches, and an exception suggestion for it.
 */
function refused(synth: () => unknown, rule: string, element: string, what: RegExp = /./): void {
  const message = failure(synth);
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const matching = lines(message).filter((l) => l.includes(`[${rule}]`) && l.includes(element));
  expect(matching).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`${escape(`[${rule}]`)}.*${what.source}`))]));
  expect(message).toMatch(/If this is deliberate, add to the baselineExceptions prop/);
}

const except = (element: string, rule?: BaselineException["rule"]): Partial<XshieldMdeIntegrationProps> => ({
  baselineExceptions: [{ element, ...(rule === undefined ? {} : { rule }), reason: "Reviewed by the platform security board, ticket SEC-4711." }],
});

const resource = (scope: Construct, id: string, type: string, attributes: { [key: string]: unknown }) => {
  const r = new TerraformResource(scope, id, { terraformResourceType: type });
  for (const [k, v] of Object.entries(attributes)) r.addOverride(k, v);
  return r;
};

const dataSource = (scope: Construct, id: string, type: string, attributes: { [key: string]: unknown }) => {
  const d = new TerraformDataSource(scope, id, { terraformResourceType: type });
  for (const [k, v] of Object.entries(attributes)) d.addOverride(k, v);
  return d;
};

const owner = (scope: Construct, id: string, assignmentScope: string) =>
  new RoleAssignment(scope, id, { scope: assignmentScope, roleDefinitionName: "Owner", principalId: "00000000-0000-0000-0000-000000000001" });

describe("1. added inside the integration's scope, in a child construct, or by a late aspect", () => {
  test("an Owner role on the account, added under the integration", () => {
    refused(build((i) => owner(i, "owner", i.storageAccountId)), "OutsideThePlan", "test/integration/owner", /grants "Owner".*the integration's storage account/);
  });

  test("a third client secret in a child construct of the integration", () => {
    refused(
      build((i) => new ApplicationPassword(new Construct(i, "nested"), "third", { applicationId: i.application.id })),
      "OutsideThePlan",
      "test/integration/nested/third",
      /adds a client secret.*the integration's application/,
    );
  });

  test("a federated identity credential on the application", () => {
    refused(
      build((i) => new ApplicationFederatedIdentityCredential(i, "federated", { applicationId: i.application.id, audiences: ["api://AzureADTokenExchange"], displayName: "gh", issuer: "https://token.actions.githubusercontent.com", subject: "repo:x/y:ref:refs/heads/main" })),
      "OutsideThePlan",
      "test/integration/federated",
      /adds a federated credential/,
    );
  });

  test("an extra app role assignment to the service principal, network rules that allow all, a webhook subscription", () => {
    refused(
      build((i) => new AppRoleAssignment(i, "graph", { appRoleId: "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30", principalObjectId: i.servicePrincipalObjectId, resourceObjectId: "00000000-0000-0000-0000-000000000002" })),
      "OutsideThePlan",
      "test/integration/graph",
      /grants an app role/,
    );
    refused(
      build((i) => new StorageAccountNetworkRules(i, "open", { storageAccountId: i.storageAccountId, defaultAction: "Allow" })),
      "OutsideThePlan",
      "test/integration/open",
      /sets firewall rules/,
    );
    refused(
      build((i) => new EventgridSystemTopicEventSubscription(i, "hook", { name: "exfil", systemTopic: i.systemTopic.name, resourceGroupName: i.resourceGroupName, webhookEndpoint: { url: "https://evil.example" } })),
      "OutsideThePlan",
      "test/integration/hook",
      /subscribes to events/,
    );
  });

  test("an aspect that adds an element under the integration when it visits it (after the plan was fixed)", () => {
    refused(
      build((i, stack) => {
        let added = false;
        const aspect: IAspect = {
          visit(node: IConstruct) {
            if (node === i && !added) {
              added = true;
              owner(i, "late", i.storageAccountId);
            }
          },
        };
        Aspects.of(stack).add(aspect);
      }),
      "OutsideThePlan",
      "test/integration/late",
    );
  });
});

describe("2. setters and props changed after construction", () => {
  test("a property setter on a secret or the application", () => {
    refused(build((i) => (i.clientSecretSlotA.endDate = "2099-01-01T00:00:00Z")), "SecretLifetime", "end_date");
    refused(build((i) => (i.application.owners = ["00000000-0000-0000-0000-00000000000e"])), "SingleTenantApplication", "owners");
  });

  test("the caller's arrays and objects pushed to after construction change nothing", () => {
    const ips = ["20.50.60.0/28"];
    const emails = ["secops@contoso.com"];
    const tags: { [key: string]: string } = { team: "sec" };
    const synth = build(
      () => {
        ips.push("0.0.0.0/0");
        emails.push("attacker@evil.example");
        tags.extra = "x";
      },
      { allowedIpRanges: ips, alerts: { emailReceivers: emails }, tags },
    );
    const json = JSON.parse(synth());
    const account = Object.values(json.resource.azurerm_storage_account)[0] as { network_rules: { ip_rules: string[] }; tags: object };
    expect(account.network_rules.ip_rules).toEqual(["20.50.60.0/28"]);
    expect(account.tags).toEqual({ team: "sec" });
    const group = Object.values(json.resource.azurerm_monitor_action_group)[0] as { email_receiver: { email_address: string }[] };
    expect(group.email_receiver.map((r) => r.email_address)).toEqual(["secops@contoso.com"]);
  });

  test("an exception pushed after construction, with a one-character reason, excuses nothing", () => {
    const exceptions: BaselineException[] = [];
    refused(
      build(
        (i) => {
          exceptions.push({ element: "test/integration/owner", reason: "x" });
          owner(i, "owner", i.storageAccountId);
        },
        { baselineExceptions: exceptions },
      ),
      "OutsideThePlan",
      "test/integration/owner",
    );
  });

  test("config is frozen: changing it throws, and what is written stays as planned", () => {
    const synth = build((i) => {
      expect(() => (i.config.allowedIpRanges as string[]).push("0.0.0.0/0")).toThrow(TypeError);
      expect(() => ((i.config as { sharedAccessKeyEnabled: boolean }).sharedAccessKeyEnabled = true)).toThrow(TypeError);
    });
    expect(synth).not.toThrow();
  });
});

describe("3. another attribute of the integration's own elements", () => {
  test.each([
    ["a secret's application_id", (i: XshieldMdeIntegration) => i.clientSecretSlotA.addOverride("application_id", "/applications/00000000-0000-0000-0000-000000000003"), "SecretLifetime"],
    ["the consent's principal_object_id", (i: XshieldMdeIntegration) => i.machineReadConsent.addOverride("principal_object_id", "00000000-0000-0000-0000-000000000004"), "SingleTenantApplication"],
    ["a role assignment's principal_id", (i: XshieldMdeIntegration) => i.blobReaderAssignment.addOverride("principal_id", "00000000-0000-0000-0000-000000000005"), "LeastPrivilegeRoles"],
    ["the topic's source_resource_id", (i: XshieldMdeIntegration) => i.systemTopic.addOverride("source_resource_id", "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/other"), "EventDeliveryScoped"],
    ["the topic's resource_group_name", (i: XshieldMdeIntegration) => i.systemTopic.addOverride("resource_group_name", "elsewhere"), "WrittenAsPlanned"],
    ["the retention policy's storage_account_id", (i: XshieldMdeIntegration) => i.retentionPolicy.addOverride("storage_account_id", "/subscriptions/x/other"), "WrittenAsPlanned"],
    ["the subscription's system_topic", (i: XshieldMdeIntegration) => i.eventSubscription.addOverride("system_topic", "other-topic"), "EventDeliveryScoped"],
  ])("%s", (_name, tweak, rule) => {
    const message = failure(build(tweak));
    expect(lines(message).some((l) => l.startsWith(`  - [${rule}]`))).toBe(true);
  });
});

describe("4. references laundered through other elements", () => {
  test("a null_data_source, random keepers, an azurerm_resources lookup, a name split with an empty interpolation", () => {
    const routes: [string, Tweak][] = [
      ["data.null_data_source.launder", (i, stack) => {
        const d = dataSource(stack, "launder", "null_data_source", { inputs: { id: i.storageAccountId } });
        owner(stack, "owner", d.getStringAttribute("outputs.id"));
      }],
      ["random_id.keeper", (i, stack) => {
        const r = resource(stack, "keeper", "random_id", { keepers: { id: i.storageAccountId }, byte_length: 4 });
        owner(stack, "owner", `\${random_id.keeper.keepers.id}`);
        void r;
      }],
      ["data.azurerm_resources.find", (_i, stack) => {
        dataSource(stack, "find", "azurerm_resources", { name: "stxshieldtest", type: "Microsoft.Storage/storageAccounts" });
        owner(stack, "owner", "${data.azurerm_resources.find.resources[0].id}");
      }],
      ["resource.azurerm_role_assignment.split", (_i, stack) =>
        owner(stack, "split", '/subscriptions/x/resourceGroups/rg-xshield-test/providers/Microsoft.Storage/storageAccounts/st${""}xshield${lower("TEST")}')],
    ];
    for (const [element, tweak] of routes) {
      const message = failure(build(tweak));
      expect({ element, found: lines(message).some((l) => l.includes(element)) }).toEqual({ element, found: true });
    }
  });

  test("through locals, a variable's default and a module's inputs and outputs, in a chain", () => {
    refused(
      build((i, stack) => {
        const a = new TerraformLocal(stack, "a", i.storageAccountId);
        const b = new TerraformLocal(stack, "b", `${a.asString}/x`);
        owner(stack, "owner", b.asString);
      }),
      "OutsideThePlan",
      "test/owner",
      /local\.b, which refers to local\.a, which refers to azurerm_storage_account/,
    );
    refused(
      build((_i, stack) => {
        const v = new TerraformVariable(stack, "account", { default: "stxshieldtest" });
        new StorageBlob(stack, "blob", { name: "x", storageAccountName: v.stringValue, storageContainerName: "c", type: "Block" });
      }),
      "OutsideThePlan",
      "test/blob",
    );
    refused(
      build((i, stack) => {
        const m = new TerraformHclModule(stack, "m", { source: "Azure/avm-res-storage-storageaccount/azurerm", variables: { account: i.storageAccountId } });
        owner(stack, "owner", m.getString("id"));
      }),
      "OutsideThePlan",
      "module.m",
      /passes it to a module/,
    );
  });
});

describe("5. resource types the guard has no rule for", () => {
  test.each<[string, Tweak, RegExp]>([
    ["azapi_update_resource.patch", (i, stack) => resource(stack, "patch", "azapi_update_resource", { type: "Microsoft.Storage/storageAccounts@2023-01-01", resource_id: i.storageAccountId, body: { properties: { allowSharedKeyAccess: true } } }), /azapi/],
    ["azapi_resource.child", (i, stack) => resource(stack, "child", "azapi_resource", { type: "Microsoft.Storage/storageAccounts/localUsers@2023-01-01", parent_id: i.storageAccountId, name: "u" }), /azapi/],
    ["azapi_resource_action.keys", (i, stack) => resource(stack, "keys", "azapi_resource_action", { type: "Microsoft.Storage/storageAccounts@2023-01-01", resource_id: i.storageAccountId, action: "listKeys" }), /azapi/],
    ["msgraph_resource.cred", (i, stack) => resource(stack, "cred", "msgraph_resource", { url: `applications/${i.application.objectId}/addPassword` }), /Microsoft Graph/],
    ["test/pim", (i, stack) => new PimActiveRoleAssignment(stack, "pim", { scope: i.storageAccountId, roleDefinitionId: "/x/Owner", principalId: "00000000-0000-0000-0000-000000000006" }), /through PIM/],
    ["test/arm", (i, stack) => new ResourceGroupTemplateDeployment(stack, "arm", { name: "d", resourceGroupName: i.resourceGroupName, deploymentMode: "Incremental", templateContent: "{}" }), /ARM template/],
    ["test/policy", (i, stack) => resource(stack, "policy", "azurerm_resource_policy_assignment", { name: "p", resource_id: i.storageAccountId, policy_definition_id: "/x" }), /assigns a policy/],
    ["test/cmk", (i, stack) => new StorageAccountCustomerManagedKey(stack, "cmk", { storageAccountId: i.storageAccountId, keyName: "k", keyVaultId: "/x" }), /encryption key/],
    ["test/blob", (i, stack) => new StorageBlob(stack, "blob", { name: "fake.json", storageAccountName: i.storageAccountName, storageContainerName: i.networkEventsContainerName, type: "Block" }), /writes a blob/],
    ["test/replication", (i, stack) => new StorageObjectReplication(stack, "replication", { sourceStorageAccountId: i.storageAccountId, destinationStorageAccountId: "/x/other", rules: [{ sourceContainerName: "a", destinationContainerName: "b" }] }), /replicates/],
    ["test/diagnostics", (i, stack) => new MonitorDiagnosticSetting(stack, "diagnostics", { name: "d", targetResourceId: i.storageAccountId, logAnalyticsWorkspaceId: "/x/ws", enabledMetric: [{ category: "Transaction" }] }), /logs and metrics/],
    ["test/endpoint", (i, stack) => new PrivateEndpoint(stack, "endpoint", { name: "pe", location: "westeurope", resourceGroupName: "rg-other", subnetId: "/x/subnet", privateServiceConnection: { name: "c", isManualConnection: false, privateConnectionResourceId: i.storageAccountId, subresourceNames: ["blob"] } }), /private endpoint/],
  ])("%s", (element, tweak, what) => {
    refused(build(tweak), "OutsideThePlan", element, what);
  });
});

describe("6. every kind of block besides resources", () => {
  test.each<[string, Tweak]>([
    ["data.azurerm_storage_account.again", (_i, stack) => dataSource(stack, "again", "azurerm_storage_account", { name: "STXSHIELDTEST", resource_group_name: "rg-xshield-test" })],
    ["check.peek", (i, stack) => stack.addOverride("check.peek", { assert: [{ condition: `\${azuread_application_password.${i.clientSecretSlotA.friendlyUniqueId}.value != ""}`, error_message: "x" }] })],
    ["provider.azurerm.second", (i, stack) => new AzurermProvider(stack, "second", { alias: "second", features: [{}], subscriptionId: Fn.element(Fn.split("/", i.storageAccountId), 2) })],
    ["terraform", (_i, stack) => stack.addOverride("terraform.backend", { azurerm: { storage_account_name: "stxshieldtest", container_name: "tfstate", key: "x" } })],
    ["moved[azurerm_storage_account.", (i, stack) => stack.addOverride("moved", [{ from: `azurerm_storage_account.${i.storageAccount.friendlyUniqueId}`, to: "azurerm_storage_account.elsewhere" }])],
    ["import[azurerm_storage_account.", (i, stack) => stack.addOverride("import", [{ to: `azurerm_storage_account.${i.storageAccount.friendlyUniqueId}`, id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/attacker" }])],
    ["removed[azuread_application.", (i, stack) => stack.addOverride("removed", [{ from: `azuread_application.${i.application.friendlyUniqueId}`, lifecycle: { destroy: false } }])],
    ["resource.null_resource.shell", (i, stack) => {
      const r = resource(stack, "shell", "null_resource", {});
      r.addOverride("provisioner", [{ "local-exec": { command: `echo ${i.clientSecretSlotA.value} > /tmp/x` } }]);
    }],
    ["resource.null_resource.remote", (i, stack) => {
      const r = resource(stack, "remote", "null_resource", {});
      r.addOverride("connection", { type: "ssh", host: i.storageAccount.primaryBlobHost });
    }],
  ])("%s", (element, tweak) => {
    const message = failure(build(tweak));
    expect({ element, found: lines(message).some((l) => l.includes(element)) }).toEqual({ element, found: true });
  });
});

describe("7. the secret, in every form", () => {
  const password = (i: XshieldMdeIntegration) => `azuread_application_password.${i.clientSecretSlotA.friendlyUniqueId}`;
  test.each<[string, (p: string) => string]>([
    ["the value", (p) => `\${${p}.value}`],
    ['(addr)["value"]', (p) => `\${(${p})["value"]}`],
    ['addr["value"]', (p) => `\${${p}["value"]}`],
    ['lookup(addr, "value")', (p) => `\${lookup(${p}, "value")}`],
    ["jsonencode(addr)", (p) => `\${jsonencode(${p})}`],
    ["addr[*].value", (p) => `\${${p}[*].value}`],
    ["try(addr.value, \"\")", (p) => `\${try(${p}.value, "")}`],
  ])("%s, in a resource outside the plan", (_name, form) => {
    refused(
      build((i, stack) => new KeyVaultSecret(stack, "copy", { name: "x", keyVaultId: "/x/kv", value: form(password(i)) })),
      "SecretLifetime",
      "test/copy",
      /a copy of the integration's client secret/,
    );
  });

  test("inside the construct's own elements: the account's tags, a role assignment's description, the application's notes", () => {
    for (const tweak of [
      (i: XshieldMdeIntegration) => i.storageAccount.addOverride("tags.leak", `\${${password(i)}.value}`),
      (i: XshieldMdeIntegration) => i.blobReaderAssignment.addOverride("description", `\${${password(i)}.value}`),
      (i: XshieldMdeIntegration) => i.application.addOverride("notes", `\${jsonencode(${password(i)})}`),
    ]) {
      const message = failure(build(tweak));
      expect(lines(message).some((l) => l.startsWith("  - [SecretLifetime]") && l.includes("copies the integration's client secret"))).toBe(true);
    }
  });

  test("outputs: not sensitive, nonsensitive(), or through a local", () => {
    refused(build((i, stack) => new TerraformOutput(stack, "plain", { value: i.clientSecret })), "SecretLifetime", "output.plain");
    refused(build((i, stack) => new TerraformOutput(stack, "unwrapped", { value: Fn.nonsensitive(i.clientSecret), sensitive: true })), "SecretLifetime", "output.unwrapped");
    refused(
      build((i, stack) => new TerraformOutput(stack, "via", { value: new TerraformLocal(stack, "s", i.clientSecret).asString, sensitive: true })),
      "SecretLifetime",
      "locals.s",
    );
  });
});

describe("8. other stacks of the same app", () => {
  /** Two stacks with the providers app.synth()'s validation asks for. */
  const twoStacks = () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "main");
    new AzureadProvider(stack, "azuread", {});
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new TimeProvider(stack, "time");
    const i = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    const other = new TerraformStack(app, "other");
    new AzurermProvider(other, "azurerm", { features: [{}] });
    return { app, i, other };
  };

  test("a second stack that reads the secret through a cross-stack reference and outputs it nonsensitive", () => {
    const { app, i, other } = twoStacks();
    new TerraformOutput(other, "stolen", { value: Fn.nonsensitive(i.clientSecret) });
    expect(() => app.synth()).toThrow(/\[SecretLifetime\] output\.cross-stack-output-/);
  });

  test("a second stack that grants Owner on the account through a cross-stack reference", () => {
    const { app, i, other } = twoStacks();
    owner(other, "owner", i.storageAccountId);
    expect(() => app.synth()).toThrow(/\[OutsideThePlan\] other:resource\.azurerm_role_assignment\.owner \(other\/owner\) grants "Owner" and refers to data\.terraform_remote_state/);
  });

  test("a remote state data source of another stack is only a source when it reads the integration's outputs", () => {
    const { app, i, other } = twoStacks();
    new TerraformOutput(other, "account_id", { value: i.storageAccountId });
    new DataTerraformRemoteState(other, "unrelated", { organization: "o", workspaces: { name: "w" } });
    expect(() => app.synth()).not.toThrow();
  });
});

describe("9. the integration's resources moved to another provider", () => {
  test("an aliased provider of another subscription, set on an own resource after construction", () => {
    refused(
      build((i, stack) => {
        i.storageAccount.provider = new AzurermProvider(stack, "elsewhere", { alias: "elsewhere", features: [{}], subscriptionId: "00000000-0000-0000-0000-000000000009" });
      }),
      "WrittenAsPlanned",
      "provider",
    );
    refused(build((i) => i.application.addOverride("provider", "azuread.other_tenant")), "WrittenAsPlanned", "provider");
  });
});

describe("10. the guard itself", () => {
  test("its checks cannot be emptied: the only handle on the stack appends", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const i = new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    owner(i, "owner", i.storageAccountId);
    const handles = Object.getOwnPropertySymbols(stack)
      .filter((s) => s.description?.startsWith("xshield") === true)
      .map((s) => [s.description, (stack as unknown as { [k: symbol]: unknown })[s]]);
    expect(handles.map(([d, h]) => [d, typeof h, Object.isFrozen(h)])).toEqual([["xshield-mde-cdktf.addWrittenJsonCheck", "function", true]]);
    expect(() => Testing.synth(stack)).toThrow(/OutsideThePlan/);
  });

  test("a later check cannot change what is written after the guard judged it", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new XshieldMdeIntegration(stack, "integration", VALID_PROPS);
    const add = (stack as unknown as { [k: symbol]: (c: (json: { resource: { [t: string]: { [n: string]: { min_tls_version?: string } } } }) => void) => void })[Symbol.for("xshield-mde-cdktf.addWrittenJsonCheck")];
    add((json) => {
      Object.values(json.resource.azurerm_storage_account)[0].min_tls_version = "TLS1_0";
    });
    expect(() => Testing.synth(stack)).toThrow(TypeError);
  });
});

describe("legitimate uses synthesize", () => {
  test("a platform stack with its own storage accounts and role assignments, and outputs of non-secret attributes", () => {
    const synth = build((i, stack) => {
      const own = new StorageAccount(stack, "logs", { name: "stplatformlogs", resourceGroupName: "rg-platform", location: "westeurope", accountTier: "Standard", accountReplicationType: "LRS" });
      owner(stack, "ops", own.id);
      for (const [name, value] of Object.entries({
        client_id: i.clientId,
        tenant_id: i.tenantId,
        storage_account_id: i.storageAccountId,
        storage_account_name: i.storageAccountName,
        queue_name: i.queueName,
        expires_at: i.clientSecretExpiresAt,
      })) {
        new TerraformOutput(stack, name, { value });
      }
      new TerraformOutput(stack, "client_secret", { value: i.clientSecret, sensitive: true });
      new TerraformLocal(stack, "account", i.storageAccountId);
    });
    expect(synth).not.toThrow();
  });

  test("two integrations side by side", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    new XshieldMdeIntegration(stack, "a", VALID_PROPS);
    new XshieldMdeIntegration(stack, "b", { ...VALID_PROPS, storageAccountName: "stxshieldother", resourceGroupName: "rg-other", applicationDisplayName: "Xshield B" });
    expect(() => Testing.synth(stack)).not.toThrow();
  });

  test("every optional prop on", () => {
    expect(
      build(() => undefined, {
        queueName: "events",
        applicationDisplayName: "Xshield (security)",
        additionalOwnerObjectIds: ["00000000-0000-0000-0000-00000000000a"],
        clientSecretExpiryMonths: 12,
        clientSecretRotationMonths: 3,
        clientSecretKeyVaultId: "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-vaults/providers/Microsoft.KeyVault/vaults/kv-security",
        clientSecretKeyVaultSecretName: "xshield",
        allowedIpRanges: ["20.50.60.0/28", "20.50.61.4"],
        sharedAccessKeyEnabled: true,
        accountReplicationType: "ZRS",
        blobRetentionDays: 90,
        softDeleteRetentionDays: 14,
        deleteLock: true,
        diagnostics: { logAnalyticsWorkspaceId: "/subscriptions/00000000-0000-0000-0000-00000000000c/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-security" },
        xshieldRegion: "northeurope",
        eventDeliveryMaxAttempts: 10,
        eventTimeToLiveMinutes: 600,
        rolePropagationWaitSeconds: 60,
        createResourceGroup: false,
        dataRoleScope: "account",
        streamingApiOperatorObjectIds: ["00000000-0000-0000-0000-00000000000b"],
        tags: { team: "security" },
        alerts: { emailReceivers: ["secops@contoso.com"], noEventsForHours: 12, queueBacklogMessages: 50, severity: 1 },
      }),
    ).not.toThrow();
  });

  test("the legitimate wirings, each with its one reasoned exception: a diagnostic setting, a lock, a private endpoint, the secret in the team's own vault", () => {
    const wirings: [string, Tweak][] = [
      ["test/diagnostics", (i, stack) => new MonitorDiagnosticSetting(stack, "diagnostics", { name: "d", targetResourceId: `${i.storageAccountId}/blobServices/default`, logAnalyticsWorkspaceId: "/x/ws", enabledLog: [{ category: "StorageRead" }] })],
      ["test/lock", (i, stack) => new ManagementLock(stack, "lock", { name: "no-delete", scope: i.storageAccountId, lockLevel: "CanNotDelete" })],
      ["test/endpoint", (i, stack) => new PrivateEndpoint(stack, "endpoint", { name: "pe", location: "westeurope", resourceGroupName: "rg-net", subnetId: "/x/subnet", privateServiceConnection: { name: "c", isManualConnection: false, privateConnectionResourceId: i.storageAccountId, subresourceNames: ["queue"] } })],
      ["test/team-vault", (i, stack) => new KeyVaultSecret(stack, "team-vault", { name: "xshield", keyVaultId: "/x/team-kv", value: i.clientSecret })],
    ];
    for (const [element, tweak] of wirings) {
      expect(failure(build(tweak))).toContain(`{ element: "${element}", reason: "…" }`);
      expect(build(tweak, except(element))).not.toThrow();
    }
  });
});
