/**
 * Reads the outputs of a deployed environment: the values Xshield and Defender ask for.
 *
 * Sources, first match wins:
 * 1. `outputsFile`: the file `cdktf deploy <env> --outputs-file <f>
 *    --outputs-file-include-sensitive-outputs` writes (`{ "<stack>": { "<output>": value } }`).
 * 2. A local backend's state file: `terraform.<env>.tfstate` in the project folder, or the
 *    environment's own `backend.path`, relative to `cdktf.out/stacks/<env>/` like Terraform reads it.
 * 3. For a remote backend: `terraform output -json` in `cdktf.out/stacks/<env>/` (initialised by
 *    `cdktf deploy`).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ENVIRONMENTS } from "../environments";
import type { EnvironmentConfig } from "../lib/app";
import { OUTPUT_NAMES } from "../lib/xshield-mde-stack";

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
   * The project folder (holds `cdktf.json`, `cdktf.out/` and local state files).
   *
   * @default process.cwd()
   */
  projectDir?: string;
  /** A `cdktf deploy --outputs-file` JSON file; read instead of state when given. */
  outputsFile?: string;
  /**
   * The environments to look the name up in.
   *
   * @default ENVIRONMENTS from environments.ts
   */
  environments?: readonly EnvironmentConfig[];
  /**
   * The terraform binary run for remote-backend environments.
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

function deployHint(env: string): string {
  return `Run \`npx cdktf deploy ${env}\` first (it needs Azure credentials; see the README).`;
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

/**
 * Unwraps `{ value, type, sensitive }` entries (Terraform state and `terraform output -json`) to
 * their values; plain values (the cdktf outputs file) pass through.
 */
function unwrap(outputs: JsonObject): JsonObject {
  return Object.fromEntries(
    Object.entries(outputs).map(([name, entry]) => [name, isObject(entry) && "value" in entry ? entry.value : entry]),
  );
}

/** Looks up an output by its Terraform name, accepting the camelCase spelling too. */
function lookup(values: JsonObject, key: OutputKey): unknown {
  const name = OUTPUT_NAMES[key];
  return name in values ? values[name] : values[key];
}

function toOutputs(env: string, values: JsonObject, source: string, sensitiveHint: string): DeployedOutputs {
  const missing = REQUIRED.filter((key) => typeof lookup(values, key) !== "string" || lookup(values, key) === "");
  if (missing.length > 0) {
    const names = missing.map((key) => OUTPUT_NAMES[key]);
    const onlySecret = missing.length === 1 && missing[0] === "clientSecret";
    const why = onlySecret
      ? sensitiveHint
      : `The deployment predates these outputs or failed half-way: run \`npx cdktf deploy ${env}\` again.`;
    throw new DeployedOutputsError(
      `environment "${env}": output ${names.map((n) => `"${n}"`).join(", ")} missing in ${source}. ${why}`,
    );
  }
  const optional = (key: "clientSecretExpiresAt" | "clientSecretPreviousExpiresAt" | "clientSecretNextRotationAt" | "clientSecretSlot") => {
    const value = lookup(values, key);
    return typeof value === "string" && value !== "" ? { [key]: value } : {};
  };
  return {
    tenantId: lookup(values, "tenantId") as string,
    clientId: lookup(values, "clientId") as string,
    clientSecret: lookup(values, "clientSecret") as string,
    storageAccountName: lookup(values, "storageAccountName") as string,
    queueName: lookup(values, "queueName") as string,
    storageAccountId: lookup(values, "storageAccountId") as string,
    ...optional("clientSecretExpiresAt"),
    ...optional("clientSecretPreviousExpiresAt"),
    ...optional("clientSecretNextRotationAt"),
    ...optional("clientSecretSlot"),
    source,
  };
}

function fromOutputsFile(env: string, file: string): DeployedOutputs {
  const data = readJson(file, "outputs file");
  if (!isObject(data)) {
    throw new DeployedOutputsError(`outputs file ${file} does not hold a JSON object.`);
  }
  let values: JsonObject;
  if (isObject(data[env])) {
    // cdktf: { "<stack>": { "<output>": value } }
    values = unwrap(data[env] as JsonObject);
  } else if (Object.values(OUTPUT_NAMES).some((name) => name in data)) {
    // A single stack's outputs at the top (older cdktf, or `terraform output -json > file`).
    values = unwrap(data);
  } else {
    const stacks = Object.keys(data).filter((k) => isObject(data[k]));
    throw new DeployedOutputsError(
      `outputs file ${file} has no outputs of environment "${env}"` +
        (stacks.length > 0 ? ` (it has: ${stacks.join(", ")}).` : " (it is empty).") +
        ` Write it with: npx cdktf deploy ${env} --outputs-file <file> --outputs-file-include-sensitive-outputs`,
    );
  }
  return toOutputs(
    env,
    values,
    file,
    `cdktf leaves sensitive outputs out unless asked: deploy with --outputs-file-include-sensitive-outputs.`,
  );
}

function fromStateFile(env: string, file: string): DeployedOutputs {
  if (!fs.existsSync(file)) {
    throw new DeployedOutputsError(
      `environment "${env}" is not deployed: no state file at ${file}. ${deployHint(env)}`,
    );
  }
  const state = readJson(file, "state file");
  const outputs = isObject(state) && isObject(state.outputs) ? state.outputs : undefined;
  if (outputs === undefined || Object.keys(outputs).length === 0) {
    throw new DeployedOutputsError(
      `environment "${env}" is not deployed: ${file} holds no outputs (never applied, or destroyed). ${deployHint(env)}`,
    );
  }
  return toOutputs(
    env,
    unwrap(outputs),
    file,
    "The state holds every output, sensitive ones included; it is probably from an older version of this project.",
  );
}

function fromTerraformOutput(env: string, stackDir: string, terraform: string): DeployedOutputs {
  const command = `terraform output -json (in ${stackDir})`;
  if (!fs.existsSync(path.join(stackDir, ".terraform"))) {
    throw new DeployedOutputsError(
      `environment "${env}" keeps its state in a remote backend, and ${stackDir} is not initialised. ` +
        `${deployHint(env)} If it is deployed already, run \`npx cdktf synth\` and then ` +
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
        ? `environment "${env}" keeps its state in a remote backend; reading it needs terraform on PATH.`
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
    throw new DeployedOutputsError(`environment "${env}" is not deployed: its remote state holds no outputs. ${deployHint(env)}`);
  }
  return toOutputs(env, unwrap(outputs), command, "terraform output -json includes sensitive values; check the state.");
}

/**
 * Reads the outputs of environment `env`.
 *
 * @throws DeployedOutputsError when the environment is unknown, not deployed, or an output is missing
 */
export function readDeployedOutputs(env: string, options: ReadDeployedOutputsOptions = {}): DeployedOutputs {
  const environments = options.environments ?? ENVIRONMENTS;
  const environment = environments.find((e) => e.name === env);
  if (environment === undefined) {
    const known = environments.map((e) => e.name).join(", ") || "(none)";
    throw new DeployedOutputsError(`unknown environment "${env}". Known environments (environments.ts): ${known}.`);
  }
  const projectDir = path.resolve(options.projectDir ?? process.cwd());
  if (options.outputsFile !== undefined) {
    return fromOutputsFile(env, path.resolve(projectDir, options.outputsFile));
  }
  const stackDir = path.join(projectDir, "cdktf.out", "stacks", env);
  const backend = environment.backend ?? { type: "local" as const };
  if (backend.type === "local") {
    // The same default as XshieldMdeStack; Terraform resolves it from the stack's folder.
    const statePath = path.resolve(stackDir, backend.path ?? `../../../terraform.${env}.tfstate`);
    return fromStateFile(env, statePath);
  }
  return fromTerraformOutput(env, stackDir, options.terraformCommand ?? "terraform");
}
