/**
 * What the code behind a context's own methods (`exec`, processes, `push`, `pull`) needs of a
 * context: its name, whether it is closed, calls and streams into it. {@linkcode Caller} is that
 * much of `Context`, so that code takes it without importing the class that uses it.
 *
 * @module
 */

/** Options of one call. */
export interface CallOptions {
  /** Milliseconds before the call fails with a TimeoutError and its remote work is stopped;
   *  default: the context's `timeout`, else none. */
  timeout?: number;
  /** Aborting stops the remote work and rejects the call with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of one stream. */
export interface StreamOptions {
  /** Items the remote may send ahead of the consumer; default 64 (`STREAM_WINDOW`). */
  window?: number;
  /** Aborting ends the stream: the remote iterator is stopped and the loop throws the reason. */
  signal?: AbortSignal;
}

/** A context as calls see it; every `Context` is one. */
export interface Caller {
  /** The context's name, for messages. */
  readonly name: string;
  /** Whether the context has ended. */
  readonly closed: boolean;
  /** Calls `fn` of module `mod` in the context. */
  call<T = unknown>(mod: string | URL, fn: string, ...args: unknown[]): Promise<T>;
  /** Streams what `fn` of module `mod` yields in the context. */
  streamWith<T = unknown>(
    options: StreamOptions,
    mod: string | URL,
    fn: string,
    ...args: unknown[]
  ): AsyncGenerator<T>;
}
