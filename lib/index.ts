// The package's public API: what a platform team's stack needs, and nothing it should lean on that
// may change. Every name here is in the reviewed report, api/xshield-mde-cdktf.api.md
// (`npm run api:update`); __tests__/api.test.ts fails when the two differ.

// The construct and the stack
export { XshieldMdeIntegration } from "./xshield-mde-integration";
export type { IntegrationAlertResources } from "./xshield-mde-integration";
export type { RotatingSecret, RotationOutputs, SecretRotation, SlotSchedule } from "./secret-rotation";
export type { RemovedBlock } from "./terraform-blocks";
export { XshieldMdeStack } from "./xshield-mde-stack";

// Their props
export { ALERT_DEFAULTS, BASELINE_RULES, NO_EVENTS_WINDOWS, XSHIELD_MDE_INTEGRATION_DEFAULTS } from "./props";
export type {
  AccountReplicationType,
  AzurermStateBackend,
  BaselineException,
  BaselineRule,
  DataRoleScope,
  GrantOptions,
  IntegrationAdoption,
  IntegrationAlerts,
  IntegrationDiagnostics,
  IntegrationProviders,
  LocalStateBackend,
  NoEventsWindowHours,
  PublicNetworkAccess,
  ResolvedIntegrationProps,
  ResourceGroupReference,
  StateBackend,
  XshieldMdeIntegrationProps,
  XshieldMdeStackProps,
} from "./props";

// Names a stack refers to: the outputs Xshield needs, the resource providers the azurerm provider registers
export { OUTPUT_NAMES } from "./outputs";
export { RESOURCE_PROVIDERS } from "./constants";

// Checking props before building, and the errors
export { validateIntegrationProps, validateStackProps, XshieldValidationError } from "./validation";
export type { ValidationReport } from "./validation";
export { SecureBaselineError } from "./guard";
export type { BaselineViolation } from "./guard";

// Synthesis: one environment per stack, or any app, all or nothing
export { buildApp, EnvironmentError } from "./app";
export type { BuildAppOptions, EnvironmentConfig, EnvironmentFailure } from "./app";
export { synthEnvironments, synthesizeApp, SynthesisError } from "./synth";
export type { SynthEnvironmentsOptions, SynthesizeAppOptions } from "./synth";
