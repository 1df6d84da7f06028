import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformOutput, Testing } from "cdktf";
import { XshieldMdeIntegrationProps } from "../../lib/props";
import { XshieldMdeIntegration } from "../../lib/xshield-mde-integration";
import { OUTPUT_NAMES, XshieldMdeStack } from "../../lib/xshield-mde-stack";
import { VALID_PROPS } from "./synth";

// The client-secret rotation walked month by month: an independent model of the rule, the
// invariants any rotation must keep (checked on the model and on real Terraform state alike),
// and a harness that applies the synthesized configuration with Terraform, every secret replaced
// by a terraform_data stand-in that carries the same ForceNew attributes. Months are numbered
// year × 12 + month − 1.

// ------------------------------------------------------------------ months

export const START = 2026 * 12 + 11 - 1; // November 2026

/** A timestamp in the middle of a month, as plantimestamp() gives one. */
export function midMonth(month: number): string {
  return `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, "0")}-15T10:30:00Z`;
}

/** The month an RFC 3339 date falls in (a secret ending on the first of it is expired in it). */
export function monthOfDate(date: string): number {
  const m = /^(\d{4})-(\d{2})-/.exec(date);
  if (m === null) {
    throw new Error(`not an RFC 3339 date: ${JSON.stringify(date)}`);
  }
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

export function monthStartDate(month: number): string {
  return `${String(Math.floor(month / 12)).padStart(4, "0")}-${String((month % 12) + 1).padStart(2, "0")}-01T00:00:00Z`;
}

// ------------------------------------------------------------------ the model, from the README's words

export interface ModelSlot {
  /** The renewal month (rotate_when_changed.slot_month). */
  readonly month: number;
  /** The month the secret expires at the start of. */
  readonly expiry: number;
}

export interface ModelState {
  readonly a: ModelSlot;
  readonly b: ModelSlot;
  /** The month the last apply announced for the next rotation (0: none yet). */
  readonly announced: number;
}

/** Earlier versions' calendar: slot A due in the months that are multiples of 2R, slot B R months later. */
export function calendarSlot(month: number, rotation: number, slot: "a" | "b"): number {
  const offset = slot === "a" ? 0 : rotation;
  for (let m = month; ; m--) {
    if ((((m - offset) % (2 * rotation)) + 2 * rotation) % (2 * rotation) === 0) {
      return m;
    }
  }
}

/**
 * The first month in which the older slot is renewed: R months after the newest's renewal and
 * not before the announced month; or the month before the older secret expires, or two months
 * before the newest expires, if that comes first; never the newest's own month. Found by
 * searching forward, not by formula.
 */
export function modelDueMonth(s: Pick<ModelState, "a" | "b">, rotation: number, announced: number): number {
  const [newest, older] = s.a.month > s.b.month ? [s.a, s.b] : [s.b, s.a];
  for (let d = newest.month + 1; ; d++) {
    const regular = d >= newest.month + rotation && d >= announced;
    const forced = d >= older.expiry - 1 || d >= newest.expiry - 2;
    if (regular || forced) {
      return d;
    }
  }
}

/** What the first apply writes when nothing is remembered. */
export function modelCalendar(month: number, lifetime: number, rotation: number): ModelState {
  const a = calendarSlot(month, rotation, "a");
  const b = calendarSlot(month, rotation, "b");
  const slots = { a: { month: a, expiry: a + lifetime }, b: { month: b, expiry: b + lifetime } };
  return { ...slots, announced: modelDueMonth(slots, rotation, 0) };
}

/** One apply: renews the older slot from its due month on. */
export function modelApply(s: ModelState, month: number, lifetime: number, rotation: number): { state: ModelState; renewed?: "a" | "b" } {
  if (month < modelDueMonth(s, rotation, s.announced)) {
    return { state: { ...s, announced: modelDueMonth(s, rotation, s.announced) } };
  }
  const renewed = s.a.month > s.b.month ? "b" : "a";
  const slots = { ...s, [renewed]: { month, expiry: month + lifetime } };
  return { state: { a: slots.a, b: slots.b, announced: modelDueMonth(slots, rotation, 0) }, renewed };
}

/** A refresh-only apply changes no secret; the announcement follows the configuration (never earlier). */
export function modelRefresh(s: ModelState, rotation: number): ModelState {
  return { ...s, announced: modelDueMonth(s, rotation, s.announced) };
}

// ------------------------------------------------------------------ the invariants

/** One slot as it is after an apply. */
export interface SlotNow {
  /** Changes exactly when the secret is replaced. */
  readonly id: string;
  readonly month: number;
  readonly endDate: string;
}

/** An integration's secrets and rotation outputs after an apply. */
export interface Snapshot {
  readonly a: SlotNow;
  readonly b: SlotNow;
  readonly outputs: {
    readonly slot: string;
    /** The newest secret's value (a stand-in's id). */
    readonly secret: string;
    readonly expiresAt: string;
    readonly previousExpiresAt: string;
    readonly nextRotationAt: string;
  };
  readonly keyVault?: { readonly value: string; readonly expirationDate: string };
}

/** What the walk knows of each secret since it appeared, and what Xshield uses. */
export class Ledger {
  private readonly born = new Map<string, { month: number; lifetime: number }>();
  /** The secret Xshield uses. */
  public inUse?: string;

  /** Notes the secrets of an apply's result that are new, with the month and the lifetime then configured; then observes it. */
  public record(snapshot: Snapshot, month: number, lifetime: number): void {
    for (const slot of [snapshot.a, snapshot.b]) {
      if (!this.born.has(slot.id)) {
        this.born.set(slot.id, { month, lifetime });
      }
    }
    this.observe(snapshot, month);
  }

  /**
   * The operator, as late as the outputs allow: enters the newest secret in Xshield in the last
   * month before the announced rotation (or at once when the one in use is gone), whether or not
   * an apply runs that month.
   */
  public observe(snapshot: Snapshot, month: number): void {
    const gone = this.inUse !== undefined && this.inUse !== snapshot.a.id && this.inUse !== snapshot.b.id;
    if (this.inUse === undefined || gone || month + 1 >= monthOfDate(snapshot.outputs.nextRotationAt)) {
      this.inUse = snapshot.outputs.secret;
    }
  }

  public bornOf(id: string): { month: number; lifetime: number } | undefined {
    return this.born.get(id);
  }
}

/**
 * Every way an apply (or a refresh-only apply, `refresh`) in `month`, with the lifetime then
 * configured, breaks the rotation's promises, given the integration's state before (undefined:
 * the first apply) and after. The ledger holds when each earlier secret was made, with which
 * lifetime, and which one Xshield uses; it is read, not updated.
 */
export function violations(before: Snapshot | undefined, after: Snapshot, month: number, lifetime: number, ledger: Ledger, refresh = false): string[] {
  const found: string[] = [];
  const at = `month ${month}${refresh ? " (refresh-only)" : ""}`;
  const slots = { a: after.a, b: after.b };
  if (before !== undefined) {
    const replaced = (["a", "b"] as const).filter((s) => before[s].id !== after[s].id);
    if (replaced.length === 2) {
      found.push(`${at}: replaced both secrets in one apply`);
    }
    if (refresh && replaced.length > 0) {
      found.push(`${at}: a refresh-only apply replaced slot ${replaced.join(", ")}`);
    }
    const ids = [after.a.id, after.b.id];
    if (!ids.includes(before.outputs.secret)) {
      found.push(`${at}: deleted the secret that was newest (client_secret before the apply)`);
    }
    if (ledger.inUse !== undefined && !ids.includes(ledger.inUse)) {
      found.push(`${at}: deleted the secret Xshield uses before the rotation date it was told`);
    }
    if (replaced.length > 0 && month < monthOfDate(before.outputs.nextRotationAt)) {
      found.push(`${at}: renewed slot ${replaced.join(", ")} before the announced ${before.outputs.nextRotationAt}`);
    }
  }
  for (const [name, slot] of Object.entries(slots)) {
    const expiry = monthOfDate(slot.endDate);
    // After an apply, a secret must last until the next monthly apply; during a refresh it must not have expired.
    if (expiry < month + (refresh ? 1 : 2)) {
      found.push(`${at}: slot ${name} holds a secret that expires on ${slot.endDate}, before the next monthly apply`);
    }
    const born = ledger.bornOf(slot.id) ?? { month, lifetime };
    if (expiry - born.month > Math.min(born.lifetime, 24) || !(expiry - born.month > 0)) {
      found.push(`${at}: slot ${name}'s secret, made in month ${born.month} with a lifetime of ${born.lifetime}, ends on ${slot.endDate}`);
    }
  }
  if (after.a.month === after.b.month) {
    found.push(`${at}: both slots have the renewal month ${after.a.month}`);
  }
  // The newest secret: the one made last (the ledger knows when), of two made by one apply the one with the later renewal month.
  const made = (slot: SlotNow) => [ledger.bornOf(slot.id)?.month ?? month, slot.month];
  const [aMade, bMade] = [made(after.a), made(after.b)];
  const aIsNewest = aMade[0] > bMade[0] || (aMade[0] === bMade[0] && aMade[1] > bMade[1]);
  const [newest, older] = aIsNewest ? (["a", "b"] as const) : (["b", "a"] as const);
  const o = after.outputs;
  if (o.slot !== newest || o.secret !== after[newest].id || o.expiresAt !== after[newest].endDate || o.previousExpiresAt !== after[older].endDate) {
    found.push(`${at}: the outputs name slot ${o.slot} (expiring ${o.expiresAt}), but the newest secret in state is slot ${newest} (expiring ${after[newest].endDate})`);
  }
  if (!refresh && !(monthOfDate(o.nextRotationAt) > month)) {
    found.push(`${at}: the next rotation is announced for ${o.nextRotationAt}, not after this month`);
  }
  if (after.keyVault !== undefined && (after.keyVault.value !== o.secret || after.keyVault.expirationDate !== o.expiresAt)) {
    found.push(`${at}: the Key Vault copy is not the newest secret`);
  }
  return found;
}

// ------------------------------------------------------------------ the configuration, as the library writes it

/** One integration of a walked stack. */
export interface WalkedIntegration {
  /** Construct id: "integration" for the stack's own, the first. */
  readonly id: string;
  readonly lifetime: number;
  readonly rotation: number;
  readonly keyVault?: boolean;
  /** false: the output that remembers the slots is left out, as in versions before it existed. */
  readonly remembers?: boolean;
}

/** The local state file of the walked stack, relative to its directory. */
export const STATE_FILE = "walk.tfstate";

const KEY_VAULT_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-walk/providers/Microsoft.KeyVault/vaults/kv-walk";

/** The synthesized JSON of a stack with these integrations: the first through XshieldMdeStack (its outputs), the others beside it with the same outputs, suffixed. */
export function synthWalkStack(integrations: readonly WalkedIntegration[]): WrittenJson {
  const props = (i: WalkedIntegration, n: number): XshieldMdeIntegrationProps => ({
    ...VALID_PROPS,
    storageAccountName: `stwalk${n}`,
    resourceGroupName: `rg-walk-${n}`,
    applicationDisplayName: `Xshield walk ${n}`,
    clientSecretExpiryMonths: i.lifetime,
    clientSecretRotationMonths: i.rotation,
    clientSecretKeyVaultId: i.keyVault === true ? KEY_VAULT_ID : undefined,
  });
  const [first, ...rest] = integrations;
  if (first.id !== "integration") {
    throw new Error('the first walked integration is the stack\'s own, "integration"');
  }
  const app = Testing.app();
  const stack = new XshieldMdeStack(app, "walk", { integration: props(first, 0), backend: { type: "local", path: STATE_FILE } });
  rest.forEach((i, n) => {
    const integration = new XshieldMdeIntegration(stack, i.id, props(i, n + 1));
    for (const [attribute, name] of Object.entries(OUTPUT_NAMES) as [keyof typeof OUTPUT_NAMES, string][]) {
      new TerraformOutput(stack, `${name}-${i.id}`, { value: integration[attribute], sensitive: attribute === "clientSecret" ? true : undefined });
    }
  });
  return JSON.parse(Testing.synth(stack)) as WrittenJson;
}

type Json = { [key: string]: unknown };

export interface WrittenJson {
  readonly terraform: Json;
  readonly locals?: Json;
  readonly data?: { [type: string]: { [name: string]: Json } };
  readonly resource: { [type: string]: { [name: string]: Json } };
  readonly output: { [name: string]: Json };
}

/** Where one integration's secrets and outputs are in the stand-in configuration and its state. */
export interface IntegrationNames {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly keyVault?: string;
  readonly memory: string;
  readonly outputs: { readonly slot: string; readonly secret: string; readonly expiresAt: string; readonly previousExpiresAt: string; readonly nextRotationAt: string };
}

/** The attributes of an azuread_application_password that force a new one (azuread v3.7.0 application_password_resource.go), as the stand-in carries them. */
const FORCE_NEW = ["end_date", "rotate_when_changed", "display_name"] as const;
/** What else the construct may write on a password: the application (the same all along) and cdktf's own keys. */
const PASSWORD_KEYS = new Set<string>([...FORCE_NEW, "application_id", "lifecycle", "//"]);

function mapStrings(value: unknown, f: (text: string) => string): unknown {
  if (typeof value === "string") {
    return f(value);
  }
  if (Array.isArray(value)) {
    return value.map((v) => mapStrings(v, f));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Json).filter(([k]) => k !== "//").map(([k, v]) => [k, mapStrings(v, f)]));
  }
  return value;
}

/** A reference to an azure or time element, or a data source other than terraform_remote_state. */
const FOREIGN = /(?:^|[^\w.-])(?:data\.(?!terraform_remote_state)[a-z]\w*|(?:azurerm|azuread|time)_\w+)\.[\w-]+/;

/**
 * The stand-in configuration: every client secret a terraform_data whose triggers_replace holds
 * the password's ForceNew attributes (so it is replaced exactly when the password would be, and
 * its id changes), the Key Vault copy a terraform_data holding what it would store,
 * plantimestamp() read from var.now, and everything else as synthesized: the locals, the
 * terraform_remote_state data source on the stack's own local backend, and the outputs that
 * refer to nothing left out. Fails on anything the stand-in does not model.
 */
export function standIn(json: WrittenJson, integrations: readonly WalkedIntegration[]): { config: Json; names: IntegrationNames[] } {
  const rewrite = (text: string): string =>
    text
      .replace(/plantimestamp\(\)/g, "var.now")
      .replace(/azuread_application_password\.([\w-]+)\.value(?![\w-])/g, "terraform_data.$1.id")
      .replace(/azuread_application_password\.([\w-]+)\.(end_date|rotate_when_changed|display_name)(?![\w-])/g, "terraform_data.$1.triggers_replace.$2")
      .replace(/azurerm_key_vault_secret\.([\w-]+)\.(value|expiration_date)(?![\w-])/g, "terraform_data.$1.input.$2");
  const stands: { [name: string]: Json } = {};
  for (const [name, body] of Object.entries(json.resource.azuread_application_password ?? {})) {
    const unknown = Object.keys(body).filter((k) => !PASSWORD_KEYS.has(k));
    if (unknown.length > 0) {
      throw new Error(`the stand-in does not model ${unknown.join(", ")} of azuread_application_password.${name}`);
    }
    const forceNew = mapStrings(Object.fromEntries(FORCE_NEW.map((k) => [k, body[k]])), rewrite);
    stands[name] = { triggers_replace: forceNew, lifecycle: body.lifecycle };
  }
  for (const [name, body] of Object.entries(json.resource.azurerm_key_vault_secret ?? {})) {
    stands[name] = { input: mapStrings({ value: body.value, expiration_date: body.expiration_date }, rewrite) };
  }
  const locals = mapStrings(json.locals ?? {}, rewrite) as Json;
  const data = { terraform_remote_state: mapStrings(json.data?.terraform_remote_state ?? {}, rewrite) };
  const kept = JSON.stringify({ locals, data, stands });
  const foreign = FOREIGN.exec(kept);
  if (foreign !== null) {
    throw new Error(`the rotation refers to ${foreign[0].trim()}, which the stand-in leaves out`);
  }
  const output = Object.fromEntries(
    Object.entries(mapStrings(json.output, rewrite) as Json).filter(([, body]) => !FOREIGN.test(JSON.stringify(body))),
  );
  const names = integrations.map((i): IntegrationNames => {
    const find = (table: object, part: string) => Object.keys(table).find((n) => n.startsWith(`${i.id}_${part}_`));
    const suffix = i.id === "integration" ? "" : `-${i.id}`;
    const out = (name: string) => `${name}${suffix}`;
    const a = find(stands, "client-secret-a");
    const b = find(stands, "client-secret-b");
    const memory = find(json.output, "secret-rotation-memory");
    if (a === undefined || b === undefined || memory === undefined) {
      throw new Error(`integration ${i.id}: no client secret slots or rotation memory in the synthesized JSON`);
    }
    if (i.remembers === false) {
      delete output[memory];
    }
    const outputs = {
      slot: out(OUTPUT_NAMES.clientSecretSlot),
      secret: out(OUTPUT_NAMES.clientSecret),
      expiresAt: out(OUTPUT_NAMES.clientSecretExpiresAt),
      previousExpiresAt: out(OUTPUT_NAMES.clientSecretPreviousExpiresAt),
      nextRotationAt: out(OUTPUT_NAMES.clientSecretNextRotationAt),
    };
    for (const name of Object.values(outputs)) {
      if (!(name in output)) {
        throw new Error(`integration ${i.id}: the output ${name} refers to something the stand-in leaves out`);
      }
    }
    return { id: i.id, a, b, memory, outputs, keyVault: find(stands, "key-vault-secret") };
  });
  const config = {
    terraform: { backend: json.terraform.backend, required_version: json.terraform.required_version },
    variable: { now: { type: "string" } },
    locals,
    data,
    resource: { terraform_data: stands },
    output,
  };
  return { config, names };
}

// ------------------------------------------------------------------ Terraform

export function terraformAvailable(): boolean {
  const r = spawnSync("terraform", ["version"], { encoding: "utf8", env: terraformEnv() });
  return r.error === undefined && r.status === 0;
}

function terraformEnv(): NodeJS.ProcessEnv {
  return { ...process.env, TF_IN_AUTOMATION: "1", TF_INPUT: "0", TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1" };
}

interface StateFile {
  readonly outputs: { [name: string]: { value: unknown } };
  readonly resources: { mode: string; type: string; name: string; instances: { attributes: Json; deposed?: string }[] }[];
}

/** A Terraform working directory with the stand-in configuration and real local state. */
export class TerraformDir {
  private written = "";
  public workspace = "default";

  public constructor(public readonly dir: string) {}

  public run(args: string[], expectSuccess = true): { status: number | null; output: string } {
    const r = spawnSync("terraform", args, { cwd: this.dir, encoding: "utf8", env: terraformEnv(), timeout: 60_000 });
    const output = `${r.stdout}${r.stderr}`;
    if (expectSuccess && r.status !== 0) {
      throw new Error(`terraform ${args[0]} failed in ${this.workspace}:\n${output}`);
    }
    return { status: r.status, output };
  }

  public write(config: Json): void {
    const text = JSON.stringify(config, null, 1);
    if (text !== this.written) {
      writeFileSync(join(this.dir, "main.tf.json"), text);
      this.written = text;
    }
  }

  public init(): void {
    this.run(["init", "-input=false", "-no-color"]);
  }

  public newWorkspace(name: string): void {
    this.run(["workspace", "new", "-no-color", name]);
    this.workspace = name;
  }

  /** terraform apply (or apply -refresh-only) with plantimestamp() in the middle of `month`. */
  public apply(month: number, options: { refreshOnly?: boolean; expectFailure?: boolean } = {}): string {
    const args = ["apply", "-auto-approve", "-input=false", "-no-color", `-var=now=${midMonth(month)}`];
    if (options.refreshOnly === true) {
      args.push("-refresh-only");
    }
    const r = this.run(args, options.expectFailure !== true);
    if (options.expectFailure === true && r.status === 0) {
      throw new Error(`the apply in month ${month} was meant to fail, and did not`);
    }
    return r.output;
  }

  public state(): StateFile {
    const file = this.workspace === "default" ? STATE_FILE : join("terraform.tfstate.d", this.workspace, "terraform.tfstate");
    const path = join(this.dir, file);
    if (!existsSync(path)) {
      throw new Error(`no state at ${file}`);
    }
    return JSON.parse(readFileSync(path, "utf8")) as StateFile;
  }
}

/** One integration's snapshot from the state file. */
export function snapshotOf(state: StateFile, names: IntegrationNames): Snapshot {
  const attributes = (name: string): Json => {
    const r = state.resources.find((x) => x.mode === "managed" && x.type === "terraform_data" && x.name === name);
    // An apply that fails after a replacement leaves the replaced object deposed, for the next apply to delete.
    const current = r?.instances.filter((i) => i.deposed === undefined) ?? [];
    if (current.length !== 1) {
      throw new Error(`terraform_data.${name} is not in state as one current instance`);
    }
    return current[0].attributes;
  };
  const slot = (name: string): SlotNow => {
    const a = attributes(name);
    // A dynamic attribute is stored with its type: { value, type }.
    const forceNew = (a.triggers_replace as { value: { end_date: string; rotate_when_changed: { slot_month: string } } }).value;
    return { id: String(a.id), month: Number(forceNew.rotate_when_changed.slot_month), endDate: forceNew.end_date };
  };
  const output = (name: string): string => {
    const o = state.outputs[name];
    if (o === undefined) {
      throw new Error(`output ${name} is not in state`);
    }
    return String(o.value);
  };
  const kv = names.keyVault === undefined ? undefined : (attributes(names.keyVault).input as { value: { value: string; expiration_date: string } }).value;
  return {
    a: slot(names.a),
    b: slot(names.b),
    outputs: {
      slot: output(names.outputs.slot),
      secret: output(names.outputs.secret),
      expiresAt: output(names.outputs.expiresAt),
      previousExpiresAt: output(names.outputs.previousExpiresAt),
      nextRotationAt: output(names.outputs.nextRotationAt),
    },
    keyVault: kv === undefined ? undefined : { value: kv.value, expirationDate: kv.expiration_date },
  };
}

// ------------------------------------------------------------------ a walk

/**
 * The model's state after a step: from what the last apply remembered, or from the calendar when
 * it remembered nothing (a first apply, or an earlier version without the memory).
 */
export function modelStep(state: ModelState | undefined, remembered: boolean, integration: WalkedIntegration, month: number, kind: WalkStep["kind"] = "apply"): ModelState {
  const { lifetime, rotation } = integration;
  if (state === undefined) {
    return modelCalendar(month, lifetime, rotation);
  }
  if (kind === "refresh") {
    return modelRefresh(state, rotation);
  }
  return modelApply(remembered ? state : { ...modelCalendar(month, lifetime, rotation), announced: 0 }, month, lifetime, rotation).state;
}

/** One step: an apply (or refresh-only apply) in a month, with each integration's configuration then. */
export interface WalkStep {
  readonly month: number;
  readonly integrations: readonly WalkedIntegration[];
  readonly kind?: "apply" | "refresh" | "failing-apply";
}

export interface WalkResult {
  /** Broken promises, checked on the state (independent of the model). */
  readonly violations: string[];
  /** Where Terraform's result differs from the model's. */
  readonly disagreements: string[];
  /** Per integration, the months a secret was renewed in. */
  readonly renewals: { [id: string]: number[] };
}

/**
 * Applies the steps in order, reading the state after each, checking every integration's
 * secrets and outputs, and comparing them with the model. A failing apply fails through an extra
 * terraform_data that runs after the secrets (it depends on them) and whose provisioner exits 1.
 */
export function walk(tf: TerraformDir, steps: readonly WalkStep[]): WalkResult {
  const found: string[] = [];
  const disagreements: string[] = [];
  const renewals: { [id: string]: number[] } = {};
  const before = new Map<string, Snapshot>();
  const ledgers = new Map<string, Ledger>();
  const models = new Map<string, ModelState>();
  /** Whether the last apply wrote the integration's memory output. */
  const remembered = new Map<string, boolean>();
  const synthesized = new Map<string, WrittenJson>();
  for (const step of steps) {
    const key = JSON.stringify(step.integrations);
    const json = synthesized.get(key) ?? synthWalkStack(step.integrations);
    synthesized.set(key, json);
    const { config, names } = standIn(json, step.integrations);
    const kind = step.kind ?? "apply";
    if (kind === "failing-apply") {
      const passwords = names.flatMap((n) => [`terraform_data.${n.a}`, `terraform_data.${n.b}`]);
      const resources = (config.resource as { terraform_data: Json }).terraform_data;
      resources["walk-failing-step"] = { triggers_replace: "${var.now}", depends_on: passwords, provisioner: [{ "local-exec": { command: "exit 1" } }] };
    }
    tf.write(config);
    tf.apply(step.month, { refreshOnly: kind === "refresh", expectFailure: kind === "failing-apply" });
    const state = tf.state();
    step.integrations.forEach((integration, i) => {
      const id = integration.id;
      const after = snapshotOf(state, names[i]);
      const ledger = ledgers.get(id) ?? new Ledger();
      ledgers.set(id, ledger);
      const previous = before.get(id);
      found.push(...violations(previous, after, step.month, integration.lifetime, ledger, kind === "refresh").map((v) => `${id}: ${v}`));
      ledger.record(after, step.month, integration.lifetime);
      if (previous !== undefined && (previous.a.id !== after.a.id || previous.b.id !== after.b.id)) {
        (renewals[id] ??= []).push(step.month);
      }
      before.set(id, after);

      const expected = modelStep(models.get(id), remembered.get(id) === true, integration, step.month, kind);
      models.set(id, expected);
      if (kind !== "refresh") {
        remembered.set(id, integration.remembers !== false);
      }
      const got = {
        a: { month: after.a.month, expiry: monthOfDate(after.a.endDate) },
        b: { month: after.b.month, expiry: monthOfDate(after.b.endDate) },
        announced: monthOfDate(after.outputs.nextRotationAt),
      };
      if (JSON.stringify(got) !== JSON.stringify(expected)) {
        disagreements.push(`${id}, month ${step.month} (${kind}): Terraform ${JSON.stringify(got)}, the model ${JSON.stringify(expected)}`);
      }
    });
  }
  return { violations: found, disagreements, renewals };
}
