import { Token } from "cdktf";
import * as ipaddr from "ipaddr.js";

/**
 * Small, pure rules for single prop values.
 *
 * Each rule returns `undefined` when the value is fine (or is an unresolved cdktf token, which only
 * Terraform can check), or one problem line that names the prop as the user wrote it, shows the
 * bad value, states the rule and says how to fix it:
 *
 *     storageAccountName "My_Account": must be 3–24 lowercase letters and digits (…), but it
 *     contains "M", "_", "A"; use e.g. "myaccount".
 *
 * `validation.ts` composes them into a report; nothing here throws.
 */

/** One problem line, or `undefined` when the value is fine. */
export type Problem = string | undefined;

/** Longest string shown in full in a message; longer ones are cut (their length is given). */
const MAX_SHOWN_CHARACTERS = 300;

/** Shows a value as the user would recognise it: strings JSON-quoted, `NaN` and `Infinity` as such. */
// Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
export function show(value: unknown): string {
  if (typeof value === "string") {
    const characters = Array.from(value);
    if (characters.length > MAX_SHOWN_CHARACTERS) {
      return `${JSON.stringify(characters.slice(0, MAX_SHOWN_CHARACTERS).join(""))}… (${characters.length} characters)`;
    }
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  }
  if (value === undefined) {
    return "undefined";
  }
  if (typeof value === "bigint" || typeof value === "symbol" || typeof value === "function") {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
// Stryker restore all

/** True for values only Terraform knows (cdktf tokens): they are skipped, never judged. */
export function isToken(value: unknown): boolean {
  return Token.isUnresolved(value);
}

/** Length in characters (Unicode code points), not UTF-16 code units. */
export function characterCount(value: string): number {
  return Array.from(value).length;
}

// Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
function quoteList(items: readonly string[], max = 5): string {
  const shown = items.slice(0, max).map((i) => JSON.stringify(i));
  return items.length > max ? `${shown.join(", ")} and ${items.length - max} more` : shown.join(", ");
}

/** "contains "M", "_"" for the distinct characters of `value` that `allowed` rejects. */
function badCharactersDetail(value: string, allowed: (character: string) => boolean): string | undefined {
  const bad = [...new Set(Array.from(value).filter((c) => !allowed(c)))];
  return bad.length > 0 ? `contains ${quoteList(bad)}` : undefined;
}

function lengthDetail(value: string, min: number, max: number): string | undefined {
  const n = characterCount(value);
  if (n === 0 && min > 0) {
    return "is empty";
  }
  if (n < min || n > max) {
    return `is ${n} character${n === 1 ? "" : "s"} long`;
  }
  return undefined;
}
// Stryker restore all

/** How a name rule is stated, checked, explained and repaired. */
interface NameRule {
  /** The rule, completing "must be …". */
  readonly rule: string;
  readonly valid: (value: string) => boolean;
  /** What is wrong, each completing "but it …". */
  readonly details: (value: string) => (string | undefined)[];
  /** A repaired value; used only if it passes the rule. */
  readonly repair?: (value: string) => string;
  /** Example used when repair fails; without one, `advice` must say how to fix the value. */
  readonly example?: string;
  /** Extra advice after the example. */
  readonly advice?: string;
}

/** Applies a {@link NameRule}: skips tokens, rejects non-strings, explains what is wrong. */
function checkName(prop: string, value: unknown, spec: NameRule): Problem {
  if (isToken(value)) {
    return undefined;
  }
  if (typeof value === "string" && spec.valid(value)) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  const advice = spec.advice !== undefined ? ` ${spec.advice}` : "";
  if (typeof value !== "string") {
    const example = spec.example !== undefined ? `; use e.g. ${JSON.stringify(spec.example)}` : "";
    return `${prop} ${show(value)}: must be a string of ${spec.rule}${example}.${advice}`;
  }
  const details = spec.details(value).filter((d): d is string => d !== undefined);
  const repaired = spec.repair?.(value);
  const suggestion = repaired !== undefined && repaired !== value && spec.valid(repaired) ? repaired : spec.example;
  const but = details.length > 0 ? `, but it ${details.join(", ")}` : "";
  const fix = suggestion !== undefined ? `; use e.g. ${JSON.stringify(suggestion)}` : "";
  return `${prop} ${show(value)}: must be ${spec.rule}${but}${fix}.${advice}`;
}

// Stryker restore all
// Stryker disable next-line all: only explains bad characters in messages
const isLowerAlnum = (c: string): boolean => /^[a-z0-9]$/.test(c);

// ---------------------------------------------------------------- storage account

const STORAGE_ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

/** Storage account name: `^[a-z0-9]{3,24}$` (and unique across Azure, which only Azure can check). */
export function storageAccountNameProblem(value: unknown, prop = "storageAccountName"): Problem {
  return checkName(prop, value, {
    rule: "3–24 lowercase letters and digits (Azure rule; the name is also globally unique across Azure)",
    valid: (v) => STORAGE_ACCOUNT_NAME.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [lengthDetail(v, 3, 24), badCharactersDetail(v, isLowerAlnum)],
    repair: (v) => v.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 24),
    example: "xshieldmde",
  });
}

// Stryker restore all
// ---------------------------------------------------------------- storage queue

const QUEUE_NAME = /^(?=.{3,63}$)[a-z0-9](?:[a-z0-9]|-(?!-))*[a-z0-9]$/;

/**
 * The shape Azure gives queue and blob container names: 3–63 lowercase letters, digits and
 * hyphens, starting and ending with a letter or digit, no `--`.
 */
function hyphenatedNameRule(ruleSuffix: string, doubleHyphenNote: string, example: string): NameRule {
  return {
    rule:
      "3–63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, " +
      `with no two hyphens in a row (${ruleSuffix})`,
    valid: (v) => QUEUE_NAME.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [
      lengthDetail(v, 3, 63),
      badCharactersDetail(v, (c) => isLowerAlnum(c) || c === "-"),
      v.startsWith("-") ? 'starts with "-"' : undefined,
      v.endsWith("-") && v.length > 1 ? 'ends with "-"' : undefined,
      v.includes("--") ? `contains "--"${doubleHyphenNote}` : undefined,
    ],
    repair: (v) =>
      v
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-{2,}/g, "-")
        .replace(/^-+/, "")
        .slice(0, 63)
        .replace(/-+$/, ""),
    example,
  };
}

// Stryker restore all
/**
 * Storage queue name: 3–63 lowercase letters, digits and hyphens, starting and ending with a
 * letter or digit, no `--` (the azurerm provider does not reject `--`; Azure does, at apply).
 */
export function queueNameProblem(value: unknown, prop = "queueName"): Problem {
  return checkName(
    prop,
    value,
    hyphenatedNameRule(
      // Stryker disable next-line StringLiteral: the rule's wording in a message
      "Azure rule",
      " (the azurerm provider lets this through at plan; Azure rejects it only at apply)",
      "xshield-mde-events",
    ),
  );
}

/** Blob container name: the same shape as a queue name. */
export function containerNameProblem(value: unknown, prop: string): Problem {
  // Stryker disable next-line StringLiteral: the rule's wording and the example in a message
  return checkName(prop, value, hyphenatedNameRule("Azure rule for blob containers", "", "tfstate"));
}

/** A blob name used as a Terraform state key: 1–1024 characters, not ending in "/" or ".". */
export function stateKeyProblem(value: unknown, prop: string): Problem {
  return checkName(prop, value, {
    rule: "a blob name of 1–1024 characters that does not end in \"/\" or \".\"",
    valid: (v) => characterCount(v) >= 1 && characterCount(v) <= 1024 && !/[/.]$/.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [lengthDetail(v, 1, 1024), /[/.]$/.test(v) ? `ends with ${JSON.stringify(v.slice(-1))}` : undefined],
    example: "xshield-mde/dev.tfstate",
  });
}

// Stryker restore all
/**
 * A local state path: relative (to the stack folder `cdktf.out/stacks/<env>/`), so that the
 * synthesized configuration is the same on every machine.
 */
export function relativePathProblem(value: unknown, prop: string): Problem {
  return checkName(prop, value, {
    rule: "a relative path (from cdktf.out/stacks/<env>/), so the synthesized Terraform is the same on every machine",
    valid: (v) => v.trim() !== "" && !/^([/\\~]|[A-Za-z]:)/.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [v.trim() === "" ? "is empty" : `is absolute or home-relative`],
    example: "../../../terraform.dev.tfstate",
  });
}

// Stryker restore all
// ---------------------------------------------------------------- resource group

// Stryker disable next-line all: only explains and repairs bad characters in messages
const RESOURCE_GROUP_CHARACTER = /^[A-Za-z0-9\-_.()]$/;
const RESOURCE_GROUP_NAME = /^[A-Za-z0-9\-_.()]{0,89}[A-Za-z0-9\-_()]$/;

/**
 * Resource group name: 1–90 ASCII letters, digits, `-_.()`, not ending in `.`. Azure itself also
 * takes Unicode letters, but the azurerm provider does not (its check is `^[-\w._()]+$` in Go,
 * where `\w` is ASCII only), so such a name would only fail at plan.
 */
export function resourceGroupNameProblem(value: unknown, prop = "resourceGroupName"): Problem {
  return checkName(prop, value, {
    rule:
      "1–90 ASCII letters, digits, hyphens, underscores, periods and parentheses, not ending in a period " +
      "(Azure rule; the azurerm provider accepts ASCII letters only)",
    valid: (v) => RESOURCE_GROUP_NAME.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [
      lengthDetail(v, 1, 90),
      badCharactersDetail(v, (c) => RESOURCE_GROUP_CHARACTER.test(c)),
      v.endsWith(".") ? 'ends with "."' : undefined,
    ],
    repair: (v) =>
      Array.from(v.trim().normalize("NFKD").replace(/[\u0300-\u036f]/g, ""))
        .map((c) => (RESOURCE_GROUP_CHARACTER.test(c) ? c : "-"))
        .slice(0, 90)
        .join("")
        .replace(/\.+$/, ""),
    example: "rg-xshield-mde",
  });
}

// Stryker restore all
// ---------------------------------------------------------------- location

/**
 * Azure region names (`az account list-locations`), public cloud plus US Government and China.
 * Only used to warn about likely typos: a region missing here draws a warning, never an error.
 */
// Stryker disable all: data, not logic: a name missing here only draws the unknown-region warning
export const KNOWN_AZURE_REGIONS: readonly string[] = [
  // Americas
  "eastus", "eastus2", "westus", "westus2", "westus3", "centralus", "northcentralus",
  "southcentralus", "westcentralus", "canadacentral", "canadaeast", "brazilsouth",
  "brazilsoutheast", "mexicocentral", "chilecentral",
  // Europe
  "northeurope", "westeurope", "uksouth", "ukwest", "francecentral", "francesouth",
  "germanywestcentral", "germanynorth", "norwayeast", "norwaywest", "switzerlandnorth",
  "switzerlandwest", "swedencentral", "swedensouth", "polandcentral", "italynorth", "spaincentral",
  // Middle East and Africa
  "israelcentral", "qatarcentral", "uaenorth", "uaecentral", "southafricanorth", "southafricawest",
  // Asia Pacific
  "centralindia", "southindia", "westindia", "jioindiawest", "jioindiacentral", "eastasia",
  "southeastasia", "japaneast", "japanwest", "koreacentral", "koreasouth", "australiaeast",
  "australiasoutheast", "australiacentral", "australiacentral2", "newzealandnorth",
  "indonesiacentral", "malaysiawest",
  // Early-access (canary) regions
  "eastus2euap", "centraluseuap",
  // US Government and DoD
  "usgovvirginia", "usgovtexas", "usgovarizona", "usdodeast", "usdodcentral",
  // China (21Vianet)
  "chinanorth", "chinaeast", "chinanorth2", "chinaeast2", "chinanorth3", "chinaeast3",
];
// Stryker restore all

const KNOWN_REGION_SET = new Set(KNOWN_AZURE_REGIONS);

/** A location as Azure stores it: spaces removed, lowercase (`"West Europe"` → `"westeurope"`). */
export function normalizeLocation(value: string): string {
  return value.replace(/ /g, "").toLowerCase();
}

const LOCATION_CHARACTERS = /^[A-Za-z0-9]+$/;

/** Location: letters and digits once spaces are removed (`"westeurope"` or `"West Europe"`). */
export function locationProblem(value: unknown, prop = "location"): Problem {
  return checkName(prop, value, {
    rule: 'an Azure region name: letters and digits, spaces allowed ("westeurope" or "West Europe")',
    valid: (v) => LOCATION_CHARACTERS.test(v.replace(/ /g, "")),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [
      v.replace(/ /g, "") === "" ? "has no letters or digits" : undefined,
      badCharactersDetail(v, (c) => c === " " || /^[A-Za-z0-9]$/.test(c)),
    ],
    repair: (v) => closestRegion(normalizeLocation(v.replace(/[^A-Za-z0-9]/g, ""))) ?? "",
    example: "westeurope",
    advice: "List the regions with `az account list-locations -o table`.",
  });
}

// Stryker restore all
/** Warns when a well-formed location is not a region name this library knows (maybe a typo). */
export function locationWarning(value: unknown, prop = "location"): Problem {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, locationProblem refuses what is not a string
  if (isToken(value) || typeof value !== "string" || locationProblem(value, prop) !== undefined) {
    return undefined;
  }
  const normalized = normalizeLocation(value);
  if (KNOWN_REGION_SET.has(normalized)) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  const closest = closestRegion(normalized);
  const hint = closest !== undefined ? ` (did you mean ${JSON.stringify(closest)}?)` : "";
  return (
    `${prop} ${show(value)}: ${JSON.stringify(normalized)} is not an Azure region this library knows. ` +
    `It may be a typo${hint}, or the library's list of regions may be out of date; ` +
    "check it against `az account list-locations -o table`."
  );
}

/** The known region within edit distance 2 of `name`, if exactly one is closest. */
function closestRegion(name: string): string | undefined {
  if (KNOWN_REGION_SET.has(name)) {
    return name;
  }
  let best: string | undefined;
  let bestDistance = 3;
  let tie = false;
  for (const region of KNOWN_AZURE_REGIONS) {
    const d = editDistance(name, region);
    if (d < bestDistance) {
      best = region;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
// Stryker restore all

// ---------------------------------------------------------------- application display name

/** Entra application display name: 1–256 characters, not only whitespace. */
export function displayNameProblem(value: unknown, prop = "applicationDisplayName"): Problem {
  return checkName(prop, value, {
    rule: "1–256 characters, not only whitespace (Entra ID rule)",
    valid: (v) => /\S/u.test(v) && characterCount(v) <= 256,
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [
      lengthDetail(v, 1, 256),
      v !== "" && !/\S/u.test(v) ? "is only whitespace" : undefined,
    ],
    repair: (v) => Array.from(v.trim()).slice(0, 256).join("").trim(),
    example: "Xshield MDE Integration",
  });
}

// Stryker restore all
// ---------------------------------------------------------------- GUIDs

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a GUID written as 8-4-4-4-12 hexadecimal digits (either case). */
export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/**
 * A GUID prop (object id, subscription id, tenant id): 8-4-4-4-12 hexadecimal digits.
 *
 * @param what what the GUID identifies, for the message ("the object id of a user or service principal")
 * @param where how to look it up ("`az account show --query id -o tsv`")
 */
export function guidProblem(value: unknown, prop: string, what = "a GUID", where?: string): Problem {
  return checkName(prop, value, {
    rule: `${what}: a GUID of 8-4-4-4-12 hexadecimal digits`,
    valid: isGuid,
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [
      v.trim() !== v ? "has leading or trailing whitespace" : undefined,
      /^\{.*\}$/.test(v.trim()) ? "is wrapped in braces" : undefined,
      v.trim() === v && !/^\{.*\}$/.test(v) ? "is not in that form" : undefined,
    ],
    repair: (v) => v.trim().replace(/^\{(.*)\}$/, "$1"),
    advice: `Copy the GUID exactly${where !== undefined ? `; look it up with ${where}` : " from the Azure portal or CLI"}.`,
  });
}

// Stryker restore all
// ---------------------------------------------------------------- Key Vault

const KEY_VAULT_SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** Key Vault secret name: 1–127 letters, digits and hyphens. */
export function keyVaultSecretNameProblem(value: unknown, prop = "clientSecretKeyVaultSecretName"): Problem {
  return checkName(prop, value, {
    rule: "1–127 letters, digits and hyphens (Key Vault rule)",
    valid: (v) => KEY_VAULT_SECRET_NAME.test(v),
    // Stryker disable all: how the message explains the value and what it suggests; `valid` is the tested verdict
    details: (v) => [lengthDetail(v, 1, 127), badCharactersDetail(v, (c) => /^[0-9A-Za-z-]$/.test(c))],
    repair: (v) => v.trim().replace(/[^0-9A-Za-z-]/g, "-").slice(0, 127),
    example: "xshield-mde-client-secret",
  });
}

// Stryker restore all
const KEY_VAULT_NAME = /^(?=.{3,24}$)[A-Za-z](?:[A-Za-z0-9]|-(?!-))*[A-Za-z0-9]$/;

/** Key Vault name: 3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no `--`. */
export function isKeyVaultName(value: string): boolean {
  return KEY_VAULT_NAME.test(value);
}

/** The shape of a Key Vault id; segment names matched in any case, as ARM does. */
const KEY_VAULT_ID = /^\/subscriptions\/([^/]*)\/resourceGroups\/([^/]*)\/providers\/Microsoft\.KeyVault\/vaults\/([^/]*)$/i;

const KEY_VAULT_ID_TEMPLATE =
  "/subscriptions/<subscription GUID>/resourceGroups/<resource group>/providers/Microsoft.KeyVault/vaults/<vault name>";
const KEY_VAULT_ID_ADVICE =
  "Copy it from `az keyvault show --name <vault> --query id -o tsv` or the vault's Properties page in the portal.";

// Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
/** What is wrong with a Key Vault id that does not have the resource id's shape. */
function keyVaultIdShapeDetail(value: string): string {
  if (/^https?:\/\//i.test(value.trim())) {
    return "is the vault's URI, not its resource id";
  }
  if (value.trim() !== value) {
    return "has leading or trailing whitespace";
  }
  return value.endsWith("/") ? 'ends with "/"' : "does not have that shape";
}
// Stryker restore all
/**
 * Key Vault resource id: `/subscriptions/<GUID>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>`,
 * with a valid resource group and vault name.
 */
export function keyVaultIdProblem(value: unknown, prop = "clientSecretKeyVaultId"): Problem {
  if (isToken(value)) {
    return undefined;
  }
  const rule = `the resource id of a Key Vault, ${JSON.stringify(KEY_VAULT_ID_TEMPLATE)}`;
  if (typeof value !== "string") {
    return `${prop} ${show(value)}: must be a string, ${rule}. ${KEY_VAULT_ID_ADVICE}`;
  }
  const match = KEY_VAULT_ID.exec(value);
  const details: string[] = [];
  if (match === null) {
    details.push(keyVaultIdShapeDetail(value));
  } else {
    const [, subscription, group, vault] = match;
    if (!isGuid(subscription)) {
      details.push(`has the subscription ${JSON.stringify(subscription)}, which is not a GUID`);
    }
    if (resourceGroupNameProblem(group) !== undefined) {
      details.push(
        `has the resource group ${JSON.stringify(group)}, which breaks the resource group rule ` +
          "(1–90 letters, digits, hyphens, underscores, periods and parentheses, not ending in a period)",
      );
    }
    if (!isKeyVaultName(vault)) {
      details.push(
        `has the vault name ${JSON.stringify(vault)}, which breaks the vault name rule ` +
          "(3–24 letters, digits and hyphens, starting with a letter, ending with a letter or digit, no two hyphens in a row)",
      );
    }
  }
  if (details.length === 0) {
    return undefined;
  }
  return `${prop} ${show(value)}: must be ${rule}, but it ${details.join(", ")}. ${KEY_VAULT_ID_ADVICE}`;
}

/** Warns when a Key Vault id is valid but its segment names are not in Azure's usual case. */
export function keyVaultIdCaseWarning(value: unknown, prop = "clientSecretKeyVaultId"): Problem {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, keyVaultIdProblem refuses what is not a string
  if (isToken(value) || typeof value !== "string" || keyVaultIdProblem(value, prop) !== undefined) {
    return undefined;
  }
  // The same id with the segment names in the case Azure returns them.
  const fixed = value.replace(
    KEY_VAULT_ID,
    (_, s: string, g: string, v: string) => `/subscriptions/${s}/resourceGroups/${g}/providers/Microsoft.KeyVault/vaults/${v}`,
  );
  if (fixed === value) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  return (
    `${prop} ${show(value)}: the segment names are not in the case Azure uses ` +
    '("subscriptions", "resourceGroups", "providers", "Microsoft.KeyVault", "vaults"). ' +
    `ARM ignores the case, but the azurerm provider may parse ids case-sensitively; write ${JSON.stringify(fixed)}.`
  );
}

// Stryker restore all
// ---------------------------------------------------------------- numbers, enums, booleans

/**
 * A whole number in `[min, max]`. Rejects non-numbers, `NaN`, `±Infinity` and fractions.
 *
 * @param meaning why the bounds are what they are ("Entra ID caps a client secret at 24 months")
 * @param example a sensible value to suggest when the bad one cannot be repaired
 */
export function wholeNumberProblem(
  value: unknown,
  prop: string,
  min: number,
  max: number,
  meaning: string,
  example: number,
): Problem {
  // Number.isInteger is false for anything that is not a number.
  if (isToken(value) || (Number.isInteger(value) && (value as number) >= min && (value as number) <= max)) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  let detail: string | undefined;
  let suggestion = example;
  if (typeof value !== "number") {
    detail = `is a ${value === null ? "null" : typeof value}, not a number`;
  } else if (Number.isNaN(value)) {
    detail = "is not a number";
  } else if (!Number.isFinite(value)) {
    detail = "is infinite";
    suggestion = value > 0 ? max : min;
  } else if (!Number.isInteger(value)) {
    detail = "has a fractional part";
    suggestion = Math.min(max, Math.max(min, Math.round(value)));
  } else if (value < min) {
    detail = `is below ${min}`;
    suggestion = min;
  } else if (value > max) {
    detail = `is above ${max}`;
    suggestion = max;
  }
  return `${prop} ${show(value)}: must be a whole number from ${min} to ${max} (${meaning}), but it ${detail}; use e.g. ${suggestion}.`;
}

// Stryker restore all
/** One of a fixed set of strings (checked at runtime too, for JavaScript callers). */
export function oneOfProblem(value: unknown, prop: string, allowed: readonly string[]): Problem {
  if (isToken(value)) {
    return undefined;
  }
  if ((allowed as readonly unknown[]).includes(value)) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  const sameIgnoringCase =
    typeof value === "string" ? allowed.find((a) => a.toLowerCase() === value.trim().toLowerCase()) : undefined;
  const fix =
    sameIgnoringCase !== undefined
      ? `use ${JSON.stringify(sameIgnoringCase)} (the values are case-sensitive)`
      : `use e.g. ${JSON.stringify(allowed[0])}`;
  return `${prop} ${show(value)}: must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}; ${fix}.`;
}

// Stryker restore all
/** A boolean (checked at runtime, for JavaScript callers). */
export function booleanProblem(value: unknown, prop: string): Problem {
  if (isToken(value) || typeof value === "boolean") {
    return undefined;
  }
  // Stryker disable next-line all: only the advice in the message
  const fix = value === "true" || value === "false" ? `use ${value} without quotes` : "use true or false";
  return `${prop} ${show(value)}: must be true or false; ${fix}.`;
}

// ---------------------------------------------------------------- allowed IP ranges

/** IPv4 blocks that are not public unicast, with why (RFC 6890 and its successors). */
export const NON_PUBLIC_IPV4_BLOCKS: readonly { readonly cidr: string; readonly reason: string }[] = [
  { cidr: "0.0.0.0/8", reason: 'a reserved "this network" address (0.0.0.0/8, RFC 1122)' },
  { cidr: "10.0.0.0/8", reason: "a private address (10.0.0.0/8, RFC 1918)" },
  { cidr: "100.64.0.0/10", reason: "shared address space / carrier-grade NAT (100.64.0.0/10, RFC 6598)" },
  { cidr: "127.0.0.0/8", reason: "a loopback address (127.0.0.0/8)" },
  { cidr: "169.254.0.0/16", reason: "a link-local address (169.254.0.0/16, RFC 3927)" },
  { cidr: "172.16.0.0/12", reason: "a private address (172.16.0.0/12, RFC 1918)" },
  { cidr: "192.0.0.0/24", reason: "reserved for IETF protocol assignments (192.0.0.0/24, RFC 6890)" },
  { cidr: "192.0.2.0/24", reason: "a documentation address (TEST-NET-1, 192.0.2.0/24, RFC 5737)" },
  { cidr: "192.88.99.0/24", reason: "the deprecated 6to4 relay anycast block (192.88.99.0/24, RFC 7526)" },
  { cidr: "192.168.0.0/16", reason: "a private address (192.168.0.0/16, RFC 1918)" },
  { cidr: "198.18.0.0/15", reason: "a benchmarking address (198.18.0.0/15, RFC 2544)" },
  { cidr: "198.51.100.0/24", reason: "a documentation address (TEST-NET-2, 198.51.100.0/24, RFC 5737)" },
  { cidr: "203.0.113.0/24", reason: "a documentation address (TEST-NET-3, 203.0.113.0/24, RFC 5737)" },
  { cidr: "224.0.0.0/4", reason: "a multicast address (224.0.0.0/4)" },
  { cidr: "255.255.255.255/32", reason: "the limited broadcast address (255.255.255.255)" },
  { cidr: "240.0.0.0/4", reason: "reserved for future use (240.0.0.0/4)" },
];

/**
 * ipaddr.js range names that are public unicast. AS112 (RFC 7534/7535) and AMT (RFC 7450) are
 * special-purpose but globally reachable, so a firewall rule for them is legal.
 */
const PUBLIC_IPADDR_RANGES: ReadonlySet<string> = new Set(["unicast", "as112", "amt"]);

const PARSED_BLOCKS = NON_PUBLIC_IPV4_BLOCKS.map((b) => ({ ...b, range: ipaddr.IPv4.parseCIDR(b.cidr) }));

/**
 * Why the IPv4 range `network/prefix` is not public, or `undefined` when it is. A range counts as
 * non-public when its network address is special (ipaddr.js `range()`) or when it overlaps any
 * special block, so `8.0.0.0/4` (which contains 10.0.0.0/8) is not public.
 */
export function nonPublicReasons(network: ipaddr.IPv4, prefix: number): string[] {
  // CIDR blocks are nested or disjoint: two overlap iff one holds the other's network address.
  // No two blocks of the table start at the same address (a test checks), so the prefix comparisons
  // below never change the reasons; they say which blocks hold the range and which lie inside it.
  const containing = PARSED_BLOCKS.filter((b) => b.range[1] <= prefix && network.match(b.range));
  const contained = PARSED_BLOCKS.filter((b) => b.range[1] > prefix && b.range[0].match(network, prefix));
  // Inside a block, the most specific one explains best (255.255.255.255 is the broadcast address
  // before it is part of 240.0.0.0/4); blocks inside the range are listed in address order.
  // Stryker disable next-line all: the order of the reasons a message lists
  containing.sort((a, b) => b.range[1] - a.range[1]);
  // Stryker disable next-line all: the order of the reasons a message lists
  contained.sort((a, b) => toUint32(a.range[0]) - toUint32(b.range[0]));
  // Stryker disable next-line MethodExpression: which of the containing blocks a message names
  const reasons = [...new Set([...containing.slice(0, 1), ...contained].map((b) => b.reason))];
  const kind = network.range();
  if (!PUBLIC_IPADDR_RANGES.has(kind) && reasons.length === 0) {
    reasons.push(`special-purpose (${kind})`);
  }
  return reasons;
}

// Stryker disable all: only orders the reasons a message lists
function toUint32(address: ipaddr.IPv4): number {
  return address.octets.reduce((n, octet) => n * 256 + octet, 0);
}

// Stryker restore all
const IP_RULE =
  'a public IPv4 address ("20.50.1.7") or CIDR range with a prefix of /0 to /30 ("20.50.1.0/24")';

/**
 * One entry of `allowedIpRanges`: a public IPv4 address or CIDR range with prefix /0–/30, without
 * host bits. Azure storage IP rules take IPv4 only and reject /31 and /32.
 */
export function ipRangeProblem(value: unknown, prop: string): Problem {
  if (isToken(value)) {
    return undefined;
  }
  const fault = ipRangeFault(value);
  return fault === undefined ? undefined : `${prop} ${show(value)}: must be ${IP_RULE}, but it ${fault.detail}; ${fault.fix}.`;
}

/** What is wrong with an `allowedIpRanges` entry ("it …") and what to write instead, or `undefined`. */
function ipRangeFault(value: unknown): { detail: string; fix: string } | undefined {
  const bad = (detail: string, fix: string) => ({ detail, fix });
  if (typeof value !== "string") {
    // Stryker disable next-line all: only the explanation in the message
    return bad(`is a ${value === null ? "null" : typeof value}`, 'write it as a string, e.g. "20.50.1.7"');
  }
  if (value.trim() !== value) {
    // Whatever else is wrong with the entry is named too, since trimming alone would not fix it.
    const trimmed = ipRangeFault(value.trim());
    return trimmed === undefined
      ? bad("has leading or trailing whitespace", `write ${JSON.stringify(value.trim())}`)
      : bad(`has leading or trailing whitespace, and without it ${trimmed.detail}`, trimmed.fix);
  }
  const parts = value.split("/");
  const address = parts[0];
  const prefixText: string | undefined = parts[1];
  if (ipaddr.IPv6.isValid(address) || ipaddr.IPv6.isValidCIDR(value)) {
    return bad(
      "is IPv6; storage account firewall IP rules accept IPv4 only",
      "remove it and list the IPv4 egress addresses instead",
    );
  }
  // Stryker disable next-line Regex: only picks the message; a value with a dash is never an IPv4 address, so it is refused below anyway
  if (/^[\d.]+\s*-\s*[\d.]+$/.test(value)) {
    return bad("is a dash range, which Azure does not accept", 'write it as CIDR ranges instead, e.g. "20.50.1.0/24"');
  }
  const prefixOk = prefixText === undefined || /^(0|[1-9]\d?)$/.test(prefixText);
  // A second "/" makes the whole value an invalid CIDR range.
  const cidrOk = prefixText === undefined || ipaddr.IPv4.isValidCIDRFourPartDecimal(value);
  if (!ipaddr.IPv4.isValidFourPartDecimal(address) || !prefixOk || !cidrOk) {
    return bad(
      "is not an IPv4 address or CIDR range",
      'write four decimal numbers 0–255 without leading zeros, optionally with "/prefix", e.g. "20.50.1.7" or "20.50.1.0/24"',
    );
  }

  const ip = ipaddr.IPv4.parse(address);
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`);

  const reasons = nonPublicReasons(network, prefix);
  if (reasons.length > 0) {
    // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
    const what =
      prefixText === undefined
        ? `is ${reasons[0]}`
        : `covers ${network.toString()}–${ipaddr.IPv4.broadcastAddressFromCIDR(`${address}/${prefix}`).toString()}` +
          (network.toString() !== ip.toString()
            ? ` (${address}/${prefix} has host bits set, so it means ${network.toString()}/${prefix})`
            : "") +
          `, which is or overlaps non-public space: ${reasons.slice(0, 3).join("; ")}` +
          (reasons.length > 3 ? ` and ${reasons.length - 3} more` : "");
    return bad(
      what,
      "the storage firewall matches public source addresses only, so remove it and list Xshield's public egress addresses (or narrow the range to public space)",
    );
  }
  // Stryker restore all
  if (prefixText !== undefined && prefix > 30) {
    // Stryker disable next-line all: only the advice in the message
    const fix =
      prefix === 32
        ? `write the plain address ${JSON.stringify(ip.toString())}`
        : `write the two addresses ${JSON.stringify(network.toString())} and ` +
          `${JSON.stringify(ipaddr.IPv4.broadcastAddressFromCIDR(`${address}/31`).toString())} as separate entries`;
    return bad(`has the prefix /${prefix}, which Azure storage IP rules do not accept (only /0 to /30)`, fix);
  }
  // A plain address is its own network, so only a range can have host bits set.
  if (network.toString() !== ip.toString()) {
    return bad(
      `has host bits set: the network of ${address}/${prefix} is ${network.toString()}, and Azure normalises or rejects such a rule`,
      `write ${JSON.stringify(`${network.toString()}/${prefix}`)} (or ${JSON.stringify(address)} for the single address)`,
    );
  }
  return undefined;
}

/** Most IP rules Azure takes on one storage account (Microsoft's storage account limits). */
export const MAX_IP_RULES = 400;

/** At most {@link MAX_IP_RULES} entries in the storage firewall. */
export function ipRuleCountProblem(count: number, prop = "allowedIpRanges"): Problem {
  if (count <= MAX_IP_RULES) {
    return undefined;
  }
  return (
    `${prop} (${count} entries): must hold at most ${MAX_IP_RULES} entries (Azure's limit of IP rules per storage ` +
    `account; Azure rejects more only at apply); merge neighbouring addresses into CIDR ranges or remove ${count - MAX_IP_RULES}.`
  );
}

// ---------------------------------------------------------------- tags

/** Most tags Azure allows on one resource. */
export const MAX_TAGS = 50;
/** Longest tag name on a storage account, in UTF-8 bytes (512 elsewhere; the same tags go on the account). */
export const MAX_TAG_NAME_BYTES = 128;
/** Longest tag value, in UTF-8 bytes. */
export const MAX_TAG_VALUE_BYTES = 256;
/** Characters Azure forbids in tag names. */
export const FORBIDDEN_TAG_NAME_CHARACTERS: readonly string[] = ["<", ">", "%", "&", "\\", "?", "/"];

/** Length in UTF-8 bytes, as the azurerm provider measures tag names and values (Go's `len`). */
export function utf8Bytes(value: string): number {
  return Buffer.byteLength(value); // UTF-8 unless told otherwise
}

/** The longest prefix of `value` of at most `maxBytes` UTF-8 bytes, never splitting a character. */
// Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
function truncateToBytes(value: string, maxBytes: number): string {
  let out = "";
  for (const c of Array.from(value)) {
    if (utf8Bytes(out + c) > maxBytes) {
      break;
    }
    out += c;
  }
  return out;
}

/** "12 bytes long (6 characters)" or "12 bytes long" when they agree. */
function byteLengthDetail(value: string): string {
  const bytes = utf8Bytes(value);
  const characters = characterCount(value);
  return bytes === characters ? `${bytes} bytes long` : `${bytes} bytes long in UTF-8 (${characters} characters)`;
}
// Stryker restore all

/** How a tag is named in a message: `tags["Cost Center"]`. */
export function tagProp(key: string, prop: string): string {
  return `${prop}[${JSON.stringify(key)}]`;
}

/** At most {@link MAX_TAGS} tags. */
export function tagCountProblem(count: number, prop = "tags"): Problem {
  if (count <= MAX_TAGS) {
    return undefined;
  }
  return (
    `${prop} (${count} tags): must hold at most ${MAX_TAGS} tags (Azure's limit per resource); ` +
    `remove ${count - MAX_TAGS} of them.`
  );
}

/** Tag name: 1–128 UTF-8 bytes, none of `< > % & \ ? /`. */
export function tagNameProblem(key: string, prop = "tags"): Problem {
  // Stryker disable next-line ConditionalExpression,BlockStatement: a token's text (${TfToken[TOKEN.n]}) is short and has none of the forbidden characters, so the checks below pass it anyway; the early return states that a token is not checked
  if (isToken(key)) {
    return undefined;
  }
  const forbidden = [...new Set(Array.from(key).filter((c) => FORBIDDEN_TAG_NAME_CHARACTERS.includes(c)))];
  const details: string[] = [];
  if (key === "") {
    details.push("the tag name is empty");
  } else if (utf8Bytes(key) > MAX_TAG_NAME_BYTES) {
    details.push(`the tag name is ${byteLengthDetail(key)}`);
  }
  if (forbidden.length > 0) {
    details.push(`the tag name contains ${quoteList(forbidden)}`);
  }
  if (details.length === 0) {
    return undefined;
  }
  // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
  const repaired = truncateToBytes(
    Array.from(key)
      .filter((c) => !FORBIDDEN_TAG_NAME_CHARACTERS.includes(c))
      .join(""),
    MAX_TAG_NAME_BYTES,
  );
  const fix = repaired !== "" ? `use e.g. ${JSON.stringify(repaired)}` : "give the tag a name";
  return (
    `${tagProp(key, prop)}: ${details.join(" and ")}; a tag name must be 1–${MAX_TAG_NAME_BYTES} bytes in UTF-8 ` +
    `(the storage account limit, as the azurerm provider counts it) without ${FORBIDDEN_TAG_NAME_CHARACTERS.join(" ")}; ${fix}.`
  );
}

// Stryker restore all
/** Tag value: a string of at most 256 UTF-8 bytes. */
export function tagValueProblem(key: string, value: unknown, prop = "tags"): Problem {
  if (isToken(value)) {
    return undefined;
  }
  const rule = `a tag value must be a string of at most ${MAX_TAG_VALUE_BYTES} bytes in UTF-8 (as the azurerm provider counts it)`;
  if (typeof value !== "string") {
    // Stryker disable next-line all: only the explanation in the message
    return `${tagProp(key, prop)} ${show(value)}: ${rule}, but it is a ${value === null ? "null" : typeof value}; write it as a string.`;
  }
  if (utf8Bytes(value) <= MAX_TAG_VALUE_BYTES) {
    return undefined;
  }
  return (
    `${tagProp(key, prop)} ${show(value)}: ${rule}, but it is ${byteLengthDetail(value)}; ` +
    `shorten it; use e.g. ${JSON.stringify(truncateToBytes(value, MAX_TAG_VALUE_BYTES))}.`
  );
}

/**
 * Tag names that differ only in case: Azure treats tag names case-insensitively, so it would keep
 * one of them and Terraform would show a change on every plan.
 */
export function tagCaseProblems(keys: readonly string[], prop = "tags"): string[] {
  const seen = new Map<string, string>();
  const problems: string[] = [];
  // A token key (${TfToken[TOKEN.n]}) differs from every other key in its number, whatever the case.
  for (const key of keys) {
    const first = seen.get(key.toLowerCase());
    if (first === undefined) {
      seen.set(key.toLowerCase(), key);
    } else {
      problems.push(
        `${tagProp(key, prop)}: differs from ${tagProp(first, prop)} only in case; Azure treats tag names ` +
          "case-insensitively and keeps one of them (Terraform would then show a change on every plan); keep one.",
      );
    }
  }
  return problems;
}

// ---------------------------------------------------------------- literals

/**
 * A prop that must be a literal value: it decides which resources exist, a rule of the guard, or
 * arithmetic done at synth time, none of which a Terraform expression (a token) can do.
 *
 * @param why completes "…a literal is needed because it …"
 */
export function literalProblem(value: unknown, prop: string, why: string): Problem {
  if (!isToken(value)) {
    return undefined;
  }
  return (
    `${prop}: is a token (a Terraform expression, known only when Terraform plans), but it must be a literal ` +
    `value because it ${why}; write the value itself.`
  );
}

// ---------------------------------------------------------------- baseline exceptions

/** Shortest reason (after trimming) a baseline exception may give. */
export const MIN_EXCEPTION_REASON_CHARACTERS = 20;

/**
 * One baseline exception: it names a known baseline `rule`, an `element` (a construct path or a
 * Terraform address: non-empty text without spaces at its ends), or both; `reason` is at least 20
 * characters, so a reviewer understands why the baseline is relaxed.
 */
export function baselineExceptionProblems(value: unknown, prop: string, knownRules: readonly string[]): string[] {
  if (isToken(value)) {
    return [];
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return [
      `${prop} ${show(value)}: must be an object { rule?, element?, reason }; e.g. { rule: "SharedKeyDisabled", reason: "…" } or { element: "security/diagnostics", reason: "…" }.`,
    ];
  }
  const { rule, element, reason } = value as { rule?: unknown; element?: unknown; reason?: unknown };
  const problems: string[] = [];
  if (rule === undefined && element === undefined) {
    problems.push(`${prop}: names neither a rule nor an element; give rule (which rule may be broken), element (which element may touch the integration), or both.`);
  }
  if (element !== undefined && !isToken(element) && (typeof element !== "string" || element.trim() === "" || element.trim() !== element)) {
    problems.push(
      `${prop}.element ${show(element)}: must be the element's construct path (as synthesis errors show it, e.g. "security/diagnostics") or its Terraform address (e.g. "azurerm_monitor_diagnostic_setting.diagnostics"), without spaces at its ends.`,
    );
  }
  if (rule !== undefined && !isToken(rule) && !(knownRules as readonly unknown[]).includes(rule)) {
    // Stryker disable all: explains a bad value in its message (what is wrong, what to write); the verdict is tested
    const sameIgnoringCase =
      typeof rule === "string" ? knownRules.find((r) => r.toLowerCase() === rule.toLowerCase()) : undefined;
    const fix = sameIgnoringCase !== undefined ? `use ${JSON.stringify(sameIgnoringCase)}` : "use one of them";
    // Stryker restore all
    problems.push(
      `${prop}.rule ${show(rule)}: must name a rule of the secure baseline, one of ${knownRules.map((r) => JSON.stringify(r)).join(", ")}; ${fix}.`,
    );
  }
  if (!isToken(reason)) {
    if (typeof reason !== "string") {
      problems.push(
        `${prop}.reason ${show(reason)}: must be a string of at least ${MIN_EXCEPTION_REASON_CHARACTERS} characters ` +
          "explaining why the baseline is relaxed; write the reason a reviewer needs.",
      );
    } else if (characterCount(reason.trim()) < MIN_EXCEPTION_REASON_CHARACTERS) {
      problems.push(
        `${prop}.reason ${show(reason)}: must be at least ${MIN_EXCEPTION_REASON_CHARACTERS} characters (ignoring ` +
          `surrounding spaces), but it has ${characterCount(reason.trim())}; a reviewer must understand why the ` +
          "baseline is relaxed, so say what needs it and why it is acceptable.",
      );
    }
  }
  return problems;
}
