import { readFileSync } from "fs";
import { join } from "path";
import { TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { XshieldMdeIntegration } from "../lib/xshield-mde-integration";
import { Synthesized, VALID_PROPS } from "./support/synth";

/** A value of every prop, so that the tables below must name each prop (a new prop fails to compile here). */
const EVERY_PROP: Required<XshieldMdeIntegrationProps> = {
  ...VALID_PROPS,
  location: "westeurope",
  resourceGroupName: "rg",
  resourceGroup: { name: "rg", id: "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg", location: "westeurope" },
  queueName: "q",
  applicationDisplayName: "a",
  additionalOwnerObjectIds: [],
  clientSecretExpiryMonths: 24,
  clientSecretRotationMonths: 6,
  clientSecretKeyVaultId: "x",
  clientSecretKeyVaultSecretName: "x",
  publicNetworkAccess: "SelectedNetworks",
  allowedIpRanges: [],
  xshieldRegion: "northeurope",
  sharedAccessKeyEnabled: false,
  accountReplicationType: "LRS",
  blobRetentionDays: 30,
  softDeleteRetentionDays: 7,
  deleteLock: true,
  diagnostics: { logAnalyticsWorkspaceId: "x" },
  adopt: {},
  eventDeliveryMaxAttempts: 30,
  eventTimeToLiveMinutes: 1440,
  rolePropagationWaitSeconds: 120,
  createResourceGroup: true,
  dataRoleScope: "resources",
  streamingApiOperatorObjectIds: [],
  providers: {},
  alerts: { emailReceivers: ["a@b.co"] },
  tags: {},
  baselineExceptions: [],
};

type Prop = keyof XshieldMdeIntegrationProps;
type VariableKind = "string" | "number" | "list(string)" | "map(string)" | "bool";

interface PassThrough {
  readonly kind: VariableKind;
  /** Other props the case needs (a Key Vault secret exists only with a vault id). */
  readonly with?: Partial<XshieldMdeIntegrationProps>;
  /** Where the variable must appear, and how. */
  readonly expect: (s: Synthesized) => unknown;
  readonly written: string;
}

const account = (s: Synthesized) => s.one("azurerm_storage_account").body;

/** Props a Terraform expression can stand for: each reaches the JSON unchanged. */
const PASS_THROUGH: { readonly [P in Prop]?: PassThrough } = {
  location: { kind: "string", expect: (s) => account(s).location, written: "${var.v}" },
  // Only with createResourceGroup said outright: left at its default true, a token name is refused
  // (a group the stack defines goes in resourceGroup; __tests__/resource-group.test.ts).
  resourceGroupName: { kind: "string", with: { createResourceGroup: true }, expect: (s) => s.one("azurerm_resource_group").body.name, written: "${var.v}" },
  storageAccountName: { kind: "string", expect: (s) => s.one("azurerm_eventgrid_system_topic").body.name, written: "${var.v}-events" },
  queueName: { kind: "string", expect: (s) => s.one("azurerm_storage_queue").body.name, written: "${var.v}" },
  applicationDisplayName: { kind: "string", expect: (s) => s.one("azuread_application").body.display_name, written: "${var.v}" },
  additionalOwnerObjectIds: {
    kind: "list(string)",
    expect: (s) => s.one("azuread_application").body.owners,
    written: "${concat([data.azuread_client_config.integration_client-config_BBBA97F3.object_id], var.v)}",
  },
  clientSecretKeyVaultId: { kind: "string", expect: (s) => s.one("azurerm_key_vault_secret").body.key_vault_id, written: "${var.v}" },
  clientSecretKeyVaultSecretName: {
    kind: "string",
    with: { clientSecretKeyVaultId: "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-x" },
    expect: (s) => s.one("azurerm_key_vault_secret").body.name,
    written: "${var.v}",
  },
  allowedIpRanges: { kind: "list(string)", expect: (s) => (account(s).network_rules as { ip_rules: unknown }).ip_rules, written: "${var.v}" },
  accountReplicationType: { kind: "string", expect: (s) => account(s).account_replication_type, written: "${var.v}" },
  eventDeliveryMaxAttempts: {
    kind: "number",
    expect: (s) => (s.one("azurerm_eventgrid_system_topic_event_subscription").body.retry_policy as { max_delivery_attempts: unknown }).max_delivery_attempts,
    written: "${var.v}",
  },
  eventTimeToLiveMinutes: {
    kind: "number",
    expect: (s) => (s.one("azurerm_eventgrid_system_topic_event_subscription").body.retry_policy as { event_time_to_live: unknown }).event_time_to_live,
    written: "${var.v}",
  },
  rolePropagationWaitSeconds: { kind: "number", expect: (s) => s.one("time_sleep").body.create_duration, written: "${var.v}s" },
  tags: { kind: "map(string)", expect: (s) => account(s).tags, written: "${var.v}" },
};

/** Props that decide which resources exist, a guard rule, or synth-time arithmetic: refused as tokens. */
const LITERAL_ONLY: readonly Prop[] = [
  "clientSecretExpiryMonths",
  "clientSecretRotationMonths",
  "publicNetworkAccess",
  "sharedAccessKeyEnabled",
  "createResourceGroup",
  "baselineExceptions",
  "blobRetentionDays",
  "dataRoleScope",
  "streamingApiOperatorObjectIds",
  "providers",
  "alerts",
  "xshieldRegion",
  "softDeleteRetentionDays",
  "deleteLock",
  "diagnostics",
  "adopt",
];

/**
 * Props that are objects whose fields may be tokens, tested field by field in their own suites:
 * resourceGroup (a resource or data source: its name, id and location are references).
 */
const FIELDS_MAY_BE_TOKENS: readonly Prop[] = ["resourceGroup"];

function variable(stack: TerraformStack, kind: VariableKind): unknown {
  const v = new TerraformVariable(stack, "v", { type: kind });
  switch (kind) {
    case "string":
      return v.stringValue;
    case "number":
      return v.numberValue;
    case "list(string)":
      return v.listValue;
    case "map(string)":
      return Token.asStringMap(v.value);
    case "bool":
      return v.booleanValue;
  }
}

describe("a prop given as a token (a Terraform expression)", () => {
  test("every prop is either passed through or refused", () => {
    const classified = [...Object.keys(PASS_THROUGH), ...LITERAL_ONLY, ...FIELDS_MAY_BE_TOKENS].sort();
    const required = ["location", "resourceGroupName", "storageAccountName"];
    expect(classified).toEqual(Object.keys(EVERY_PROP).sort());
    expect(required.every((p) => p in PASS_THROUGH)).toBe(true);
  });

  test.each(Object.entries(PASS_THROUGH) as [Prop, PassThrough][])("%s reaches the JSON unchanged, and the guard accepts it", (prop, c) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, ...c.with, [prop]: variable(stack, c.kind) });
    const s = new Synthesized(Testing.synth(stack));
    const written = c.expect(s);
    if (typeof written === "string" && written.startsWith('[{"')) {
      expect(written).toContain(c.written);
    } else {
      expect(written).toBe(c.written);
    }
  });

  test.each(LITERAL_ONLY)("%s is refused, naming the prop and why a literal is needed", (prop) => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    const value = EVERY_PROP[prop];
    const kind: VariableKind =
      typeof value === "number" ? "number" : typeof value === "boolean" ? "bool" : Array.isArray(value) ? "list(string)" : typeof value === "object" ? "map(string)" : "string";
    const build = () => new XshieldMdeIntegration(stack, "integration", { ...VALID_PROPS, [prop]: variable(stack, kind) });
    expect(build).toThrow(new RegExp(`- ${prop}: is a token .* must be a literal value because it`));
  });
});

describe("the README's props table", () => {
  test("marks each prop as the construct treats a token: T passes through (checked at plan), L is refused", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    const table = /\n## Props\n[\s\S]*?\n(\| Prop \|[\s\S]*?)\n\n/.exec(readme)?.[1] ?? "";
    const marks = new Map<string, string>();
    for (const row of table.split("\n").slice(2)) {
      const [, cell, mark] = row.split("|").map((c) => c.trim());
      const props = [...cell.matchAll(/`(?:…)?(\w+)`/g)].map((m) => (m[0].startsWith("`…") ? `clientSecretKeyVault${m[1]}` : m[1]));
      props.forEach((p) => marks.set(p, mark));
    }
    const expected = new Map<string, string>([
      ...Object.keys(PASS_THROUGH).map((p) => [p, "T"] as [string, string]),
      ...FIELDS_MAY_BE_TOKENS.map((p) => [p, "T"] as [string, string]),
      ...LITERAL_ONLY.map((p) => [p, "L"] as [string, string]),
    ]);
    expect(Object.fromEntries([...marks].sort())).toEqual(Object.fromEntries([...expected].sort()));
  });
});
