/**
 * The expression reader: what a string of Terraform's JSON syntax refers to, as Terraform reads it.
 *
 * In Terraform's JSON syntax every string in an expression position is a template: literal text,
 * `${ … }` interpolations and `%{ … }` directives, with `$${` and `%%{` standing for the literal
 * characters. An interpolation holds an HCL expression: references (`azurerm_storage_account.x.id`,
 * `data.t.n.attr`, `local.n`, `var.n`, `module.m.out`), index and splat forms (`x["value"]`, `x[0]`,
 * `x[*].y`, `x.*.y`), function calls, operators, conditionals, `for` expressions, nested string
 * templates and heredocs, and comments (`#`, `//`, `/* … *\/`). This module tokenizes all of that
 * (no regular expression over fragments), and returns:
 *
 * - every traversal, with the names of its steps (a step that is not a plain name — a number, a
 *   splat, a computed index — is `null`, and so is everything after it);
 * - the text with constant parts folded: literal text, string literals, and the results of a few
 *   pure string functions of constants (`lower("ST")`, `join("", ["st", "x"])`, `format(…)`) or of
 *   constant locals and variable defaults the caller supplies; anything else is a hole
 *   ({@link HOLE}), so a name split across a value only Terraform knows is not put together.
 *
 * Text that cannot be read to its end (an unterminated string or interpolation) is reported as not
 * complete; its tokens up to there are still scanned for references.
 */

/** A step of a traversal after its root: a name, or `null` for any other kind of step. */
export type Step = string | null;

/** A reference as written: its root name and its steps (`a.b["c"][0]` is `a` with `["b", "c", null]`). */
export interface Traversal {
  readonly root: string;
  readonly steps: readonly Step[];
}

/** What one template string refers to, calls and spells out. */
export interface TemplateReading {
  readonly traversals: readonly Traversal[];
  /** The names of the functions it calls (provider functions as `provider::ns::name`). */
  readonly functions: readonly string[];
  /** Literal text and folded constants, with {@link HOLE} where a value is not constant. */
  readonly folded: string;
  /** False when the text ended inside an interpolation, string or comment. */
  readonly complete: boolean;
}

/** Stands for a value only Terraform can compute, in folded text. */
export const HOLE = "\u0000";

/** A constant value, as far as folding goes. */
export type Constant = string | number | boolean | null | readonly Constant[];

/**
 * Supplies the constant value of `local.<name>` or `var.<name>` (a variable's literal default), or
 * `undefined` when it is not constant.
 */
export type ConstantLookup = (traversal: Traversal) => Constant | undefined;

// ------------------------------------------------------------------------------------ tokens

type TokenKind = "ident" | "number" | "string" | "punct" | "end";

interface Token {
  readonly kind: TokenKind;
  /** Identifier or punctuation text; a number's text. */
  readonly text: string;
  /** For strings and heredocs: the template's parts. */
  readonly template?: Template;
}

/** A template: literal text and interpolated expressions (as token lists), in order. */
interface Template {
  readonly parts: readonly (string | readonly Token[])[];
}

const PUNCTUATION = ["...", "=>", "==", "!=", "<=", ">=", "&&", "||", "::", "{", "}", "[", "]", "(", ")", ",", ".", ":", "?", "=", "!", "<", ">", "+", "-", "*", "/", "%"];

const isIdentStart = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
const isIdentPart = (c: string): boolean => isIdentStart(c) || (c >= "0" && c <= "9") || c === "-";
const isDigit = (c: string): boolean => c >= "0" && c <= "9";

/** Reads text character by character; shared by the template and expression lexers. */
class Reader {
  public pos = 0;
  public complete = true;

  public constructor(public readonly text: string) {}

  public get done(): boolean {
    return this.pos >= this.text.length;
  }

  public peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  public startsWith(s: string): boolean {
    return this.text.startsWith(s, this.pos);
  }
}

/**
 * Reads a template until `terminator` (`"` for a quoted string) or the end of the text; the
 * reader stops after the terminator.
 */
function readTemplateParts(r: Reader, terminator: '"' | undefined, heredocEnd?: string): Template {
  const parts: (string | Token[])[] = [];
  let literal = "";
  const flush = () => {
    if (literal !== "") {
      parts.push(literal);
      literal = "";
    }
  };
  while (!r.done) {
    if (heredocEnd !== undefined && atHeredocEnd(r, heredocEnd)) {
      flush();
      return { parts };
    }
    const c = r.peek();
    if (terminator !== undefined && c === terminator) {
      r.pos++;
      flush();
      return { parts };
    }
    if (terminator !== undefined && c === "\\") {
      literal += unescape(r);
      continue;
    }
    if ((c === "$" || c === "%") && r.peek(1) === c && r.peek(2) === "{") {
      literal += `${c}{`;
      r.pos += 3;
      continue;
    }
    if ((c === "$" || c === "%") && r.peek(1) === "{") {
      flush();
      r.pos += 2;
      if (r.peek() === "~") {
        r.pos++;
      }
      const tokens = readExpressionTokens(r, "}");
      // A directive's keywords (if, for, in, else, endif, endfor) are identifiers to the scan, which
      // knows them; its value is never constant.
      parts.push(c === "%" ? [{ kind: "punct", text: "%{" }, ...tokens] : tokens);
      continue;
    }
    literal += c;
    r.pos++;
  }
  if (terminator !== undefined || heredocEnd !== undefined) {
    r.complete = false;
  }
  flush();
  return { parts };
}

function atHeredocEnd(r: Reader, marker: string): boolean {
  if (r.pos !== 0 && r.text.charAt(r.pos - 1) !== "\n") {
    return false;
  }
  let end = r.text.indexOf("\n", r.pos);
  end = end === -1 ? r.text.length : end;
  if (r.text.slice(r.pos, end).trim() !== marker) {
    return false;
  }
  r.pos = end;
  return true;
}

/** One escape sequence of a quoted HCL string, starting at the backslash. */
function unescape(r: Reader): string {
  const next = r.peek(1);
  r.pos += 2;
  switch (next) {
    case "n":
      return "\n";
    case "r":
      return "\r";
    case "t":
      return "\t";
    case '"':
      return '"';
    case "\\":
      return "\\";
    case "u":
    case "U": {
      const length = next === "u" ? 4 : 8;
      const hex = r.text.slice(r.pos, r.pos + length);
      if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === length) {
        r.pos += length;
        const code = parseInt(hex, 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : "";
      }
      return `\\${next}`;
    }
    default:
      return `\\${next}`;
  }
}

/**
 * Reads the tokens of an expression until the `closer` that balances it (`}` of an interpolation)
 * or the end of the text; the reader stops after the closer. A `~` strip marker before the closer
 * is skipped.
 */
function readExpressionTokens(r: Reader, closer: "}" | undefined): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  while (!r.done) {
    const c = r.peek();
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      r.pos++;
      continue;
    }
    if (c === "#" || (c === "/" && r.peek(1) === "/")) {
      const end = r.text.indexOf("\n", r.pos);
      r.pos = end === -1 ? r.text.length : end + 1;
      continue;
    }
    if (c === "/" && r.peek(1) === "*") {
      const end = r.text.indexOf("*/", r.pos + 2);
      if (end === -1) {
        r.complete = false;
        r.pos = r.text.length;
        return tokens;
      }
      r.pos = end + 2;
      continue;
    }
    if (closer !== undefined && c === "~" && r.peek(1) === closer && depth === 0) {
      r.pos++;
      continue;
    }
    if (closer !== undefined && c === closer && depth === 0) {
      r.pos++;
      return tokens;
    }
    if (c === '"') {
      r.pos++;
      tokens.push({ kind: "string", text: '"', template: readTemplateParts(r, '"') });
      continue;
    }
    if (c === "<" && r.peek(1) === "<" && /^<<-?[A-Za-z_][\w-]*\r?\n/.test(r.text.slice(r.pos, r.pos + 80))) {
      const m = /^<<-?([A-Za-z_][\w-]*)\r?\n/.exec(r.text.slice(r.pos))!;
      r.pos += m[0].length;
      tokens.push({ kind: "string", text: "<<", template: readTemplateParts(r, undefined, m[1]) });
      continue;
    }
    if (isIdentStart(c)) {
      const start = r.pos;
      while (!r.done && isIdentPart(r.peek())) {
        r.pos++;
      }
      tokens.push({ kind: "ident", text: r.text.slice(start, r.pos) });
      continue;
    }
    if (isDigit(c)) {
      const m = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(r.text.slice(r.pos, r.pos + 40))!;
      r.pos += m[0].length;
      tokens.push({ kind: "number", text: m[0] });
      continue;
    }
    const punct = PUNCTUATION.find((p) => r.startsWith(p));
    const text = punct ?? c;
    if (text === "{" || text === "(" || text === "[") {
      depth++;
    } else if (text === "}" || text === ")" || text === "]") {
      depth = Math.max(0, depth - 1);
    }
    r.pos += text.length;
    tokens.push({ kind: "punct", text });
  }
  if (closer !== undefined) {
    r.complete = false;
  }
  return tokens;
}

// ------------------------------------------------------------------------------------ traversals

const KEYWORDS: ReadonlySet<string> = new Set(["true", "false", "null", "for", "in", "if", "else", "endif", "endfor"]);

/** Adds the traversals and function names of `tokens` (and of the templates inside them). */
function scan(tokens: readonly Token[], traversals: Traversal[], functions: string[]): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === "string") {
      scanTemplate(t.template!, traversals, functions);
      continue;
    }
    if (t.kind !== "ident" || KEYWORDS.has(t.text)) {
      continue;
    }
    const before = tokens[i - 1];
    if (before !== undefined && before.kind === "punct" && (before.text === "." || before.text === "::")) {
      continue; // a step of a traversal already read, or part of a provider function's name
    }
    // A function call: `name(`, or a provider function `provider::ns::name(`.
    let j = i;
    let name = t.text;
    while (tokens[j + 1]?.text === "::" && tokens[j + 2]?.kind === "ident") {
      name += `::${tokens[j + 2].text}`;
      j += 2;
    }
    if (tokens[j + 1]?.kind === "punct" && tokens[j + 1].text === "(") {
      functions.push(name);
      continue;
    }
    traversals.push({ root: t.text, steps: stepsAfter(tokens, i + 1) });
  }
}

function scanTemplate(template: Template, traversals: Traversal[], functions: string[]): void {
  for (const part of template.parts) {
    if (typeof part !== "string") {
      scan(part, traversals, functions);
    }
  }
}

/** The steps of a traversal whose root stands just before `start`. */
function stepsAfter(tokens: readonly Token[], start: number): Step[] {
  const steps: Step[] = [];
  let i = start;
  for (;;) {
    const t = tokens[i];
    if (t?.kind === "punct" && t.text === ".") {
      const next = tokens[i + 1];
      if (next?.kind === "ident") {
        steps.push(next.text);
        i += 2;
        continue;
      }
      if (next !== undefined && (next.kind === "number" || next.text === "*")) {
        steps.push(null);
        break;
      }
      break;
    }
    if (t?.kind === "punct" && t.text === "[") {
      const inner = tokens[i + 1];
      const close = tokens[i + 2];
      if (close?.kind === "punct" && close.text === "]" && inner?.kind === "string" && isPlainString(inner.template!)) {
        steps.push(plainString(inner.template!));
        i += 3;
        continue;
      }
      // A number, a splat or a computed index: whatever follows is of an element, not a name.
      steps.push(null);
      break;
    }
    break;
  }
  return steps;
}

function isPlainString(template: Template): boolean {
  return template.parts.every((p) => typeof p === "string");
}

function plainString(template: Template): string {
  return template.parts.join("");
}

// ------------------------------------------------------------------------------------ folding

/** Functions folded when every argument is constant: pure, and about strings. */
const FOLDED_FUNCTIONS: { readonly [name: string]: (args: readonly Constant[]) => Constant | undefined } = {
  lower: ([s]) => (typeof s === "string" ? s.toLowerCase() : undefined),
  upper: ([s]) => (typeof s === "string" ? s.toUpperCase() : undefined),
  trimspace: ([s]) => (typeof s === "string" ? s.trim() : undefined),
  tostring: ([s]) => (typeof s === "string" || typeof s === "number" || typeof s === "boolean" ? String(s) : undefined),
  trimprefix: ([s, p]) => (typeof s === "string" && typeof p === "string" ? (s.startsWith(p) ? s.slice(p.length) : s) : undefined),
  trimsuffix: ([s, p]) => (typeof s === "string" && typeof p === "string" ? (p !== "" && s.endsWith(p) ? s.slice(0, -p.length) : s) : undefined),
  replace: ([s, a, b]) =>
    typeof s === "string" && typeof a === "string" && typeof b === "string" && !(a.startsWith("/") && a.endsWith("/") && a.length > 1)
      ? s.split(a).join(b)
      : undefined,
  join: ([sep, ...lists]) =>
    typeof sep === "string" && lists.every((l) => Array.isArray(l) && l.every((x) => typeof x === "string" || typeof x === "number"))
      ? lists.flatMap((l) => l as Constant[]).join(sep)
      : undefined,
  concat: (lists) => (lists.every((l) => Array.isArray(l)) ? lists.flatMap((l) => l as Constant[]) : undefined),
  coalesce: (args) => args.find((a) => a !== null && a !== "") ?? undefined,
  format: ([spec, ...args]) => {
    if (typeof spec !== "string") {
      return undefined;
    }
    let n = 0;
    let ok = true;
    const text = spec.replace(/%([%sdv])/g, (_m, verb: string) => {
      if (verb === "%") {
        return "%";
      }
      const a = args[n++];
      if (typeof a !== "string" && typeof a !== "number" && typeof a !== "boolean") {
        ok = false;
        return "";
      }
      return String(a);
    });
    return ok && !/%[^%sdv]/.test(spec) ? text : undefined;
  },
};

/** A small parser over tokens that computes an expression's constant value, or `undefined`. */
class Folder {
  private i = 0;

  public constructor(
    private readonly tokens: readonly Token[],
    private readonly lookup: ConstantLookup,
  ) {}

  /** The whole token list's value when it is one constant expression. */
  public value(): Constant | undefined {
    if (this.tokens.length === 0 || this.tokens[0].text === "%{") {
      return undefined;
    }
    const v = this.primary();
    return this.i === this.tokens.length ? v : undefined;
  }

  private primary(): Constant | undefined {
    const t = this.tokens[this.i];
    if (t === undefined) {
      return undefined;
    }
    this.i++;
    if (t.kind === "string") {
      const s = foldTemplate(t.template!, this.lookup);
      return s.includes(HOLE) ? undefined : s;
    }
    if (t.kind === "number") {
      return Number(t.text);
    }
    if (t.kind === "punct" && t.text === "(") {
      const v = this.primary();
      return this.expect(")") ? v : undefined;
    }
    if (t.kind === "punct" && t.text === "[") {
      const items: Constant[] = [];
      while (this.tokens[this.i] !== undefined && this.tokens[this.i].text !== "]") {
        const v = this.primary();
        if (v === undefined) {
          return undefined;
        }
        items.push(v);
        if (this.tokens[this.i]?.text === ",") {
          this.i++;
        }
      }
      return this.expect("]") ? items : undefined;
    }
    if (t.kind !== "ident") {
      return undefined;
    }
    if (t.text === "true" || t.text === "false") {
      return t.text === "true";
    }
    if (t.text === "null") {
      return null;
    }
    if (this.tokens[this.i]?.text === "(") {
      this.i++;
      const args: Constant[] = [];
      while (this.tokens[this.i] !== undefined && this.tokens[this.i].text !== ")") {
        const v = this.primary();
        if (v === undefined) {
          return undefined;
        }
        args.push(v);
        if (this.tokens[this.i]?.text === ",") {
          this.i++;
        }
      }
      const fn = FOLDED_FUNCTIONS[t.text];
      return this.expect(")") && fn !== undefined ? fn(args) : undefined;
    }
    const steps = stepsAfter(this.tokens, this.i);
    // Skip the steps just read: each name step is two tokens (`.name` or `["name"]` is three).
    for (const step of steps) {
      if (step === null) {
        return undefined;
      }
      this.i += this.tokens[this.i].text === "." ? 2 : 3;
    }
    return this.lookup({ root: t.text, steps });
  }

  private expect(text: string): boolean {
    if (this.tokens[this.i]?.text === text) {
      this.i++;
      return true;
    }
    return false;
  }
}

function foldTemplate(template: Template, lookup: ConstantLookup): string {
  let out = "";
  for (const part of template.parts) {
    if (typeof part === "string") {
      out += part;
      continue;
    }
    const v = new Folder(part, lookup).value();
    out += typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : HOLE;
  }
  return out;
}

// ------------------------------------------------------------------------------------ entry points

const NO_CONSTANTS: ConstantLookup = () => undefined;

/** A lone reference, `${a.b.c}`: the common case, read without the lexer. */
const LONE_REFERENCE = /^\$\{([A-Za-z_][\w-]*)((?:\.[A-Za-z_][\w-]*)+)\}$/;

/** Reads one template string of Terraform's JSON syntax. */
export function readTemplateString(text: string, lookup: ConstantLookup = NO_CONSTANTS): TemplateReading {
  if (!text.includes("${") && !text.includes("%{")) {
    return { traversals: [], functions: [], folded: text, complete: true };
  }
  const lone = LONE_REFERENCE.exec(text);
  if (lone !== null && !KEYWORDS.has(lone[1])) {
    const traversal = { root: lone[1], steps: lone[2].slice(1).split(".") };
    const v = lookup(traversal);
    return { traversals: [traversal], functions: [], folded: typeof v === "string" || typeof v === "number" ? String(v) : HOLE, complete: true };
  }
  const r = new Reader(text);
  const template = readTemplateParts(r, undefined);
  const traversals: Traversal[] = [];
  const functions: string[] = [];
  scanTemplate(template, traversals, functions);
  return { traversals, functions, folded: foldTemplate(template, lookup), complete: r.complete };
}

/**
 * Reads a string Terraform takes as a bare expression rather than a template: an address in
 * `depends_on`, `moved`, `import.to` or `removed.from`, or a provider reference (`azurerm.second`).
 */
export function readBareExpression(text: string): TemplateReading {
  const r = new Reader(text);
  const tokens = readExpressionTokens(r, undefined);
  const traversals: Traversal[] = [];
  const functions: string[] = [];
  scan(tokens, traversals, functions);
  return { traversals, functions, folded: text, complete: r.complete };
}

