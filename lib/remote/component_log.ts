/**
 * Reads a component's bounded log (`log.1` then `log` in its state directory, as
 * `supervisor_program.ts` writes them): the tail of it, or new lines as they come. Runs on the
 * remote; only `node:` builtins.
 *
 * @module
 */

import * as fs from "node:fs";

/** How often {@linkcode followLog} looks for new lines, in milliseconds. */
export const FOLLOW_POLL_MS = 200;

/** Reads `path` from `offset` to its end; "" when it does not exist. */
function readFrom(path: string, offset: number): { text: string; end: number } {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch {
    return { text: "", end: offset };
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size <= offset) return { text: "", end: size };
    const buf = new Uint8Array(size - offset);
    let at = 0;
    while (at < buf.length) {
      const n = fs.readSync(fd, buf, at, buf.length - at, offset + at);
      if (n === 0) break;
      at += n;
    }
    return { text: new TextDecoder().decode(buf.subarray(0, at)), end: offset + at };
  } finally {
    fs.closeSync(fd);
  }
}

/** The whole log, and where its current file ends. */
function readLog(stateDir: string): { text: string; end: number } {
  const old = readFrom(`${stateDir}/log.1`, 0).text;
  const current = readFrom(`${stateDir}/log`, 0);
  return { text: old + current.text, end: current.end };
}

/** The last `lines` of `text` (all of it when `lines` is undefined). */
function lastLines(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  const all = text.split("\n");
  if (all.at(-1) === "") all.pop();
  const kept = all.slice(Math.max(0, all.length - lines));
  return kept.length ? `${kept.join("\n")}\n` : "";
}

/** The last `lines` lines of the log in `stateDir` (all of it when `lines` is undefined). */
export function tailLog(stateDir: string, lines?: number): string {
  return lastLines(readLog(stateDir).text, lines);
}

/** The log file `follow` reads: kept open, so what was written stays readable after `down`
 *  removes it. */
class OpenLog {
  #fd: number | undefined;
  #ino: number | undefined;
  #offset: number;

  constructor(readonly path: string, offset: number) {
    this.#offset = offset;
    this.#open();
    // The file was replaced since `offset` was taken: read the new one whole.
    if (this.#fd !== undefined && fs.fstatSync(this.#fd).size < offset) this.#offset = 0;
  }

  #open(): void {
    try {
      this.#fd = fs.openSync(this.path, "r");
      this.#ino = fs.fstatSync(this.#fd).ino;
    } catch {
      this.#fd = undefined;
    }
  }

  /** What was appended since the last read, then, if the path now names another file (rotated),
   *  that file from its start. */
  read(): string {
    let text = this.#drain();
    let now: number | undefined;
    try {
      now = fs.statSync(this.path).ino;
    } catch {
      now = undefined;
    }
    if (now !== undefined && now !== this.#ino) {
      this.close();
      this.#offset = 0;
      this.#open();
      text += this.#drain();
    }
    return text;
  }

  #drain(): string {
    if (this.#fd === undefined) return "";
    const size = fs.fstatSync(this.#fd).size;
    if (size <= this.#offset) return "";
    const buf = new Uint8Array(size - this.#offset);
    let at = 0;
    while (at < buf.length) {
      const n = fs.readSync(this.#fd, buf, at, buf.length - at, this.#offset + at);
      if (n === 0) break;
      at += n;
    }
    this.#offset += at;
    return new TextDecoder().decode(buf.subarray(0, at));
  }

  close(): void {
    if (this.#fd !== undefined) fs.closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** Options of {@linkcode followLog}. */
export interface FollowLogOptions {
  /** Lines of what is already logged to yield first; default 10. */
  lines?: number;
  /** Whether the writer is still there; following ends once it is not and all is read. */
  alive: () => boolean;
}

/**
 * Yields the log's last lines, then text as it is appended (whole lines), across the rotation of
 * `log` into `log.1`, until the writer is gone.
 */
export async function* followLog(
  stateDir: string,
  options: FollowLogOptions,
): AsyncGenerator<string> {
  const start = readLog(stateDir);
  const log = new OpenLog(`${stateDir}/log`, start.end);
  try {
    const head = lastLines(start.text, options.lines ?? 10);
    if (head) yield head;
    let partial = "";
    for (;;) {
      // Judged before reading, so the writer's last lines are read after it is gone.
      const alive = options.alive();
      const text = partial + log.read();
      const cut = text.lastIndexOf("\n") + 1;
      partial = text.slice(cut);
      if (cut > 0) yield text.slice(0, cut);
      if (!alive) {
        if (partial) yield `${partial}\n`;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
  } finally {
    log.close();
  }
}
