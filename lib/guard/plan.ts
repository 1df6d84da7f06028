import type { BaselineException, BaselineRule } from "../props";
import type { ElementKind } from "./elements";

/**
 * The plan: what one integration made, fixed when it was built. The guard compares the JSON a stack
 * finally writes with it; nothing in it is read back from objects anyone can change later.
 */

/** One element the construct made, with the body it planned for it. */
export interface OwnElement {
  /** Its key in the written JSON (see `elementsOf`): `resource.<type>.<name>`, `local.<name>`, … */
  readonly key: string;
  readonly kind: ElementKind;
  /** A resource's or data source's type; the kind for the others (`local`, `output`, `removed`). */
  readonly type: string;
  /** What it is, in words: `the integration's storage account`. */
  readonly role: string;
  /** Its construct path. */
  readonly constructPath: string;
  /**
   * The planned body: what the construct wrote, every token resolved when it was built, cdktf's
   * `//` metadata left out. For a `removed` block, the block.
   */
  readonly body: unknown;
  /**
   * The attributes that hold the client secret (a password's `value`, the vault copy's `value`).
   * A reference to the whole element carries them too.
   */
  readonly secretAttributes: readonly string[];
  /**
   * When the plan was taken from a cdktf element: whether that element, as it is now, writes
   * exactly what it did when the plan was taken (see `captureElement`). Then the written body is
   * the planned one, and need not be compared.
   */
  readonly unchanged?: (written: { readonly [key: string]: unknown }) => boolean;
}

/** A prop given as a Terraform token: how it resolved when the construct was built, and now. */
export interface PlannedToken {
  /** The prop, as the user wrote it (`allowedIpRanges[0]`). */
  readonly prop: string;
  readonly resolved: string;
  /** Resolves the same token again (in the stack, at synthesis). */
  readonly resolveNow: () => string;
}

/** Everything one integration planned. */
export interface GuardPlan {
  /** The integration's construct path, for messages. */
  readonly subject: string;
  readonly elements: readonly OwnElement[];
  /**
   * Names another element can spell out instead of referring: the storage account's (unique in
   * Azure), the resource group's when the construct creates it, and the application's display name
   * (looked for in Entra data sources and Microsoft Graph calls only: display names are not unique).
   */
  readonly names: {
    readonly storageAccount?: string;
    readonly resourceGroup?: string;
    readonly applicationDisplayName?: string;
  };
  /**
   * The construct's expressions for the newest client secret, as written: a sensitive output of
   * exactly one of them (or of one secret's `value`) is not a copy of the secret.
   */
  readonly secretExpressions: readonly string[];
  /** Props given as tokens. */
  readonly tokens: readonly PlannedToken[];
  /** The reviewed exceptions, as given when the construct was built. */
  readonly exceptions: readonly BaselineException[];
}

/** One broken rule: which rule, where in the JSON, what is wrong, and which element breaks it. */
export interface BaselineViolation {
  readonly rule: BaselineRule;
  /** The JSON path (`resource.azurerm_storage_account.x.min_tls_version`). */
  readonly path: string;
  /** What is wrong there, read after the path: `is "TLS1_0"; the baseline requires "TLS1_2" or "TLS1_3".` */
  readonly message: string;
  /** The element that breaks it: its key, and its construct path when cdktf wrote one. */
  readonly element: { readonly key: string; readonly constructPath?: string; readonly own: boolean };
}

/** Freezes a value and everything in it (plain objects and arrays; functions and other objects are left as they are). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (Array.isArray(value) || proto === Object.prototype || proto === null) {
      Object.freeze(value);
      for (const item of Object.values(value as object)) {
        deepFreeze(item);
      }
    }
  }
  return value;
}

/** The Terraform address a reference uses for an element key (`azurerm_storage_account.x`, `data.t.n`, `local.n`). */
export function referenceOf(key: string): string {
  if (key.startsWith("resource.")) {
    return key.slice("resource.".length);
  }
  if (key.startsWith("variable.")) {
    return `var.${key.slice("variable.".length)}`;
  }
  return key;
}
