/**
 * Remote text on a terminal: what a remote sends (its output, log lines, error messages, host
 * facts) cannot move the cursor, retitle the window, reorder text or pass for a line of another
 * source. Every CLI path that prints remote text goes through here; `--raw` and pipes keep the
 * bytes of `run` output as they are.
 *
 * @module
 */

/**
 * What is shown escaped: C0 controls but tab and newline, DEL, C1 controls (U+009B is a
 * one-character CSI), the line and paragraph separators, and the bidirectional marks,
 * embeddings, overrides and isolates that reorder what a line appears to say.
 */
// deno-lint-ignore no-control-regex
const CONTROLS = /[\0-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

/** The same set outside tab and newline, for JSON text (where C0 is escaped already). */
const JSON_UNSAFE = /[\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function hex(c: string, width: number): string {
  return c.charCodeAt(0).toString(16).padStart(width, "0");
}

/** `text` with its control characters (see above) written as `\x1b` or `\u202e`; tab and newline
 *  stay. */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => (c <= "\xff" ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`));
}

/** JSON text with the characters a terminal would act on written as `\u` escapes: the same
 *  JSON value, safe to print. */
export function terminalJson(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${hex(c, 4)}`);
}

/** Remote `text` as part of one line: controls escaped, newlines too (`\n`). */
export function oneLine(text: string): string {
  return escapeControls(text).replaceAll("\n", "\\n");
}

/**
 * Remote `text` as terminal lines: controls escaped, the first line after `prefix` and each
 * further line after `continuation` (default `prefix`), so no line of it can pass for a line
 * of another source (`[local] …`, `mitoctl: …`).
 */
export function remoteLines(prefix: string, text: string, continuation: string = prefix): string {
  return escapeControls(text).split("\n").map((line, i) => `${i ? continuation : prefix}${line}`)
    .join("\n");
}

/**
 * Escapes controls in a byte stream decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD),
 * for output bound to a terminal; characters split across chunks are kept whole.
 */
export class TerminalStream {
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  /** The safe bytes for `chunk`; with no chunk, what is left at the end. */
  push(chunk?: Uint8Array): Uint8Array {
    const text = chunk ? this.#decoder.decode(chunk, { stream: true }) : this.#decoder.decode();
    return this.#encoder.encode(escapeControls(text));
  }
}
