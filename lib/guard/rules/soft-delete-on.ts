import { differences, Problem, RuleDefinition, show, singleBlock } from "../rule";

const POLICIES = ["delete_retention_policy", "container_delete_retention_policy"];

/**
 * Blob and container soft delete stay on, for at least the planned days (keeping deleted blobs
 * longer is no weakening); nothing else in `blob_properties` differs from the plan.
 */
function blobPropertiesProblems(written: unknown, planned: unknown): Problem[] {
  const { block: w, problem } = singleBlock(written);
  const { block: p } = singleBlock(planned);
  if (problem !== undefined) {
    return [{ message: `${problem}; planned once.` }];
  }
  const problems: Problem[] = [];
  for (const policy of POLICIES) {
    const want = singleBlock(p[policy]).block.days;
    const got = singleBlock(w[policy]).block.days;
    if (typeof want === "number" && !(typeof got === "number" && got >= want)) {
      problems.push({ at: `${policy}.days`, message: `is ${show(got)}; the baseline keeps deleted ${policy.startsWith("container") ? "containers" : "blobs"} at least ${want} days (softDeleteRetentionDays).` });
    }
  }
  const rest = (block: { [key: string]: unknown }) => Object.fromEntries(Object.entries(block).filter(([k]) => !POLICIES.includes(k)));
  for (const { at, w: value, p: plannedValue } of differences(rest(w), rest(p))) {
    problems.push({ at, message: `is ${show(value)}; planned ${show(plannedValue)}.` });
  }
  return problems;
}

export const SOFT_DELETE_ON: RuleDefinition = {
  rule: "SoftDeleteOn",
  judges: [{ types: ["azurerm_storage_account"], attribute: "blob_properties", problems: blobPropertiesProblems }],
};
