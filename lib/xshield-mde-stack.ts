import { AzurermBackend, LocalBackend, TerraformOutput, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { RESOURCE_PROVIDERS } from "./constants";
export { OUTPUT_NAMES } from "./outputs";
import { planStackElements } from "./guard/capture";
import { XshieldMdeStackProps } from "./props";
import { throwIfInvalid, validateIntegrationProps, validateStackProps } from "./validation";
import { XshieldMdeIntegration } from "./xshield-mde-integration";

/**
 * App context key by which `synthEnvironments` lets its stacks skip cdktf's cross-stack
 * preparing pass (see {@link XshieldMdeStack.prepareStack}). Set it only when no code runs
 * between building the stacks and synthesizing them.
 */
// Stryker disable next-line StringLiteral: a key that both sides read from this constant; any other text works alike
export const SKIP_CROSS_STACK_PREPARATION = "xshield-mde-cdktf:skipCrossStackPreparation";

/** Whether a value, or anything inside it, is an unresolved token. */
function containsToken(value: unknown): boolean {
  if (Token.isUnresolved(value)) {
    return true;
  }
  // A list is an object too: its entries are its items.
  // Stryker disable next-line ConditionalExpression: props that passed validation hold no null where an object may be
  if (value !== null && typeof value === "object") {
    return Object.entries(value).some(([key, v]) => Token.isUnresolved(key) || containsToken(v));
  }
  return false;
}

/** The integration's problems, when `integration` is an object to validate at all. */
function integrationProblems(props: XshieldMdeStackProps): string[] {
  const integration: unknown = props.integration;
  return typeof integration === "object" && integration !== null
    ? validateIntegrationProps(props.integration).errors
    : [];
}

/**
 * Every problem with a stack's props, its own and its integration's, so that one error lists
 * them all (for checking an environment without building it).
 */
export function stackProblems(props: XshieldMdeStackProps): string[] {
  return [...validateStackProps(props).errors, ...integrationProblems(props)];
}

/**
 * One environment: the azuread, azurerm and time providers, a state backend, one
 * {@link XshieldMdeIntegration} and the outputs Xshield and Defender ask for.
 */
export class XshieldMdeStack extends TerraformStack {
  /** The integration this stack deploys. */
  public readonly integration: XshieldMdeIntegration;
  /** The outputs, by their Terraform names. */
  public readonly outputs: { readonly [name: string]: TerraformOutput };
  /** Whether any prop is a token (it may refer to another stack). */
  private readonly propsHaveTokens: boolean;

  public constructor(scope: Construct, id: string, props: XshieldMdeStackProps) {
    super(scope, id);

    // The stack validates its own props; the integration validates its own, once, in its
    // constructor. Only when the stack's props fail (so the integration is never built) are the
    // integration's problems added here, so that one error lists them all.
    const own = validateStackProps(props).errors;
    if (own.length > 0) {
      throwIfInvalid(`XshieldMdeStack "${id}"`, [...own, ...integrationProblems(props)]);
    }

    const azuread = new AzureadProvider(this, "azuread", { tenantId: props.tenantId });
    const azurerm = new AzurermProvider(this, "azurerm", {
      // Nothing here needs the storage data plane (containers and queues are created through
      // ARM). With it on, every plan reads the account's queue properties over the data plane,
      // which the storage firewall answers with 403 from any address not in allowedIpRanges.
      features: [{ storage: [{ dataPlaneAvailable: false }] }],
      subscriptionId: props.subscriptionId,
      tenantId: props.tenantId,
      storageUseAzuread: true,
      // Not azurerm's default "legacy" set of ~66 resource providers, which a deployer without
      // subscription-wide rights cannot register: only what this integration uses, registered
      // only where it is not yet (one-time `az provider register` otherwise; see the README).
      resourceProviderRegistrations: "none",
      resourceProvidersToRegister: [...RESOURCE_PROVIDERS],
    });
    const time = new TimeProvider(this, "time");

    const backend = props.backend ?? { type: "local" };
    const stateBackend =
      backend.type === "local"
        ? new LocalBackend(this, { path: backend.path ?? `../../../terraform.${id}.tfstate` })
        : new AzurermBackend(this, {
            resourceGroupName: backend.resourceGroupName,
            storageAccountName: backend.storageAccountName,
            containerName: backend.containerName,
            key: backend.key ?? `xshield-mde/${id}.tfstate`,
            useAzureadAuth: backend.useAzureadAuth ?? true,
            subscriptionId: backend.subscriptionId ?? props.subscriptionId,
            tenantId: props.tenantId,
          });

    const integration = new XshieldMdeIntegration(this, "integration", props.integration);
    this.integration = integration;

    this.outputs = integration.addOutputs(this);
    this.propsHaveTokens = containsToken(props);
    // The providers and the backend are the stack's plan, judged with the integration's own
    // elements: written exactly as made here. (The outputs need no plan: they are the harmless
    // forms the guard allows anyway, and one that would show the secret is refused.)
    // Stack props given as tokens are resolved now, and the plan holds to that.
    const eager = this.propsHaveTokens;
    planStackElements(this, [
      { element: azuread, role: "the stack's azuread provider", eager },
      { element: azurerm, role: "the stack's azurerm provider", eager },
      { element: time, role: "the stack's time provider", eager },
      { element: stateBackend, role: "the stack's state backend", eager },
    ]);
  }

  /**
   * cdktf prepares a stack by resolving every element once more, only to find references to
   * other stacks; that pass is a quarter of a large synthesis. `synthEnvironments` builds the
   * stacks from plain data and synthesizes them at once, with no other code in between, and says
   * so through the app context `SKIP_CROSS_STACK_PREPARATION`. Such a stack can refer to
   * another only through a token in its props; without one, only the backend check runs. Every
   * other stack gets cdktf's full pass.
   */
  public prepareStack(): void {
    // Stryker disable next-line BlockStatement: the check cdktf's pass makes too; this stack always writes its backend, so it finds one
    if (this.node.tryGetContext(SKIP_CROSS_STACK_PREPARATION) === true && !this.propsHaveTokens) {
      this.ensureBackendExists();
    } else {
      super.prepareStack();
    }
  }
}
