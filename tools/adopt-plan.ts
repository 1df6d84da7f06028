/**
 * What the library plans for one environment, read from the JSON its stack writes: the names
 * `npm run adopt` looks objects up by, and each adoptable resource's written configuration
 * (snake_case, references as `${…}`), which the first plan compares with what exists.
 */
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { App, TerraformElement, Testing, Token } from "cdktf";
import { ADOPTION_FIELDS, type AdoptionField } from "../lib/adoption";
import type { EnvironmentConfig } from "../lib/app";
import type { ResolvedIntegrationProps } from "../lib/props";
import { XshieldMdeStack } from "../lib/xshield-mde-stack";
import { isJson, type Json } from "./azure-rest";

/** A problem with the environment itself: adopt cannot look anything up. */
export class AdoptUsageError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "AdoptUsageError";
  }
}

/** The library's plan for one environment. */
export interface EnvironmentPlan {
  readonly environment: string;
  /** The stack's `subscriptionId`, when set. */
  readonly subscriptionId?: string;
  /** The stack's `tenantId`, when set. */
  readonly tenantId?: string;
  /** The integration's props with every default applied. */
  readonly config: ResolvedIntegrationProps;
  /** The system topic's and the event subscription's names, as the construct writes them. */
  readonly systemTopicName: string;
  readonly eventSubscriptionName: string;
  /** Each adoptable resource's written configuration, by field (operators by lowercase object id). */
  readonly resources: { readonly [F in AdoptionField]?: Json };
  readonly operators: { readonly [objectId: string]: Json };
  /** Each adoptable resource's Terraform address (`<type>.<name>`), where its import block goes. */
  readonly addresses: { readonly [F in AdoptionField]?: string };
  readonly operatorAddresses: { readonly [objectId: string]: string };
}

const LITERAL_PROPS = ["location", "resourceGroupName", "storageAccountName", "queueName", "applicationDisplayName"] as const;

/**
 * Builds the environment's stack (nothing is written to disk but a temporary folder, removed at
 * once) and reads the plan from its JSON.
 *
 * @throws AdoptUsageError when a name adopt looks objects up by is a Terraform expression, or the environment does not build
 */
export function planEnvironment(environment: EnvironmentConfig): EnvironmentPlan {
  const { name, ...props } = environment;
  const outdir = mkdtempSync(join(tmpdir(), "xshield-adopt-"));
  try {
    let stack: XshieldMdeStack;
    try {
      stack = new XshieldMdeStack(new App({ outdir }), name, props);
    } catch (error) {
      throw new AdoptUsageError(`environment "${name}" does not build: ${error instanceof Error ? error.message : String(error)}`);
    }
    const integration = stack.integration;
    const config = integration.config;
    for (const prop of LITERAL_PROPS) {
      if (Token.isUnresolved(config[prop])) {
        throw new AdoptUsageError(`environment "${name}": ${prop} is a Terraform expression; adopt looks objects up by name, so it needs the literal value in environments.ts.`);
      }
    }
    if (Token.isUnresolved(config.streamingApiOperatorObjectIds) || config.streamingApiOperatorObjectIds.some((id) => Token.isUnresolved(id))) {
      throw new AdoptUsageError(`environment "${name}": streamingApiOperatorObjectIds holds a Terraform expression; adopt needs the literal object ids.`);
    }
    const json = JSON.parse(Testing.synth(stack)) as { resource?: { [type: string]: { [name: string]: unknown } } };
    const body = (element: TerraformElement & { terraformResourceType: string }): Json => {
      const written = json.resource?.[element.terraformResourceType]?.[element.friendlyUniqueId];
      return isJson(written) ? written : {};
    };
    const members = integration as unknown as { readonly [F in AdoptionField]?: TerraformElement & { terraformResourceType: string } };
    const address = (element: TerraformElement & { terraformResourceType: string }) => `${element.terraformResourceType}.${element.friendlyUniqueId}`;
    const resources: { [F in AdoptionField]?: Json } = {};
    const addresses: { [F in AdoptionField]?: string } = {};
    for (const field of ADOPTION_FIELDS) {
      const element = members[field];
      if (element !== undefined) {
        resources[field] = body(element);
        addresses[field] = address(element);
      }
    }
    const operators: { [objectId: string]: Json } = {};
    const operatorAddresses: { [objectId: string]: string } = {};
    config.streamingApiOperatorObjectIds.forEach((objectId, i) => {
      const element = integration.streamingApiOperatorAssignments[i]!;
      operators[objectId.toLowerCase()] = body(element);
      operatorAddresses[objectId.toLowerCase()] = address(element);
    });
    const text = (value: unknown): string => (typeof value === "string" ? value : "");
    return {
      environment: name,
      ...(props.subscriptionId !== undefined && !Token.isUnresolved(props.subscriptionId) ? { subscriptionId: props.subscriptionId } : {}),
      ...(props.tenantId !== undefined && !Token.isUnresolved(props.tenantId) ? { tenantId: props.tenantId } : {}),
      config,
      systemTopicName: text(resources.systemTopic?.name),
      eventSubscriptionName: text(resources.eventSubscription?.name),
      resources,
      operators,
      addresses,
      operatorAddresses,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
