/**
 * How the CLI prints values: JSON, with the types JSON lacks spelled out.
 *
 * @module
 */

import { escapeControls, terminalJson } from "./terminal_text.ts";

/**
 * JSON text for any value a call can return (bigint as a string, bytes as base64, …), with the
 * characters a terminal would act on written as `\u` escapes.
 */
export function toJson(value: unknown): string {
  return terminalJson(
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Uint8Array) return { $bytes: btoa(String.fromCharCode(...v)) };
      if (v instanceof Map) return Object.fromEntries(v);
      if (v instanceof Set) return [...v];
      if (v instanceof Error) return { name: v.name, message: v.message };
      if (v === undefined) return null;
      return v;
    }) ?? "null",
  );
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
