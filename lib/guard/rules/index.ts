import { AttributeJudge, RuleDefinition } from "../rule";
import { ALERTS_INTACT } from "./alerts-intact";
import { CROSS_TENANT_REPLICATION_DISABLED } from "./cross-tenant-replication-disabled";
import { EVENT_DELIVERY_SCOPED } from "./event-delivery-scoped";
import { FIREWALL_DENY_BY_DEFAULT } from "./firewall-deny-by-default";
import { HTTPS_ONLY } from "./https-only";
import { INFRASTRUCTURE_ENCRYPTION } from "./infrastructure-encryption";
import { LEAST_PRIVILEGE_ROLES } from "./least-privilege-roles";
import { LOCAL_USERS_DISABLED } from "./local-users-disabled";
import { MINIMUM_TLS12 } from "./minimum-tls12";
import { NO_PUBLIC_BLOB_ACCESS } from "./no-public-blob-access";
import { SECRET_LIFETIME } from "./secret-lifetime";
import { SHARED_KEY_DISABLED } from "./shared-key-disabled";
import { SINGLE_TENANT_APPLICATION } from "./single-tenant-application";
import { SOFT_DELETE_ON } from "./soft-delete-on";
import { WRITTEN_AS_PLANNED } from "./written-as-planned";

/** The rules that judge the construct's own elements (OutsideThePlan judges everything else). */
export const OWN_ELEMENT_RULES: readonly RuleDefinition[] = [
  MINIMUM_TLS12,
  HTTPS_ONLY,
  NO_PUBLIC_BLOB_ACCESS,
  SHARED_KEY_DISABLED,
  INFRASTRUCTURE_ENCRYPTION,
  LOCAL_USERS_DISABLED,
  CROSS_TENANT_REPLICATION_DISABLED,
  FIREWALL_DENY_BY_DEFAULT,
  LEAST_PRIVILEGE_ROLES,
  EVENT_DELIVERY_SCOPED,
  SINGLE_TENANT_APPLICATION,
  SECRET_LIFETIME,
  ALERTS_INTACT,
  SOFT_DELETE_ON,
  WRITTEN_AS_PLANNED,
];

/**
 * The judge of an attribute of an element type, the most specific first: this type and this
 * attribute, any type and this attribute, this type and any attribute, then the catch-all.
 */
export function judgeFor(rules: readonly RuleDefinition[], type: string, attribute: string): { rule: RuleDefinition; judge: AttributeJudge } {
  let index = INDEXES.get(rules);
  if (index === undefined) {
    index = new Map();
    for (const rule of rules) {
      for (const judge of rule.judges) {
        for (const t of judge.types) {
          const key = `${t} ${judge.attribute}`;
          if (!index.has(key)) {
            index.set(key, { rule, judge });
          }
        }
      }
    }
    INDEXES.set(rules, index);
  }
  return index.get(`${type} ${attribute}`) ?? index.get(`* ${attribute}`) ?? index.get(`${type} *`) ?? index.get("* *")!;
}

const INDEXES = new WeakMap<readonly RuleDefinition[], Map<string, { rule: RuleDefinition; judge: AttributeJudge }>>();
