/**
 * What the "echoed secret" tests need: the ways a secret can be written in text that came back
 * from a server, a long description to put before it, and a leak finder that never prints what it
 * finds (a failing test must not put the secret in the test output either).
 */

/**
 * A way a server may write a secret it echoes; `encode` turns the secret into that text (some
 * also use the client id the secret was sent with).
 */
export interface SecretEncoding {
  readonly name: string;
  readonly encode: (secret: string, clientId?: string) => string;
}

const FORM = (secret: string): string => new URLSearchParams({ s: secret }).toString().slice("s=".length);

/** Every non-alphanumeric UTF-16 unit as `\uXXXX`, as .NET's System.Text.Json and others escape. */
const JSON_UNICODE = (text: string, upper: boolean): string =>
  text.replace(/[^A-Za-z0-9]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, "0");
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });

/** The encodings the scrubber must see through. */
export const SECRET_ENCODINGS: readonly SecretEncoding[] = [
  { name: "as typed", encode: (s) => s },
  { name: "encodeURIComponent", encode: (s) => encodeURIComponent(s) },
  // application/x-www-form-urlencoded (URLSearchParams): space as +, ~ as %7E
  { name: "form-encoded", encode: FORM },
  { name: "form-encoded, lower-case hex", encode: (s) => FORM(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) },
  // Inside a JSON string: \" and \\ (and JSON.stringify's \u escapes of control characters)
  { name: "JSON-escaped", encode: (s) => JSON.stringify(s).slice(1, -1) },
  { name: "JSON \\u-escaped (upper-case hex)", encode: (s) => JSON_UNICODE(s, true) },
  { name: "JSON \\u-escaped (lower-case hex)", encode: (s) => JSON_UNICODE(s, false) },
  // A form body quoted inside JSON by an encoder that escapes + and %
  { name: "form-encoded inside JSON", encode: (s) => FORM(s).replace(/[+%]/g, (c) => JSON_UNICODE(c, true)) },
  { name: "XML-escaped", encode: (s) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/~/g, "&#126;") },
];

/**
 * Encodings no scrubber is asked to know: verify prints no server text at all, so none of these
 * may reach what it prints either.
 */
export const UNSCRUBBED_ENCODINGS: readonly SecretEncoding[] = [
  { name: "base64", encode: (s) => Buffer.from(s, "utf8").toString("base64") },
  // What an HTTP Basic Authorization header carries, echoed by a proxy.
  { name: "base64 of client_id:secret", encode: (s, clientId = "") => Buffer.from(`${clientId}:${s}`, "utf8").toString("base64") },
  { name: "hex", encode: (s) => Buffer.from(s, "utf8").toString("hex") },
  { name: "URL-encoded twice", encode: (s) => encodeURIComponent(encodeURIComponent(s)) },
  { name: "upper-cased", encode: (s) => s.toUpperCase() },
  { name: "reversed", encode: (s) => [...s].reverse().join("") },
];

const FILLER =
  "The request was refused by the upstream authentication service because the credentials presented with it could not " +
  "be validated against the registered application; this text is deliberately long, as some gateways and proxies write " +
  "whole paragraphs, and it runs on past the point where one-line summaries are shortened, before it finally quotes " +
  "the value it received, which was: ";

/** The words every {@link longDescription} starts with: printed, they would be a server's text. */
export const DESCRIPTION_START = FILLER.slice(0, 60);

/** `length` characters of plain description on one line (no newline), e.g. to put before an echoed secret. */
export function longDescription(length: number): string {
  let text = "";
  while (text.length < length) text += FILLER;
  return text.slice(0, length);
}

/** Fragments shorter than this may be printed (they could be anything); from this length on, none may. */
export const MIN_LEAK_LENGTH = 8;

/**
 * Where `text` holds a piece of `secret` at least {@link MIN_LEAK_LENGTH} characters long, in any
 * of the {@link SECRET_ENCODINGS} and {@link UNSCRUBBED_ENCODINGS} (with `clientId` for the one
 * that needs it) or as written into a JSON string. Each entry names the encoding and the offset of
 * the piece within the secret, never the piece: safe to print in a failing test.
 */
export function secretLeaks(text: string, secret: string, clientId?: string): string[] {
  const forms = new Map<string, string>();
  for (const { name, encode } of [...SECRET_ENCODINGS, ...UNSCRUBBED_ENCODINGS]) {
    forms.set(name, encode(secret, clientId));
    forms.set(`${name}, then JSON-escaped`, JSON.stringify(encode(secret, clientId)).slice(1, -1));
  }
  const leaks: string[] = [];
  for (const [name, form] of forms) {
    for (let i = 0; i + MIN_LEAK_LENGTH <= form.length; i++) {
      if (text.includes(form.slice(i, i + MIN_LEAK_LENGTH))) {
        leaks.push(`${MIN_LEAK_LENGTH} characters of the secret (${name}) from offset ${i}`);
        break;
      }
    }
  }
  return leaks;
}
