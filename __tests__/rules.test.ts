import * as fc from "fast-check";
import * as ipaddr from "ipaddr.js";
import { Fn, Token } from "cdktf";
import {
  baselineExceptionProblems,
  booleanProblem,
  containerNameProblem,
  displayNameProblem,
  guidProblem,
  ipRangeProblem,
  isGuid,
  isKeyVaultName,
  keyVaultIdCaseWarning,
  keyVaultIdProblem,
  keyVaultSecretNameProblem,
  KNOWN_AZURE_REGIONS,
  locationProblem,
  locationWarning,
  NON_PUBLIC_IPV4_BLOCKS,
  nonPublicReasons,
  normalizeLocation,
  oneOfProblem,
  Problem,
  queueNameProblem,
  relativePathProblem,
  resourceGroupNameProblem,
  show,
  stateKeyProblem,
  storageAccountNameProblem,
  tagCaseProblems,
  tagCountProblem,
  tagNameProblem,
  tagValueProblem,
  wholeNumberProblem,
} from "../lib/rules";

// =====================================================================================
// Independent statements of each rule.
//
// Written character by character from the rule's wording (SPEC.md "Facts" and Azure's naming
// rules), deliberately not with the implementation's regular expressions, so that a property
// "rule accepts s  <=>  statement accepts s" checks one against the other.
// =====================================================================================

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";
const HEX = "0123456789abcdefABCDEF";

const isLowerLetter = (c: string): boolean => c.length === 1 && LOWER.includes(c);
const isAsciiLetter = (c: string): boolean => c.length === 1 && (LOWER.includes(c) || UPPER.includes(c));
const isDigit = (c: string): boolean => c.length === 1 && DIGITS.includes(c);

/** Code points, counted one by one. */
function codePoints(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out.push(s.slice(i, i + 2));
      i++;
    } else {
      out.push(s[i]);
    }
  }
  return out;
}

/** 3–24 characters, each a lowercase ASCII letter or a digit. */
function spec_storageAccountName(s: string): boolean {
  if (s.length < 3 || s.length > 24) return false;
  for (const c of s) if (!isLowerLetter(c) && !isDigit(c)) return false;
  return true;
}

/** 3–63 of a-z 0-9 "-", first and last not "-", never "-" after "-". */
function spec_queueName(s: string): boolean {
  if (s.length < 3 || s.length > 63) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "-") {
      if (i === 0 || i === s.length - 1 || s[i - 1] === "-") return false;
    } else if (!isLowerLetter(c) && !isDigit(c)) {
      return false;
    }
  }
  return true;
}

/**
 * 1–90 characters, each an ASCII letter or digit or one of - _ . ( ); the last is not ".". (Azure
 * also takes Unicode letters, but the azurerm provider's Go `\w` is ASCII only.)
 */
function spec_resourceGroupName(s: string): boolean {
  const cs = codePoints(s);
  if (cs.length < 1 || cs.length > 90) return false;
  if (cs[cs.length - 1] === ".") return false;
  return cs.every((c) => "-_.()".includes(c) || isAsciiLetter(c) || isDigit(c));
}

/** After dropping spaces: at least one character, all ASCII letters or digits. */
function spec_location(s: string): boolean {
  const kept = s.split(" ").join("");
  if (kept.length === 0) return false;
  for (const c of kept) if (!isAsciiLetter(c) && !isDigit(c)) return false;
  return true;
}

/** 1–256 code points, and something other than whitespace. */
function spec_displayName(s: string): boolean {
  const n = codePoints(s).length;
  return n >= 1 && n <= 256 && s.trim().length > 0;
}

/** Five hex groups of 8, 4, 4, 4 and 12 digits joined by "-". */
function spec_guid(s: string): boolean {
  const groups = s.split("-");
  const lengths = [8, 4, 4, 4, 12];
  if (groups.length !== 5) return false;
  return groups.every((g, i) => g.length === lengths[i] && [...g].every((c) => HEX.includes(c)));
}

/** 1–127 of ASCII letters, digits and "-". */
function spec_keyVaultSecretName(s: string): boolean {
  if (s.length < 1 || s.length > 127) return false;
  for (const c of s) if (!isAsciiLetter(c) && !isDigit(c) && c !== "-") return false;
  return true;
}

/** 3–24 letters, digits, hyphens; first a letter; last a letter or digit; no "--". */
function spec_keyVaultName(s: string): boolean {
  if (s.length < 3 || s.length > 24) return false;
  if (!isAsciiLetter(s[0])) return false;
  const last = s[s.length - 1];
  if (!isAsciiLetter(last) && !isDigit(last)) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (!isAsciiLetter(c) && !isDigit(c) && c !== "-") return false;
    if (c === "-" && s[i + 1] === "-") return false;
  }
  return true;
}

/** "/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>", literals in any case. */
function spec_keyVaultId(s: string): boolean {
  const p = s.split("/");
  if (p.length !== 9 || p[0] !== "") return false;
  const literal = (actual: string, expected: string) => actual.toLowerCase() === expected.toLowerCase();
  return (
    literal(p[1], "subscriptions") &&
    spec_guid(p[2]) &&
    literal(p[3], "resourceGroups") &&
    spec_resourceGroupName(p[4]) &&
    literal(p[5], "providers") &&
    literal(p[6], "Microsoft.KeyVault") &&
    literal(p[7], "vaults") &&
    spec_keyVaultName(p[8])
  );
}

const FORBIDDEN_IN_TAG_NAMES = ["<", ">", "%", "&", "\\", "?", "/"];

/** 1–128 code points, none of < > % & \ ? / */
function spec_tagName(s: string): boolean {
  const bytes = new TextEncoder().encode(s).length;
  return bytes >= 1 && bytes <= 128 && codePoints(s).every((c) => !FORBIDDEN_IN_TAG_NAMES.includes(c));
}

/** At most 256 bytes in UTF-8 (the azurerm provider measures with Go's len). */
function spec_tagValue(s: string): boolean {
  return new TextEncoder().encode(s).length <= 256;
}

// ---- IPv4: the special-purpose registry (RFC 6890, RFC 5771 multicast, RFC 7526), as numbers.

/** [first, last] addresses (as unsigned 32-bit numbers) of every non-public IPv4 block. */
const NOT_PUBLIC: readonly (readonly [string, number, number])[] = [
  ['"this network" 0.0.0.0/8', 0x00000000, 0x00ffffff],
  ["private 10.0.0.0/8", 0x0a000000, 0x0affffff],
  ["shared address space 100.64.0.0/10", 0x64400000, 0x647fffff],
  ["loopback 127.0.0.0/8", 0x7f000000, 0x7fffffff],
  ["link local 169.254.0.0/16", 0xa9fe0000, 0xa9feffff],
  ["private 172.16.0.0/12", 0xac100000, 0xac1fffff],
  ["IETF protocol assignments 192.0.0.0/24", 0xc0000000, 0xc00000ff],
  ["TEST-NET-1 192.0.2.0/24", 0xc0000200, 0xc00002ff],
  ["6to4 relay anycast 192.88.99.0/24 (deprecated)", 0xc0586300, 0xc05863ff],
  ["private 192.168.0.0/16", 0xc0a80000, 0xc0a8ffff],
  ["benchmarking 198.18.0.0/15", 0xc6120000, 0xc613ffff],
  ["TEST-NET-2 198.51.100.0/24", 0xc6336400, 0xc63364ff],
  ["TEST-NET-3 203.0.113.0/24", 0xcb007100, 0xcb0071ff],
  ["multicast 224.0.0.0/4", 0xe0000000, 0xefffffff],
  ["reserved 240.0.0.0/4 and broadcast 255.255.255.255", 0xf0000000, 0xffffffff],
];

function spec_isPublicRange(first: number, last: number): boolean {
  return NOT_PUBLIC.every(([, lo, hi]) => last < lo || first > hi);
}

function dotted(n: number): string {
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 2 ** 8) % 256, n % 256].join(".");
}

/** Parses "a.b.c.d" or "a.b.c.d/p" strictly (decimal, no leading zeros), by hand. */
function spec_parseIpv4(s: string): { address: number; prefix: number | undefined } | undefined {
  const slash = s.split("/");
  if (slash.length > 2) return undefined;
  const decimal = (t: string, max: number): number | undefined => {
    if (t.length === 0 || t.length > 3) return undefined;
    for (const c of t) if (!isDigit(c)) return undefined;
    if (t.length > 1 && t[0] === "0") return undefined;
    const n = Number(t);
    return n <= max ? n : undefined;
  };
  const octets = slash[0].split(".").map((t) => decimal(t, 255));
  if (octets.length !== 4 || octets.some((o) => o === undefined)) return undefined;
  const address = (octets as number[]).reduce((acc, o) => acc * 256 + o, 0);
  if (slash.length === 1) return { address, prefix: undefined };
  const prefix = decimal(slash[1], 32);
  return prefix === undefined ? undefined : { address, prefix };
}

/** The allowedIpRanges rule: public, IPv4, prefix /0–/30, no host bits. */
function spec_allowedIpRange(s: string): boolean {
  const parsed = spec_parseIpv4(s);
  if (parsed === undefined) return false;
  if (parsed.prefix === undefined) return spec_isPublicRange(parsed.address, parsed.address);
  if (parsed.prefix > 30) return false;
  const size = 2 ** (32 - parsed.prefix);
  if (parsed.address % size !== 0) return false;
  return spec_isPublicRange(parsed.address, parsed.address + size - 1);
}

// =====================================================================================
// Generators: strings built from the rule's alphabet plus a few forbidden characters, at lengths
// around the limits, so that both valid and invalid values are common.
// =====================================================================================

/** A string of exactly n units drawn from `alphabet`, n from `lengths`. */
function stringOf(alphabet: readonly string[], lengths: fc.Arbitrary<number>): fc.Arbitrary<string> {
  return lengths.chain((n) =>
    fc.array(fc.constantFrom(...alphabet), { minLength: n, maxLength: n }).map((a) => a.join("")),
  );
}

/** Lengths biased to the edges of [min, max]. */
function lengthsAround(min: number, max: number): fc.Arbitrary<number> {
  const edges = [...new Set([min - 2, min - 1, min, min + 1, max - 1, max, max + 1, max + 2].filter((n) => n >= 0))];
  return fc.oneof(fc.constantFrom(...edges), fc.integer({ min: Math.max(0, min - 2), max: max + 2 }));
}

/** Mostly from the allowed alphabet, sometimes with forbidden characters, sometimes anything. */
function names(allowed: readonly string[], forbidden: readonly string[], min: number, max: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: stringOf(allowed, lengthsAround(min, max)) },
    { weight: 3, arbitrary: stringOf([...allowed, ...allowed, ...forbidden], lengthsAround(min, max)) },
    { weight: 1, arbitrary: fc.string({ maxLength: max + 3 }) },
  );
}

const chars = (s: string): string[] => [...s];

/** The value a message suggests ("use e.g. "…""), if it suggests one. */
function suggestionIn(message: string): string | undefined {
  const m = /use e\.g\. ("(?:[^"\\]|\\.)*")/.exec(message);
  return m === null ? undefined : (JSON.parse(m[1]) as string);
}

/**
 * rule(s) reports no problem exactly when spec(s) holds; every problem starts with the prop and
 * the value; any suggested fix passes the rule; both outcomes were actually generated.
 */
function checkAgainstSpec(
  rule: (value: string) => Problem,
  prop: string | ((value: string) => string),
  spec: (value: string) => boolean,
  arbitrary: fc.Arbitrary<string>,
  numRuns = 100,
): void {
  const start = typeof prop === "string" ? (s: string) => `${prop} ${JSON.stringify(s).slice(0, 50)}` : prop;
  let valid = 0;
  let invalid = 0;
  fc.assert(
    fc.property(arbitrary, (s) => {
      const problem = rule(s);
      expect({ s, valid: problem === undefined }).toEqual({ s, valid: spec(s) });
      if (problem === undefined) {
        valid++;
        return;
      }
      invalid++;
      expect({ problem, start: problem.startsWith(start(s)) }).toEqual({ problem, start: true });
      expect(problem).toContain("must be");
      const suggestion = suggestionIn(problem);
      if (suggestion !== undefined) {
        expect({ suggestion, ok: spec(suggestion) }).toEqual({ suggestion, ok: true });
      }
    }),
    { numRuns },
  );
  expect(valid).toBeGreaterThan(5);
  expect(invalid).toBeGreaterThan(5);
}

const token = Token.asString({ Ref: "somewhere" });

// =====================================================================================

describe("storage account name", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => storageAccountNameProblem(s),
      "storageAccountName",
      spec_storageAccountName,
      names(chars(LOWER + DIGITS), ["A", "Z", "_", "-", ".", " ", "é"], 3, 24),
    );
  });

  it("explains a bad name and suggests a valid one", () => {
    expect(storageAccountNameProblem("My_Account")).toBe(
      'storageAccountName "My_Account": must be 3–24 lowercase letters and digits (Azure rule; the name is also ' +
        'globally unique across Azure), but it contains "M", "_", "A"; use e.g. "myaccount".',
    );
    expect(storageAccountNameProblem("ab")).toContain("is 2 characters long");
  });

  it("rejects non-strings at runtime and skips tokens", () => {
    expect(storageAccountNameProblem(42)).toContain("storageAccountName 42: must be a string");
    expect(storageAccountNameProblem(undefined)).toContain("storageAccountName undefined: must be a string");
    expect(storageAccountNameProblem(token)).toBeUndefined();
    expect(storageAccountNameProblem(Fn.lower("X"))).toBeUndefined();
  });
});

describe("queue name", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => queueNameProblem(s),
      "queueName",
      spec_queueName,
      names(chars(LOWER + DIGITS + "---"), ["A", "_", ".", " "], 3, 63),
    );
  });

  it('says that "--" passes the provider and fails only at apply', () => {
    const problem = queueNameProblem("xshield--events");
    expect(problem).toContain('queueName "xshield--events"');
    expect(problem).toContain("no two hyphens in a row");
    expect(problem).toContain("Azure rejects it only at apply");
    expect(suggestionIn(problem ?? "")).toBe("xshield-events");
  });

  it("explains leading and trailing hyphens", () => {
    expect(queueNameProblem("-events-")).toMatch(/starts with "-", ends with "-"/);
  });
});

describe("resource group name", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => resourceGroupNameProblem(s),
      "resourceGroupName",
      spec_resourceGroupName,
      names(chars(LOWER + UPPER + DIGITS + "-_.()") .concat(["é", "ß", "日", "٣", "𝒜"]), ["/", " ", "!", "\u0301", "#"], 1, 90),
    );
  });

  it("refuses letters beyond ASCII, which Azure takes but the azurerm provider rejects at plan", () => {
    const problem = resourceGroupNameProblem("rg-Zürich-(prod)_1");
    expect(problem).toContain('resourceGroupName "rg-Zürich-(prod)_1": must be 1–90 ASCII letters');
    expect(problem).toContain('contains "ü"');
    expect(suggestionIn(problem ?? "")).toBe("rg-Zurich-(prod)_1");
    expect(resourceGroupNameProblem("rg-Zurich-(prod)_1")).toBeUndefined();
  });

  it("rejects a trailing period", () => {
    const problem = resourceGroupNameProblem("rg.xshield.");
    expect(problem).toContain('resourceGroupName "rg.xshield."');
    expect(problem).toContain("not ending in a period");
    expect(problem).toContain('ends with "."');
    expect(suggestionIn(problem ?? "")).toBe("rg.xshield");
  });
});

describe("location", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => locationProblem(s),
      "location",
      spec_location,
      names(chars(LOWER + UPPER + DIGITS + "  "), ["-", "_", ".", "\t", "\u212A", "é"], 1, 20),
    );
  });

  it("accepts Azure's display names as well as its short names", () => {
    expect(locationProblem("West Europe")).toBeUndefined();
    expect(locationWarning("West Europe")).toBeUndefined();
    expect(normalizeLocation("West Europe")).toBe("westeurope");
    expect(locationWarning("eastus2")).toBeUndefined();
  });

  it("rejects punctuation and suggests the region it resembles", () => {
    const problem = locationProblem("west-europe");
    expect(problem).toContain('location "west-europe": must be an Azure region name');
    expect(suggestionIn(problem ?? "")).toBe("westeurope");
  });

  it("only warns about a well-formed name it does not know", () => {
    expect(locationProblem("westeurop")).toBeUndefined();
    const warning = locationWarning("westeurop");
    expect(warning).toContain('location "westeurop"');
    expect(warning).toContain('did you mean "westeurope"?');
    expect(warning).toContain("typo");
    expect(warning).toContain("out of date");
  });

  it("knows each region once, in Azure's normalized form", () => {
    expect(new Set(KNOWN_AZURE_REGIONS).size).toBe(KNOWN_AZURE_REGIONS.length);
    for (const region of KNOWN_AZURE_REGIONS) {
      expect(spec_location(region) && normalizeLocation(region) === region).toBe(true);
    }
  });
});

describe("application display name", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => displayNameProblem(s),
      "applicationDisplayName",
      spec_displayName,
      names(chars(LOWER + UPPER + DIGITS + " -_.äö日"), [" ", "\t", "\n", "\u00a0", "\u3000"], 1, 256),
    );
  });

  it("rejects a blank name", () => {
    const problem = displayNameProblem("   ");
    expect(problem).toContain('applicationDisplayName "   ": must be 1–256 characters, not only whitespace');
    expect(problem).toContain("is only whitespace");
  });
});

describe("GUID", () => {
  const hexOrNot = [...HEX, "-", "g", "z", " ", "{", "}"];
  const guidLike = fc
    .tuple(
      ...[8, 4, 4, 4, 12].map((n) => fc.oneof({ weight: 5, arbitrary: stringOf([...HEX], fc.constant(n)) }, { weight: 1, arbitrary: stringOf(hexOrNot, fc.integer({ min: n - 1, max: n + 1 })) })),
    )
    .map((groups) => groups.join("-"));

  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => guidProblem(s, "tenantId"),
      "tenantId",
      spec_guid,
      fc.oneof(guidLike, fc.uuid(), names(hexOrNot, [], 30, 40)),
    );
  });

  it("names the prop and says where to look the id up", () => {
    const problem = guidProblem("not-a-guid", "additionalOwnerObjectIds[1]", "the object id of a user", "`az ad user show`");
    expect(problem).toContain('additionalOwnerObjectIds[1] "not-a-guid": must be the object id of a user: a GUID of 8-4-4-4-12 hexadecimal digits');
    expect(problem).toContain("`az ad user show`");
  });

  it("matches the whole value, not a GUID inside it", () => {
    const guid = "6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71";
    expect(isGuid(guid)).toBe(true);
    for (const padded of [`x${guid}`, `${guid}x`, `${guid}/${guid}`, ` ${guid}`]) {
      expect({ padded, isGuid: isGuid(padded) }).toEqual({ padded, isGuid: false });
    }
  });

  it("suggests removing braces", () => {
    expect(suggestionIn(guidProblem("{6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71}", "tenantId") ?? "")).toBe(
      "6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71",
    );
  });
});

describe("Key Vault secret name", () => {
  it("matches the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => keyVaultSecretNameProblem(s),
      "clientSecretKeyVaultSecretName",
      spec_keyVaultSecretName,
      names(chars(LOWER + UPPER + DIGITS + "-"), ["_", ".", " ", "/", "é"], 1, 127),
    );
  });

  it("rejects underscores", () => {
    const problem = keyVaultSecretNameProblem("xshield_secret");
    expect(problem).toContain('clientSecretKeyVaultSecretName "xshield_secret": must be 1–127 letters, digits and hyphens');
    expect(suggestionIn(problem ?? "")).toBe("xshield-secret");
  });
});

describe("Key Vault id", () => {
  const literal = (canonical: string) =>
    fc.oneof(
      { weight: 24, arbitrary: fc.constant(canonical) },
      { weight: 2, arbitrary: fc.constantFrom(canonical.toLowerCase(), canonical.toUpperCase()) },
      { weight: 1, arbitrary: fc.constantFrom(canonical.slice(1), `${canonical}s`, "") },
    );
  const guid = fc.oneof({ weight: 10, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.constantFrom("sub", "", "0000") });
  const group = names(chars(LOWER + UPPER + DIGITS + "-_.()"), [" ", "#", "."], 1, 90);
  const vault = names(chars(LOWER + UPPER + DIGITS + "--"), ["_", ".", " "], 3, 24);
  const ids = fc
    .tuple(
      literal("subscriptions"),
      guid,
      literal("resourceGroups"),
      group,
      literal("providers"),
      literal("Microsoft.KeyVault"),
      literal("vaults"),
      vault,
      fc.oneof({ weight: 8, arbitrary: fc.constant("") }, { weight: 1, arbitrary: fc.constantFrom("/", " ", "/secrets/x") }),
    )
    .map(([a, b, c, d, e, f, g, h, tail]) => `/${[a, b, c, d, e, f, g, h].join("/")}${tail}`);

  it("matches the independent statement of the rule (segment names in any case)", () => {
    checkAgainstSpec((s) => keyVaultIdProblem(s), "clientSecretKeyVaultId", spec_keyVaultId, ids, 300);
  });

  it("checks vault names against their own statement", () => {
    fc.assert(
      fc.property(vault, (s) => {
        expect(isKeyVaultName(s)).toBe(spec_keyVaultName(s));
      }),
    );
  });

  const goodId =
    "/subscriptions/6f1c0b36-2e5e-4d3f-9a64-0e2b1c9d8a71/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-xshield";

  it("accepts the id Azure returns, without warning", () => {
    expect(keyVaultIdProblem(goodId)).toBeUndefined();
    expect(keyVaultIdCaseWarning(goodId)).toBeUndefined();
  });

  it("accepts another case of the provider segment, with a warning giving Azure's case", () => {
    const lower = goodId.replace("Microsoft.KeyVault", "microsoft.keyvault");
    expect(keyVaultIdProblem(lower)).toBeUndefined();
    const warning = keyVaultIdCaseWarning(lower);
    expect(warning).toContain(`clientSecretKeyVaultId ${JSON.stringify(lower)}`);
    expect(warning).toContain(JSON.stringify(goodId));
  });

  it("refuses an id with anything before or after it", () => {
    for (const bad of [`x${goodId}`, `/tenants/t${goodId}`, `${goodId}/secrets/x`, `${goodId}x/y`]) {
      expect({ bad, problem: keyVaultIdProblem(bad) }).toEqual({ bad, problem: expect.stringContaining(`clientSecretKeyVaultId ${JSON.stringify(bad)}: must be`) });
    }
  });

  it("refuses a value that is not a string, even one that reads as a valid id", () => {
    // An array holding the id turns into the id when made a string; it must still be refused.
    for (const bad of [42, null, [goodId], { id: goodId }]) {
      const problem = keyVaultIdProblem(bad, "clientSecretKeyVaultId");
      expect(problem).toMatch(/^clientSecretKeyVaultId .*: must be a string/);
      expect(keyVaultIdCaseWarning(bad)).toBeUndefined();
    }
  });

  it("explains which part is wrong", () => {
    const badVault = goodId.replace("kv-xshield", "kv--x");
    expect(keyVaultIdProblem(badVault)).toContain('has the vault name "kv--x", which breaks the vault name rule');
    expect(keyVaultIdProblem("https://kv-xshield.vault.azure.net/")).toContain("is the vault's URI, not its resource id");
    expect(keyVaultIdProblem(`${goodId}/`)).toContain('ends with "/"');
  });
});

describe("tags", () => {
  it("tag names match the independent statement of the rule", () => {
    checkAgainstSpec(
      (s) => tagNameProblem(s),
      (s) => `tags[${JSON.stringify(s).slice(0, 50)}`,
      spec_tagName,
      names(chars(LOWER + UPPER + DIGITS + " -_.:@日"), FORBIDDEN_IN_TAG_NAMES, 1, 128),
    );
  });

  it("tag values match the independent statement of the rule", () => {
    fc.assert(
      fc.property(names(chars(LOWER + " <>/%日"), [], 0, 256), (s) => {
        const problem = tagValueProblem("env", s);
        expect(problem === undefined).toBe(spec_tagValue(s));
        if (problem !== undefined) {
          expect(problem.startsWith(`tags["env"] ${JSON.stringify(s).slice(0, 50)}`)).toBe(true);
        }
      }),
    );
  });

  it("names a tag as the user wrote it", () => {
    const problem = tagNameProblem("Cost/Center");
    expect(problem).toContain('tags["Cost/Center"]: the tag name contains "/"');
    expect(problem).toContain("1–128 bytes in UTF-8 (the storage account limit, as the azurerm provider counts it) without < > % & \\ ? /");
    expect(suggestionIn(problem ?? "")).toBe("CostCenter");
  });

  it("counts bytes, as the azurerm provider does, and says so when they differ from characters", () => {
    const name = "é".repeat(65); // 65 characters, 130 bytes
    expect(tagNameProblem(name)).toContain("the tag name is 130 bytes long in UTF-8 (65 characters)");
    expect(tagNameProblem("é".repeat(64))).toBeUndefined();
    const value = "日".repeat(86); // 86 characters, 258 bytes
    const problem = tagValueProblem("team", value);
    expect(problem).toContain("is 258 bytes long in UTF-8 (86 characters)");
    expect(new TextEncoder().encode(suggestionIn(problem ?? "") ?? "").length).toBeLessThanOrEqual(256);
  });

  it("accepts a tag value of exactly 256 bytes and refuses 257", () => {
    const at = "日".repeat(85) + "x"; // 255 + 1 bytes
    expect(new TextEncoder().encode(at).length).toBe(256);
    expect(tagValueProblem("team", at)).toBeUndefined();
    expect(tagValueProblem("team", `${at}y`)).toContain("is 257 bytes long in UTF-8 (87 characters)");
    expect(tagValueProblem("team", "x".repeat(256))).toBeUndefined();
    expect(tagValueProblem("team", "x".repeat(257))).toContain("is 257 bytes long;");
  });

  it("refuses a tag value that is not a string, without throwing", () => {
    for (const bad of [5, null, true, ["a"], { a: 1 }]) {
      expect(tagValueProblem("team", bad)).toMatch(/^tags\["team"\] .*: a tag value must be a string .*, but it is an? /);
    }
  });

  it("passes a tag value that is a token, whatever its kind", () => {
    expect(tagValueProblem("team", Token.asString(Fn.lower("Team")))).toBeUndefined();
    expect(tagValueProblem("team", Token.asNumber(Fn.lower("7")))).toBeUndefined();
    expect(tagValueProblem("team", Token.asList(Fn.split(",", "a,b")))).toBeUndefined();
  });

  it("refuses tag names that differ only in case, which Azure takes as one", () => {
    expect(tagCaseProblems(["Env", "team", "env"])).toEqual([
      'tags["env"]: differs from tags["Env"] only in case; Azure treats tag names case-insensitively and keeps one of them (Terraform would then show a change on every plan); keep one.',
    ]);
    expect(tagCaseProblems(["env", "team"])).toEqual([]);
  });

  it("allows at most 50 tags", () => {
    expect(tagCountProblem(50)).toBeUndefined();
    expect(tagCountProblem(51)).toBe("tags (51 tags): must hold at most 50 tags (Azure's limit per resource); remove 1 of them.");
  });
});

describe("whole numbers", () => {
  const numbers = fc.oneof(
    fc.integer({ min: -5, max: 40 }),
    fc.double({ min: -5, max: 40 }),
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0.5, 24.000001),
  );

  it("accept exactly the whole numbers in range", () => {
    fc.assert(
      fc.property(numbers, (n) => {
        const problem = wholeNumberProblem(n, "clientSecretExpiryMonths", 1, 24, "Entra ID caps a client secret at 24 months", 24);
        const whole = typeof n === "number" && Number.isFinite(n) && Math.floor(n) === n && n >= 1 && n <= 24;
        expect(problem === undefined).toBe(whole);
        if (problem !== undefined) {
          expect(problem).toContain(`clientSecretExpiryMonths ${show(n)}: must be a whole number from 1 to 24`);
          const suggested = Number(/use e\.g\. (-?\d+)/.exec(problem)?.[1]);
          expect(suggested >= 1 && suggested <= 24).toBe(true);
        }
      }),
    );
  });

  it("show NaN and Infinity as such, not as null", () => {
    expect(wholeNumberProblem(Number.NaN, "blobRetentionDays", 1, 3650, "days", 30)).toContain("blobRetentionDays NaN: ");
    expect(wholeNumberProblem(Infinity, "blobRetentionDays", 1, 3650, "days", 30)).toContain("blobRetentionDays Infinity: ");
    expect(wholeNumberProblem(2.5, "blobRetentionDays", 1, 3650, "days", 30)).toContain("has a fractional part");
    expect(wholeNumberProblem("30", "blobRetentionDays", 1, 3650, "days", 30)).toContain('blobRetentionDays "30": ');
  });

  it("skip number tokens", () => {
    expect(wholeNumberProblem(Token.asNumber({ Ref: "n" }), "blobRetentionDays", 1, 3650, "days", 30)).toBeUndefined();
  });
});

describe("enums and booleans", () => {
  it("checks the value at runtime and points out a case mistake", () => {
    expect(oneOfProblem("SelectedNetworks", "publicNetworkAccess", ["SelectedNetworks", "Enabled", "Disabled"])).toBeUndefined();
    expect(oneOfProblem("enabled", "publicNetworkAccess", ["SelectedNetworks", "Enabled", "Disabled"])).toBe(
      'publicNetworkAccess "enabled": must be one of "SelectedNetworks", "Enabled", "Disabled"; use "Enabled" (the values are case-sensitive).',
    );
    expect(booleanProblem("true", "sharedAccessKeyEnabled")).toBe(
      'sharedAccessKeyEnabled "true": must be true or false; use true without quotes.',
    );
  });
});

describe("baseline exceptions", () => {
  const known = ["SharedKeyDisabled", "HttpsOnly"];
  it("want a known rule and a reason a reviewer understands", () => {
    expect(baselineExceptionProblems({ rule: "SharedKeyDisabled", reason: "Streaming API needs shared keys here" }, "baselineExceptions[0]", known)).toEqual([]);
    const [rule, reason] = baselineExceptionProblems({ rule: "sharedkeydisabled", reason: " because " }, "baselineExceptions[0]", known);
    expect(rule).toContain('baselineExceptions[0].rule "sharedkeydisabled": must name a rule of the secure baseline');
    expect(rule).toContain('use "SharedKeyDisabled"');
    expect(reason).toContain('baselineExceptions[0].reason " because ": must be at least 20 characters');
    expect(reason).toContain("a reviewer must understand why");
  });

  it("accept a reason of exactly 20 characters and refuse 19 or one that is not a string", () => {
    expect(baselineExceptionProblems({ rule: "HttpsOnly", reason: "x".repeat(20) }, "e", known)).toEqual([]);
    expect(baselineExceptionProblems({ rule: "HttpsOnly", reason: ` ${"é".repeat(20)} ` }, "e", known)).toEqual([]);
    // Spaces around the reason do not count: 18 characters padded to 24 are still 18.
    expect(baselineExceptionProblems({ rule: "HttpsOnly", reason: `   ${"x".repeat(18)}   ` }, "e", known)).toEqual([expect.stringContaining("it has 18;")]);
    expect(baselineExceptionProblems({ rule: "HttpsOnly", reason: "x".repeat(19) }, "e", known)).toEqual([
      expect.stringMatching(/^e\.reason "x{19}": must be at least 20 characters .* it has 19;/),
    ]);
    for (const reason of [undefined, 42, ["a reason long enough for the rule"]]) {
      expect(baselineExceptionProblems({ rule: "HttpsOnly", reason }, "e", known)).toEqual([
        expect.stringMatching(/^e\.reason .*: must be a string of at least 20 characters/),
      ]);
    }
  });

  it("refuse an exception that is not an object with one problem, whatever its type", () => {
    for (const bad of ["SharedKeyDisabled", 7, null, true, [{ rule: "HttpsOnly", reason: "x".repeat(20) }]]) {
      expect(baselineExceptionProblems(bad, "e", known)).toEqual([expect.stringMatching(/^e .*: must be an object \{ rule\?, element\?, reason \}/)]);
    }
  });

  it("count the reason's length without surrounding spaces", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), fc.string({ unit: fc.constantFrom(" ", "\n"), maxLength: 5 }), (core, pad) => {
        const problems = baselineExceptionProblems({ rule: "HttpsOnly", reason: pad + core + pad }, "x", known);
        expect(problems.length === 0).toBe(codePoints(core.trim()).length >= 20);
      }),
    );
  });
});

// =====================================================================================
// allowedIpRanges entries
// =====================================================================================

describe("allowedIpRanges entries", () => {
  /** Addresses anywhere, and especially at the edges of every special block. */
  const address = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc
      .tuple(
        fc.constantFrom(...NOT_PUBLIC.flatMap(([, lo, hi]) => [lo, hi])),
        fc.integer({ min: -2, max: 2 }),
      )
      .map(([edge, delta]) => Math.min(0xffffffff, Math.max(0, edge + delta))),
  );

  it("accepts an address exactly when the special-purpose registry says it is public", () => {
    let publicSeen = 0;
    let specialSeen = 0;
    fc.assert(
      fc.property(address, (n) => {
        const s = dotted(n);
        const isPublic = spec_isPublicRange(n, n);
        isPublic ? publicSeen++ : specialSeen++;
        const problem = ipRangeProblem(s, "allowedIpRanges[0]");
        expect({ s, valid: problem === undefined }).toEqual({ s, valid: isPublic });
        if (problem !== undefined) {
          expect(problem.startsWith(`allowedIpRanges[0] ${JSON.stringify(s)}: must be a public IPv4 address`)).toBe(true);
          // Every special range ipaddr.js knows has its own reason in the block table.
          expect(problem).not.toContain("special-purpose (");
        }
      }),
      { numRuns: 300 },
    );
    expect(publicSeen).toBeGreaterThan(10);
    expect(specialSeen).toBeGreaterThan(10);
  });

  it("accepts a CIDR range exactly when it is /0–/30, has no host bits and lies wholly in public space", () => {
    const cidr = fc
      .tuple(address, fc.oneof(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 20, max: 32 })), fc.boolean())
      .map(([n, prefix, aligned]) => {
        const size = 2 ** (32 - prefix);
        return `${dotted(aligned ? n - (n % size) : n)}/${prefix}`;
      });
    let valid = 0;
    fc.assert(
      fc.property(cidr, (s) => {
        const problem = ipRangeProblem(s, "allowedIpRanges[3]");
        expect({ s, valid: problem === undefined }).toEqual({ s, valid: spec_allowedIpRange(s) });
        if (problem === undefined) valid++;
      }),
      { numRuns: 400 },
    );
    expect(valid).toBeGreaterThan(10);
  });

  it("rejects anything that is not strictly a dotted-decimal IPv4 address or CIDR range", () => {
    const junk = stringOf([..."0123456789./", "1", "2", "5", ".", ".", "/"], fc.integer({ min: 0, max: 18 }));
    fc.assert(
      fc.property(fc.oneof(junk, fc.string({ maxLength: 20 })), (s) => {
        expect({ s, valid: ipRangeProblem(s, "allowedIpRanges[0]") === undefined }).toEqual({ s, valid: spec_allowedIpRange(s) });
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["10.1.2.3", "a private address (10.0.0.0/8, RFC 1918)"],
    ["172.20.0.0/16", "a private address (172.16.0.0/12, RFC 1918)"],
    ["192.168.1.10", "a private address (192.168.0.0/16, RFC 1918)"],
    ["127.0.0.1", "a loopback address"],
    ["169.254.10.1", "a link-local address"],
    ["100.64.0.1", "carrier-grade NAT (100.64.0.0/10, RFC 6598)"],
    ["0.1.2.3", '"this network"'],
    ["224.0.0.251", "a multicast address"],
    ["240.1.2.3", "reserved for future use"],
    ["255.255.255.255", "the limited broadcast address"],
    ["192.0.2.10", "a documentation address (TEST-NET-1"],
    ["198.51.100.7", "a documentation address (TEST-NET-2"],
    ["203.0.113.9", "a documentation address (TEST-NET-3"],
    ["198.19.1.1", "a benchmarking address"],
    ["192.0.0.8", "reserved for IETF protocol assignments"],
    ["8.0.0.0/5", "covers 8.0.0.0–15.255.255.255, which is or overlaps non-public space: a private address (10.0.0.0/8"],
    ["8.0.0.0/4", "8.0.0.0/4 has host bits set, so it means 0.0.0.0/4"],
  ])("rejects %s with the reason: %s", (range, reason) => {
    const problem = ipRangeProblem(range, "allowedIpRanges[2]");
    expect(problem).toContain(`allowedIpRanges[2] ${JSON.stringify(range)}: must be a public IPv4 address`);
    expect(problem).toContain(reason);
  });

  it("rejects IPv6, since storage firewall rules are IPv4 only", () => {
    expect(ipRangeProblem("2001:db8::1", "allowedIpRanges[0]")).toContain("is IPv6; storage account firewall IP rules accept IPv4 only");
    expect(ipRangeProblem("2603:1000::/40", "allowedIpRanges[0]")).toContain("is IPv6");
  });

  it("rejects /31 and /32 and says what to write instead", () => {
    expect(ipRangeProblem("20.50.1.7/32", "allowedIpRanges[0]")).toContain('write the plain address "20.50.1.7"');
    expect(ipRangeProblem("20.50.1.6/31", "allowedIpRanges[0]")).toContain('write the two addresses "20.50.1.6" and "20.50.1.7"');
  });

  it("rejects host bits and gives the network address", () => {
    const problem = ipRangeProblem("203.1.2.3/24", "allowedIpRanges[1]");
    expect(problem).toContain("has host bits set: the network of 203.1.2.3/24 is 203.1.2.0");
    expect(problem).toContain('write "203.1.2.0/24"');
  });

  it("rejects malformed entries with the expected form", () => {
    for (const bad of ["1.2.3", "01.2.3.4", "1.2.3.4/033", "1.2.3.4/", "300.1.1.1", "1.2.3.4/24/8", "0x14.1.1.1", "host.example.com"]) {
      expect(ipRangeProblem(bad, "allowedIpRanges[0]")).toContain("is not an IPv4 address or CIDR range");
    }
    expect(ipRangeProblem(" 20.50.1.7", "allowedIpRanges[0]")).toContain('has leading or trailing whitespace; write "20.50.1.7"');
    expect(ipRangeProblem("20.50.1.1-20.50.1.9", "allowedIpRanges[0]")).toContain("is a dash range");
  });

  it("reads the prefix strictly: no leading zeros, only 0 to 32, and never throws", () => {
    // ipaddr.js itself takes "/024" as /24 and "/08" as /8.
    for (const bad of ["20.50.1.0/024", "20.0.0.0/08", "20.50.1.0/33", "20.50.1.0/99", "20.50.1.0/ 24", "20.50.1.0/+24"]) {
      expect({ bad, problem: ipRangeProblem(bad, "allowedIpRanges[0]") }).toEqual({
        bad,
        problem: expect.stringContaining("is not an IPv4 address or CIDR range"),
      });
    }
    expect(ipRangeProblem("20.0.0.0/8", "allowedIpRanges[0]")).toBeUndefined();
  });

  it("reports what is wrong with a padded entry beyond its padding", () => {
    // Trimming alone would not make " 10.0.0.1 " valid, so the message also says it is private.
    const problem = ipRangeProblem(" 10.0.0.1 ", "allowedIpRanges[0]");
    expect(problem).toContain('allowedIpRanges[0] " 10.0.0.1 ": must be a public IPv4 address');
    expect(problem).toContain("has leading or trailing whitespace, and without it is a private address (10.0.0.0/8");
    expect(problem).not.toContain('write "10.0.0.1"');
    expect(ipRangeProblem("\t2001:db8::1", "allowedIpRanges[0]")).toContain("and without it is IPv6");
  });

  it("gives one reason per block, and names a special range its table lacks", () => {
    const tenOne = ipaddr.IPv4.parse("10.0.0.1");
    expect(nonPublicReasons(tenOne, 32)).toEqual(["a private address (10.0.0.0/8, RFC 1918)"]);
    expect(nonPublicReasons(ipaddr.IPv4.parse("20.50.1.7"), 32)).toEqual([]);
    // A range a later ipaddr.js might add, before the block table knows it, is still not public.
    const range = jest.spyOn(ipaddr.IPv4.prototype, "range").mockReturnValue("someNewRange" as ReturnType<ipaddr.IPv4["range"]>);
    try {
      expect(nonPublicReasons(ipaddr.IPv4.parse("20.50.1.7"), 32)).toEqual(["special-purpose (someNewRange)"]);
      expect(ipRangeProblem("20.50.1.7", "allowedIpRanges[0]")).toContain("special-purpose (someNewRange)");
    } finally {
      range.mockRestore();
    }
  });

  it("has no two blocks that start at the same address", () => {
    // With none, a block inside a range never holds the range's first address while another block
    // holds the whole range, so nonPublicReasons gives the same reasons whichever of the two it takes
    // such a block for. docs/mutation-testing.md counts its prefix comparisons as equivalent on that basis.
    const starts = NON_PUBLIC_IPV4_BLOCKS.map(({ cidr }) => ipaddr.IPv4.parseCIDR(cidr)[0].toString());
    expect(starts.filter((s, i) => starts.indexOf(s) !== i)).toEqual([]);
  });

  it("treats globally reachable special-purpose blocks (AS112, AMT) as public", () => {
    expect(ipRangeProblem("192.175.48.1", "allowedIpRanges[0]")).toBeUndefined();
    expect(ipRangeProblem("192.52.193.0/24", "allowedIpRanges[0]")).toBeUndefined();
  });

  it("keeps its block table in line with ipaddr.js's classification", () => {
    for (const { cidr } of NON_PUBLIC_IPV4_BLOCKS) {
      const first = ipaddr.IPv4.networkAddressFromCIDR(cidr);
      const last = ipaddr.IPv4.broadcastAddressFromCIDR(cidr);
      for (const a of [first, last]) {
        expect({ cidr, a: a.toString(), kind: a.range() }).not.toEqual(expect.objectContaining({ kind: "unicast" }));
      }
    }
  });

  it("skips tokens", () => {
    expect(ipRangeProblem(token, "allowedIpRanges[0]")).toBeUndefined();
  });
});

describe("backend names", () => {
  it("take a state key of 1 to 1024 characters, counted as characters", () => {
    expect(stateKeyProblem("x", "backend.key")).toBeUndefined();
    expect(stateKeyProblem("x".repeat(1024), "backend.key")).toBeUndefined();
    expect(stateKeyProblem("日".repeat(1024), "backend.key")).toBeUndefined();
    for (const bad of ["", "x".repeat(1025), "日".repeat(1025), "env/", "dev."]) {
      expect({ bad: bad.length, problem: stateKeyProblem(bad, "backend.key") }).toEqual({
        bad: bad.length,
        problem: expect.stringMatching(/^backend\.key .*: must be a blob name of 1–1024 characters/),
      });
    }
  });

  it("take a relative local state path, not an empty or blank one", () => {
    expect(relativePathProblem("../../../terraform.dev.tfstate", "backend.path")).toBeUndefined();
    expect(relativePathProblem("state/dev.tfstate", "backend.path")).toBeUndefined();
    for (const bad of ["", "   ", "\t", "/var/tf/dev.tfstate", "~/dev.tfstate", "C:/tf/dev.tfstate", "\\\\server\\dev.tfstate"]) {
      expect({ bad, problem: relativePathProblem(bad, "backend.path") }).toEqual({
        bad,
        problem: expect.stringMatching(/^backend\.path .*: must be a relative path/),
      });
    }
  });

  it("take a container name of the queue name's shape, matching its independent statement", () => {
    checkAgainstSpec(
      (s) => containerNameProblem(s, "backend.containerName"),
      "backend.containerName",
      spec_queueName,
      names(chars(LOWER + DIGITS + "---"), ["A", "_", ".", " "], 3, 63),
    );
  });
});

describe("show", () => {
  it("quotes strings, spells out non-finite numbers and shortens very long values", () => {
    expect(show("a\"b")).toBe('"a\\"b"');
    expect(show(Number.NaN)).toBe("NaN");
    expect(show(-Infinity)).toBe("-Infinity");
    expect(show("x".repeat(400))).toBe(`"${"x".repeat(300)}"… (400 characters)`);
  });
});
