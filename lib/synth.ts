import * as fs from "fs";
import * as path from "path";
import { App, Manifest } from "cdktf";
import { EnvironmentConfig, EnvironmentError, buildApp, collectWarnings } from "./app";
import { SecureBaselineError } from "./guard";
import { XshieldValidationError } from "./validation";
import { collectingCheckFailures } from "./written-json";
import { SKIP_CROSS_STACK_PREPARATION } from "./xshield-mde-stack";

/** Options of {@link synthEnvironments}. */
export interface SynthEnvironmentsOptions {
  /**
   * Folder the app writes into (`stacks/<env>/cdk.tf.json` and `manifest.json`).
   *
   * @default - `CDKTF_OUTDIR` (set by the cdktf CLI), else "cdktf.out"
   */
  readonly outdir?: string;
  /**
   * Where warnings go (each `[<env>] <path>: <message>`).
   *
   * @default - stderr, unless the cdktf CLI runs the app (it prints them itself)
   */
  readonly onWarning?: (warning: string) => void;
  /**
   * Keep the call stack cdktf records for every token it creates, and stack traces of errors
   * thrown during synthesis. cdktf shows a token's stack only when the token fails to resolve;
   * recording them is about a third of the time and memory of a large synth. Turn it on (or set
   * `XSHIELD_TOKEN_TRACES=1`) to debug such a token or an unexpected error.
   *
   * @default false
   */
  readonly tokenTraces?: boolean;
  /**
   * Folder of adoption records, `<env>.json` as `npm run adopt` writes them.
   *
   * @default "adopt" (relative to the working directory: the project folder, where cdktf runs the app)
   */
  readonly adoptDir?: string;
}

/**
 * Runs `work` without the call stacks cdktf records for every token. cdktf raises
 * `Error.stackTraceLimit` to capture each token's full stack. While `work` runs, the property is
 * an accessor that ignores writes; V8 reads the limit only from a data property, so it captures
 * no stack at all (V8 behaviour, checked by a test). Errors thrown meanwhile, fs errors included,
 * have `stack === undefined`; their messages are unchanged. The property is restored afterwards,
 * also when `work` throws.
 */
function withoutTokenTraces<T>(work: () => T): T {
  const descriptor = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  Object.defineProperty(Error, "stackTraceLimit", { configurable: true, get: () => undefined, set: () => undefined });
  try {
    return work();
  } finally {
    restoreStackTraceLimit(descriptor);
  }
}

// Stryker disable all: V8 always defines Error.stackTraceLimit; the delete is for other engines
/** Puts `Error.stackTraceLimit` back as it was before {@link withoutTokenTraces}. */
function restoreStackTraceLimit(descriptor: PropertyDescriptor | undefined): void {
  if (descriptor !== undefined) {
    Object.defineProperty(Error, "stackTraceLimit", descriptor);
  } else {
    delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
  }
}
// Stryker restore all

/**
 * Runs `build`; when it throws, removes the (empty) output folders cdktf's `App` created for it,
 * so that refused input leaves nothing behind. Folders that existed before are left alone.
 */
function withoutNewFoldersOnFailure<T>(outdir: string, build: () => T): T {
  const created = [path.join(outdir, "stacks"), outdir].filter((folder) => !fs.existsSync(folder));
  try {
    return build();
  } catch (error) {
    for (const folder of created) {
      try {
        fs.rmdirSync(folder);
      } catch {
        // Not empty or already gone: leave it.
      }
    }
    throw error;
  }
}

/** Options of {@link synthesizeApp}. */
export interface SynthesizeAppOptions {
  /**
   * Where warnings go (each `[<stack>] <path>: <message>`).
   *
   * @default - stderr, unless the cdktf CLI runs the app (it prints them itself)
   */
  readonly onWarning?: (warning: string) => void;
}

/** Thrown by {@link synthesizeApp}: every problem of every stack, and nothing written. */
export class SynthesisError extends Error {
  public constructor(public readonly failures: readonly unknown[]) {
    super(
      `${failures.length} problem(s) found while synthesizing; nothing was written (the previous synthesized files were removed, so none is taken for current).\n` +
        failures.map((f) => (f instanceof Error ? f.message : String(f))).join("\n"),
    );
    this.name = "SynthesisError";
  }
}

/** The files a synthesis writes in `outdir`: the manifest and each stack's Terraform and metadata (never state, `.terraform` or anything else). */
function synthesizedFiles(outdir: string): string[] {
  const stacks = path.join(outdir, Manifest.stacksFolder);
  const folders = fs.existsSync(stacks) ? fs.readdirSync(stacks).map((name) => path.join(stacks, name)) : [];
  return [
    path.join(outdir, Manifest.fileName),
    ...folders.flatMap((folder) => ["cdk.tf.json", "cdk.tf", Manifest.stackMetadataPath].map((file) => path.join(folder, file))),
  ];
}

const removeFiles = (files: readonly string[]) => files.forEach((file) => fs.rmSync(file, { force: true }));

/**
 * `app.synth()`, all or nothing, with every problem at once: the secure-baseline guard and the
 * App-wide checks of every integration in every stack run, and all their failures come in one
 * {@link SynthesisError}. When anything fails, no synthesized file is left: neither of this run nor
 * of an earlier one (a stale `cdk.tf.json` would be deployed as if current); state files, `.terraform`
 * folders and anything else in `outdir` are kept. The manifest, which cdktf writes last, is removed
 * first, so a run that is interrupted leaves no manifest either. Warnings are printed, as the cdktf CLI
 * prints them, also when the app runs with plain `node` or `ts-node`.
 */
export function synthesizeApp(app: App, options: SynthesizeAppOptions = {}): void {
  synthesizeAllOrNothing(app);
  reportWarnings(app, options.onWarning);
}

/** Prints the app's warnings where `onWarning` says, by default to stderr unless the cdktf CLI runs the app. */
function reportWarnings(app: App, onWarning: ((warning: string) => void) | undefined): void {
  const report = onWarning ?? (process.env.CDKTF_OUTDIR === undefined ? (w: string) => process.stderr.write(`warning ${w}\n`) : undefined);
  if (report !== undefined) {
    collectWarnings(app).forEach(report);
  }
}

/** {@link synthesizeApp} without the warnings. */
function synthesizeAllOrNothing(app: App): void {
  const outdir = app.outdir;
  fs.rmSync(path.join(outdir, Manifest.fileName), { force: true });
  let failures: unknown[] = [];
  try {
    failures = collectingCheckFailures((e) => e instanceof SecureBaselineError || e instanceof XshieldValidationError, () => app.synth());
  } catch (error) {
    failures = [...failures, error];
  }
  if (failures.length > 0) {
    removeFiles(synthesizedFiles(outdir));
    throw failures.length === 1 && !(failures[0] instanceof SecureBaselineError || failures[0] instanceof XshieldValidationError) ? failures[0] : new SynthesisError(failures);
  }
}

/**
 * Synthesizes one stack per environment into `outdir` — `buildApp(environments).synth()` — and
 * reports the warnings, which the cdktf CLI prints itself but a plain `node` run would not.
 * Every environment is built (and so validated, once) before anything is written; all failures
 * come in one `EnvironmentError`, each under its environment's name, and leave no folder behind.
 */
export function synthEnvironments(environments: readonly EnvironmentConfig[], options: SynthEnvironmentsOptions = {}): App {
  const outdir = options.outdir ?? process.env.CDKTF_OUTDIR ?? "cdktf.out";
  const synth = () => {
    // Nothing runs between building and synthesizing, so the stacks may skip cdktf's search for
    // references to other stacks when they cannot hold any.
    const app = withoutNewFoldersOnFailure(outdir, () =>
      buildApp(environments, { outdir, context: { [SKIP_CROSS_STACK_PREPARATION]: true } }, { adoptDir: options.adoptDir ?? "adopt" }),
    );
    synthesizeAllOrNothing(app);
    return app;
  };
  const keepTraces = options.tokenTraces ?? process.env.XSHIELD_TOKEN_TRACES === "1";
  const app = keepTraces ? synth() : withoutTokenTraces(synth);
  reportWarnings(app, options.onWarning);
  return app;
}

/**
 * What to print when synthesis fails: the message of the errors this library throws (they say
 * what is wrong and where), the stack trace of anything else.
 */
export function describeSynthFailure(error: unknown): string {
  if (error instanceof EnvironmentError || error instanceof SynthesisError || error instanceof XshieldValidationError || error instanceof SecureBaselineError) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.stack ?? `${error.name}: ${error.message}\n(no stack trace: run with XSHIELD_TOKEN_TRACES=1 to keep it)`;
  }
  return String(error);
}
