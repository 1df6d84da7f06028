import { readFileSync } from "node:fs";
import { join } from "node:path";
import { XshieldMdeIntegrationProps } from "../lib/props";
import { synthIntegration } from "./support/synth";

// docs/security-scanners.md says, rule by rule, what Checkov, Trivy, KICS and PSRule for Azure
// report on the integration's output. Each row names claims about the written JSON; this suite
// reads the tables, checks every claim against what the construct writes (its defaults and both
// golden environments, plus one synthesis per prop a row says clears a finding), and proves each
// check can fail by breaking the JSON the way the claim rules out. A claim the doc names that no
// checker here implements fails the suite, and so does a checker no row uses.

const ROOT = join(__dirname, "..");
const DOC = readFileSync(join(ROOT, "docs", "security-scanners.md"), "utf8");
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const FINDINGS_HEADER = "| Rule | Reads | Result | Claims | Why | Source |";
const SCANNERS = ["Checkov", "Trivy", "KICS", "PSRule for Azure"];

// ---- The written JSON, and the variants the rows need ----

type Json = { [key: string]: unknown };

function isJson(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function obj(value: unknown, what: string): Json {
  if (!isJson(value)) {
    throw new Error(`${what} is not an object: ${JSON.stringify(value)}`);
  }
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new Error(`${what} is not a list: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Every resource of a type in a document, as [name, body] pairs. */
function all(doc: Json, type: string): [string, Json][] {
  const byName = doc.resource === undefined ? {} : obj(obj(doc.resource, "resource")[type] ?? {}, type);
  return Object.entries(byName).map(([name, body]) => [name, obj(body, `${type}.${name}`)]);
}

function only(doc: Json, type: string): [string, Json] {
  const found = all(doc, type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0];
}

const account = (doc: Json): Json => only(doc, "azurerm_storage_account")[1];
const accountId = (doc: Json): string => `\${azurerm_storage_account.${only(doc, "azurerm_storage_account")[0]}.id}`;
const networkRules = (doc: Json): Json => obj(account(doc).network_rules, "network_rules");
const blobProperties = (doc: Json): Json => obj(account(doc).blob_properties ?? {}, "blob_properties");

function addResource(doc: Json, type: string, body: Json): void {
  const resources = obj(doc.resource, "resource");
  resources[type] = { ...obj(resources[type] ?? {}, type), spoiled: body };
}

/** The props whose effect a row may say clears a finding, each with the value the check uses. */
const PROP_VARIANTS = {
  deleteLock: { deleteLock: true },
  diagnostics: {
    diagnostics: {
      logAnalyticsWorkspaceId:
        "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/rg-monitoring/providers/Microsoft.OperationalInsights/workspaces/law-security",
    },
  },
  accountReplicationType: { accountReplicationType: "GZRS" },
  tags: { tags: { "cost-center": "secops" } },
  clientSecretKeyVaultId: {
    clientSecretKeyVaultId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-kv/providers/Microsoft.KeyVault/vaults/kv-xshield",
  },
} satisfies { [prop: string]: Partial<XshieldMdeIntegrationProps> };
type Prop = keyof typeof PROP_VARIANTS;
const PROPS = Object.keys(PROP_VARIANTS) as Prop[];

interface Docs {
  /** The construct with required props only, and both golden environments. */
  readonly defaults: Json[];
  /** The construct with required props only. */
  readonly base: Json;
  /** The construct with required props and one prop set, as PROP_VARIANTS gives it. */
  readonly with: { readonly [prop in Prop]: Json };
}

function synthesized(text: string): Json {
  return obj(JSON.parse(text), "synthesized JSON");
}

let cached: Docs | undefined;
/** Synthesized once for the suite: the defaults and one variant per prop. */
function docs(): Docs {
  if (cached === undefined) {
    const golden = (env: string) => synthesized(readFileSync(join(__dirname, "golden", `${env}.tf.json`), "utf8"));
    const base = synthesized(synthIntegration().text);
    const variants = Object.fromEntries(PROPS.map((p) => [p, synthesized(synthIntegration(PROP_VARIANTS[p]).text)]));
    cached = { defaults: [base, golden("dev"), golden("prod")], base, with: variants as { [prop in Prop]: Json } };
  }
  return cached;
}

/** A deep copy the spoilers may change. */
function copyOf(d: Docs): Docs {
  const defaults = d.defaults.map((doc) => structuredClone(doc));
  const variants = Object.fromEntries(PROPS.map((p) => [p, structuredClone(d.with[p])]));
  return { defaults, base: defaults[0], with: variants as { [prop in Prop]: Json } };
}

// ---- The claims: one checker each, and the change to the JSON that must make it fail ----

interface Claim {
  /** The prop this claim proves clears a finding (the only rows that may use it say so). */
  readonly clears?: Prop;
  /** Whether the claim takes a number (`blob-soft-delete:7`). */
  readonly takesNumber?: boolean;
  /** Throws when the claim does not hold. */
  check(d: Docs, n: number): void;
  /** Changes the documents the way the claim rules out. */
  spoil(d: Docs, n: number): void;
}

// What each claim stands for, and the scanner file it was read from, is in the doc's tables. The
// geo-redundant set is the same in all four: Checkov StorageAccountsUseReplication.py, trivy-checks
// storage/enable_geo_redundant_backups.rego, KICS azure_storage_account_geo_redundancy_disabled,
// PSRule Azure.Storage.UseReplication (as Standard_* SKUs).
const GEO_REPLICATION = ["GRS", "RAGRS", "GZRS", "RAGZRS"];

/** The storage account's attribute has the value, and the attributes in `absent` are not written. */
function onAccount(attribute: string, expected: unknown, spoiled: unknown, absent: string[] = []): Claim {
  return {
    check: (d) =>
      d.defaults.forEach((doc) => {
        expect({ [attribute]: account(doc)[attribute] }).toEqual({ [attribute]: expected });
        expect(absent.filter((a) => a in account(doc))).toEqual([]);
      }),
    spoil: (d) => void (account(d.defaults[0])[attribute] = spoiled),
  };
}

/** There are resources of the type, and each one's attribute passes `ok`. */
function everyResource(type: string, attribute: string, ok: (value: unknown, doc: Json) => boolean, spoiled: string): Claim {
  return {
    check: (d) =>
      d.defaults.forEach((doc) => {
        const found = all(doc, type);
        expect(found.length).toBeGreaterThan(0);
        expect(found.filter(([, body]) => !ok(body[attribute], doc)).map(([name, body]) => [name, body[attribute]])).toEqual([]);
      }),
    spoil: (d) => void (all(d.defaults[0], type)[0][1][attribute] = spoiled),
  };
}

/** The storage account has no `attribute` block, and no resource of `separate` sets it instead. */
function notOnAccount(attribute: string, separate: string, spoiled: Json, more: (doc: Json) => void = () => undefined): Claim {
  return {
    check: (d) =>
      d.defaults.forEach((doc) => {
        expect(account(doc)).not.toHaveProperty(attribute);
        expect(all(doc, separate)).toEqual([]);
        more(doc);
      }),
    spoil: (d) => void (account(d.defaults[0])[attribute] = spoiled),
  };
}

function absentResource(type: string): Claim {
  return {
    check: (d) => d.defaults.forEach((doc) => expect({ [type]: all(doc, type) }).toEqual({ [type]: [] })),
    spoil: (d) => addResource(d.defaults[0], type, { storage_account_id: accountId(d.defaults[0]) }),
  };
}

function softDelete(policy: "delete_retention_policy" | "container_delete_retention_policy"): Claim {
  return {
    takesNumber: true,
    check: (d, n) =>
      d.defaults.forEach((doc) => {
        const days = obj(blobProperties(doc)[policy] ?? {}, policy).days;
        expect({ [policy]: typeof days === "number" && days >= n }).toEqual({ [policy]: true });
      }),
    spoil: (d, n) => void (obj(blobProperties(d.defaults[0])[policy], policy).days = n - 1),
  };
}

const CLAIMS: { readonly [name: string]: Claim } = {
  "tls-1.2": onAccount("min_tls_version", "TLS1_2", "TLS1_0"),
  // The azurerm 3.x names: Checkov's CKV_AZURE_3 still reads the first, KICS's 17f75827 the second.
  "https-only": onAccount("https_traffic_only_enabled", true, false, ["enable_https_traffic_only"]),
  "no-anonymous-blobs": onAccount("allow_nested_items_to_be_public", false, true, ["allow_blob_public_access"]),
  "containers-private": everyResource("azurerm_storage_container", "container_access_type", (v) => v === "private", "blob"),
  "shared-key-off": onAccount("shared_access_key_enabled", false, true),
  "firewall-deny": {
    check: (d) => d.defaults.forEach((doc) => expect(networkRules(doc).default_action).toBe("Deny")),
    spoil: (d) => void (networkRules(d.defaults[0]).default_action = "Allow"),
  },
  "trusted-services-bypass": {
    check: (d) => d.defaults.forEach((doc) => expect(list(networkRules(doc).bypass, "bypass")).toContain("AzureServices")),
    spoil: (d) => void (networkRules(d.defaults[0]).bypass = []),
  },
  "no-open-ip-rules": {
    check: (d) =>
      d.defaults.forEach((doc) => {
        const rules = list(networkRules(doc).ip_rules, "ip_rules");
        expect(rules.filter((r) => String(r).endsWith("/0"))).toEqual([]);
      }),
    spoil: (d) => void list(networkRules(d.defaults[0]).ip_rules, "ip_rules").push("0.0.0.0/0"),
  },
  "double-encryption": onAccount("infrastructure_encryption_enabled", true, false),
  "no-local-users": {
    check: (d) =>
      d.defaults.forEach((doc) => {
        const a = account(doc);
        expect({ local: a.local_user_enabled, sftp: a.sftp_enabled, hns: a.is_hns_enabled }).toEqual({ local: false, sftp: false, hns: false });
      }),
    spoil: (d) => void (account(d.defaults[0]).local_user_enabled = true),
  },
  "storage-v2": {
    check: (d) => d.defaults.forEach((doc) => expect([account(doc).account_kind, account(doc).account_tier]).toEqual(["StorageV2", "Standard"])),
    spoil: (d) => void (account(d.defaults[0]).account_kind = "FileStorage"),
  },
  "account-name": {
    // The check Checkov (CKV_AZURE_43) and PSRule (Azure.Storage.Name) apply, on a literal name.
    check: (d) => d.defaults.forEach((doc) => expect(account(doc).name).toMatch(/^[a-z0-9]{3,24}$/)),
    spoil: (d) => void (account(d.defaults[0]).name = "St_Xshield"),
  },
  "blob-soft-delete": softDelete("delete_retention_policy"),
  "container-soft-delete": softDelete("container_delete_retention_policy"),
  "no-classic-logging": notOnAccount(
    "queue_properties",
    "azurerm_storage_account_queue_properties",
    { logging: { read: true, write: true, delete: true, version: "1.0" } },
    // azurerm 4.55 refuses queue_properties when data_plane_available is false
    // (internal/services/storage/storage_account_resource.go), which the shipped providers set.
    (doc) => {
      for (const azurerm of list(obj(doc.provider ?? {}, "provider").azurerm ?? [], "provider.azurerm")) {
        const storage = obj(list(obj(list(obj(azurerm, "azurerm").features, "features")[0], "features").storage, "storage")[0], "storage");
        expect(storage.data_plane_available).toBe(false);
      }
    },
  ),
  "no-storage-insights": absentResource("azurerm_log_analytics_storage_insights"),
  "public-network-on": {
    check: (d) =>
      d.defaults.forEach((doc) => {
        expect(account(doc).public_network_access_enabled).toBe(true);
        expect(networkRules(doc).default_action).toBe("Deny");
      }),
    spoil: (d) => void (account(d.defaults[0]).public_network_access_enabled = false),
  },
  "no-private-endpoint": absentResource("azurerm_private_endpoint"),
  "no-cmk": notOnAccount(
    "customer_managed_key",
    "azurerm_storage_account_customer_managed_key",
    { key_vault_key_id: "https://kv.vault.azure.net/keys/k" },
    // Trivy's AZU-0060 judges only accounts that have containers.
    (doc) => expect(all(doc, "azurerm_storage_container").length).toBeGreaterThan(0),
  ),
  "no-read-only-lock": {
    check: (d) =>
      [...d.defaults, d.with.deleteLock].forEach((doc) =>
        expect(all(doc, "azurerm_management_lock").filter(([, lock]) => lock.lock_level === "ReadOnly")).toEqual([]),
      ),
    spoil: (d) => void (only(d.with.deleteLock, "azurerm_management_lock")[1].lock_level = "ReadOnly"),
  },
  "no-versioning": {
    check: (d) =>
      d.defaults.forEach((doc) => {
        expect(blobProperties(doc).versioning_enabled).not.toBe(true);
        // With versioning on, previous versions would outlive a rule that deletes base blobs only.
        const policy = only(doc, "azurerm_storage_management_policy")[1];
        for (const rule of list(policy.rule, "rule")) {
          expect(Object.keys(obj(obj(rule, "rule").actions, "actions"))).toEqual(["base_blob"]);
        }
      }),
    spoil: (d) => void (blobProperties(d.defaults[0]).versioning_enabled = true),
  },
  "no-file-shares": notOnAccount("share_properties", "azurerm_storage_share", { smb: { versions: ["SMB3.1.1"] } }),
  "roles-below-group": everyResource(
    "azurerm_role_assignment",
    "scope",
    (scope, doc) => String(scope).startsWith(accountId(doc)),
    "${azurerm_resource_group.group.id}",
  ),
  "topic-identity": {
    check: (d) => d.defaults.forEach((doc) => expect(only(doc, "azurerm_eventgrid_system_topic")[1].identity).toEqual({ type: "SystemAssigned" })),
    spoil: (d) => void delete only(d.defaults[0], "azurerm_eventgrid_system_topic")[1].identity,
  },
  "delete-lock": {
    clears: "deleteLock",
    check: (d) => {
      d.defaults.forEach((doc) => expect(all(doc, "azurerm_management_lock")).toEqual([]));
      const lock = only(d.with.deleteLock, "azurerm_management_lock")[1];
      // KICS 0cc95bf8 compares the scope with this exact reference.
      expect([lock.lock_level, lock.scope]).toEqual(["CanNotDelete", accountId(d.with.deleteLock)]);
    },
    spoil: (d) => void (only(d.with.deleteLock, "azurerm_management_lock")[1].scope = "${azurerm_resource_group.group.id}"),
  },
  "blob-diagnostics": {
    clears: "diagnostics",
    check: (d) => {
      d.defaults.forEach((doc) => expect(all(doc, "azurerm_monitor_diagnostic_setting")).toEqual([]));
      const doc = d.with.diagnostics;
      const blob = all(doc, "azurerm_monitor_diagnostic_setting").filter(([, s]) => s.target_resource_id === `${accountId(doc)}/blobServices/default`);
      expect(blob).toHaveLength(1);
      const categories = list(blob[0][1].enabled_log, "enabled_log").map((l) => obj(l, "enabled_log").category);
      expect(categories).toEqual(expect.arrayContaining(["StorageRead", "StorageWrite", "StorageDelete"]));
    },
    spoil: (d) => {
      for (const [, setting] of all(d.with.diagnostics, "azurerm_monitor_diagnostic_setting")) {
        setting.enabled_log = list(setting.enabled_log, "enabled_log").filter((l) => obj(l, "enabled_log").category !== "StorageDelete");
      }
    },
  },
  "geo-replication": {
    clears: "accountReplicationType",
    check: (d) => {
      d.defaults.forEach((doc) => expect(GEO_REPLICATION).not.toContain(account(doc).account_replication_type));
      expect(account(d.with.accountReplicationType).account_replication_type).toBe("GZRS");
    },
    spoil: (d) => void (account(d.with.accountReplicationType).account_replication_type = "ZRS"),
  },
  tags: {
    clears: "tags",
    check: (d) => {
      expect(account(d.base)).not.toHaveProperty("tags");
      for (const type of ["azurerm_resource_group", "azurerm_storage_account", "azurerm_eventgrid_system_topic"]) {
        expect({ [type]: only(d.with.tags, type)[1].tags }).toEqual({ [type]: PROP_VARIANTS.tags.tags });
      }
    },
    spoil: (d) => void delete only(d.with.tags, "azurerm_eventgrid_system_topic")[1].tags,
  },
  "key-vault-content-type": {
    check: (d) => expect(only(d.with.clientSecretKeyVaultId, "azurerm_key_vault_secret")[1].content_type).toMatch(/\S/),
    spoil: (d) => void delete only(d.with.clientSecretKeyVaultId, "azurerm_key_vault_secret")[1].content_type,
  },
  "key-vault-expiry-computed": {
    check: (d) => expect(only(d.with.clientSecretKeyVaultId, "azurerm_key_vault_secret")[1].expiration_date).toMatch(/^\$\{[\s\S]+\}$/),
    spoil: (d) => void delete only(d.with.clientSecretKeyVaultId, "azurerm_key_vault_secret")[1].expiration_date,
  },
};

// ---- The doc's tables ----

interface Row {
  readonly scanner: string;
  readonly rule: string;
  readonly result: string;
  readonly claims: string[];
  readonly why: string;
}

/** The doc split at its second-level headings: heading → text up to the next one. */
function sections(): Map<string, string> {
  const parts = DOC.split(/^## (.+)$/m);
  const map = new Map<string, string>();
  for (let i = 1; i < parts.length; i += 2) {
    map.set(parts[i].trim(), parts[i + 1]);
  }
  return map;
}

/** The rows of every table in a text whose header row is `header`. */
function tableRows(text: string, header: string): string[][] {
  const lines = text.split("\n");
  const rows: string[][] = [];
  lines.forEach((line, i) => {
    if (line !== header) return;
    for (let j = i + 2; j < lines.length && lines[j].startsWith("|"); j++) {
      const cells = lines[j].slice(1, -1).split("|").map((c) => c.trim());
      if (cells.length !== header.split("|").length - 2) {
        throw new Error(`a table row with ${cells.length} cells: ${lines[j]}`);
      }
      rows.push(cells);
    }
  });
  return rows;
}

const codes = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

function findings(): Row[] {
  return SCANNERS.flatMap((scanner) =>
    tableRows(sections().get(scanner) ?? "", FINDINGS_HEADER).map(([rule, , result, claims, why]) => ({
      scanner,
      rule: codes(rule)[0] ?? rule,
      result,
      claims: codes(claims),
      why,
    })),
  );
}

function parseClaim(token: string): { name: string; n: number } {
  const [name, n] = token.split(":");
  return { name, n: n === undefined ? NaN : Number(n) };
}

const RESULT = /^(pass|fail: deliberate|fail: false positive|fail: cleared by `(\w+)`)$/;
const rows = findings();
const tokens = [...new Set(rows.flatMap((r) => r.claims))].sort();

describe("docs/security-scanners.md", () => {
  test("has a findings table for each scanner, one row per rule, and the summary counts them", () => {
    const summary = tableRows(DOC, "| Scanner | Rows | Pass | Fail |");
    const counted = SCANNERS.map((scanner) => {
      const mine = rows.filter((r) => r.scanner === scanner);
      expect({ scanner, duplicates: mine.filter((r, i) => mine.findIndex((o) => o.rule === r.rule) !== i).map((r) => r.rule) }).toEqual({ scanner, duplicates: [] });
      const pass = mine.filter((r) => r.result === "pass").length;
      return [scanner, String(mine.length), String(pass), String(mine.length - pass)];
    });
    expect(counted.every(([, n]) => Number(n) > 0)).toBe(true);
    expect(summary).toEqual(counted);
  });

  test("every row has a known result and at least one claim; a deliberate failure names its reason", () => {
    const choices = new Set(
      [...(sections().get("The deliberate choices") ?? "").matchAll(/^- \*\*(.+?)\.\*\*/gm)].map((m) => m[1]),
    );
    expect(choices.size).toBeGreaterThan(5);
    for (const row of rows) {
      const where = `${row.scanner} ${row.rule}`;
      expect({ where, result: RESULT.test(row.result) }).toEqual({ where, result: true });
      expect({ where, claims: row.claims.length > 0 }).toEqual({ where, claims: true });
      if (row.result === "fail: deliberate") {
        expect({ where, why: choices.has(row.why) }).toEqual({ where, why: true });
      }
    }
  });

  test("names only claims this suite checks, each in the claims table, each with a number where it takes one", () => {
    const glossary = tableRows(sections().get("Claims") ?? "", "| Claim | What the test checks |").map(([claim]) => parseClaim(codes(claim)[0] ?? claim).name);
    expect([...glossary].sort()).toEqual(Object.keys(CLAIMS).sort());
    for (const token of tokens) {
      const { name, n } = parseClaim(token);
      const claim = CLAIMS[name];
      expect({ token, known: claim !== undefined }).toEqual({ token, known: true });
      expect({ token, numbered: Number.isInteger(n) }).toEqual({ token, numbered: claim.takesNumber === true });
    }
    const used = new Set(tokens.map((t) => parseClaim(t).name));
    expect(Object.keys(CLAIMS).filter((name) => !used.has(name))).toEqual([]);
  });

  test("a row cleared by a prop carries the claim that proves it, and only such rows use one", () => {
    for (const row of rows) {
      const cleared = RESULT.exec(row.result)?.[2];
      const clearing = row.claims.map((t) => CLAIMS[parseClaim(t).name]?.clears).filter((p) => p !== undefined);
      const where = `${row.scanner} ${row.rule}`;
      expect({ where, clearing }).toEqual({ where, clearing: cleared === undefined ? [] : [cleared] });
      if (cleared !== undefined) {
        expect(PROPS).toContain(cleared);
      }
    }
  });

  test.each(tokens)("claim %s holds for what the construct writes", (token) => {
    const { name, n } = parseClaim(token);
    CLAIMS[name].check(docs(), n);
  });

  test.each(tokens)("claim %s fails when the JSON breaks it", (token) => {
    const { name, n } = parseClaim(token);
    const spoiled = copyOf(docs());
    CLAIMS[name].spoil(spoiled, n);
    expect(() => CLAIMS[name].check(spoiled, n)).toThrow();
  });

  test("the README points security reviewers to it", () => {
    expect(README.includes("](docs/security-scanners.md)")).toBe(true);
  });
});
