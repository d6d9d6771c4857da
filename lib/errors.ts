/**
 * Errors users catch. Misuse by a programmer gets built-in `TypeError`/`RangeError`; failures of
 * remote work and connections get these classes. CLI-facing errors carry an `exitCode`.
 *
 * @module
 */

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

/** An exception thrown by remote code, with the remote's name, message and stack. */
export class RemoteError extends MitoctlError {
  /** The `name` of the error on the remote (`TypeError`, `ENOENT`-carrying `Error`, …). */
  readonly remoteName: string;
  /** The remote stack trace, as the remote printed it. */
  readonly remoteStack: string;
  /** Name of the context the error came from. */
  readonly context: string;
  /** The remote error itself, revived. */
  readonly remote: Error;

  /** Wraps `remote`, thrown in context `context`. */
  constructor(context: string, remote: Error) {
    super(`${remote.name} on "${context}": ${remote.message}`, { cause: remote });
    this.remote = remote;
    this.remoteName = remote.name;
    this.remoteStack = remote.stack ?? `${remote.name}: ${remote.message}`;
    this.context = context;
  }
}
