import { Fn, TerraformStack, Testing, Token } from "cdktf";
import {
  azurermProviderWarnings,
  providerKindProblem,
  throwIfInvalid,
  validateIntegrationProps,
  validateStackProps,
  XshieldValidationError,
} from "../lib/validation";
import type { XshieldMdeIntegrationProps, XshieldMdeStackProps } from "../lib/props";

/** A typical, fully valid set of props, with every optional prop set. */
const VALID: XshieldMdeIntegrationProps = {
  location: "westeurope",
  resourceGroupName: "rg-xshield-mde-prod",
  storageAccountName: "xshieldmdeprod01",
  queueName: "xshield-mde-events",
  applicationDisplayName: "Xshield MDE Integration (prod)",
  additionalOwnerObjectIds: ["6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71"],
  clientSecretExpiryMonths: 12,
  clientSecretRotationMonths: 5,
  clientSecretKeyVaultId:
    "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-xshield-prod",
  clientSecretKeyVaultSecretName: "xshield-mde-client-secret",
  publicNetworkAccess: "SelectedNetworks",
  allowedIpRanges: ["20.50.1.7", "52.160.0.0/24"],
  sharedAccessKeyEnabled: false,
  accountReplicationType: "ZRS",
  blobRetentionDays: 30,
  eventDeliveryMaxAttempts: 30,
  eventTimeToLiveMinutes: 1440,
  createResourceGroup: true,
  dataRoleScope: "resources",
  streamingApiOperatorObjectIds: ["3b9d4e1f-2a6c-4f8e-9b0d-7c5a1e2f3d4b"],
  tags: { environment: "prod", "Cost Center": "1234" },
  baselineExceptions: [],
};

/** Lets a test pass what a JavaScript caller could pass, whatever the TypeScript type says. */
function loosely<T>(value: unknown): T {
  return value as T;
}

function validate(overrides: Partial<XshieldMdeIntegrationProps>) {
  return validateIntegrationProps({ ...VALID, ...overrides });
}

/** Exactly one error, naming the prop, showing the value and stating the rule. */
function expectOneError(overrides: Partial<XshieldMdeIntegrationProps>, ...fragments: string[]): string {
  const { errors } = validate(overrides);
  expect(errors).toHaveLength(1);
  for (const fragment of fragments) {
    expect(errors[0]).toContain(fragment);
  }
  return errors[0];
}

function expectOneWarning(overrides: Partial<XshieldMdeIntegrationProps>, ...fragments: string[]): string {
  const { errors, warnings } = validate(overrides);
  expect(errors).toEqual([]);
  expect(warnings).toHaveLength(1);
  for (const fragment of fragments) {
    expect(warnings[0]).toContain(fragment);
  }
  return warnings[0];
}

describe("a valid, typical set of props", () => {
  it("has no errors and no warnings", () => {
    expect(validateIntegrationProps(VALID)).toEqual({ errors: [], warnings: [] });
  });

  it("with only the required props has no errors and only the missing-egress warning", () => {
    const report = validateIntegrationProps({
      location: "West Europe",
      resourceGroupName: "rg-xshield",
      storageAccountName: "xshieldmde",
    });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toContain(
      "Xshield cannot read the queue and blobs until its egress addresses are added to allowedIpRanges",
    );
  });
});

describe("one error per rule, naming the prop, the value and the rule", () => {
  it("location", () => {
    expectOneError({ location: "West-Europe!" }, 'location "West-Europe!"', "must be an Azure region name", 'contains "-", "!"');
  });

  it("resourceGroupName", () => {
    expectOneError({ resourceGroupName: "rg/xshield." }, 'resourceGroupName "rg/xshield."', "not ending in a period", 'contains "/"');
  });

  it("storageAccountName", () => {
    expectOneError(
      { storageAccountName: "My_Account" },
      'storageAccountName "My_Account": must be 3–24 lowercase letters and digits',
      'use e.g. "myaccount"',
    );
  });

  it("queueName", () => {
    expectOneError(
      { queueName: "xshield--events" },
      'queueName "xshield--events"',
      "no two hyphens in a row",
      "Azure rejects it only at apply",
    );
  });

  it("applicationDisplayName", () => {
    expectOneError({ applicationDisplayName: " " }, 'applicationDisplayName " "', "not only whitespace");
  });

  it("additionalOwnerObjectIds[i]", () => {
    expectOneError(
      { additionalOwnerObjectIds: ["6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71", "alice@contoso.com"] },
      'additionalOwnerObjectIds[1] "alice@contoso.com"',
      "a GUID of 8-4-4-4-12 hexadecimal digits",
      "az ad user show",
    );
  });

  it("clientSecretExpiryMonths", () => {
    expectOneError(
      { clientSecretExpiryMonths: 36, clientSecretRotationMonths: 12 },
      "clientSecretExpiryMonths 36: must be a whole number from 3 to 24 (Entra ID caps a client secret at 24 months",
      "use e.g. 24",
    );
    expectOneError(
      { clientSecretExpiryMonths: 2, clientSecretRotationMonths: undefined },
      "clientSecretExpiryMonths 2: must be a whole number from 3 to 24",
      "two secrets that take turns need at least 3 to overlap",
      "use e.g. 3",
    );
  });

  it("clientSecretRotationMonths: every secret must outlive its slot's next renewal", () => {
    expectOneError(
      { clientSecretExpiryMonths: 12, clientSecretRotationMonths: 6 },
      "clientSecretRotationMonths 6: must be a whole number from 1 to 5",
      "2 × clientSecretRotationMonths after it is made, so with clientSecretExpiryMonths 12 it can be at most 5",
    );
    expect(validate({ clientSecretExpiryMonths: 12, clientSecretRotationMonths: 5 }).errors).toEqual([]);
    expect(validate({ clientSecretExpiryMonths: 3, clientSecretRotationMonths: 1 }).errors).toEqual([]);
  });

  it("clientSecretRotationMonths against the default expiry", () => {
    expectOneError(
      { clientSecretExpiryMonths: undefined, clientSecretRotationMonths: 12 },
      "clientSecretRotationMonths 12",
      "with clientSecretExpiryMonths 24 (the default) it can be at most 11",
    );
  });

  it("dataRoleScope", () => {
    expectOneError({ dataRoleScope: loosely("Account") }, 'dataRoleScope "Account": must be one of "resources", "account"', 'use "account"');
  });

  it("streamingApiOperatorObjectIds: GUIDs, each once", () => {
    expectOneError(
      { streamingApiOperatorObjectIds: ["someone@contoso.com"] },
      'streamingApiOperatorObjectIds[0] "someone@contoso.com": must be the object id of the Entra ID user or group who configures the Streaming API',
      "az ad user show",
    );
    expectOneError(
      { streamingApiOperatorObjectIds: ["3b9d4e1f-2a6c-4f8e-9b0d-7c5a1e2f3d4b", "3B9D4E1F-2A6C-4F8E-9B0D-7C5A1E2F3D4B"] },
      "streamingApiOperatorObjectIds[1]",
      "repeats streamingApiOperatorObjectIds[0]",
    );
  });

  it("clientSecretKeyVaultId", () => {
    expectOneError(
      { clientSecretKeyVaultId: "/subscriptions/prod/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-xshield" },
      'clientSecretKeyVaultId "/subscriptions/prod/',
      "must be the resource id of a Key Vault",
      'has the subscription "prod", which is not a GUID',
    );
  });

  it("clientSecretKeyVaultSecretName", () => {
    expectOneError(
      { clientSecretKeyVaultSecretName: "xshield_secret" },
      'clientSecretKeyVaultSecretName "xshield_secret"',
      "1–127 letters, digits and hyphens",
    );
  });

  it("publicNetworkAccess (checked at runtime for JavaScript callers)", () => {
    expectOneError(
      { publicNetworkAccess: loosely("Public"), allowedIpRanges: [] },
      'publicNetworkAccess "Public": must be one of "SelectedNetworks", "Enabled";',
    );
  });

  it("accountReplicationType", () => {
    expectOneError(
      { accountReplicationType: loosely("lrs") },
      'accountReplicationType "lrs": must be one of "LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"',
      'use "LRS"',
    );
  });

  it("allowedIpRanges[i]: a private range", () => {
    expectOneError(
      { allowedIpRanges: ["20.50.1.7", "52.160.0.0/24", "10.0.0.0/8"] },
      'allowedIpRanges[2] "10.0.0.0/8": must be a public IPv4 address',
      "a private address (10.0.0.0/8, RFC 1918)",
    );
  });

  it("allowedIpRanges[i]: /32", () => {
    expectOneError({ allowedIpRanges: ["20.50.1.7/32"] }, 'allowedIpRanges[0] "20.50.1.7/32"', 'write the plain address "20.50.1.7"');
  });

  it("allowedIpRanges[i]: host bits", () => {
    expectOneError({ allowedIpRanges: ["203.1.2.3/24"] }, 'allowedIpRanges[0] "203.1.2.3/24"', "network of 203.1.2.3/24 is 203.1.2.0");
  });

  it("allowedIpRanges[i]: IPv6", () => {
    expectOneError({ allowedIpRanges: ["2001:db8::/32"] }, 'allowedIpRanges[0] "2001:db8::/32"', "IPv4 only");
  });

  it("allowedIpRanges with publicNetworkAccess Enabled", () => {
    expectOneError(
      { publicNetworkAccess: "Enabled" },
      'allowedIpRanges ["20.50.1.7","52.160.0.0/24"]',
      'but publicNetworkAccess is "Enabled", so these ranges would be ignored',
    );
  });



  it("tags: too many", () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`tag${i}`, "x"]));
    expectOneError({ tags }, "tags (51 tags): must hold at most 50 tags", "remove 1 of them");
  });

  it("tags: a forbidden character in a name", () => {
    expectOneError({ tags: { "Cost Center?": "1234" } }, 'tags["Cost Center?"]: the tag name contains "?"', "without < > % & \\ ? /");
  });

  it("tags: a name longer than a storage account allows", () => {
    const key = "k".repeat(129);
    expectOneError({ tags: { [key]: "v" } }, `tags["${key}"]`, "the tag name is 129 bytes long", "1–128 bytes in UTF-8");
  });

  it("tags: a value too long", () => {
    expectOneError({ tags: { owner: "o".repeat(257) } }, 'tags["owner"] "ooo', "at most 256 bytes in UTF-8", "is 257 bytes long");
  });

  it("tags: names that differ only in case", () => {
    expectOneError({ tags: { Environment: "dev", environment: "dev" } }, 'tags["environment"]: differs from tags["Environment"] only in case');
  });

  it("allowedIpRanges: more entries than a storage account takes", () => {
    const ranges = Array.from({ length: 401 }, (_, i) => `20.${Math.floor(i / 250)}.${i % 250}.4`);
    expectOneError({ allowedIpRanges: ranges }, "allowedIpRanges (401 entries): must hold at most 400 entries", "remove 1");
    expect(validate({ allowedIpRanges: ranges.slice(0, 400) }).errors).toEqual([]);
  });

  it("resourceGroupName: letters beyond ASCII, which the azurerm provider rejects", () => {
    expectOneError({ resourceGroupName: "rg-münchen" }, 'resourceGroupName "rg-münchen"', 'contains "ü"', 'use e.g. "rg-munchen"');
  });

  it("blobRetentionDays", () => {
    expectOneError({ blobRetentionDays: 0 }, "blobRetentionDays 0: must be a whole number from 1 to 3650", "use e.g. 1");
  });

  it("eventDeliveryMaxAttempts", () => {
    expectOneError({ eventDeliveryMaxAttempts: 31 }, "eventDeliveryMaxAttempts 31: must be a whole number from 1 to 30");
  });

  it("eventTimeToLiveMinutes", () => {
    expectOneError({ eventTimeToLiveMinutes: 1440.5 }, "eventTimeToLiveMinutes 1440.5: must be a whole number from 1 to 1440", "fractional");
  });

  it.each([
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["2.5", 2.5],
  ])("numbers: %s is rejected with the rule", (shown, value) => {
    expectOneError({ blobRetentionDays: value }, `blobRetentionDays ${shown}: must be a whole number from 1 to 3650`);
  });

  it("baselineExceptions[i].reason", () => {
    expectOneError(
      { baselineExceptions: [{ rule: "SharedKeyDisabled", reason: "needed" }] },
      'baselineExceptions[0].reason "needed": must be at least 20 characters',
      "a reviewer must understand why",
    );
  });

  it("baselineExceptions[i].rule (checked at runtime for JavaScript callers)", () => {
    expectOneError(
      { baselineExceptions: [{ rule: loosely("NoSharedKeys"), reason: "Defender's Streaming API needs shared keys." }] },
      'baselineExceptions[0].rule "NoSharedKeys": must name a rule of the secure baseline',
      '"SharedKeyDisabled"',
    );
  });

  it("booleans (checked at runtime for JavaScript callers)", () => {
    expectOneError({ sharedAccessKeyEnabled: loosely("false") }, 'sharedAccessKeyEnabled "false": must be true or false');
    expectOneError({ createResourceGroup: loosely(1) }, "createResourceGroup 1: must be true or false");
  });

  it("lists (checked at runtime for JavaScript callers)", () => {
    expectOneError({ allowedIpRanges: loosely("20.50.1.7") }, 'allowedIpRanges "20.50.1.7": must be a list');
  });
});

describe("warnings: legal but probably a mistake", () => {
  it("no allowedIpRanges while the firewall is on", () => {
    expectOneWarning(
      { allowedIpRanges: [] },
      "allowedIpRanges []",
      'publicNetworkAccess is "SelectedNetworks"',
      "Xshield cannot read the queue and blobs until its egress addresses are added to allowedIpRanges",
    );
  });

  it("publicNetworkAccess Disabled is refused, saying why no event could be delivered", () => {
    // Microsoft Learn, "Network security for Azure Event Grid resources": delivery through private
    // endpoints is not possible; the trusted-service bypass does not apply with public access off.
    expect(validate({ publicNetworkAccess: loosely("Disabled"), allowedIpRanges: [] }).errors).toEqual([
      'publicNetworkAccess "Disabled": Event Grid cannot deliver events through private endpoints, and its delivery and dead-lettering to a firewalled account rely on the trusted-service bypass, which does not apply when public network access is disabled (Microsoft Learn, "Network security for Azure Event Grid resources"), so no event would ever reach the queue; use "SelectedNetworks" (the default: the firewall denies everything but trusted Azure services and allowedIpRanges).',
    ]);
  });

  it("xshieldRegion: the account's own region warns that IP rules cannot let Xshield in; another region, or none, says nothing", () => {
    // Microsoft Learn, "Configure Azure Storage firewalls and virtual networks": IP network rules
    // have no effect on requests from the storage account's own Azure region.
    expectOneWarning({ location: "westeurope", xshieldRegion: "West Europe" }, 'xshieldRegion "West Europe"', "no effect on requests from the account's own region");
    expect(validate({ location: "westeurope", xshieldRegion: "northeurope" }).warnings).toEqual([]);
    expect(validate({ location: "westeurope", xshieldRegion: "westeurope", publicNetworkAccess: "Enabled", allowedIpRanges: [] }).warnings).toEqual([]);
    expect(validate({ xshieldRegion: loosely(" ") }).errors).toEqual([expect.stringMatching(/^xshieldRegion " ": must be the name of an Azure region/)]);
  });

  it("an unknown region", () => {
    expectOneWarning({ location: "westeurop" }, 'location "westeurop"', "typo", 'did you mean "westeurope"?', "out of date");
  });

  it("a duplicate IP range", () => {
    expectOneWarning(
      { allowedIpRanges: ["20.50.1.7", "52.160.0.0/24", "20.50.1.7"] },
      'allowedIpRanges[2] "20.50.1.7": repeats allowedIpRanges[0]',
    );
  });

  it("a Key Vault secret name without a Key Vault", () => {
    expectOneWarning({ clientSecretKeyVaultId: undefined }, "clientSecretKeyVaultSecretName", "is ignored");
  });

  it("a duplicate baseline exception", () => {
    const exception = { rule: "SharedKeyDisabled" as const, reason: "Defender's Streaming API needs shared keys here." };
    expectOneWarning(
      { sharedAccessKeyEnabled: true, baselineExceptions: [exception, exception] },
      "baselineExceptions[1]: repeats baselineExceptions[0] (SharedKeyDisabled); keep one.",
    );
  });
});

describe("collecting", () => {
  it("reports every problem of several bad props in one report", () => {
    const report = validateIntegrationProps({
      ...VALID,
      location: "west_europe",
      storageAccountName: "Xshield-MDE",
      queueName: "Q",
      clientSecretExpiryMonths: 30,
      allowedIpRanges: ["10.0.0.1", "1.2.3.4/32", "not an ip"],
      tags: { "a/b": "c" },
      blobRetentionDays: -1,
    });
    const props = report.errors.map((e) => e.split(" ")[0].split(":")[0]);
    expect(props).toEqual([
      "location",
      "storageAccountName",
      "queueName",
      "clientSecretExpiryMonths",
      "allowedIpRanges[0]",
      "allowedIpRanges[1]",
      "allowedIpRanges[2]",
      "blobRetentionDays",
      'tags["a/b"]',
    ]);
  });

  it("throwIfInvalid throws once, listing every problem", () => {
    const { errors } = validateIntegrationProps({ ...VALID, storageAccountName: "A", queueName: "B" });
    let thrown: unknown;
    try {
      throwIfInvalid('XshieldMdeIntegration "stack/integration"', errors);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(XshieldValidationError);
    const error = thrown as XshieldValidationError;
    expect(error.problems).toEqual(errors);
    expect(error.name).toBe("XshieldValidationError");
    // The subject, the count, then one indented line per problem.
    expect(error.message).toBe(
      `XshieldMdeIntegration "stack/integration": 2 invalid properties; nothing was synthesized.\n  - ${errors[0]}\n  - ${errors[1]}`,
    );
  });
});

describe("tokens", () => {
  it("are skipped by the rules of props Terraform can take as expressions", () => {
    const report = validateIntegrationProps({
      location: Token.asString({ Ref: "location" }),
      resourceGroupName: Fn.lower("RG-XSHIELD"),
      storageAccountName: Token.asString({ Ref: "name" }),
      queueName: Fn.lower("QUEUE"),
      applicationDisplayName: Token.asString({ Ref: "display" }),
      additionalOwnerObjectIds: [Token.asString({ Ref: "owner" })],
      clientSecretKeyVaultId: Token.asString({ Ref: "kv" }),
      clientSecretKeyVaultSecretName: Token.asString({ Ref: "secret" }),
      allowedIpRanges: [Token.asString({ Ref: "ip" }), "20.50.1.7"],
      accountReplicationType: Token.asString({ Ref: "replication" }) as "LRS",
      eventDeliveryMaxAttempts: Token.asNumber({ Ref: "attempts" }),
      eventTimeToLiveMinutes: Token.asNumber({ Ref: "ttl" }),
      rolePropagationWaitSeconds: Token.asNumber({ Ref: "wait" }),
      tags: { owner: Token.asString({ Ref: "owner-tag" }) },
    });
    expect(report).toEqual({ errors: [], warnings: [] });
  });

  it("skip a list token without warning that the list is empty", () => {
    const report = validate({ allowedIpRanges: Token.asList({ Ref: "ranges" }), additionalOwnerObjectIds: Token.asList({ Ref: "owners" }) });
    expect(report).toEqual({ errors: [], warnings: [] });
  });

  it.each([
    ["clientSecretExpiryMonths", { clientSecretExpiryMonths: Token.asNumber({ Ref: "expiry" }) }, "is arithmetic at synth time"],
    ["clientSecretRotationMonths", { clientSecretRotationMonths: Token.asNumber({ Ref: "rotation" }) }, "is arithmetic at synth time"],
    ["publicNetworkAccess", { publicNetworkAccess: Token.asString({ Ref: "access" }) as "Enabled" }, "decides the firewall's default action"],
    ["sharedAccessKeyEnabled", { sharedAccessKeyEnabled: Token.asAny({ Ref: "keys" }) as unknown as boolean }, "decides a rule of the secure-baseline guard"],
    ["createResourceGroup", { createResourceGroup: Token.asAny({ Ref: "create" }) as unknown as boolean }, "decides whether the resource group is created"],
    ["blobRetentionDays", { blobRetentionDays: Token.asNumber({ Ref: "days" }) }, "notifications' time to live is computed from it"],
    ["dataRoleScope", { dataRoleScope: Token.asString({ Ref: "scope" }) as "account" }, "decides the scope of Xshield's role assignments"],
    ["streamingApiOperatorObjectIds", { streamingApiOperatorObjectIds: Token.asList({ Ref: "ops" }) }, "one per object id, named after it"],
    ["streamingApiOperatorObjectIds[0]", { streamingApiOperatorObjectIds: [Token.asString({ Ref: "op" })] }, "one per object id, named after it"],
    ["baselineExceptions", { baselineExceptions: Token.asAny({ Ref: "exceptions" }) as unknown as [] }, "decides which rules of the secure-baseline guard apply"],
    [
      "baselineExceptions[0]",
      { baselineExceptions: [Token.asAny({ Ref: "exception" }) as unknown as { rule: "HttpsOnly"; reason: string }] },
      "decides which rules",
    ],
    [
      "baselineExceptions[0].rule",
      { baselineExceptions: [{ rule: Token.asString({ Ref: "rule" }) as "HttpsOnly", reason: "A reason long enough for the rule." }] },
      "decides which rules",
    ],
    [
      "baselineExceptions[0].reason",
      { baselineExceptions: [{ rule: "HttpsOnly" as const, reason: Token.asString({ Ref: "reason" }) }] },
      "a reviewer must read it in the code",
    ],
  ])("are refused for %s, naming the prop and why a literal is needed", (prop, props, why) => {
    const { errors } = validate(props as Partial<XshieldMdeIntegrationProps>);
    expect(errors).toEqual([expect.stringContaining(`${prop}: is a token`)]);
    expect(errors[0]).toContain("must be a literal value because it");
    expect(errors[0]).toContain(why);
  });
});

describe("stack props", () => {
  const stack = (props: Partial<XshieldMdeStackProps>): XshieldMdeStackProps => ({ integration: VALID, ...props });

  it("accept GUIDs and nothing", () => {
    expect(validateStackProps(stack({}))).toEqual({ errors: [], warnings: [] });
    expect(
      validateStackProps(
        stack({ subscriptionId: "0b1f6471-1bf0-4dda-aec3-cb9272f09590", tenantId: "6F1C0B36-2E5E-4D3F-9A64-0E2B1C9D8A71" }),
      ),
    ).toEqual({ errors: [], warnings: [] });
  });

  it("reject ids that are not GUIDs, naming each prop", () => {
    const { errors } = validateStackProps(stack({ subscriptionId: "my-subscription", tenantId: "contoso.onmicrosoft.com" }));
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('subscriptionId "my-subscription": must be the id of an Azure subscription: a GUID');
    expect(errors[0]).toContain("az account show --query id -o tsv");
    expect(errors[1]).toContain('tenantId "contoso.onmicrosoft.com": must be the id of an Entra ID tenant: a GUID');
  });

  it("skip tokens for the providers' subscription and tenant", () => {
    expect(validateStackProps(stack({ subscriptionId: Token.asString({ Ref: "sub" }), tenantId: Token.asString({ Ref: "t" }) })).errors).toEqual([]);
  });

  it("refuse tokens anywhere in the backend, which Terraform reads before any expression exists", () => {
    const backend = {
      type: "azurerm" as const,
      resourceGroupName: Token.asString({ Ref: "rg" }),
      storageAccountName: "sttfstate",
      containerName: "tfstate",
    };
    expect(validateStackProps(stack({ backend })).errors).toEqual([expect.stringMatching(/^backend\.resourceGroupName: is a token.*backend block/)]);
    expect(validateStackProps(stack({ backend: Token.asAny({ Ref: "b" }) as unknown as { type: "local" } })).errors).toEqual([
      expect.stringMatching(/^backend: is a token/),
    ]);
    expect(validateStackProps(stack({ backend: { type: "local", path: Token.asString({ Ref: "p" }) } })).errors).toEqual([
      expect.stringMatching(/^backend\.path: is a token/),
    ]);
  });

  it("refuse a token subscription or tenant that the azurerm backend would inherit", () => {
    const backend = { type: "azurerm" as const, resourceGroupName: "rg-state", storageAccountName: "sttfstate", containerName: "tfstate" };
    const { errors } = validateStackProps(stack({ backend, subscriptionId: Token.asString({ Ref: "sub" }), tenantId: Token.asString({ Ref: "t" }) }));
    expect(errors).toEqual([
      expect.stringMatching(/^subscriptionId: is a token, and the azurerm backend would take it.*set backend\.subscriptionId/),
      expect.stringMatching(/^tenantId: is a token, and the azurerm backend would take it/),
    ]);
    const own = { ...backend, subscriptionId: "0b1f6471-1bf0-4dda-aec3-cb9272f09590" };
    expect(validateStackProps(stack({ backend: own, subscriptionId: Token.asString({ Ref: "sub" }) })).errors).toEqual([]);
  });

  it("require the integration props", () => {
    const { errors } = validateStackProps({} as XshieldMdeStackProps);
    expect(errors).toEqual([expect.stringMatching(/^integration undefined: is required/)]);
  });

  it("accept both backends when well formed", () => {
    expect(validateStackProps(stack({ backend: { type: "local", path: "state/dev.tfstate" } })).errors).toEqual([]);
    expect(
      validateStackProps(
        stack({
          backend: {
            type: "azurerm",
            resourceGroupName: "rg-state",
            storageAccountName: "ststate",
            containerName: "tfstate",
            key: "xshield/dev.tfstate",
            subscriptionId: "0b1f6471-1bf0-4dda-aec3-cb9272f09590",
          },
        }),
      ).errors,
    ).toEqual([]);
  });

  it("reject an absolute local state path: it would make the output machine-specific", () => {
    for (const path of ["/home/me/dev.tfstate", "~/dev.tfstate", "C:\\state\\dev.tfstate"]) {
      const [error] = validateStackProps(stack({ backend: { type: "local", path } })).errors;
      expect(error).toContain(`backend.path ${JSON.stringify(path)}: must be a relative path`);
    }
  });

  it("reject a bad azurerm backend, naming every bad field", () => {
    const { errors } = validateStackProps(
      stack({
        backend: {
          type: "azurerm",
          resourceGroupName: "rg/bad",
          storageAccountName: "Bad_Name",
          containerName: "X",
          key: "state/",
          subscriptionId: "sub",
        },
      }),
    );
    expect(errors.map((e) => e.split(" ")[0])).toEqual([
      "backend.resourceGroupName",
      "backend.storageAccountName",
      "backend.containerName",
      "backend.key",
      "backend.subscriptionId",
    ]);
    expect(errors[2]).toContain("3–63 lowercase letters");
    expect(errors[3]).toContain('ends with "/"');
  });

  it("reject an unknown backend type instead of guessing", () => {
    const { errors } = validateStackProps(stack({ backend: { type: "s3" } as unknown as XshieldMdeStackProps["backend"] }));
    expect(errors).toEqual([expect.stringContaining('backend.type "s3": must be one of "local", "azurerm"')]);
  });
});

describe("values a JavaScript caller could pass are refused once, without a crash", () => {
  it("rolePropagationWaitSeconds", () => {
    expectOneError({ rolePropagationWaitSeconds: 1.5 }, "rolePropagationWaitSeconds 1.5: must be a whole number from 0 to 1800");
    expectOneError({ rolePropagationWaitSeconds: -1 }, "rolePropagationWaitSeconds -1:");
    expect(validate({ rolePropagationWaitSeconds: 0 }).errors).toEqual([]);
  });

  it("a baseline exception that names an element, or a rule and an element, and one whose element is not a path or address", () => {
    const reason = "The platform's diagnostics reviewed in SEC-1234.";
    expect(validate({ baselineExceptions: [{ element: "security/diagnostics", reason }] }).errors).toEqual([]);
    expect(validate({ baselineExceptions: [{ rule: "OutsideThePlan", element: "azurerm_monitor_diagnostic_setting.d", reason }] }).errors).toEqual([]);
    for (const element of ["", " security/x", "security/x ", 7]) {
      expect(validate({ baselineExceptions: loosely([{ element, reason }]) }).errors).toEqual([
        expect.stringMatching(/^baselineExceptions\[0\]\.element .*: must be the element's construct path \(as synthesis errors show it, e\.g\. "security\/diagnostics"\) or its Terraform address/),
      ]);
    }
    expect(validate({ baselineExceptions: loosely([{ reason }]) }).errors).toEqual([
      "baselineExceptions[0]: names neither a rule nor an element; give rule (which rule may be broken), element (which element may touch the integration), or both.",
    ]);
  });

  it("a baseline exception that is not an object", () => {
    expect(validate({ baselineExceptions: loosely([null]) }).errors).toEqual([expect.stringMatching(/^baselineExceptions\[0\] null: must be an object \{ rule\?, element\?, reason \}/)]);
  });

  it("exceptions without a valid rule are not also reported as repeats", () => {
    for (const [exceptions, prop] of [
      [[{}, {}], ""],
      [[{ rule: 5, reason: "x".repeat(20) }, { rule: 5, reason: "x".repeat(20) }], ".rule"],
      [[{ element: 5, reason: "x".repeat(20) }, { element: 5, reason: "x".repeat(20) }], ".element"],
    ] as const) {
      const { errors, warnings } = validate({ baselineExceptions: loosely(exceptions) });
      const first = (i: number) => `baselineExceptions[${i}]${prop}${prop === "" ? ":" : ""}`;
      expect(errors.map((e) => e.split(" ")[0])).toEqual(expect.arrayContaining([first(0), first(1)]));
      expect(warnings).toEqual([]);
    }
  });

  it("a rotation is not checked against an expiry that is itself refused or a token", () => {
    expect(validate({ clientSecretExpiryMonths: 30, clientSecretRotationMonths: 2 }).errors).toEqual([expect.stringMatching(/^clientSecretExpiryMonths 30:/)]);
    expect(validate({ clientSecretExpiryMonths: Token.asNumber({ Ref: "e" }), clientSecretRotationMonths: 2 }).errors).toEqual([
      expect.stringMatching(/^clientSecretExpiryMonths: is a token/),
    ]);
  });

  it("a Streaming API operator id that is not text", () => {
    expect(validate({ streamingApiOperatorObjectIds: loosely([5, 5]) }).errors).toEqual([
      expect.stringMatching(/^streamingApiOperatorObjectIds\[0\] 5: must be a string/),
      expect.stringMatching(/^streamingApiOperatorObjectIds\[1\] 5: must be a string/),
    ]);
  });

  it("a refused IP range gets no warning about its breadth, and refused repeats no warning about repeating", () => {
    const invalid = validate({ allowedIpRanges: ["10.0.0.0/8", "20.0.0.0/8x"] });
    expect(invalid.errors.map((e) => e.split(" ")[0])).toEqual(["allowedIpRanges[0]", "allowedIpRanges[1]"]);
    expect(invalid.warnings).toEqual([]);
    const numbers = validate({ allowedIpRanges: loosely([5, 5]) });
    expect(numbers.errors).toHaveLength(2);
    expect(numbers.warnings).toEqual([]);
  });

  it.each([["a string", "prod"], ["a list", ["prod"]], ["null", null]])("tags that are %s", (_, tags) => {
    expect(validate({ tags: loosely(tags) }).errors).toEqual([expect.stringMatching(/^tags .*: must be an object of tag names to string values/)]);
  });

  it.each([["null", null], ["a string", "prod"]])("stack props whose integration is %s", (_, integration) => {
    expect(validateStackProps({ integration: loosely(integration) }).errors).toEqual([expect.stringMatching(/^integration .*: is required/)]);
  });

  it("lists that are not lists are refused, naming the prop", () => {
    for (const prop of ["additionalOwnerObjectIds", "baselineExceptions", "streamingApiOperatorObjectIds"] as const) {
      expect(validate({ [prop]: loosely("x") }).errors).toEqual([expect.stringMatching(new RegExp(`^${prop} "x": must be a list`))]);
    }
  });

  it("providers that are null, or a provider that is null", () => {
    expect(validate({ providers: loosely(null) }).errors).toEqual([expect.stringMatching(/^providers null: must be an object/)]);
    expect(validate({ providers: loosely({ azurerm: null }) }).errors).toEqual([expect.stringMatching(/^providers\.azurerm: must be an azurerm provider .* but it is null;/)]);
  });

  it("a rotation is not checked against an expiry that is refused, even one the rotation would break", () => {
    // An expiry of 2 months would allow no rotation at all; only the expiry is reported.
    expect(validate({ clientSecretExpiryMonths: 2, clientSecretRotationMonths: 2 }).errors).toEqual([expect.stringMatching(/^clientSecretExpiryMonths 2:/)]);
  });

  it("an event lifetime beyond Event Grid's 24 hours names that limit", () => {
    expectOneError({ eventTimeToLiveMinutes: 1441 }, "eventTimeToLiveMinutes 1441: must be a whole number from 1 to 1440", "24 hours");
  });

  it("a backend whose type is a token is refused once", () => {
    const backend = loosely<XshieldMdeStackProps["backend"]>({ type: Token.asString({ Ref: "t" }) });
    expect(validateStackProps({ integration: VALID, backend }).errors).toEqual([expect.stringMatching(/^backend\.type: is a token/)]);
  });

  it("a local backend without a path, and an azurerm backend's useAzureadAuth", () => {
    expect(validateStackProps({ integration: VALID, backend: { type: "local" } }).errors).toEqual([]);
    const azurerm = { type: "azurerm" as const, resourceGroupName: "rg-state", storageAccountName: "ststate", containerName: "tfstate" };
    expect(validateStackProps({ integration: VALID, backend: { ...azurerm, useAzureadAuth: true } }).errors).toEqual([]);
    expect(validateStackProps({ integration: VALID, backend: { ...azurerm, useAzureadAuth: loosely("yes") } }).errors).toEqual([
      expect.stringMatching(/^backend\.useAzureadAuth "yes": must be true or false/),
    ]);
  });
});

describe("in the construct", () => {
  it("bad props fail construction once, with every problem", async () => {
    const { XshieldMdeIntegration } = await import("../lib/xshield-mde-integration");
    const stack = new TerraformStack(Testing.app(), "test");
    let thrown: unknown;
    try {
      new XshieldMdeIntegration(stack, "integration", { ...VALID, storageAccountName: "Bad_Name", queueName: "Q" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(XshieldValidationError);
    expect((thrown as XshieldValidationError).problems).toHaveLength(2);
  });
});

describe("broad allowed ranges", () => {
  it("warn above 256 addresses, naming the count; /24 and narrower stay quiet", () => {
    const report = validateIntegrationProps({ ...VALID, allowedIpRanges: ["20.0.0.0/8", "20.50.60.0/24", "20.50.61.7"] });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([expect.stringMatching(/^allowedIpRanges\[0\] "20\.0\.0\.0\/8": lets 16,777,216 addresses through/)]);
  });
});

describe("azurermProviderWarnings", () => {
  const good = {
    storage_use_azuread: true,
    features: [{ storage: [{ data_plane_available: false }] }],
    resource_provider_registrations: "none",
  };
  const needs = { storageUseAzuread: true, noDataPlane: true };

  it("is silent for a provider set up as the construct needs, in either block shape", () => {
    expect(azurermProviderWarnings("p", good, needs)).toEqual([]);
    expect(azurermProviderWarnings("p", { ...good, features: { storage: { data_plane_available: false } } }, needs)).toEqual([]);
    expect(azurermProviderWarnings("p", { ...good, resource_provider_registrations: "core" }, needs)).toEqual([]);
  });

  it("names each missing setting, its value and what fails without it", () => {
    const warnings = azurermProviderWarnings("the azurerm provider s/azurerm", { storage_use_azuread: false, features: [{}] }, needs);
    expect(warnings).toEqual([
      expect.stringMatching(/^the azurerm provider s\/azurerm: storage_use_azuread is false, .*set storageUseAzuread: true .*KeyBasedAuthenticationNotPermitted/),
      expect.stringMatching(/^the azurerm provider s\/azurerm: features\.storage\.data_plane_available is undefined, .*403/),
      expect.stringMatching(/: resource_provider_registrations is undefined, so azurerm registers its "legacy" set .*"Microsoft\.EventGrid","Microsoft\.Storage","microsoft\.insights"/),
    ]);
    expect(azurermProviderWarnings("p", { ...good, resource_provider_registrations: "legacy" }, needs)).toEqual([
      expect.stringContaining('resource_provider_registrations is "legacy"'),
    ]);
    expect(azurermProviderWarnings("p", { ...good, features: [{ storage: [{ data_plane_available: true }] }] }, needs)).toEqual([
      expect.stringContaining("data_plane_available is true"),
    ]);
  });

  it("asks only for what the props need: shared keys on, or an open firewall, need less", () => {
    const bare = { resource_provider_registrations: "none" };
    expect(azurermProviderWarnings("p", bare, { storageUseAzuread: false, noDataPlane: false })).toEqual([]);
    expect(azurermProviderWarnings("p", bare, { storageUseAzuread: true, noDataPlane: false })).toEqual([expect.stringContaining("storage_use_azuread")]);
    expect(azurermProviderWarnings("p", bare, { storageUseAzuread: false, noDataPlane: true })).toEqual([expect.stringContaining("data_plane_available")]);
  });
});

describe("providerKindProblem", () => {
  it("accepts a provider of the kind, or nothing", () => {
    expect(providerKindProblem(undefined, "azurerm")).toBeUndefined();
    expect(providerKindProblem({ terraformResourceType: "azuread" }, "azuread")).toBeUndefined();
  });

  it.each([
    ["azurerm", { terraformResourceType: "azuread" }, 'providers.azurerm: must be an azurerm provider (a cdktf TerraformProvider whose type is "azurerm"), but it is an "azuread" provider; pass the azurerm provider, e.g. new AzurermProvider(stack, "…", { alias: "…" }).'],
    ["azuread", "azuread", 'providers.azuread: must be an azuread provider (a cdktf TerraformProvider whose type is "azuread"), but it is "azuread"; pass the azuread provider, e.g. new AzureadProvider(stack, "…", { alias: "…" }).'],
    ["time", null, 'providers.time: must be a time provider (a cdktf TerraformProvider whose type is "time"), but it is null; pass the time provider, e.g. new TimeProvider(stack, "…", { alias: "…" }).'],
  ] as const)("refuses anything else for %s, naming it", (kind, value, message) => {
    expect(providerKindProblem(value, kind)).toBe(message);
  });

  it("is part of the props' validation, with a token refused as such", () => {
    expect(validate({ providers: loosely({ azurerm: { terraformResourceType: "time" } }) }).errors).toEqual([expect.stringMatching(/^providers\.azurerm: must be an azurerm provider/)]);
    expect(validate({ providers: loosely(Token.asAny({ Ref: "p" })) }).errors).toEqual([expect.stringMatching(/^providers: is a token/)]);
    expect(validate({ providers: loosely("azurerm") }).errors).toEqual([expect.stringMatching(/^providers "azurerm": must be an object/)]);
  });
});
