/**
 * Reads the outputs of a deployed integration: the values Xshield and Defender ask for.
 *
 * Sources, the first that applies:
 * 1. `outputsFile`: what `terraform output -json` prints (`{ "<output>": { value, type, sensitive } }`),
 *    or the file `cdktf deploy <stack> --outputs-file <f> --outputs-file-include-sensitive-outputs`
 *    writes (`{ "<stack>": { "<output>": value } }`).
 * 2. `stackDir`: a synthesized stack folder (`cdktf.out/stacks/<name>`). Its `cdk.tf.json` names
 *    the backend: a local backend's state file is read (relative to the folder, as Terraform reads
 *    it); for any other backend `terraform output -json` runs in the folder (initialised by
 *    `cdktf deploy`, or `terraform init`).
 * 3. A name: with `environments` (this repository's `environments.ts`), that environment's
 *    backend as configured there; otherwise the stack folder `cdktf.out/stacks/<name>` of the
 *    project folder, as in 2.
 *
 * The outputs are `client_id`, `tenant_id`, … ({@link OUTPUT_NAMES}); with `prefix`, for a stack
 * holding several integrations, `<prefix>_client_id`, `<prefix>_tenant_id`, …
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { EnvironmentConfig } from "../app";
import { OUTPUT_NAMES } from "../xshield-mde-stack";

/** The deployed values, by their meaning. */
export interface DeployedOutputs {
  clientId: string;
  tenantId: string;
  clientSecret: string;
  storageAccountName: string;
  queueName: string;
  storageAccountId: string;
  /** When the newest secret (`clientSecret`) expires. */
  clientSecretExpiresAt?: string;
  /** When the older secret expires; it is renewed at the next rotation. */
  clientSecretPreviousExpiresAt?: string;
  /** From when the next apply renews the older secret. */
  clientSecretNextRotationAt?: string;
  /** The slot (`"a"` or `"b"`) that holds the newest secret. */
  clientSecretSlot?: string;
  /** Where the values were read from (a file path, or the `terraform output` command and folder). */
  source?: string;
}

/** A problem the user can fix; the message says how. Tools print it without a stack trace. */
export class DeployedOutputsError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = "DeployedOutputsError";
  }
}

/** Options of {@link readDeployedOutputs}. */
export interface ReadDeployedOutputsOptions {
  /**
   * The project folder (holds `cdktf.out/` and local state files).
   *
   * @default process.cwd()
   */
  projectDir?: string;
  /** A `terraform output -json` or `cdktf deploy --outputs-file` JSON file; read instead of state when given. */
  outputsFile?: string;
  /** A synthesized stack folder (`cdktf.out/stacks/<name>`) whose backend holds the outputs. */
  stackDir?: string;
  /** The outputs are named `<prefix>_client_id`, … (a stack with several integrations). */
  prefix?: string;
  /**
   * The environments a name is looked up in (this repository's `environments.ts`).
   *
   * @default - none: a name is a stack folder in `cdktf.out/stacks/`
   */
  environments?: readonly EnvironmentConfig[];
  /**
   * The terraform binary run for remote backends.
   *
   * @default "terraform"
   */
  terraformCommand?: string;
}

type OutputKey = keyof typeof OUTPUT_NAMES;
const REQUIRED: readonly OutputKey[] = [
  "tenantId",
  "clientId",
  "clientSecret",
  "storageAccountName",
  "queueName",
  "storageAccountId",
];

type JsonObject = { [key: string]: unknown };
const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Terraform's rule for output names (and so for a prefix): a letter or underscore, then letters, digits, underscores, hyphens. */
const OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Why `prefix` cannot be a prefix of output names, or undefined when it can. A trailing `_` is
 * allowed (`dev_` and `dev` both mean `dev_client_id`).
 */
export function prefixProblem(prefix: string): string | undefined {
  return OUTPUT_NAME.test(prefix)
    ? undefined
    : `--prefix ${JSON.stringify(prefix)}: a prefix of Terraform output names starts with a letter or underscore and holds only ` +
        "letters, digits, underscores and hyphens; e.g. --prefix dev for the outputs dev_client_id, dev_tenant_id, …";
}

/** The Terraform name of an output, with the prefix. */
export function outputName(key: OutputKey, prefix: string | undefined): string {
  return prefix === undefined ? OUTPUT_NAMES[key] : `${prefix.replace(/_$/, "")}_${OUTPUT_NAMES[key]}`;
}

/** How messages name what is read: `environment "dev"`, `stack "security"` or `the outputs`. */
interface Subject {
  /** `environment "dev"`, `stack "security"`, or `the outputs` (no name given). */
  readonly label: string;
  /** Whether a name was given. */
  readonly named: boolean;
  /** What to run to deploy it. */
  readonly deployHint: string;
  /** What to run to deploy it once more. */
  readonly redeployHint: string;
}

function subjectOf(name: string | undefined, repository: boolean): Subject {
  if (repository && name !== undefined) {
    return {
      label: `environment "${name}"`,
      named: true,
      deployHint: `Run \`npx cdktf deploy ${name}\` first (it needs Azure credentials; see the README).`,
      redeployHint: `run \`npx cdktf deploy ${name}\` again.`,
    };
  }
  if (name !== undefined) {
    return {
      label: `stack "${name}"`,
      named: true,
      deployHint: `Deploy it first (\`cdktf deploy ${name}\`, or \`terraform apply\` in its stack folder).`,
      redeployHint: `deploy it again (\`cdktf deploy ${name}\`).`,
    };
  }
  return { label: "the outputs", named: false, deployHint: "Apply the configuration first.", redeployHint: "apply the configuration again." };
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DeployedOutputsError(`cannot read ${what} ${file}: ${code ?? String(error)}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DeployedOutputsError(`${what} ${file} is not valid JSON.`);
  }
}

/** A `{ value, type, sensitive }` entry of Terraform state or `terraform output -json`. */
const isOutputEntry = (v: unknown): v is JsonObject => isObject(v) && "value" in v && ("type" in v || "sensitive" in v);

/**
 * Unwraps `{ value, type, sensitive }` entries (Terraform state and `terraform output -json`) to
 * their values; plain values (the cdktf outputs file) pass through.
 */
function unwrap(outputs: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(outputs).map(([name, entry]) => [name, isOutputEntry(entry) ? entry.value : entry]));
}

/** Looks up an output by its Terraform name; without a prefix, the camelCase spelling too. */
function lookup(values: JsonObject, key: OutputKey, prefix: string | undefined): unknown {
  const name = outputName(key, prefix);
  if (name in values) return values[name];
  return prefix === undefined ? values[key] : undefined;
}

/** Whether `values` holds any of the outputs, under this prefix. */
function holdsOutputs(values: JsonObject, prefix: string | undefined): boolean {
  return REQUIRED.some((key) => lookup(values, key, prefix) !== undefined);
}

/** The prefixes under which `values` holds a `<prefix>_client_id`, for a hint. */
function prefixesIn(values: JsonObject): string[] {
  const suffix = `_${OUTPUT_NAMES.clientId}`;
  return Object.keys(values)
    .filter((name) => name.endsWith(suffix) && name.length > suffix.length)
    .map((name) => name.slice(0, -suffix.length))
    .sort();
}

function prefixHint(values: JsonObject, prefix: string | undefined): string {
  const found = prefixesIn(values).filter((p) => p !== prefix?.replace(/_$/, ""));
  return found.length === 0 ? "" : ` It has the outputs of ${found.map((p) => `--prefix ${p}`).join(", ")}.`;
}

function toOutputs(subject: Subject, values: JsonObject, source: string, prefix: string | undefined, sensitiveHint: string): DeployedOutputs {
  const value = (key: OutputKey) => lookup(values, key, prefix);
  const missing = REQUIRED.filter((key) => typeof value(key) !== "string" || value(key) === "");
  if (missing.length > 0) {
    const names = missing.map((key) => outputName(key, prefix));
    const onlySecret = missing.length === 1 && missing[0] === "clientSecret";
    const why = onlySecret
      ? sensitiveHint
      : missing.length === REQUIRED.length && prefixesIn(values).length > 0
        ? `This stack holds several integrations: name one with --prefix.${prefixHint(values, prefix)}`
        : `The deployment predates these outputs or failed half-way: ${subject.redeployHint}${prefixHint(values, prefix)}`;
    const who = subject.named ? `${subject.label}: ` : "";
    throw new DeployedOutputsError(`${who}output ${names.map((n) => `"${n}"`).join(", ")} missing in ${source}. ${why}`);
  }
  const optional = (key: "clientSecretExpiresAt" | "clientSecretPreviousExpiresAt" | "clientSecretNextRotationAt" | "clientSecretSlot") => {
    const v = value(key);
    return typeof v === "string" && v !== "" ? { [key]: v } : {};
  };
  return {
    tenantId: value("tenantId") as string,
    clientId: value("clientId") as string,
    clientSecret: value("clientSecret") as string,
    storageAccountName: value("storageAccountName") as string,
    queueName: value("queueName") as string,
    storageAccountId: value("storageAccountId") as string,
    ...optional("clientSecretExpiresAt"),
    ...optional("clientSecretPreviousExpiresAt"),
    ...optional("clientSecretNextRotationAt"),
    ...optional("clientSecretSlot"),
    source,
  };
}

function fromOutputsFile(name: string | undefined, subject: Subject, file: string, prefix: string | undefined): DeployedOutputs {
  const data = readJson(file, "outputs file");
  if (!isObject(data)) {
    throw new DeployedOutputsError(`outputs file ${file} does not hold a JSON object.`);
  }
  // cdktf writes { "<stack>": { "<output>": value } }; terraform output -json the outputs themselves.
  const stacks = Object.keys(data).filter((k) => isObject(data[k]) && !isOutputEntry(data[k]));
  const topLevel = Object.values(data).some(isOutputEntry) || holdsOutputs(data, prefix) || prefixesIn(data).length > 0;
  let values: JsonObject;
  if (name !== undefined && stacks.includes(name)) {
    values = unwrap(data[name] as JsonObject);
  } else if (topLevel) {
    values = unwrap(data);
  } else if (name === undefined && stacks.length === 1) {
    values = unwrap(data[stacks[0]!] as JsonObject);
  } else if (name === undefined && stacks.length > 1) {
    throw new DeployedOutputsError(`outputs file ${file} holds the outputs of several stacks (${stacks.join(", ")}): name the one to read.`);
  } else {
    throw new DeployedOutputsError(
      `outputs file ${file} has no outputs of ${subject.label}` +
        (stacks.length > 0 ? ` (it has: ${stacks.join(", ")}).` : " (it is empty).") +
        (name !== undefined
          ? ` Write it with \`terraform output -json > <file>\` in the stack folder, or \`npx cdktf deploy ${name} --outputs-file <file> --outputs-file-include-sensitive-outputs\`.`
          : ""),
    );
  }
  return toOutputs(
    subject,
    values,
    file,
    prefix,
    "cdktf leaves sensitive outputs out unless asked: deploy with --outputs-file-include-sensitive-outputs, or write the file with `terraform output -json`.",
  );
}

function fromStateFile(subject: Subject, file: string, prefix: string | undefined): DeployedOutputs {
  if (!fs.existsSync(file)) {
    throw new DeployedOutputsError(`${subject.label} is not deployed: no state file at ${file}. ${subject.deployHint}`);
  }
  const state = readJson(file, "state file");
  const outputs = isObject(state) && isObject(state.outputs) ? state.outputs : undefined;
  if (outputs === undefined || Object.keys(outputs).length === 0) {
    throw new DeployedOutputsError(
      `${subject.label} is not deployed: ${file} holds no outputs (never applied, or destroyed). ${subject.deployHint}`,
    );
  }
  return toOutputs(
    subject,
    unwrap(outputs),
    file,
    prefix,
    "The state holds every output, sensitive ones included; it is probably from an older version of this project.",
  );
}

function fromTerraformOutput(subject: Subject, stackDir: string, terraform: string, prefix: string | undefined): DeployedOutputs {
  const command = `terraform output -json (in ${stackDir})`;
  if (!fs.existsSync(path.join(stackDir, ".terraform"))) {
    throw new DeployedOutputsError(
      `${subject.label} keeps its state in a remote backend, and ${stackDir} is not initialised. ` +
        `${subject.deployHint} If it is deployed already, synthesize it and then run ` +
        `\`terraform -chdir=${path.relative(process.cwd(), stackDir) || stackDir} init\`.`,
    );
  }
  const result = spawnSync(terraform, ["output", "-json", "-no-color"], {
    cwd: stackDir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TF_IN_AUTOMATION: "1" },
  });
  if (result.error !== undefined) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new DeployedOutputsError(
      code === "ENOENT"
        ? `${subject.label} keeps its state in a remote backend; reading it needs terraform on PATH.`
        : `${command} failed: ${result.error.message}`,
    );
  }
  if (result.status !== 0) {
    const detail = result.stderr
      .split("\n")
      .map((l) => l.replace(/^[│╷╵\s]+/, "").trim())
      .filter((l) => l !== "" && !/CLI configuration file/.test(l))
      .slice(0, 3)
      .join(" ");
    throw new DeployedOutputsError(`${command} failed (exit ${result.status}): ${detail || "no message"}`);
  }
  let outputs: unknown;
  try {
    outputs = JSON.parse(result.stdout) as unknown;
  } catch {
    throw new DeployedOutputsError(`${command} printed something that is not JSON.`);
  }
  if (!isObject(outputs) || Object.keys(outputs).length === 0) {
    throw new DeployedOutputsError(`${subject.label} is not deployed: its remote state holds no outputs. ${subject.deployHint}`);
  }
  return toOutputs(subject, unwrap(outputs), command, prefix, "terraform output -json includes sensitive values; check the state.");
}

/** The stack folders in `stacksDir`, for a hint. */
function stacksIn(stacksDir: string): string[] {
  try {
    return fs
      .readdirSync(stacksDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

/**
 * The synthesized `cdk.tf.json` of a stack: in `stackDir`, or in `cdktf.out/stacks/<name>` of
 * the project folder.
 *
 * @throws DeployedOutputsError when neither is given or the folder holds no synthesized stack
 */
export function stackJsonPath(name: string | undefined, options: Pick<ReadDeployedOutputsOptions, "projectDir" | "stackDir">): string {
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  if (options.stackDir === undefined && name === undefined) {
    throw new DeployedOutputsError("the synthesized stack is needed: give its name or --stack-dir.");
  }
  const stackDir = options.stackDir !== undefined ? path.resolve(projectDir, options.stackDir) : path.join(projectDir, "cdktf.out", "stacks", name!);
  const file = path.join(stackDir, "cdk.tf.json");
  if (!fs.existsSync(file)) {
    const stacksDir = path.dirname(stackDir);
    const others = stacksIn(stacksDir);
    throw new DeployedOutputsError(
      `no synthesized stack at ${stackDir} (no cdk.tf.json there` +
        (others.length > 0 ? `; ${stacksDir} has: ${others.join(", ")})` : ")") +
        ". Synthesize it first (`npm run synth` in this repository, `cdktf synth` in a cdktf project), or give --stack-dir.",
    );
  }
  return file;
}

/** The outputs of a synthesized stack folder, from the backend its cdk.tf.json names. */
function fromStackDir(subject: Subject, stackDir: string, options: ReadDeployedOutputsOptions): DeployedOutputs {
  const json = readJson(stackJsonPath(undefined, { stackDir }), "synthesized stack");
  const terraform = isObject(json) && isObject(json.terraform) ? json.terraform : {};
  const backend = isObject(terraform.backend) ? terraform.backend : undefined;
  if (backend === undefined || isObject(backend.local)) {
    // Without a backend block Terraform keeps terraform.tfstate in the working folder.
    const local = backend !== undefined && isObject(backend.local) ? backend.local : {};
    const statePath = typeof local.path === "string" ? local.path : "terraform.tfstate";
    return fromStateFile(subject, path.resolve(stackDir, statePath), options.prefix);
  }
  return fromTerraformOutput(subject, stackDir, options.terraformCommand ?? "terraform", options.prefix);
}

/**
 * Reads the outputs of the integration `name` names (an environment of `options.environments`,
 * or a stack folder in `cdktf.out/stacks/`), or of `options.outputsFile` / `options.stackDir`.
 *
 * @throws DeployedOutputsError when it is unknown, not deployed, or an output is missing
 */
export function readDeployedOutputs(name: string | undefined, options: ReadDeployedOutputsOptions = {}): DeployedOutputs {
  const { environments, prefix } = options;
  if (prefix !== undefined) {
    const problem = prefixProblem(prefix);
    if (problem !== undefined) throw new DeployedOutputsError(problem);
  }
  const environment = environments !== undefined && name !== undefined ? environments.find((e) => e.name === name) : undefined;
  const subject = subjectOf(name, environments !== undefined);
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  if (options.outputsFile !== undefined) {
    return fromOutputsFile(name, subject, path.resolve(projectDir, options.outputsFile), prefix);
  }
  if (options.stackDir !== undefined) {
    return fromStackDir(subject, path.resolve(projectDir, options.stackDir), options);
  }
  if (name === undefined) {
    throw new DeployedOutputsError("which integration? Give a stack name, --stack-dir or --outputs-file.");
  }
  const stackDir = path.join(projectDir, "cdktf.out", "stacks", name);
  if (environments === undefined) {
    if (!fs.existsSync(stackDir)) {
      const others = stacksIn(path.dirname(stackDir));
      throw new DeployedOutputsError(
        `no stack "${name}" in ${path.dirname(stackDir)}` +
          (others.length > 0 ? ` (stacks there: ${others.join(", ")})` : "") +
          ". Synthesize the project first (`cdktf synth`), or give --stack-dir or --outputs-file.",
      );
    }
    return fromStackDir(subject, stackDir, options);
  }
  if (environment === undefined) {
    const known = environments.map((e) => e.name).join(", ") || "(none)";
    throw new DeployedOutputsError(`unknown environment "${name}". Known environments (environments.ts): ${known}.`);
  }
  const backend = environment.backend ?? { type: "local" as const };
  if (backend.type === "local") {
    // The same default as XshieldMdeStack; Terraform resolves it from the stack's folder.
    const statePath = path.resolve(stackDir, backend.path ?? `../../../terraform.${name}.tfstate`);
    return fromStateFile(subject, statePath, prefix);
  }
  return fromTerraformOutput(subject, stackDir, options.terraformCommand ?? "terraform", prefix);
}
