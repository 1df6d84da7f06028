import * as fs from "fs";
import * as path from "path";
import { App, AppConfig } from "cdktf";
import { XshieldMdeStackProps } from "./props";
import { XshieldValidationError } from "./validation";
import { XshieldMdeStack, stackProblems } from "./xshield-mde-stack";

/** One environment: a name (the stack name, used by `cdktf deploy <name>`) and its stack props. */
export interface EnvironmentConfig extends XshieldMdeStackProps {
  /** Environment name: lowercase letters, digits and hyphens (`dev`, `prod`, `tenant-a`). */
  readonly name: string;
}

/** Thrown when one or more environments cannot be built; names each failing environment. */
export class EnvironmentError extends Error {
  public constructor(public readonly failures: readonly EnvironmentFailure[]) {
    super(
      `${failures.length} environment(s) failed:\n` +
        failures.map((f) => `environment "${f.environment}": ${f.message}`).join("\n"),
    );
    this.name = "EnvironmentError";
  }
}

/** A problem with one environment, reported under its name. */
export interface EnvironmentFailure {
  readonly environment: string;
  readonly message: string;
}

const ENVIRONMENT_NAME = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

/** Environments whose name is malformed or taken by an earlier one. */
function nameFailures(environments: readonly EnvironmentConfig[]): Map<number, EnvironmentFailure> {
  const failures = new Map<number, EnvironmentFailure>();
  const seen = new Set<string>();
  environments.forEach(({ name }, index) => {
    if (!ENVIRONMENT_NAME.test(name)) {
      failures.set(index, {
        environment: name,
        message: `name ${JSON.stringify(name)}: must be 1–40 lowercase letters, digits and inner hyphens (it names the stack and its state file).`,
      });
    } else if (seen.has(name)) {
      failures.set(index, { environment: name, message: "is defined twice; environment names must be unique." });
    }
    seen.add(name);
  });
  return failures;
}

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /**
   * Folder of adoption records (`<env>.json`, written by `npm run adopt`): an environment whose
   * record exists and whose props give no `adopt` imports what the record names.
   *
   * @default - no records are read
   */
  readonly adoptDir?: string;
}

/** The environment's adoption record from `adoptDir`, when there is one (or why it cannot be read). */
function adoptionRecord(dir: string | undefined, name: string): { adopt?: unknown; problem?: string } {
  if (dir === undefined) {
    return {};
  }
  const file = path.join(dir, `${name}.json`);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? {} : { problem: `${file}: cannot be read (${(error as Error).message}).` };
  }
  try {
    return { adopt: JSON.parse(text) as unknown };
  } catch (error) {
    return { problem: `${file}: is not JSON (${(error as Error).message}); write it again with npm run adopt -- ${name}.` };
  }
}

/**
 * Builds an app with one {@link XshieldMdeStack} per environment. Every environment is tried;
 * all failures are reported together, each under its environment's name. Nothing is written:
 * `app.synth()` writes, and only once every stack was built.
 */
export function buildApp(environments: readonly EnvironmentConfig[], config?: AppConfig, options: BuildAppOptions = {}): App {
  const app = new App(config);
  const byName = nameFailures(environments);
  const failures: EnvironmentFailure[] = [];
  environments.forEach(({ name, ...given }, index) => {
    const record = given.integration?.adopt === undefined ? adoptionRecord(options.adoptDir, name) : {};
    if (record.problem !== undefined) {
      failures.push({ environment: name, message: record.problem });
      return;
    }
    const props = record.adopt === undefined ? given : { ...given, integration: { ...given.integration, adopt: record.adopt as EnvironmentConfig["integration"]["adopt"] } };
    const failure = byName.get(index);
    if (failure !== undefined) {
      // The stack cannot be built under a bad name, but its props are still checked, so that one
      // run reports everything wrong with the environment.
      const problems = stackProblems(props);
      failures.push(
        problems.length === 0
          ? failure
          : { ...failure, message: `${failure.message}\n${new XshieldValidationError(`XshieldMdeStack "${name}"`, problems).message}` },
      );
      return;
    }
    try {
      new XshieldMdeStack(app, name, props);
    } catch (error) {
      failures.push({ environment: name, message: error instanceof Error ? error.message : String(error) });
    }
  });
  if (failures.length > 0) {
    throw new EnvironmentError(failures);
  }
  return app;
}

/**
 * The warnings cdktf `Annotations` attached anywhere in the app, as `[<stack>] <path>: <message>`.
 * The cdktf CLI prints these itself; a plain `node` run of the app does not, so
 * `synthEnvironments` does.
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
