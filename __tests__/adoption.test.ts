import { Fn, TerraformDataSource, TerraformElement, TerraformStack, Testing, Token } from "cdktf";
import {
  ADOPTION_FIELDS,
  ADOPTION_TABLE,
  adoptionIds,
  adoptionProblems,
  type AdoptionPlan,
  type IntegrationAdoption,
  NOT_ADOPTABLE,
} from "../lib/adoption";
import { DEAD_LETTER_CONTAINER_NAME, NETWORK_EVENTS_CONTAINER_NAME } from "../lib/constants";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { VALID_PROPS } from "./support/synth";

const SUB = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";
const OTHER_SUB = "7d2a9c1e-4b3f-4e8a-9c6d-1f0e2d3c4b5a";
const OPERATOR = "3b9d4e1f-2a6c-4f8e-9b0d-7c5a1e2f3d4b";
const ACCOUNT = adoptionIds.storageAccount(SUB, "rg-xshield-mde", "stxshieldmde");
const TOPIC = adoptionIds.systemTopic(SUB, "rg-xshield-mde", "stxshieldmde-events");
const guid = (n: number) => `${String(n).padStart(8, "0")}-1111-4222-8333-444455556666`;

/** A record adopting everything, built with the id builders. */
const FULL: IntegrationAdoption = {
  application: adoptionIds.application(guid(1)),
  servicePrincipal: adoptionIds.servicePrincipal(guid(2)),
  machineReadConsent: adoptionIds.appRoleAssignment(guid(3), "Om8MjX57L0-0Q3rQ4m3Sp4pvDI1-O0xPtA3r0Nl7yXg"),
  resourceGroup: adoptionIds.resourceGroup(SUB, "rg-xshield-mde"),
  storageAccount: ACCOUNT,
  networkEventsContainer: adoptionIds.container(ACCOUNT, NETWORK_EVENTS_CONTAINER_NAME),
  deadLetterContainer: adoptionIds.container(ACCOUNT, DEAD_LETTER_CONTAINER_NAME),
  queue: adoptionIds.queue(ACCOUNT, "xshield-mde-events"),
  retentionPolicy: adoptionIds.managementPolicy(ACCOUNT),
  systemTopic: TOPIC,
  eventSubscription: adoptionIds.eventSubscription(TOPIC, "xshield-network-events"),
  blobReaderAssignment: adoptionIds.roleAssignment(adoptionIds.container(ACCOUNT, NETWORK_EVENTS_CONTAINER_NAME), guid(4)),
  queueProcessorAssignment: adoptionIds.roleAssignment(adoptionIds.queue(ACCOUNT, "xshield-mde-events"), guid(5)),
  queueSenderAssignment: adoptionIds.roleAssignment(adoptionIds.queue(ACCOUNT, "xshield-mde-events"), guid(6)),
  deadLetterWriterAssignment: adoptionIds.roleAssignment(adoptionIds.container(ACCOUNT, DEAD_LETTER_CONTAINER_NAME), guid(7)),
  streamingApiOperatorAssignments: { [OPERATOR]: adoptionIds.roleAssignment(ACCOUNT, guid(8)) },
};

const PLAN: AdoptionPlan = {
  subscriptionId: SUB,
  resourceGroupName: "rg-xshield-mde",
  storageAccountName: "stxshieldmde",
  queueName: "xshield-mde-events",
  createResourceGroup: true,
  streamingApiOperatorObjectIds: [OPERATOR],
};

/** The one problem of `FULL` with `change` applied; fails unless there is exactly one. */
function oneProblem(change: Partial<Record<keyof IntegrationAdoption, unknown>>, planned?: AdoptionPlan): string {
  const problems = adoptionProblems({ ...FULL, ...change }, { planned });
  expect(problems).toHaveLength(1);
  return problems[0]!;
}

describe("the adoption table", () => {
  const stack = new TerraformStack(Testing.app(), "table");
  const integration = new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, streamingApiOperatorObjectIds: [OPERATOR.toUpperCase()] });

  test("each field is named after the construct member holding that resource, of the type and construct id the table says", () => {
    for (const field of ADOPTION_FIELDS) {
      const resource = (integration as unknown as Record<string, TerraformElement & { terraformResourceType: string }>)[field];
      expect({ field, type: resource.terraformResourceType, id: resource.node.id }).toEqual({
        field,
        type: ADOPTION_TABLE[field].resourceType,
        id: ADOPTION_TABLE[field].constructId,
      });
    }
    const operator = integration.streamingApiOperatorAssignments[0]!;
    expect(operator.terraformResourceType).toBe(ADOPTION_TABLE.streamingApiOperatorAssignments.resourceType);
    expect(ADOPTION_TABLE.streamingApiOperatorAssignments.constructId.replace("<object id in lowercase>", OPERATOR)).toBe(operator.node.id);
  });

  test("every resource of a setup like ColorTokens' guide is adoptable or said not to be, with the reason", () => {
    const resources = integration.node
      .findAll()
      .filter((n): n is TerraformElement & { terraformResourceType: string } => n instanceof TerraformElement && "terraformResourceType" in n)
      .filter((n) => !TerraformDataSource.isTerraformDataSource(n));
    const adoptable = new Set([...ADOPTION_FIELDS.map((f) => ADOPTION_TABLE[f].constructId), `streaming-api-operator-${OPERATOR}`]);
    const rest = resources.map((r) => r.node.id).filter((id) => !adoptable.has(id));
    expect(rest.sort()).toEqual(["client-secret-a", "client-secret-b", "role-propagation-wait"]);
    expect(NOT_ADOPTABLE.clientSecrets).toMatch(/Terraform cannot read a secret's value/);
    expect(NOT_ADOPTABLE.rolePropagationWait).toMatch(/triggers cannot be imported/);
  });

  test("every example in the table is valid, and the record of all of them too", () => {
    for (const [field, row] of Object.entries(ADOPTION_TABLE)) {
      const value = field === "streamingApiOperatorAssignments" ? { [OPERATOR]: row.example } : row.example;
      expect({ field, problems: adoptionProblems({ [field]: value }) }).toEqual({ field, problems: [] });
    }
    expect(adoptionProblems(FULL, { planned: PLAN })).toEqual([]);
  });

  test("each row's example has the form the row states (every <part> standing for one or more characters)", () => {
    for (const [field, row] of Object.entries(ADOPTION_TABLE)) {
      const form = row.format.split(", by")[0]!;
      const pattern = new RegExp(`^${form.split(/<[^>]+>/).map((fixed) => fixed.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`);
      expect({ field, format: row.format.length > 10, matches: pattern.test(row.example) }).toEqual({ field, format: true, matches: true });
    }
  });

  test("the providers' own import examples pass (with the integration's fixed container names)", () => {
    // From the Import sections of azurerm 4.55.0 website/docs/r/*.html.markdown and azuread 3.7.0 docs/resources/*.md.
    const zero = "00000000-0000-0000-0000-000000000000";
    const docs: IntegrationAdoption = {
      application: `/applications/${zero}`,
      servicePrincipal: `/servicePrincipals/${zero}`,
      machineReadConsent: `/servicePrincipals/${zero}/appRoleAssignedTo/aaBBcDDeFG6h5JKLMN2PQrrssTTUUvWWxxxxxyyyzzz`,
      resourceGroup: `/subscriptions/${zero}/resourceGroups/group1`,
      storageAccount: `/subscriptions/${zero}/resourceGroups/myresourcegroup/providers/Microsoft.Storage/storageAccounts/myaccount`,
      networkEventsContainer: `/subscriptions/${zero}/resourceGroups/myresourcegroup/providers/Microsoft.Storage/storageAccounts/myaccount/blobServices/default/containers/${NETWORK_EVENTS_CONTAINER_NAME}`,
      queue: `/subscriptions/${zero}/resourceGroups/myresourcegroup/providers/Microsoft.Storage/storageAccounts/myaccount/queueServices/default/queues/queue1`,
      retentionPolicy: `/subscriptions/${zero}/resourceGroups/myresourcegroup/providers/Microsoft.Storage/storageAccounts/myaccount/managementPolicies/default`,
      systemTopic: `/subscriptions/${zero}/resourceGroups/group1/providers/Microsoft.EventGrid/systemTopics/systemTopic1`,
      eventSubscription: `/subscriptions/${zero}/resourceGroups/group1/providers/Microsoft.EventGrid/systemTopics/systemTopic1/eventSubscriptions/subscription1`,
      streamingApiOperatorAssignments: {
        [zero]: `/subscriptions/${zero}/resourceGroups/myresourcegroup/providers/Microsoft.Storage/storageAccounts/myaccount/providers/Microsoft.Authorization/roleAssignments/${zero}`,
      },
    };
    expect(adoptionProblems(docs)).toEqual([]);
  });
});

describe("adoptionProblems", () => {
  test("a record that is not an object is one problem listing the fields", () => {
    for (const value of ["/applications/x", ["a"], null, 3]) {
      const problems = adoptionProblems(value, { prop: "adopt/dev.json" });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^adopt\/dev\.json .*: must be an object of import ids, one per adoptable resource \(application, servicePrincipal/);
    }
  });

  test("an unknown field is named, with the fields there are (a typo would leave the resource to be created)", () => {
    expect(oneProblem({ storageAcount: ACCOUNT } as Partial<Record<keyof IntegrationAdoption, unknown>>)).toMatch(
      /^adopt\.storageAcount: is not an adoptable resource; the fields are application, .*storageAccount.*misspelt/,
    );
  });

  test("a value that is not a string names the field, the value and the form", () => {
    expect(oneProblem({ queue: 42 })).toBe(
      'adopt.queue 42: must be a string, the storage queue\'s import id (azurerm_storage_queue), "<storage account id>/queueServices/default/queues/<queue name>". ' +
        `Example: ${JSON.stringify(ADOPTION_TABLE.queue.example)}.`,
    );
  });

  test("an id must start with a slash", () => {
    expect(oneProblem({ application: guid(1) })).toContain(`adopt.application "${guid(1)}": must be the Entra application's import id (azuread_application), "/applications/<object id>", but it does not start with "/"`);
  });

  test("a fixed segment in another case is refused, saying the case matters", () => {
    const lower = ACCOUNT.replace("resourceGroups", "resourcegroups");
    const problems = adoptionProblems({ storageAccount: lower });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('has "resourcegroups" as segment 3, where "resourceGroups" belongs (the case matters');
  });

  test("too few and too many segments", () => {
    expect(oneProblem({ resourceGroup: `/subscriptions/${SUB}/resourceGroups` })).toContain("but it ends after 3 segments, where 4 are needed");
    expect(oneProblem({ servicePrincipal: `/servicePrincipals/${guid(2)}/owners` })).toContain(`but it goes on after "/servicePrincipals/${guid(2)}" with "/owners"`);
  });

  test("each part follows its Azure rule", () => {
    const cases: [keyof IntegrationAdoption, string, string][] = [
      ["resourceGroup", "/subscriptions/not-a-guid/resourceGroups/rg-xshield-mde", 'has "not-a-guid" as the subscriptionId (segment 2), which must be a GUID'],
      ["resourceGroup", `/subscriptions/${SUB}/resourceGroups/rg.`, 'has "rg." as the resourceGroupName (segment 4)'],
      ["systemTopic", TOPIC.replace("stxshieldmde-events", "st_events"), 'has "st_events" as the systemTopicName (segment 8), which must be 3–128 letters, digits and hyphens'],
      ["eventSubscription", `${TOPIC}/eventSubscriptions/${"x".repeat(65)}`, "as the eventSubscriptionName (segment 10), which must be 3–64 letters, digits and hyphens"],
      ["application", "/applications/xshield", 'has "xshield" as the objectId (segment 2), which must be an object id (a GUID)'],
      ["machineReadConsent", `/servicePrincipals/${guid(3)}/appRoleAssignedTo/abc=`, 'has "abc=" as the appRoleAssignmentId (segment 4), which must be an app role assignment id (URL-safe base64)'],
      ["queueSenderAssignment", adoptionIds.roleAssignment(adoptionIds.queue(ACCOUNT, "xshield-mde-events"), "xyz"), 'has "xyz" as the roleAssignmentName (segment 16), which must be a role assignment name (a GUID)'],
    ];
    for (const [field, id, fragment] of cases) {
      expect({ field, problem: oneProblem({ [field]: id }) }).toEqual({ field, problem: expect.stringContaining(fragment) });
    }
  });

  test("each part's rule holds for the whole part, not only its start or end", () => {
    const only = (record: Partial<Record<keyof IntegrationAdoption, unknown>>) => {
      const problems = adoptionProblems(record);
      expect(problems).toHaveLength(1);
      return problems[0];
    };
    expect(only({ resourceGroup: `/subscriptions/${SUB}/resourceGroups/bad!rg` })).toContain('has "bad!rg" as the resourceGroupName');
    expect(only({ storageAccount: ACCOUNT.replace("stxshieldmde", "stxshieldMDE") })).toContain('has "stxshieldMDE" as the storageAccountName');
    expect(only({ queue: adoptionIds.queue(ACCOUNT, "q".repeat(64)) })).toContain("as the queueName (segment 12), which must be 3–63");
    expect(only({ systemTopic: TOPIC.replace("stxshieldmde-events", "stx_events") })).toContain('has "stx_events" as the systemTopicName');
    expect(only({ machineReadConsent: `/servicePrincipals/${guid(3)}/appRoleAssignedTo/=abc` })).toContain('has "=abc" as the appRoleAssignmentId');
    expect(only({ application: `/applications/${guid(1)}0` })).toContain("as the objectId (segment 2), which must be an object id (a GUID)");
    expect(only({ application: `/applications/0${guid(1)}` })).toContain("as the objectId (segment 2), which must be an object id (a GUID)");
  });

  test("an id is explained by the shape it follows furthest", () => {
    // On the account, the reader's id fails the container shape at segment 9 and the account shape only at its name.
    expect(oneProblem({ blobReaderAssignment: adoptionIds.roleAssignment(ACCOUNT, "xyz") })).toContain('has "xyz" as the roleAssignmentName (segment 12)');
  });

  test("the storage account and queue names follow their rules (checked without the other ids, which would then not belong to it)", () => {
    expect(adoptionProblems({ storageAccount: ACCOUNT.replace("stxshieldmde", "StXshield") })[0]).toContain('has "StXshield" as the storageAccountName (segment 8), which must be 3–24 lowercase letters and digits');
    expect(adoptionProblems({ queue: adoptionIds.queue(ACCOUNT, "xshield--events") })[0]).toContain('has "xshield--events" as the queueName (segment 12), which must be 3–63 lowercase letters, digits and single hyphens');
  });

  test("the containers are the integration's own names: another container would be replaced", () => {
    expect(oneProblem({ networkEventsContainer: adoptionIds.container(ACCOUNT, "insights-logs") })).toContain(
      `has "insights-logs" as segment 12, where "${NETWORK_EVENTS_CONTAINER_NAME}" belongs`,
    );
    expect(oneProblem({ deadLetterContainer: adoptionIds.container(ACCOUNT, "deadletters") })).toContain(`where "${DEAD_LETTER_CONTAINER_NAME}" belongs.`);
    expect(oneProblem({ deadLetterContainer: adoptionIds.container(ACCOUNT, "deadletters") })).not.toContain("the case matters");
  });

  test("a role assignment's scope must be one the construct may plan for it", () => {
    // The sender is always on the queue; the reader may be on the container or the account.
    expect(oneProblem({ queueSenderAssignment: adoptionIds.roleAssignment(ACCOUNT, guid(6)) })).toContain('has "providers" as segment 9, where "queueServices" belongs');
    expect(adoptionProblems({ ...FULL, blobReaderAssignment: adoptionIds.roleAssignment(ACCOUNT, guid(4)) })).toEqual([]);
    expect(oneProblem({ blobReaderAssignment: adoptionIds.roleAssignment(adoptionIds.container(ACCOUNT, "other"), guid(4)) })).toContain(`has "other" as segment 12, where "${NETWORK_EVENTS_CONTAINER_NAME}" belongs`);
    expect(oneProblem({ queueProcessorAssignment: `/subscriptions/${SUB}/resourceGroups/rg-xshield-mde/providers/Microsoft.Authorization/roleAssignments/${guid(5)}` })).toContain('has "Microsoft.Authorization" as segment 6, where "Microsoft.Storage" belongs');
  });

  test("a cross-tenant suffix is refused: the integration's principals are in its tenant", () => {
    expect(oneProblem({ blobReaderAssignment: `${FULL.blobReaderAssignment}|${guid(9)}` })).toContain('has a "|<tenant id>" suffix');
  });

  test("children of another storage account are refused (the first apply would delete them there)", () => {
    const other = adoptionIds.storageAccount(SUB, "rg-other", "stother");
    expect(oneProblem({ queue: adoptionIds.queue(other, "xshield-mde-events") })).toContain(`must be under the adopted storage account ${JSON.stringify(ACCOUNT)}`);
    expect(oneProblem({ queueSenderAssignment: adoptionIds.roleAssignment(adoptionIds.queue(other, "xshield-mde-events"), guid(6)) })).toContain("would be replaced (deleted there)");
  });

  test("every azurerm id is in one subscription, the planned one when given", () => {
    const problems = adoptionProblems({ ...FULL, systemTopic: TOPIC.replace(SUB, OTHER_SUB), eventSubscription: undefined });
    expect(problems).toHaveLength(12);
    expect(problems.every((p) => p.includes(`the ids name 2 subscriptions (${SUB}, ${OTHER_SUB})`))).toBe(true);
    expect(oneProblem({ systemTopic: TOPIC.replace(SUB, OTHER_SUB), eventSubscription: undefined }, { subscriptionId: SUB })).toBe(
      `adopt.systemTopic ${JSON.stringify(TOPIC.replace(SUB, OTHER_SUB))}: is in subscription ${OTHER_SUB}, but the integration deploys to ${SUB}.`,
    );
  });

  test("the event subscription must be one of the adopted topic", () => {
    const other = adoptionIds.systemTopic(SUB, "rg-xshield-mde", "other-topic");
    expect(oneProblem({ eventSubscription: adoptionIds.eventSubscription(other, "xshield-network-events") })).toBe(
      `adopt.eventSubscription ${JSON.stringify(adoptionIds.eventSubscription(other, "xshield-network-events"))}: must be a subscription of the adopted system topic ${JSON.stringify(TOPIC)}.`,
    );
  });

  test("with the plan: another account, group or queue name is refused, since the first plan would replace it with its data", () => {
    expect(oneProblem({}, { ...PLAN, storageAccountName: "stnew" })).toMatch(/^adopt\.storageAccount .*names storageAccountName "stxshieldmde", but storageAccountName is "stnew"; the first plan would replace it \(delete the account with every blob and message in it\)\. Set storageAccountName to "stxshieldmde"/);
    const group = adoptionProblems(FULL, { planned: { ...PLAN, resourceGroupName: "rg-new" } });
    expect(group).toEqual([expect.stringContaining("adopt.storageAccount"), expect.stringContaining("adopt.resourceGroup")]);
    expect(group[0]).toContain('names resourceGroupName "rg-xshield-mde", but resourceGroupName is "rg-new"');
    expect(group[1]).toContain('names resourceGroupName "rg-xshield-mde", but resourceGroupName is "rg-new"; the first plan would replace it (delete the group with everything in it)');
    expect(oneProblem({}, { ...PLAN, queueName: "events" })).toContain('names queueName "xshield-mde-events", but queueName is "events"; the first plan would replace it (delete the queue with its messages; Xshield reads the queue by name)');
  });

  test("with the plan: a resource group that is read, not managed, cannot be adopted", () => {
    expect(oneProblem({}, { ...PLAN, createResourceGroup: false })).toBe(
      "adopt.resourceGroup: createResourceGroup is false, so the integration reads the group instead of managing it and nothing can be imported; leave the field out.",
    );
  });

  test("operators: keys are object ids, and with the plan, ones in streamingApiOperatorObjectIds (in any case)", () => {
    expect(oneProblem({ streamingApiOperatorAssignments: { alice: adoptionIds.roleAssignment(ACCOUNT, guid(8)) } })).toBe(
      'adopt.streamingApiOperatorAssignments key "alice": must be an operator\'s object id (a GUID), as in streamingApiOperatorObjectIds.',
    );
    for (const map of [[], "x", null]) {
      expect(oneProblem({ streamingApiOperatorAssignments: map })).toContain(`adopt.streamingApiOperatorAssignments ${JSON.stringify(map)}: must be an object from each operator's object id`);
    }
    expect(oneProblem({ streamingApiOperatorAssignments: { [OPERATOR]: 5 } })).toContain(
      `adopt.streamingApiOperatorAssignments["${OPERATOR}"] 5: must be a string, Contributor on the storage account for a streamingApiOperatorObjectIds entry's import id (azurerm_role_assignment)`,
    );
    expect(oneProblem({}, { ...PLAN, streamingApiOperatorObjectIds: [guid(9)] })).toContain(`${OPERATOR} is not in streamingApiOperatorObjectIds (${guid(9)})`);
    expect(adoptionProblems(FULL, { planned: { ...PLAN, streamingApiOperatorObjectIds: [OPERATOR.toUpperCase()] } })).toEqual([]);
    expect(oneProblem({}, { ...PLAN, streamingApiOperatorObjectIds: [] })).toContain(`${OPERATOR} is not in streamingApiOperatorObjectIds (empty)`);
    expect(oneProblem({ streamingApiOperatorAssignments: { [OPERATOR]: FULL.queueSenderAssignment } })).toContain(
      `adopt.streamingApiOperatorAssignments["${OPERATOR}"]`,
    );
  });

  test("tokens pass unjudged: a field, an operator's id or key, the map, the whole record", () => {
    const token = Token.asString(Fn.lower("X"));
    expect(adoptionProblems({ ...FULL, storageAccount: token })).toEqual([]);
    expect(adoptionProblems({ ...FULL, streamingApiOperatorAssignments: { [OPERATOR]: token, [token]: "nonsense" } })).toEqual([]);
    expect(adoptionProblems({ ...FULL, streamingApiOperatorAssignments: Token.asAny(Fn.tomap({})) })).toEqual([]);
    expect(adoptionProblems(Token.asAny(Fn.tomap({})))).toEqual([]);
    expect(adoptionProblems({ ...FULL, storageAccount: token }, { planned: { ...PLAN, storageAccountName: token } })).toEqual([]);
  });

  test("an empty record adopts nothing and is valid", () => {
    expect(adoptionProblems({})).toEqual([]);
  });
});
