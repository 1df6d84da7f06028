import { asPlanned, asPlannedWhole, Problem, RuleDefinition, show, singleBlock } from "../rule";

/** Event subscription endpoints other than a storage queue: each would send events elsewhere. */
const OTHER_ENDPOINTS = [
  "webhook_endpoint",
  "azure_function_endpoint",
  "eventhub_endpoint_id",
  "hybrid_connection_endpoint_id",
  "service_bus_queue_endpoint_id",
  "service_bus_topic_endpoint_id",
];

/** A subject filter may only be made stricter by matching case. */
function subjectFilterProblems(written: unknown, planned: unknown): Problem[] {
  const { block: w } = singleBlock(written);
  const { block: p } = singleBlock(planned);
  const problems: Problem[] = [];
  for (const key of new Set([...Object.keys(w), ...Object.keys(p)])) {
    if (key === "case_sensitive" && w[key] === true) {
      continue;
    }
    if (JSON.stringify(w[key]) !== JSON.stringify(p[key])) {
      problems.push({ at: key, message: `is ${show(w[key])}; planned ${show(p[key])}.` });
    }
  }
  return problems;
}

/**
 * Only new DeviceNetworkEvents blobs are forwarded, only to the integration's queue, with the
 * topic's managed identity; the containers and the queue stay in the integration's account.
 */
export const EVENT_DELIVERY_SCOPED: RuleDefinition = {
  rule: "EventDeliveryScoped",
  judges: [
    { types: ["azurerm_eventgrid_system_topic_event_subscription"], attribute: "subject_filter", problems: subjectFilterProblems },
    ...OTHER_ENDPOINTS.map((attribute) => ({
      types: ["azurerm_eventgrid_system_topic_event_subscription"],
      attribute,
      problems: () => [{ message: `is set: events would also go to ${attribute}; planned the queue only.` }],
    })),
    { types: ["azurerm_eventgrid_system_topic_event_subscription"], attribute: "included_event_types", problems: asPlannedWhole("only") },
    ...["storage_queue_endpoint", "storage_blob_dead_letter_destination", "delivery_identity", "dead_letter_identity"].map((attribute) => ({
      types: ["azurerm_eventgrid_system_topic_event_subscription"],
      attribute,
      problems: (w: unknown, p: unknown) => {
        if (w === null || w === undefined) {
          return asPlannedWhole()(w, p);
        }
        const { problem } = singleBlock(w);
        return problem !== undefined ? [{ message: `${problem}; planned once.` }] : asPlanned()(singleBlock(w).block, singleBlock(p).block);
      },
    })),
    { types: ["azurerm_eventgrid_system_topic_event_subscription"], attribute: "*", problems: asPlanned() },
    { types: ["azurerm_eventgrid_system_topic"], attribute: "source_resource_id", problems: asPlanned() },
    { types: ["azurerm_eventgrid_system_topic"], attribute: "topic_type", problems: asPlanned() },
    { types: ["azurerm_eventgrid_system_topic"], attribute: "identity", problems: asPlanned() },
    { types: ["azurerm_storage_container", "azurerm_storage_queue"], attribute: "storage_account_id", problems: asPlanned() },
  ],
};
