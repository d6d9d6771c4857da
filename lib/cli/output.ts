/**
 * How the CLI prints values: for a person, {@linkcode showValue}; with `--json`, JSON with the
 * types JSON lacks tagged (see {@linkcode toJson}).
 *
 * @module
 */

import { encodeBase64 } from "../wire/base64.ts";
import { showValue as show } from "../show.ts";
import { escapeControls, oneLine, terminalJson } from "./terminal_text.ts";

/**
 * `value` for a person, in one line (JSON for JSON data, JavaScript notation for the rest), with
 * the characters a terminal would act on escaped.
 */
export function showValue(value: unknown): string {
  // Strings come quoted as JSON: their C0 controls are escaped already, the rest as in JSON.
  return oneLine(terminalJson(show(value)));
}

/**
 * JSON text for any value a call can return. JSON data is itself; the rest becomes an object with
 * one `$` key: `{"$bigint":"12"}`, `{"$bytes":"<base64>"}`, `{"$date":"<ISO 8601>"}` (`null` when
 * invalid), `{"$map":[[k,v],…]}`, `{"$set":[…]}`, `{"$number":"NaN"}` (also `"Infinity"`,
 * `"-Infinity"`), `{"$error":{"name":…,"message":…,…}}`; a plain object that has a single key
 * starting with `$` is wrapped as `{"$object":{…}}`. `undefined` is left out of objects and is
 * `null` in arrays, as in JSON. The characters a terminal would act on are written as `\u`
 * escapes.
 */
export function toJson(value: unknown): string {
  return terminalJson(JSON.stringify(tagged(value)) ?? "null");
}

function tagged(v: unknown): unknown {
  if (typeof v === "bigint") return { $bigint: v.toString() };
  if (typeof v === "number" && !Number.isFinite(v)) return { $number: String(v) };
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => x === undefined ? null : tagged(x));
  if (v instanceof Uint8Array) return { $bytes: encodeBase64(v) };
  if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? null : v.toISOString() };
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [tagged(k), tagged(x)]) };
  if (v instanceof Set) return { $set: [...v].map(tagged) };
  if (v instanceof Error) {
    const fields: Record<string, unknown> = { name: v.name, message: v.message };
    for (const k of Object.keys(v)) fields[k] = (v as unknown as Record<string, unknown>)[k];
    return { $error: fieldsOf(fields) };
  }
  const out = fieldsOf(v as Record<string, unknown>);
  const keys = Object.keys(out);
  return keys.length === 1 && keys[0]!.startsWith("$") ? { $object: out } : out;
}

/** The defined fields of `o`, each tagged. */
function fieldsOf(o: Record<string, unknown>): Record<string, unknown> {
  // No prototype: a "__proto__" key stays a key.
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, x] of Object.entries(o)) if (x !== undefined) out[k] = tagged(x);
  return out;
}

/** Writes one line to stdout. */
export function printLine(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${text}\n`));
}

/** Counts shown on the progress line of a run on many hosts. */
export interface FleetCounts {
  /** Hosts whose context came up. */
  connected: number;
  /** Hosts finished, failed ones included. */
  done: number;
  /** Hosts that failed. */
  failed: number;
  /** Hosts in the run. */
  total: number;
}

/** `connected 12 · done 10 · failed 1 · total 50`. */
export function progressText(c: FleetCounts): string {
  return `connected ${c.connected} · done ${c.done} · failed ${c.failed} · total ${c.total}`;
}

/** Longest reason {@linkcode shortReason} gives. */
export const SHORT_REASON_LENGTH = 160;

/**
 * The first line of an error's message, cut to {@linkcode SHORT_REASON_LENGTH} characters, its
 * controls escaped.
 */
export function shortReason(error: Error): string {
  const line = escapeControls(error.message.split("\n", 1)[0]!);
  return line.length > SHORT_REASON_LENGTH ? `${line.slice(0, SHORT_REASON_LENGTH - 1)}…` : line;
}

/**
 * One status line on a terminal, redrawn in place; silent when `live` is false (stderr is a
 * file or a pipe), so logs stay clean.
 */
export class ProgressLine {
  readonly #write: (text: string) => void;
  readonly #live: boolean;
  #shown = false;

  /** `write` takes raw text (stderr); `live` says whether to draw at all. */
  constructor(write: (text: string) => void, live: boolean) {
    this.#write = write;
    this.#live = live;
  }

  /** Replaces the line with `text`. */
  show(text: string): void {
    if (!this.#live) return;
    // Carriage return, then erase the line: the cursor stays on it for the next redraw.
    this.#write(`\r\x1b[2K${text}`);
    this.#shown = true;
  }

  /** Erases the line, so other output can take its place. */
  clear(): void {
    if (!this.#shown) return;
    this.#write("\r\x1b[2K");
    this.#shown = false;
  }
}
