/**
 * Python literals, as Ansible's INI reader turns a variable's text into a value with
 * `ast.literal_eval`: numbers (`5`, `-3`, `1_000`, `0x10`, `1e3`), `True`, `False`, `None`,
 * quoted strings, lists, tuples and dicts of those. Text that is no such literal stays text
 * (`007`, `none`, `10.0.0.1`). Pure.
 *
 * @module
 */

import { type QuoteRules, readQuoted } from "../quoted_text.ts";

/** Nesting deeper than this is left as text. */
export const MAX_LITERAL_DEPTH = 32;

/** The value of `text` read as a Python literal, or `text` itself when it is none. */
export function pythonValue(text: string): unknown {
  const reader = new LiteralReader(text);
  try {
    const value = reader.value(0);
    reader.end();
    return value;
  } catch (e) {
    if (e instanceof NotLiteral) return text;
    throw e;
  }
}

class NotLiteral extends Error {}

/** Python's string escapes (octal and `\N{…}` ones are kept as written). */
const PYTHON_STRING: QuoteRules = {
  escapes: {
    "\\": "\\",
    "'": "'",
    '"': '"',
    a: "\x07",
    b: "\b",
    f: "\f",
    n: "\n",
    r: "\r",
    t: "\t",
    v: "\v",
    "0": "\0",
  },
  strict: false,
};

const NUMBER_TOKEN = /^[-+]?(?:[\w.]*\d[eE][-+]?[\w.]+|[\w.]+)/;
const INTEGER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)$/;
const FLOAT = /^(?=\.?\d)(?:\d(?:_?\d)*)?(?:\.(?:\d(?:_?\d)*)?)?(?:[eE][-+]?\d(?:_?\d)*)?$/;

class LiteralReader {
  readonly #text: string;
  #i = 0;

  constructor(text: string) {
    this.#text = text;
  }

  end(): void {
    this.#skip();
    if (this.#i !== this.#text.length) throw new NotLiteral();
  }

  value(depth: number): unknown {
    if (depth > MAX_LITERAL_DEPTH) throw new NotLiteral();
    this.#skip();
    const c = this.#text[this.#i];
    if (c === "'" || c === '"') return this.#string();
    if (c === "[") return this.#items("]", depth);
    if (c === "(") return this.#items(")", depth);
    if (c === "{") return this.#dict(depth);
    for (const [word, value] of [["True", true], ["False", false], ["None", null]] as const) {
      if (
        this.#text.startsWith(word, this.#i) && !/\w/.test(this.#text[this.#i + word.length] ?? "")
      ) {
        this.#i += word.length;
        return value;
      }
    }
    return this.#number();
  }

  #skip(): void {
    while (/\s/.test(this.#text[this.#i] ?? "")) this.#i++;
  }

  #number(): number {
    const token = NUMBER_TOKEN.exec(this.#text.slice(this.#i))?.[0] ?? "";
    const sign = token.startsWith("-") ? -1 : 1;
    const body = token.replace(/^[-+]/, "");
    let value: number;
    if (INTEGER.test(body)) {
      const digits = body.replaceAll("_", "").toLowerCase();
      value = /^0[xob]/.test(digits) ? Number(digits) : parseInt(digits, 10);
    } else if (FLOAT.test(body) && /[.eE]/.test(body)) value = Number(body.replaceAll("_", ""));
    else throw new NotLiteral();
    this.#i += token.length;
    return sign * value;
  }

  #string(): string {
    const read = readQuoted(this.#text, this.#i, PYTHON_STRING);
    if ("error" in read) throw new NotLiteral();
    this.#i = read.end;
    return read.value;
  }

  #items(close: string, depth: number): unknown[] {
    const items: unknown[] = [];
    this.#i++;
    for (;;) {
      this.#skip();
      if (this.#text[this.#i] === close) break;
      items.push(this.value(depth + 1));
      this.#skip();
      const c = this.#text[this.#i];
      if (c === ",") this.#i++;
      else if (c !== close) throw new NotLiteral();
    }
    this.#i++;
    return items;
  }

  #dict(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.#i++;
    for (;;) {
      this.#skip();
      if (this.#text[this.#i] === "}") break;
      const key = this.value(depth + 1);
      if (typeof key === "object" && key !== null) throw new NotLiteral();
      this.#skip();
      if (this.#text[this.#i++] !== ":") throw new NotLiteral();
      Object.defineProperty(out, String(key), {
        value: this.value(depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.#skip();
      const c = this.#text[this.#i];
      if (c === ",") this.#i++;
      else if (c !== "}") throw new NotLiteral();
    }
    this.#i++;
    return out;
  }
}
