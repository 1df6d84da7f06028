import { join } from "path";
import { Annotations, DataTerraformRemoteStateLocal, ref, TerraformBackend, TerraformLocal, TerraformOutput, TerraformRemoteState, TerraformStack, Token } from "cdktf";
import { Construct } from "constructs";
import { MAX_SECRET_MONTHS } from "./constants";

/**
 * The two-slot client-secret rotation as Terraform expressions. Months are numbered
 * `year × 12 + month − 1`; the clock is `plantimestamp()`, read when Terraform plans.
 *
 * Each slot holds one secret with its renewal month (`rotate_when_changed.slot_month`) and its
 * end date, both ForceNew on `azuread_application_password` (azuread v3.7.0,
 * internal/services/applications/application_password_resource.go): writing either differently
 * replaces that secret. So an apply writes, for every slot, what the slot held after the previous
 * apply, except for the one slot it renews. Terraform gives a configuration no access to a
 * resource's prior values, so the rotation remembers them in a root output of the stack (the
 * slots as stored on the resources, and the announced next rotation) and reads that output back,
 * at plan, from the stack's own state through `terraform_remote_state`. A data source is read
 * before anything changes, so this is no cycle.
 *
 * The rule, applied to what the previous apply left (remembered, or, with nothing remembered,
 * the calendar of earlier versions: slot A in the months that are multiples of 2R, slot B R
 * months later):
 *
 * - the older slot (the lower renewal month) is due R months after the newest was renewed, but
 *   never before the month the previous apply announced (so a new R or E never renews the secret
 *   Xshield may still use before the date it was told), and at the latest in the month before it
 *   expires or two months before the newest expires;
 * - never in the month the newest was renewed in (so a retry in the same month renews nothing
 *   more, and two renewal months never tie);
 * - the first apply in or after the due month renews it: renewal month = this month, end date =
 *   the start of the month E months later. The newest is never written differently.
 *
 * "Newest" in the outputs and the Key Vault copy is read from the secrets themselves (their
 * `rotate_when_changed`), so a refresh-only apply names the secret that exists, not one a later
 * apply would create.
 */

/** What the rotation needs of a client secret resource (an `azuread_application_password`). */
export interface RotatingSecret {
  readonly terraformResourceType: string;
  readonly friendlyUniqueId: string;
  /** The end date as stored on the resource. */
  readonly endDate: string;
  /** The secret's value (sensitive). */
  readonly value: string;
}

/** The schedule of one slot: the attributes its secret must be written with. */
export interface SlotSchedule {
  /** The slot's renewal month after this apply (a local): kept, or this month when it is renewed. */
  readonly month: TerraformLocal;
  /** `end_date` to write: kept as stored, or the start of the month `lifetime` months after this one. */
  readonly endDate: string;
  /** `rotate_when_changed` to write. */
  readonly rotateWhenChanged: { [key: string]: string };
}

/** The newest secret and the next rotation, read from the secrets as they are after the apply. */
export interface RotationOutputs {
  /** `"a"` or `"b"`. */
  readonly slot: string;
  /** The newest secret's value (a sensitive token). */
  readonly secret: string;
  readonly expiresAt: string;
  readonly previousExpiresAt: string;
  /** The first day of the month from which the next apply renews the older secret (RFC 3339). */
  readonly nextRotationAt: string;
}

// The expressions are written as Terraform text: a cdktf token tree as deep as these costs more to
// resolve, at every synthesis, than the rest of the integration together.

/** The first instant (UTC, RFC 3339) of a numbered month. */
function monthStart(month: string): string {
  return `format("%04d-%02d-01T00:00:00Z", floor((${month}) / 12), (${month}) % 12 + 1)`;
}

/** The number of the month an RFC 3339 timestamp falls in. */
function monthOf(timestamp: string): string {
  return `(tonumber(formatdate("YYYY", ${timestamp})) * 12 + tonumber(formatdate("M", ${timestamp})) - 1)`;
}

/** Both slots' renewal months and the months their secrets expire in (at the start of), as expressions. */
interface Slots {
  readonly aMonth: string;
  readonly aExpiry: string;
  readonly bMonth: string;
  readonly bExpiry: string;
}

/** The fields of an object local holding {@link Slots} as `a_month`, `a_expiry`, `b_month`, `b_expiry`. */
function slotsOf(object: string): Slots {
  return { aMonth: `${object}.a_month`, aExpiry: `${object}.a_expiry`, bMonth: `${object}.b_month`, bExpiry: `${object}.b_expiry` };
}

/**
 * The month from which the older slot is due, for slots as they are and the month announced
 * before (0: none). See the rule above.
 */
function dueMonth(s: Slots, rotation: number, announced: string): string {
  const aIsNewest = `${s.aMonth} > ${s.bMonth}`;
  const newest = `max(${s.aMonth}, ${s.bMonth})`;
  const olderExpiry = `(${aIsNewest} ? ${s.bExpiry} : ${s.aExpiry})`;
  const newestExpiry = `(${aIsNewest} ? ${s.aExpiry} : ${s.bExpiry})`;
  return `max(${newest} + 1, min(max(${newest} + ${rotation}, ${announced}), ${olderExpiry} - 1, ${newestExpiry} - 2))`;
}

/** The MD5 of no bytes. */
const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

/** Backends whose state manager creates an empty state for a workspace that has none; `local` is handled apart. */
const NO_EMPTY_STATE = new Set(["remote", "http"]);

/**
 * The rotation of an integration's two client secrets. Its elements (locals, the remote-state
 * data source, the output that remembers the slots) are created in the given scope, the
 * integration, when it is constructed.
 */
export class SecretRotation {
  /** This month's number, from `plantimestamp()`. */
  public readonly month: TerraformLocal;
  public readonly slotA: SlotSchedule;
  public readonly slotB: SlotSchedule;
  /** Reads the remembered slots back from the stack's own state. */
  public readonly memoryRead: TerraformRemoteState;
  /** The root output the next plan reads: each slot as stored on its secret, and the announced next rotation. */
  public readonly memory: TerraformOutput;
  /** Every local of the schedule with its expression, as written at construction (what the guard expects). */
  public readonly schedule: { readonly local: TerraformLocal; readonly expression: unknown }[] = [];

  private readonly scope: Construct;
  private readonly rotation: number;
  /** `local.<name>` of the slots as the previous apply left them. */
  private readonly previous: string;

  public constructor(scope: Construct, options: { readonly lifetimeMonths: number; readonly rotationMonths: number }) {
    this.scope = scope;
    const rotation = options.rotationMonths;
    const lifetime = options.lifetimeMonths;
    this.rotation = rotation;

    this.month = this.local("secret-month", '${(((tonumber(formatdate("YYYY", plantimestamp())) * 12) + tonumber(formatdate("M", plantimestamp()))) - 1)}');
    const month = `local.${this.month.friendlyUniqueId}`;

    // The output is made first so that its name is known to the expression that reads it back;
    // its value (which refers to the secrets) is set by follow().
    this.memory = new TerraformOutput(scope, "secret-rotation-memory", {
      value: {},
      description:
        "The client-secret rotation's memory (each slot's renewal month and end date as stored on its secret, and the next rotation month): the next plan of this stack reads it back from its own state. Not a value for Xshield.",
    });
    this.memoryRead = rememberedState(scope);
    // One element, or none (a local backend before its first apply): [*] and one() read both.
    const recalled = this.local(
      "secret-rotation-recalled",
      `\${try(one(data.terraform_remote_state.${this.memoryRead.friendlyUniqueId}[*].outputs.${this.memory.friendlyUniqueId}), null)}`,
    );
    const r = `local.${recalled.friendlyUniqueId}`;
    const remembered = this.local(
      "secret-rotation-remembered",
      `\${try({ a_month = tonumber(${r}.a.slot_month), a_end_date = tostring(${r}.a.end_date), a_expiry = ${monthOf(`${r}.a.end_date`)}, ` +
        `b_month = tonumber(${r}.b.slot_month), b_end_date = tostring(${r}.b.end_date), b_expiry = ${monthOf(`${r}.b.end_date`)}, ` +
        `next_rotation_month = tonumber(${r}.next_rotation_month) }, null)}`,
    );
    // What earlier versions wrote, and what a first deploy starts from.
    const calendarA = `${month} - ${month} % ${2 * rotation}`;
    const calendarB = `${month} - (${month} - ${rotation}) % ${2 * rotation}`;
    const calendar = this.local("secret-rotation-calendar", {
      a_month: `\${${calendarA}}`,
      a_end_date: `\${${monthStart(`${calendarA} + ${lifetime}`)}}`,
      a_expiry: `\${${calendarA} + ${lifetime}}`,
      b_month: `\${${calendarB}}`,
      b_end_date: `\${${monthStart(`${calendarB} + ${lifetime}`)}}`,
      b_expiry: `\${${calendarB} + ${lifetime}}`,
      next_rotation_month: 0,
    });
    // Remembered slots are used only when they are ones this rotation can have written: two
    // different renewal months, none in the future, each secret ending after its month and at
    // most 24 months after it. So no apply writes an end date more than 24 months ahead.
    const m = `local.${remembered.friendlyUniqueId}`;
    const plausible = [
      `${m}.a_month != ${m}.b_month`,
      `${m}.a_month <= ${month}`,
      `${m}.b_month <= ${month}`,
      `${m}.a_expiry > ${m}.a_month`,
      `${m}.b_expiry > ${m}.b_month`,
      `${m}.a_expiry <= ${m}.a_month + ${MAX_SECRET_MONTHS}`,
      `${m}.b_expiry <= ${m}.b_month + ${MAX_SECRET_MONTHS}`,
    ].join(" && ");
    const previous = this.local("secret-rotation-previous", `\${try(${plausible}, false) ? ${m} : local.${calendar.friendlyUniqueId}}`);
    const p = `local.${previous.friendlyUniqueId}`;
    this.previous = p;
    const renewal = this.local(
      "secret-rotation-renewal",
      `\${${month} >= ${dueMonth(slotsOf(p), rotation, `${p}.next_rotation_month`)} ? (${p}.a_month > ${p}.b_month ? "b" : "a") : "none"}`,
    );
    const renewed = (s: "a" | "b") => `local.${renewal.friendlyUniqueId} == "${s}"`;
    const schedule = (s: "a" | "b", id: string): SlotSchedule => {
      const slotMonth = this.local(id, `\${${renewed(s)} ? ${month} : ${p}.${s}_month}`);
      return {
        month: slotMonth,
        endDate: `\${${renewed(s)} ? ${monthStart(`${month} + ${lifetime}`)} : ${p}.${s}_end_date}`,
        rotateWhenChanged: { slot_month: `\${tostring(local.${slotMonth.friendlyUniqueId})}` },
      };
    };
    this.slotA = schedule("a", "secret-slot-a-month");
    this.slotB = schedule("b", "secret-slot-b-month");
  }

  /**
   * The newest secret and the next rotation, from the two secrets as they are after the apply;
   * also sets what the memory output remembers of them.
   */
  public follow(a: RotatingSecret, b: RotatingSecret): RotationOutputs {
    const address = (secret: RotatingSecret) => `${secret.terraformResourceType}.${secret.friendlyUniqueId}`;
    const slotMonth = (secret: RotatingSecret) => `${address(secret)}.rotate_when_changed.slot_month`;
    const endDate = (secret: RotatingSecret) => `${address(secret)}.end_date`;
    const slots = this.local("secret-slots", {
      a_month: `\${tonumber(${slotMonth(a)})}`,
      a_expiry: `\${${monthOf(endDate(a))}}`,
      b_month: `\${tonumber(${slotMonth(b)})}`,
      b_expiry: `\${${monthOf(endDate(b))}}`,
    });
    const s = `local.${slots.friendlyUniqueId}`;
    const p = this.previous;
    // The announcement holds while the newest secret is the one it was made for.
    const announced = `(max(${s}.a_month, ${s}.b_month) == max(${p}.a_month, ${p}.b_month) ? ${p}.next_rotation_month : 0)`;
    const next = this.local("secret-rotation-next", {
      a_is_newest: `\${${s}.a_month > ${s}.b_month}`,
      next_rotation_month: `\${${dueMonth(slotsOf(s), this.rotation, announced)}}`,
    });
    const n = `local.${next.friendlyUniqueId}`;
    this.memory.value = {
      a: { slot_month: `\${${slotMonth(a)}}`, end_date: `\${${endDate(a)}}` },
      b: { slot_month: `\${${slotMonth(b)}}`, end_date: `\${${endDate(b)}}` },
      next_rotation_month: `\${${n}.next_rotation_month}`,
    };
    // Tokens, so that the attributes work wherever a cdktf token does.
    const stack = TerraformStack.of(this.scope);
    // One reference each (cheap to resolve, and cdktf carries it to another stack as any reference),
    // to an expression written as Terraform text.
    const expression = (text: string): string => Token.asString(ref(text, stack));
    const attribute = (secret: RotatingSecret, name: string) => `${address(secret)}.${name}`;
    const newest = (ifA: string, ifB: string): string => expression(`${n}.a_is_newest ? ${ifA} : ${ifB}`);
    const month = `${n}.next_rotation_month`;
    return {
      slot: newest('"a"', '"b"'),
      secret: newest(attribute(a, "value"), attribute(b, "value")),
      expiresAt: newest(attribute(a, "end_date"), attribute(b, "end_date")),
      previousExpiresAt: newest(attribute(b, "end_date"), attribute(a, "end_date")),
      nextRotationAt: expression(`format("%04d-%02d-01T00:00:00Z", floor((${month} / 12)), ((${month} % 12) + 1))`),
    };
  }

  private local(id: string, expression: unknown): TerraformLocal {
    const created = new TerraformLocal(this.scope, id, expression);
    this.schedule.push({ local: created, expression });
    return created;
  }
}

/**
 * A `terraform_remote_state` data source on the stack's own backend and workspace (cdktf makes
 * one for any backend). A stack with no backend yet gets cdktf's default local one, as it would at
 * synthesis, but none is added now: a backend declared later would clash with it. The read and
 * the backend the stack finally writes are compared at synthesis ({@link selfStateProblem}).
 */
function rememberedState(scope: Construct): TerraformRemoteState {
  const stack = TerraformStack.of(scope);
  const id = "secret-rotation-memory-read";
  const backend = stack.node.findAll().find((c): c is TerraformBackend => TerraformBackend.isBackend(c));
  let read: TerraformRemoteState;
  try {
    read =
      backend === undefined
        ? // cdktf's LocalBackend default: terraform.<stack>.tfstate in the folder cdktf runs from.
          new DataTerraformRemoteStateLocal(scope, id, { path: join(process.cwd(), `terraform.${stack.node.id}.tfstate`), workspace: "${terraform.workspace}" })
        : backend.getRemoteStateDataSource(scope, id, stack.node.id);
  } catch (error) {
    throw new Error(
      `XshieldMdeIntegration "${scope.node.path}": the client-secret rotation reads the stack's own state through terraform_remote_state, and cdktf cannot make that data source for this backend: ${String(error)}`,
    );
  }
  const written = (read.toTerraform() as { data: { terraform_remote_state: { [name: string]: { backend: string; config: { path?: string; workspace_dir?: string } } } } })
    .data.terraform_remote_state[read.friendlyUniqueId];
  if (written.backend === "local") {
    // The local backend's state file has content only after the first apply (a plan's lock
    // creates it empty: terraform internal/states/statemgr/filesystem.go, Lock), and
    // terraform_remote_state fails on a missing state ("Unable to find remote state",
    // internal/builtin/providers/terraform/data_source_state.go).
    // Where the file is: the backend's path in the default workspace, else
    // <workspace_dir>/<workspace>/terraform.tfstate (internal/backend/local/backend.go, StatePaths;
    // workspace_dir defaults to terraform.tfstate.d). Relative paths are read from the working
    // directory, as the backend reads them.
    const workspaceDir = written.config.workspace_dir ?? "terraform.tfstate.d";
    const statePath = `(terraform.workspace == "default") ? ${JSON.stringify(written.config.path ?? "terraform.tfstate")} : format("%s/%s/terraform.tfstate", ${JSON.stringify(workspaceDir)}, terraform.workspace)`;
    // Whether it has content, by its hash, so that the state (which holds the secrets) is never a
    // value in an expression: an empty file, or none, hashes as the empty string does. Written as
    // Terraform text, as the schedule is: a tree of cdktf tokens costs more to resolve.
    const hash = `try(filemd5(${statePath}), "${EMPTY_MD5}")`;
    read.addOverride("count", `\${(${hash} != "${EMPTY_MD5}") ? 1 : 0}`);
  } else if (NO_EMPTY_STATE.has(written.backend)) {
    // Most backends create an empty state when a workspace has none (azurerm, s3, gcs, …:
    // StateMgr in internal/backend/remote-state/*/backend_state.go); these do not.
    Annotations.of(scope).addWarning(
      `The client-secret rotation reads this stack's state through terraform_remote_state; with a "${written.backend}" backend the first plan of a workspace that has no state yet fails ("Unable to find remote state"). ` +
        "Create the state once with a targeted apply that does not read it (terraform apply -target=<the integration's azuread_application>), then apply as usual.",
    );
  }
  return read;
}

type Json = { readonly [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Whether the rotation's memory is read from the state the stack writes to: the written
 * `terraform_remote_state` must name the written backend's type and every setting of it (the
 * read may add its own: `workspace`, and for a local backend nothing else). Undefined when it does;
 * else what differs, for the message. A backend declared after the integration, or replaced with
 * an override, reads another state: the memory is lost and the calendar may renew both secrets.
 */
export function selfStateProblem(json: Json, readName: string): string | undefined {
  const reads = isObject(json.data) && isObject(json.data.terraform_remote_state) ? json.data.terraform_remote_state : {};
  const read = reads[readName];
  if (!isObject(read)) {
    return undefined; // not written at all: the guard reports the missing element
  }
  const terraform = isObject(json.terraform) ? json.terraform : {};
  // HCP Terraform's cloud block is read through the remote backend (cdktf's CloudBackend does so).
  const backends = [...(isObject(terraform.backend) ? Object.entries(terraform.backend) : []), ...(isObject(terraform.cloud) ? [["remote", terraform.cloud] as const] : [])];
  if (backends.length > 1) {
    return `reads ${JSON.stringify(read.backend)}, but the stack writes ${backends.length} backends (${backends.map(([t]) => t).join(", ")}), which Terraform refuses; keep the one backend the stack declares.`;
  }
  // None written: Terraform's default, local state.
  const [type, settings] = backends.length === 1 ? backends[0] : ["local", {}];
  const config = isObject(read.config) ? read.config : {};
  const written = isObject(settings) ? settings : {};
  const differs = read.backend !== type || Object.entries(written).some(([key, value]) => JSON.stringify(config[key]) !== JSON.stringify(value));
  if (!differs) {
    return undefined;
  }
  const shown = (t: unknown, c: unknown) => `${JSON.stringify(t)} ${JSON.stringify(c)}`;
  return (
    `reads ${shown(read.backend, config)}, but the stack writes its state to ${shown(type, written)}, so the rotation would lose what it remembers ` +
    "and could renew both client secrets. Declare the stack's backend before the integration (and change it only through the backend construct)."
  );
}
