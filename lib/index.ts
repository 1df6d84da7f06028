export * from "./constants";
export * from "./props";
export * from "./validation";
export { SecureBaselineError } from "./guard";
export type { BaselineViolation } from "./guard";
export * from "./xshield-mde-integration";
export * from "./xshield-mde-stack";
export * from "./app";
export * from "./synth";
