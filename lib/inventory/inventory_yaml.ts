/**
 * Ansible's YAML inventory (`all: { hosts: …, children: …, vars: … }`), read with a small YAML
 * subset: block mappings and sequences, one-line flow collections (`{ a: 1 }`, `[a, b]`), plain,
 * single- and double-quoted scalars, comments. What inventories do not need is refused with the
 * line it is on: anchors, aliases, tags, block scalars (`|`, `>`), multi-line scalars and
 * several documents. Plain scalars resolve as YAML 1.1 does (`yes` is true), as Ansible reads
 * them.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type QuoteRules, readQuoted } from "../quoted_text.ts";
import {
  InventoryBuilder,
  type InventoryData,
  type InventoryVars,
  isMapping,
} from "./inventory_data.ts";

interface Line {
  indent: number;
  text: string;
  no: number;
}

/** Reads YAML `text` in the supported subset; `file` names it in errors. */
export function parseYaml(text: string, file: string): unknown {
  return new YamlReader(text, file).document();
}

/** Reads YAML inventory `text`; `file` names it in errors. */
export function parseYamlInventory(text: string, file: string): InventoryData {
  return inventoryFromDocument(parseYaml(text, file), file);
}

/**
 * Keys of a mapping that YAML read as something other than a string (`1234:`, `yes:`): JSON
 * cannot tell them apart once they are object keys, Ansible can.
 */
const NON_STRING_KEYS: unique symbol = Symbol("non-string keys");

type Mapping = Record<string, unknown> & { [NON_STRING_KEYS]?: Set<string> };

function mapping(entries: [string, unknown][], nonString: Set<string>): Record<string, unknown> {
  const out: Mapping = Object.fromEntries(entries);
  if (nonString.size) Object.defineProperty(out, NON_STRING_KEYS, { value: nonString });
  return out;
}

/**
 * Reads the YAML plugin's inventory shape (`hosts` as mappings) from a parsed YAML or JSON
 * document. An inventory plugin's configuration (`plugin:`) is refused: it needs Ansible to run.
 */
export function inventoryFromDocument(doc: unknown, file: string): InventoryData {
  const builder = new InventoryBuilder(file);
  if (doc === null) return builder.data;
  if (!isMapping(doc)) {
    throw new UsageError(`Invalid inventory "${file}": the top level must map group names`);
  }
  if (typeof doc.plugin === "string") {
    throw new UsageError(
      `Invalid inventory "${file}": inventory plugins are not supported; export with ` +
        "`ansible-inventory --list` and pass that",
    );
  }
  for (const [name, body] of Object.entries(doc)) readGroup(builder, file, name, body);
  return builder.data;
}

function readGroup(builder: InventoryBuilder, file: string, name: string, body: unknown): void {
  builder.group(name);
  if (body === null) return;
  const bad = (why: string): never => {
    throw new UsageError(`Invalid inventory "${file}": group "${name}" ${why}`);
  };
  if (!isMapping(body)) return bad("must be a mapping with hosts, children or vars");
  for (const [key, value] of Object.entries(body)) {
    if (value === null) continue;
    if (!isMapping(value)) bad(`has ${key} that is not a mapping`);
    const entries = Object.entries(value as Record<string, unknown>);
    if (key === "hosts") {
      const nonString = (value as Mapping)[NON_STRING_KEYS];
      for (const [pattern, vars] of entries) {
        if (nonString?.has(pattern)) {
          bad(
            `has host ${pattern}, which YAML reads as a ${typeof plainScalar(pattern)}: ` +
              `quote it ("${pattern}"), as Ansible requires`,
          );
        }
        if (vars !== null && !isMapping(vars)) {
          bad(`has host "${pattern}" whose vars are not a mapping`);
        }
        builder.addHosts(name, pattern, (vars ?? {}) as InventoryVars);
      }
    } else if (key === "children") {
      for (const [child, childBody] of entries) {
        builder.addChild(name, child);
        readGroup(builder, file, child, childBody);
      }
    } else if (key === "vars") {
      builder.addVars(name, value as InventoryVars);
    } else {
      bad(`has "${key}": expected hosts, children or vars`);
    }
  }
}

/** A line-based reader: each method consumes the lines of one node. */
class YamlReader {
  readonly #file: string;
  readonly #lines: Line[] = [];
  #pos = 0;

  constructor(text: string, file: string) {
    this.#file = file;
    let started = false;
    for (const [i, raw] of text.split(/\r?\n/).entries()) {
      const indent = /^ */.exec(raw)![0].length;
      const body = stripComment(raw.slice(indent)).trimEnd();
      if (body === "") continue;
      if (raw[indent] === "\t") this.#fail(i + 1, "tabs cannot indent YAML");
      if (indent === 0 && body === "...") break;
      if (indent === 0 && /^---(\s|$)/.test(body)) {
        if (started) this.#fail(i + 1, "several documents are not supported");
        started = true;
        if (body !== "---") this.#fail(i + 1, "content after --- is not supported");
        continue;
      }
      if (indent === 0 && body.startsWith("%")) this.#fail(i + 1, "directives are not supported");
      started = true;
      this.#lines.push({ indent, text: body, no: i + 1 });
    }
  }

  document(): unknown {
    const first = this.#lines[0];
    if (!first) return null;
    const value = this.#node(first.indent);
    const extra = this.#lines[this.#pos];
    if (extra) this.#fail(extra.no, "bad indentation");
    return value;
  }

  #fail(no: number, why: string): never {
    throw new UsageError(`Invalid inventory "${this.#file}" line ${no}: ${why}`);
  }

  #node(indent: number): unknown {
    const line = this.#lines[this.#pos]!;
    if (isItem(line.text)) return this.#sequence(indent);
    if (splitKey(line.text) === undefined) {
      // A lone scalar: the whole document, or a bad line inside a block.
      this.#pos++;
      const value = this.#value(line.text, line.no);
      this.#noContinuation(line);
      return value;
    }
    return this.#mapping(indent);
  }

  #sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (let line = this.#lines[this.#pos]; line?.indent === indent && isItem(line.text);) {
      const rest = line.text.slice(1).trimStart();
      const column = indent + line.text.length - rest.length;
      if (rest === "") {
        this.#pos++;
        const next = this.#lines[this.#pos];
        items.push(next && next.indent > indent ? this.#node(next.indent) : null);
      } else if (isItem(rest) || splitKey(rest) !== undefined) {
        // "- key: value" opens a mapping whose keys line up with "key".
        this.#lines[this.#pos] = { indent: column, text: rest, no: line.no };
        items.push(this.#node(column));
      } else {
        this.#pos++;
        items.push(this.#value(rest, line.no));
        this.#noContinuation(line);
      }
      line = this.#lines[this.#pos];
    }
    return items;
  }

  #mapping(indent: number): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    const seen = new Set<string>();
    const nonString = new Set<string>();
    for (let line = this.#lines[this.#pos]; line?.indent === indent;) {
      const split = splitKey(line.text);
      if (split === undefined) this.#fail(line.no, `expected "key: value", got "${line.text}"`);
      const [rawKey, rest] = split;
      const quoted = rawKey.startsWith('"') || rawKey.startsWith("'");
      const key = quoted ? this.#quoted(rawKey, line.no) : rawKey;
      if (!quoted && typeof plainScalar(key) !== "string") nonString.add(key);
      if (seen.has(key)) this.#fail(line.no, `duplicate key "${key}"`);
      seen.add(key);
      this.#pos++;
      let value: unknown = null;
      if (rest === "") {
        const next = this.#lines[this.#pos];
        // A sequence may sit at the key's own indentation.
        if (next && (next.indent > indent || (next.indent === indent && isItem(next.text)))) {
          value = this.#node(next.indent);
        }
      } else {
        value = this.#value(rest, line.no);
        this.#noContinuation(line);
      }
      entries.push([key, value]);
      line = this.#lines[this.#pos];
      if (line && line.indent > indent) this.#fail(line.no, "bad indentation");
    }
    return mapping(entries, nonString);
  }

  #noContinuation(line: Line): void {
    const next = this.#lines[this.#pos];
    if (next && next.indent > line.indent) {
      this.#fail(next.no, "multi-line scalars are not supported");
    }
  }

  #value(text: string, no: number): unknown {
    const c = text[0];
    if (c === "&" || c === "*") this.#fail(no, "anchors and aliases are not supported");
    if (c === "!") this.#fail(no, "tags are not supported");
    if (c === "|" || c === ">") this.#fail(no, "block scalars (| and >) are not supported");
    if (c === "[" || c === "{") {
      const flow = new FlowReader(text, (why) => this.#fail(no, why));
      return flow.all();
    }
    if (c === '"' || c === "'") return this.#quoted(text, no);
    return plainScalar(text);
  }

  #quoted(text: string, no: number): string {
    const flow = new FlowReader(text, (why) => this.#fail(no, why));
    const value = flow.all();
    if (typeof value !== "string") this.#fail(no, `expected a string, got "${text}"`);
    return value;
  }
}

/** YAML's double-quoted escapes. */
const YAML_DOUBLE: QuoteRules = {
  escapes: {
    "\\": "\\",
    '"': '"',
    "/": "/",
    " ": " ",
    n: "\n",
    t: "\t",
    r: "\r",
    "0": "\0",
    e: "\x1b",
  },
  strict: true,
};

/** Reads one flow value (`[a, {b: 1}]`, `"x"`) that must fill the whole text. */
class FlowReader {
  readonly #text: string;
  readonly #fail: (why: string) => never;
  #i = 0;

  constructor(text: string, fail: (why: string) => never) {
    this.#text = text;
    this.#fail = fail;
  }

  all(): unknown {
    const value = this.#value("");
    this.#skip();
    if (this.#i < this.#text.length) {
      this.#fail(`unexpected "${this.#text.slice(this.#i)}" after a value`);
    }
    return value;
  }

  #skip(): void {
    while (this.#text[this.#i] === " ") this.#i++;
  }

  #value(stops: string): unknown {
    this.#skip();
    const c = this.#text[this.#i];
    if (c === "[") return this.#sequence();
    if (c === "{") return this.#mapping();
    if (c === '"') return this.#double();
    if (c === "'") return this.#single();
    if (c === "&" || c === "*" || c === "!") {
      this.#fail("anchors, aliases and tags are not supported");
    }
    const start = this.#i;
    while (this.#i < this.#text.length && !stops.includes(this.#text[this.#i]!)) this.#i++;
    return plainScalar(this.#text.slice(start, this.#i).trim());
  }

  #sequence(): unknown[] {
    this.#i++;
    const items: unknown[] = [];
    for (;;) {
      this.#skip();
      if (this.#text[this.#i] === "]") break;
      items.push(this.#value(",]"));
      this.#skip();
      const c = this.#text[this.#i++];
      if (c === "]") return items;
      if (c !== ",") this.#fail(`expected "," or "]" in "${this.#text}"`);
    }
    this.#i++;
    return items;
  }

  #mapping(): Record<string, unknown> {
    this.#i++;
    const entries: [string, unknown][] = [];
    const nonString = new Set<string>();
    for (;;) {
      this.#skip();
      if (this.#text[this.#i] === "}") break;
      const key = this.#value(":,}");
      if (typeof key === "object" && key !== null) this.#fail("complex keys are not supported");
      if (typeof key !== "string") nonString.add(String(key));
      this.#skip();
      let value: unknown = null;
      if (this.#text[this.#i] === ":") {
        this.#i++;
        value = this.#value(",}");
        this.#skip();
      }
      entries.push([String(key), value]);
      const c = this.#text[this.#i++];
      if (c === "}") return mapping(entries, nonString);
      if (c !== ",") this.#fail(`expected "," or "}" in "${this.#text}"`);
    }
    this.#i++;
    return mapping(entries, nonString);
  }

  #double(): string {
    const read = readQuoted(this.#text, this.#i, YAML_DOUBLE);
    if ("error" in read) {
      return this.#fail(
        read.error === "unclosed quote"
          ? "unclosed double quote (multi-line strings are not supported)"
          : `${read.error} in a double-quoted string`,
      );
    }
    this.#i = read.end;
    return read.value;
  }

  #single(): string {
    let out = "";
    for (this.#i++; this.#i < this.#text.length; this.#i++) {
      const c = this.#text[this.#i]!;
      if (c !== "'") {
        out += c;
      } else if (this.#text[this.#i + 1] === "'") {
        out += "'";
        this.#i++;
      } else {
        this.#i++;
        return out;
      }
    }
    return this.#fail("unclosed single quote (multi-line strings are not supported)");
  }
}

function isItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** `[key, rest]` when `text` is `key: rest` or `key:`; quoted keys keep their quotes. */
function splitKey(text: string): [string, string] | undefined {
  let end: number;
  if (text.startsWith('"') || text.startsWith("'")) {
    const q = text[0]!;
    end = 1;
    while (end < text.length) {
      if (text[end] === "\\" && q === '"') end += 2;
      else if (text[end] === q && text[end + 1] === q && q === "'") end += 2;
      else if (text[end] === q) break;
      else end++;
    }
    end++;
    if (text[end] !== ":") return undefined;
  } else {
    if (text.startsWith("[") || text.startsWith("{") || text.startsWith("? ")) return undefined;
    const m = /:(\s|$)/.exec(text);
    if (!m) return undefined;
    end = m.index;
  }
  const rest = text.slice(end + 1);
  if (rest !== "" && !/^\s/.test(rest)) return undefined;
  return [text.slice(0, end).trimEnd(), rest.trim()];
}

/** Drops a comment: `#` at the start or after a blank, outside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const prev = i === 0 ? " " : text[i - 1]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if ((c === '"' || c === "'") && /[\s[{,:-]/.test(prev)) {
      quote = c;
    } else if (c === "#" && /\s/.test(prev)) {
      return text.slice(0, i);
    }
  }
  return text;
}

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const TRUES = new Set(["true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"]);
const FALSES = new Set(["false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"]);

/** What an unquoted scalar means: null, a boolean, a number, or the string itself. */
export function plainScalar(text: string): unknown {
  if (NULLS.has(text)) return null;
  if (TRUES.has(text)) return true;
  if (FALSES.has(text)) return false;
  if (/^[-+]?\d+$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (/^0x[0-9A-Fa-f]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.(inf|Inf|INF)$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}
