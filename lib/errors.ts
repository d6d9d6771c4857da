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

/** Longest `name` of a remote error kept, in characters; a longer or non-string one is "Error". */
export const MAX_REMOTE_ERROR_NAME = 128;

/** Longest `message` or `stack` of a remote error kept, in characters; the rest is cut. */
export const MAX_REMOTE_ERROR_TEXT = 64 * 1024;

function cut(text: string): string {
  const over = text.length - MAX_REMOTE_ERROR_TEXT;
  return over > 0 ? `${text.slice(0, MAX_REMOTE_ERROR_TEXT)}… (${over} more characters)` : text;
}

/**
 * The error value a remote sent, as an Error with bounded string fields: `name` a short string,
 * `message` and `stack` cut to {@linkcode MAX_REMOTE_ERROR_TEXT}, `code` a string or number or
 * absent. Anything that is not an Error becomes one saying so. Its other fields (`cause`,
 * `errno`, …) are plain data, as decoding made them.
 */
function boundedError(value: unknown): Error {
  if (!(value instanceof Error)) {
    const shown = typeof value === "string" ? JSON.stringify(value) : typeof value;
    return new Error(`The remote failed with a value that is not an error: ${cut(shown)}`);
  }
  const fields = value as Error & { code?: unknown };
  const name = typeof value.name === "string" && value.name.length <= MAX_REMOTE_ERROR_NAME
    ? value.name
    : "Error";
  // Own data properties: reading them runs no remote-chosen code.
  Object.defineProperty(value, "name", { value: name, writable: true, configurable: true });
  value.message = cut(typeof value.message === "string" ? value.message : "");
  value.stack = cut(typeof value.stack === "string" ? value.stack : `${name}: ${value.message}`);
  if (
    fields.code !== undefined && typeof fields.code !== "string" && typeof fields.code !== "number"
  ) {
    delete fields.code;
  }
  return value;
}

/** An exception thrown by remote code, with the remote's name, message and stack. */
export class RemoteError extends MitoctlError {
  /** The `name` of the error on the remote (`TypeError`, `ENOENT`-carrying `Error`, …). */
  readonly remoteName: string;
  /** The remote stack trace, as the remote printed it (cut to {@linkcode MAX_REMOTE_ERROR_TEXT}). */
  readonly remoteStack: string;
  /** Name of the context the error came from. */
  readonly context: string;
  /** The remote error itself, revived, its fields bounded. */
  readonly remote: Error;

  /** Wraps `remote`, the error value context `context` sent (checked: any value is taken). */
  constructor(context: string, remote: unknown) {
    const error = boundedError(remote);
    super(`${error.name} on "${context}": ${error.message}`, { cause: error });
    this.remote = error;
    this.remoteName = error.name;
    this.remoteStack = error.stack!;
    this.context = context;
  }
}
