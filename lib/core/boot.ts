/**
 * What every link to a child context does with its bytes, whichever side starts the child (the
 * master, or a remote stage starting a context behind it): skip shell noise up to the preamble,
 * and explain a child that exited. Pure; no I/O.
 *
 * @module
 */

import { MAX_PREAMBLE_NOISE } from "../limits.ts";
import {
  NO_BUILTIN_MODULE_ERROR,
  NO_RUNTIME_MARKER,
  OLD_RUNTIME_MARKER,
  PREAMBLE,
  RUNTIMES_NEEDED,
} from "../wire/protocol.ts";

const PREAMBLE_BYTES = new TextEncoder().encode(PREAMBLE);

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Finds the preamble in a child's stdout; keeps what came before it as noise. */
export class PreambleScanner {
  #noise = new Uint8Array(0);
  /** Whether the preamble was seen. */
  found = false;

  /** What the child printed before the preamble. */
  get noise(): string {
    return new TextDecoder().decode(this.#noise);
  }

  /**
   * Takes a chunk before the preamble; returns the bytes after it once found, else undefined.
   * Throws an Error when the noise grows past {@linkcode MAX_PREAMBLE_NOISE}.
   */
  push(chunk: Uint8Array, label: string): Uint8Array | undefined {
    const all = new Uint8Array(this.#noise.length + chunk.length);
    all.set(this.#noise);
    all.set(chunk, this.#noise.length);
    const at = indexOf(all, PREAMBLE_BYTES);
    if (at < 0) {
      this.#noise = all;
      if (all.length > MAX_PREAMBLE_NOISE) {
        throw new Error(
          `"${label}" printed ${all.length} bytes of output before the remote stage started; ` +
            `is a login script writing to stdout?`,
        );
      }
      return undefined;
    }
    this.#noise = all.subarray(0, at);
    this.found = true;
    return all.subarray(at + PREAMBLE_BYTES.length);
  }
}

/** What is known when a child process has exited. */
export interface ExitFacts {
  label: string;
  /** What the program's exit codes mean (ssh: 255 is "could not connect"). */
  exits?: { program: string; codes: Record<number, string> } | undefined;
  runtime: string;
  /** Whether the remote stage had started (preamble seen). */
  started: boolean;
  noise: string;
  stderr: string;
  code: number | null;
  signal: string | null;
}

/** The last lines of stderr as a message suffix (`": a | b"`), or "". */
export function stderrSuffix(stderr: string): string {
  const text = stderr.trim();
  return text ? `: ${text.split("\n").slice(-3).join(" | ")}` : "";
}

/** Stage 2's line for a runtime too old: `v20.15.1` (Node) or `2.7.14` (Deno). */
const OLD_RUNTIME_LINE = new RegExp(`${OLD_RUNTIME_MARKER} (v?)(\\d{1,4}\\.\\d{1,4}\\.\\d{1,4})\n`);

/** Node's last line of stderr after an uncaught error. */
const NODE_VERSION_LINE = /^Node\.js v(\d{1,4}\.\d{1,4}\.\d{1,4})$/m;

/** The runtime a child named as too old, or undefined when it did not say so. */
function oldRuntime(f: ExitFacts): string | undefined {
  // What a remote prints is its own word: only a plain version is quoted.
  const said = OLD_RUNTIME_LINE.exec(f.noise);
  if (said) return `${said[1] ? "Node" : "Deno"} ${said[2]}`;
  if (f.noise.includes(OLD_RUNTIME_MARKER)) return "an older one";
  if (!f.stderr.includes(NO_BUILTIN_MODULE_ERROR)) return undefined;
  const node = NODE_VERSION_LINE.exec(f.stderr);
  return node ? `Node ${node[1]}` : "one without process.getBuiltinModule";
}

/** One sentence on why a child context ended or never started. */
export function explainExit(f: ExitFacts): string {
  const how = f.signal ? `was killed by ${f.signal}` : `exited with code ${f.code}`;
  const tail = stderrSuffix(f.stderr);
  if (!f.started) {
    if (f.noise.includes(NO_RUNTIME_MARKER)) {
      return `Cannot start on "${f.label}": no deno or node found on its PATH ` +
        `(pass --runtime with the path of one)`;
    }
    const old = oldRuntime(f);
    if (old) {
      return `Cannot start on "${f.label}": its runtime is ${old}; mitoctl needs ${RUNTIMES_NEEDED}`;
    }
    const meaning = f.code === null ? undefined : f.exits?.codes[f.code];
    if (meaning !== undefined) {
      const why = meaning ? ` (${meaning})` : "";
      return `Cannot connect to "${f.label}": ${f.exits!.program} ${how}${why}${tail}`;
    }
    if (f.code === 127) {
      return `Cannot start on "${f.label}": runtime "${f.runtime}" was not found${tail}`;
    }
    return `The remote stage on "${f.label}" ${how} before it started${tail}`;
  }
  return `Lost "${f.label}": the connection ${how}${tail}`;
}
