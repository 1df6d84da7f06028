import { App, AppConfig } from "cdktf";
import { XshieldMdeStack, XshieldMdeStackProps } from "./xshield-mde-stack";

/** One environment: a name (the stack name, used by `cdktf deploy <name>`) and its stack props. */
export interface EnvironmentConfig extends XshieldMdeStackProps {
  /** Environment name: lowercase letters, digits and hyphens (`dev`, `prod`, `tenant-a`). */
  readonly name: string;
}

/** Thrown when one or more environments cannot be built; names each failing environment. */
export class EnvironmentError extends Error {
  public constructor(public readonly failures: { environment: string; message: string }[]) {
    super(
      `${failures.length} environment(s) failed:\n` +
        failures.map((f) => `environment "${f.environment}": ${f.message}`).join("\n"),
    );
    this.name = "EnvironmentError";
  }
}

/**
 * Builds an app with one {@link XshieldMdeStack} per environment. Every environment is tried;
 * all failures are reported together, each under its environment's name.
 */
export function buildApp(environments: readonly EnvironmentConfig[], config?: AppConfig): App {
  const app = new App(config);
  const failures: { environment: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const { name, ...props } of environments) {
    if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(name)) {
      failures.push({
        environment: name,
        message: `name ${JSON.stringify(name)}: must be 1–40 lowercase letters, digits and inner hyphens (it names the stack and its state file).`,
      });
      continue;
    }
    if (seen.has(name)) {
      failures.push({ environment: name, message: "is defined twice; environment names must be unique." });
      continue;
    }
    seen.add(name);
    try {
      new XshieldMdeStack(app, name, props);
    } catch (error) {
      failures.push({ environment: name, message: error instanceof Error ? error.message : String(error) });
    }
  }
  if (failures.length > 0) {
    throw new EnvironmentError(failures);
  }
  return app;
}

/**
 * The warnings cdktf `Annotations` attached anywhere in the app, as `[<stack>] <path>: <message>`.
 * The cdktf CLI prints these itself; a plain `node` run of the app does not, so `main.ts` does.
 */
export function collectWarnings(app: App): string[] {
  return app.node
    .findAll()
    .flatMap((node) =>
      node.node.metadata
        .filter((entry) => entry.type === "@cdktf/warn")
        .map((entry) => `[${node.node.path.split("/")[0]}] ${node.node.path}: ${String(entry.data)}`),
    );
}
