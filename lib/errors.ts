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
  /** The remote stack trace, as the remote printed it. */
  readonly remoteStack: string;
  /** Name of the context the error came from. */
  readonly context: string;
  /** The remote error itself, revived; for a thrown non-error, an Error describing it that
   *  carries its fields. */
  readonly remote: Error;
  /** Exactly what remote code threw: the error, or any other value (`throw { code: "E" }`). */
  readonly thrown: unknown;

  /** Wraps `thrown`, thrown in context `context`. */
  constructor(context: string, thrown: unknown) {
    const remote = thrown instanceof Error ? thrown : nonError(thrown);
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
