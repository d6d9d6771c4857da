/**
 * The one interface every carrier of frames implements, whatever the runtime and whatever is at
 * the other end: send, receive, close, and what a boot needs (the child's stderr, its exit). One
 * small implementation per kind: `node_child.ts` (the master or a remote stage starting a child,
 * on Node APIs that Deno has too) and `stage_stdio.ts` (a remote stage's own stdin and stdout).
 *
 * @module
 */

/** What a transport reports. `receive` is called with each chunk read, in order. */
export interface TransportEvents {
  /** Bytes that came (a child's stdout, or the stage's stdin). The chunk is the callee's. */
  receive(chunk: Uint8Array): void;
  /** A child's stderr, as it comes. */
  stderr?(chunk: Uint8Array): void;
  /** A child that could not be started, or a stream that failed. */
  error?(error: Error): void;
  /**
   * The other end is gone: the child exited (after its stdout was read to the end), or the
   * stage's stdin closed (`code` and `signal` null).
   */
  closed(code: number | null, signal: string | null): void;
}

/** Bytes to and from the other end. */
export interface Transport {
  /**
   * Writes `bytes` (a whole frame, or the boot) in one write, after what was sent before.
   * `written`, where given, is called once the bytes were handed on and may be reused.
   */
  send(bytes: Uint8Array, written?: () => void): void;
  /** Ends what this side writes: the other end reads end of file. */
  close(): void;
}

/** A transport to a child process this one started. */
export interface ChildTransport extends Transport {
  /** The child's process id. */
  readonly pid: number;
  /** Ends the child with SIGKILL, if it still runs. */
  kill(): void;
}

/** How to start a child process for a {@linkcode ChildTransport}. */
export interface ChildOptions {
  /** argv; `argv[0]` is looked up on PATH. */
  argv: string[];
  /** Environment variables added to this process's own. */
  env: Record<string, string>;
  /**
   * Starts the child in a session of its own, so a Ctrl-C at the terminal reaches this process
   * alone (the master then closes its contexts in order).
   */
  detached?: boolean;
}
