/**
 * Errors users catch. Misuse by a programmer gets built-in `TypeError`/`RangeError`; failures of
 * remote work and connections get these classes. CLI-facing errors carry an `exitCode`.
 *
 * @module
 */

import { showValue } from "./show.ts";

/** Exit codes of the CLI. */
export const ExitCode = {
  ok: 0,
  remote: 1,
  usage: 2,
  connection: 3,
  timeout: 4,
  auth: 5,
} as const;

/** Base class of mitoctl's own errors; `exitCode` is what the CLI exits with. */
export class MitoctlError extends Error {
  /** Exit code the CLI uses for this error. */
  readonly exitCode: number = ExitCode.remote;
  override get name(): string {
    return this.constructor.name;
  }
}

/** Bad input from a user (a malformed target, an unknown flag). */
export class UsageError extends MitoctlError {
  override readonly exitCode: number = ExitCode.usage;
}

/** A context could not be reached, failed to start, or was lost. */
export class ConnectionError extends MitoctlError {
  override readonly exitCode: number = ExitCode.connection;
}

/** A call or connection took longer than allowed. */
export class TimeoutError extends MitoctlError {
  override readonly exitCode: number = ExitCode.timeout;
}

/** A password was refused, or one was needed and none was given (sudo). */
export class AuthenticationError extends ConnectionError {
  override readonly exitCode: number = ExitCode.auth;
}

/** A peer broke the protocol: garbage, a truncated frame, an oversized frame. */
export class ProtocolError extends ConnectionError {}

/**
 * A value a remote sent that the master refused before acting on it: a pull listing naming a
 * path outside the destination, a malformed status or event. The message names the value and the
 * context; nothing was written for it.
 */
export class RefusedValueError extends MitoctlError {}

/** Longest `name` of a remote error kept, in characters; a longer or non-string one is "Error". */
export const MAX_REMOTE_ERROR_NAME = 128;

/** Longest `message` or `stack` of a remote error kept, in characters; the rest is cut. */
export const MAX_REMOTE_ERROR_TEXT = 64 * 1024;

function cut(text: string): string {
  const over = text.length - MAX_REMOTE_ERROR_TEXT;
  return over > 0 ? `${text.slice(0, MAX_REMOTE_ERROR_TEXT)}… (${over} more characters)` : text;
}

/**
 * `error`, as a remote sent it, with bounded string fields: `name` a short string, `message` and
 * `stack` cut to {@linkcode MAX_REMOTE_ERROR_TEXT}, `code` a string or number or absent. Its
 * other fields (`cause`, `errno`, …) are plain data, as decoding made them.
 */
function bounded(error: Error): Error {
  const fields = error as Error & { code?: unknown };
  const name = typeof error.name === "string" && error.name.length <= MAX_REMOTE_ERROR_NAME
    ? error.name
    : "Error";
  // Own data properties: reading them runs no remote-chosen code.
  Object.defineProperty(error, "name", { value: name, writable: true, configurable: true });
  error.message = cut(typeof error.message === "string" ? error.message : "");
  error.stack = cut(typeof error.stack === "string" ? error.stack : "");
  if (
    fields.code !== undefined && typeof fields.code !== "string" && typeof fields.code !== "number"
  ) {
    delete fields.code;
  }
  return error;
}

/** How a command that failed ended, as {@linkcode CommandError} carries it. */
export interface CommandEnd {
  /** Its standard output. */
  stdout: string;
  /** Its standard error. */
  stderr: string;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: string | null;
}

/** A remote command ended with a non-zero code or a signal; `exitCode` is its code (128 + n for
 *  signal n). */
export class CommandError extends MitoctlError {
  override readonly exitCode: number;
  /** What it printed and how it ended, when it was kept (`ctx.exec`). */
  readonly result: CommandEnd | undefined;
  constructor(message: string, exitCode: number, result?: CommandEnd) {
    super(message);
    this.exitCode = exitCode;
    this.result = result;
  }
}

/** An exception thrown by remote code, with the remote's name, message and stack. */
export class RemoteError extends MitoctlError {
  /** The `name` of the error on the remote (`TypeError`, `ENOENT`-carrying `Error`, …). */
  readonly remoteName: string;
  /** The remote stack trace, as the remote printed it (cut to {@linkcode MAX_REMOTE_ERROR_TEXT}). */
  readonly remoteStack: string;
  /** Name of the context the error came from. */
  readonly context: string;
  /** The remote error itself, revived, its fields bounded; for a thrown non-error, an Error
   *  describing it that carries its fields. */
  readonly remote: Error;
  /** Exactly what remote code threw: the error, or any other value (`throw { code: "E" }`). */
  readonly thrown: unknown;

  /** Wraps `thrown`, thrown in context `context` (any value: its fields are bounded). */
  constructor(context: string, thrown: unknown) {
    const remote = bounded(thrown instanceof Error ? thrown : nonError(thrown));
    super(`${remote.name} on "${context}": ${remote.message}`, { cause: remote });
    this.remote = remote;
    this.thrown = thrown;
    this.remoteName = remote.name;
    this.remoteStack = remote.stack || `${remote.name}: ${remote.message}`;
    this.context = context;
    // Where it happened comes first: the remote frames, then the master's.
    const master = frames(this.stack ?? "");
    const remoteFrames = frames(this.remoteStack);
    this.stack = [
      `${this.name}: ${this.message}`,
      ...remoteFrames,
      ...(master.length ? [`    --- on the master ---`, ...master] : []),
    ].join("\n");
  }
}

/** The `at …` lines of a V8 stack (Deno and Node print them alike). */
export function frames(stack: string): string[] {
  return stack.split("\n").filter((l) => /^\s+at /.test(l));
}

/** An Error standing for a thrown value that is not one, carrying the value's own fields. */
function nonError(value: unknown): Error {
  const shown = typeof value === "string" ? value : showValue(value);
  const e = new Error(`Non-error thrown: ${shown}`);
  e.stack = "";
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!(k in e)) (e as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return e;
}
