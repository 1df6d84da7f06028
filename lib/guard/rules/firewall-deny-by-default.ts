import { Problem, RuleDefinition, show, singleBlock } from "../rule";

/**
 * The firewall denies by default and lets through only trusted Azure services and
 * `allowedIpRanges`. A written firewall may differ from the planned one only by letting less
 * through: fewer allowed ranges, no bypass.
 */
function firewallProblems(written: unknown, planned: unknown): Problem[] {
  const problems: Problem[] = [];
  const { block: w, problem } = singleBlock(written);
  const { block: p } = singleBlock(planned);
  if (problem !== undefined) {
    problems.push({ message: `${problem}; the firewall is one block.` });
  }
  if (p.default_action === "Deny" && w.default_action !== "Deny") {
    problems.push({ at: "default_action", message: `is ${show(w.default_action)}; the baseline requires "Deny" (or publicNetworkAccess: "Enabled").` });
  }
  const bypass = w.bypass;
  if (bypass !== undefined && (!Array.isArray(bypass) || bypass.some((b) => b !== "AzureServices"))) {
    problems.push({ at: "bypass", message: `is ${show(bypass)}; only "AzureServices" is planned.` });
  }
  const ips = w.ip_rules;
  if (ips !== undefined && JSON.stringify(ips) !== JSON.stringify(p.ip_rules)) {
    const planned = Array.isArray(p.ip_rules) ? p.ip_rules : [];
    const extra = Array.isArray(ips) && Array.isArray(p.ip_rules ?? []) ? ips.filter((ip) => !planned.includes(ip)) : ips;
    if (!Array.isArray(extra) || extra.length > 0) {
      problems.push({ at: "ip_rules", message: `lets through ${show(extra)}, which is not in allowedIpRanges.` });
    }
  }
  for (const key of ["virtual_network_subnet_ids", "private_link_access"]) {
    const value = w[key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
      problems.push({ at: key, message: `lets through ${show(value)}, which is not planned.` });
    }
  }
  for (const key of Object.keys(w).filter((k) => !["default_action", "bypass", "ip_rules", "virtual_network_subnet_ids", "private_link_access"].includes(k))) {
    problems.push({ at: key, message: `is ${show(w[key])}; the firewall does not plan it.` });
  }
  return problems;
}

export const FIREWALL_DENY_BY_DEFAULT: RuleDefinition = {
  rule: "FirewallDenyByDefault",
  judges: [
    { types: ["azurerm_storage_account"], attribute: "network_rules", problems: firewallProblems },
    {
      types: ["azurerm_storage_account"],
      attribute: "public_network_access_enabled",
      problems: (written, planned) =>
        written === false ? [] : [{ message: `is ${show(written)}; planned ${show(planned)} (publicNetworkAccess).` }],
    },
  ],
};
