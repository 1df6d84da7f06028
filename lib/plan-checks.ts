import * as ipaddr from "ipaddr.js";
import { Fn, Op, TerraformIterator, Token } from "cdktf";
import { ResolvedIntegrationProps, XshieldMdeIntegrationProps } from "./props";
import { MAX_IP_RULES, NON_PUBLIC_IPV4_BLOCKS } from "./rules";
import { throwIfInvalid, validateIntegrationProps } from "./validation";

/**
 * The rules synthesis applies to a literal prop, written as Terraform conditions for a prop that is
 * a token (a variable, another resource's attribute), so that Terraform checks them when it plans
 * (or, for a value known only at apply, before it creates the resource). Each is a lifecycle
 * `precondition` of the resource the value goes to: a variable's `validation` is its author's, not
 * ours to add. The conditions are tested against the TypeScript rules value by value with
 * `terraform console` (`__tests__/plan-checks.test.ts`).
 */

/** One rule as a Terraform condition over `val`, one value of the prop. */
export interface PlanRule {
  /** A Terraform expression, true when `val` is valid. */
  readonly condition: string;
  /** The rule, as the error message states it after the prop and the bad values. */
  readonly rule: string;
}

/** Four decimal numbers 0–255 without leading zeros, optionally `/0`–`/30`. */
const IPV4_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4_RANGE = `^${IPV4_OCTET}(\\\\.${IPV4_OCTET}){3}(/(30|[12][0-9]|[0-9]))?$`;

/** The non-public blocks as `[first, last]` address numbers, for overlap tests in Terraform. */
function blockBounds(): string {
  const number = (a: ipaddr.IPv4) => a.octets.reduce((n, o) => n * 256 + o, 0);
  return `[${NON_PUBLIC_IPV4_BLOCKS.map(({ cidr }) => {
    const [address, prefix] = ipaddr.IPv4.parseCIDR(cidr);
    const first = number(address);
    return `[${first}, ${first + 2 ** (32 - prefix) - 1}]`;
  }).join(", ")}]`;
}

/**
 * `allowedIpRanges`' rule for one entry, as `ipRangeProblem` applies it: a public IPv4 address
 * or CIDR range of /0–/30 without host bits, overlapping no non-public block.
 */
function ipRangeCondition(): string {
  const parts = `split("/", val)`;
  const octets = `[for o in split(".", ${parts}[0]) : tonumber(o)]`;
  const address = `(${octets}[0] * 16777216 + ${octets}[1] * 65536 + ${octets}[2] * 256 + ${octets}[3])`;
  const prefix = `(length(${parts}) == 2 ? tonumber(${parts}[1]) : 32)`;
  const size = `pow(2, 32 - ${prefix})`;
  return (
    `can(regex("${IPV4_RANGE}", val)) && try(${address} % ${size} == 0 && ` +
    `alltrue([for b in ${blockBounds()} : max(${address}, b[0]) > min(${address} + ${size} - 1, b[1])]), false)`
  );
}

const regex = (pattern: string) => `can(regex("${pattern}", val))`;
const wholeNumber = (min: number, max: number) => `(val == floor(val) && val >= ${min} && val <= ${max})`;

/** The props Terraform can check, each with its rule (the same as the literal rule in lib/rules.ts). */
export const PLAN_RULES = {
  location: { condition: regex("^[A-Za-z0-9]+$").replace("val", `replace(val, " ", "")`), rule: 'an Azure region name: letters and digits, spaces allowed ("westeurope")' },
  resourceGroupName: {
    condition: regex("^[A-Za-z0-9_.()-]{0,89}[A-Za-z0-9_()-]$"),
    rule: "1–90 ASCII letters, digits, hyphens, underscores, periods and parentheses, not ending in a period",
  },
  storageAccountName: { condition: regex("^[a-z0-9]{3,24}$"), rule: "3–24 lowercase letters and digits" },
  queueName: {
    condition: `(length(val) >= 3 && length(val) <= 63 && ${regex("^[a-z0-9]+(-[a-z0-9]+)*$")})`,
    rule: "3–63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, no two hyphens in a row",
  },
  applicationDisplayName: { condition: `(length(val) <= 256 && ${regex("[^\\\\t\\\\n\\\\f\\\\r ]")})`, rule: "1–256 characters, not only whitespace" },
  additionalOwnerObjectIds: { condition: regex("^(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), rule: "an object id: a GUID of 8-4-4-4-12 hexadecimal digits" },
  clientSecretKeyVaultSecretName: { condition: regex("^[0-9A-Za-z-]{1,127}$"), rule: "1–127 letters, digits and hyphens" },
  allowedIpRanges: { condition: ipRangeCondition(), rule: 'a public IPv4 address ("20.50.1.7") or CIDR range with a prefix of /0 to /30 ("20.50.1.0/24"), without host bits' },
  accountReplicationType: { condition: `contains(["LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"], val)`, rule: 'one of "LRS", "ZRS", "GRS", "RAGRS", "GZRS", "RAGZRS"' },
  eventDeliveryMaxAttempts: { condition: wholeNumber(1, 30), rule: "a whole number from 1 to 30" },
  eventTimeToLiveMinutes: { condition: wholeNumber(1, 1440), rule: "a whole number from 1 to 1440" },
  rolePropagationWaitSeconds: { condition: wholeNumber(0, 1800), rule: "a whole number from 0 to 1800" },
} as const satisfies { readonly [prop: string]: PlanRule };

/** A prop Terraform checks when it is a token. */
export type PlanCheckedProp = keyof typeof PLAN_RULES;

/** A lifecycle precondition as cdktf writes it. */
export interface Precondition {
  readonly condition: string;
  readonly errorMessage: string;
}

/**
 * The values of a prop only Terraform knows: the prop itself when it is one token (a list token
 * too), else its entries that are tokens (the literal ones are checked at synthesis).
 */
function tokenValues(value: unknown): { readonly list: unknown; readonly whole: boolean } | undefined {
  if (Token.isUnresolved(value)) {
    // A list token is iterated as it is; a single value as a list of one.
    return Array.isArray(value) ? { list: value, whole: true } : { list: [value], whole: false };
  }
  const entries = Array.isArray(value) ? value.filter((v) => Token.isUnresolved(v)) : [];
  return entries.length === 0 ? undefined : { list: entries, whole: false };
}

/**
 * The preconditions that check a prop's token values at plan; none when it has none. A list that
 * is a token is checked entry by entry; `allowedIpRanges` as one token is also checked against
 * Azure's limit on the number of entries. The message names the prop and each bad value.
 */
export function planPreconditions(prop: PlanCheckedProp, value: unknown): Precondition[] {
  const { condition, rule } = PLAN_RULES[prop];
  const values = tokenValues(value);
  if (values === undefined) {
    return [];
  }
  const each = (expression: string) => TerraformIterator.fromList(values.list as string[]).forExpressionForList(expression) as unknown as string[];
  const bad = Fn.join(", ", Fn.compact(each(`(${condition}) ? "" : jsonencode(val)`)));
  const checks: Precondition[] = [
    {
      condition: Token.asString(Fn.alltrue(each(condition))),
      errorMessage: `${prop} ${bad}: must be ${rule} (the rule synthesis applies to a literal value).`,
    },
  ];
  if (prop === "allowedIpRanges" && values.whole) {
    checks.push({
      condition: Token.asString(Op.lte(Fn.lengthOf(value), MAX_IP_RULES)),
      errorMessage: `allowedIpRanges (${Fn.lengthOf(value)} entries): must hold at most ${MAX_IP_RULES} (Azure's limit of IP rules per storage account).`,
    });
  }
  return checks;
}

/** The preconditions of an integration, by the resource that carries them. */
export interface PlanChecks {
  readonly storageAccount: Precondition[];
  readonly queue: Precondition[];
  readonly application: Precondition[];
  readonly eventSubscription: Precondition[];
  readonly rolePropagationWait: Precondition[];
  readonly keyVaultSecret: Precondition[];
}

/** Which props each resource checks: the one the value goes to (the storage account for where it is). */
const CARRIERS: { readonly [C in keyof PlanChecks]: readonly PlanCheckedProp[] } = {
  storageAccount: ["location", "resourceGroupName", "storageAccountName", "allowedIpRanges", "accountReplicationType"],
  queue: ["queueName"],
  application: ["applicationDisplayName", "additionalOwnerObjectIds"],
  eventSubscription: ["eventDeliveryMaxAttempts", "eventTimeToLiveMinutes"],
  rolePropagationWait: ["rolePropagationWaitSeconds"],
  keyVaultSecret: ["clientSecretKeyVaultSecretName"],
};

/**
 * The preconditions for every prop of `config` that is (or holds) a token, made before any
 * element: each is resolved once now, so that a token cdktf cannot write in a Terraform `for`
 * (a `Lazy` list) is found here, not at synthesis. Such a token whose value is known now (it holds
 * only literals) is checked by the literal rules instead, and its precondition dropped; one that
 * is neither is refused. Throws one {@link XshieldValidationError} for all of them.
 */
export function planChecksOf(
  config: ResolvedIntegrationProps,
  given: XshieldMdeIntegrationProps,
  resolve: (value: unknown) => unknown,
  subject: string,
): PlanChecks {
  const problems: string[] = [];
  const values: { readonly [P in PlanCheckedProp]: unknown } = {
    location: config.location,
    // The caller's own group is its resource's business, not ours.
    resourceGroupName: config.resourceGroup === undefined ? config.resourceGroupName : undefined,
    storageAccountName: config.storageAccountName,
    allowedIpRanges: config.allowedIpRanges,
    accountReplicationType: config.accountReplicationType,
    queueName: config.queueName,
    applicationDisplayName: config.applicationDisplayName,
    additionalOwnerObjectIds: config.additionalOwnerObjectIds,
    eventDeliveryMaxAttempts: config.eventDeliveryMaxAttempts,
    eventTimeToLiveMinutes: config.eventTimeToLiveMinutes,
    rolePropagationWaitSeconds: config.rolePropagationWaitSeconds,
    clientSecretKeyVaultSecretName: config.clientSecretKeyVaultId === undefined ? undefined : config.clientSecretKeyVaultSecretName,
  };
  const checksOf = (prop: PlanCheckedProp): Precondition[] => {
    const preconditions = planPreconditions(prop, values[prop]);
    try {
      resolve(preconditions);
      return preconditions;
    } catch {
      const now = (() => {
        try {
          return resolve(values[prop]);
        } catch {
          return undefined;
        }
      })();
      if (now !== undefined && !JSON.stringify(now).includes("${")) {
        problems.push(...validateIntegrationProps({ ...given, [prop]: now }).errors.filter((e) => e.startsWith(prop)));
        return [];
      }
      problems.push(
        `${prop}: is a token Terraform cannot check entry by entry (cdktf writes no for expression over it, e.g. a Lazy list of references); ` +
          "give a Terraform variable, a resource's list attribute, or a list of values.",
      );
      return [];
    }
  };
  const checks = Object.fromEntries(Object.entries(CARRIERS).map(([carrier, props]) => [carrier, props.flatMap(checksOf)])) as unknown as PlanChecks;
  throwIfInvalid(subject, problems);
  return checks;
}
