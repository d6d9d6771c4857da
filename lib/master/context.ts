/**
 * A context: one remote stage (a process on some machine) and the calls made into it.
 *
 * @module
 */

import { type CodecOptions, decode, encode, reuse } from "../wire/codec.ts";
import { ConnectionError, RefusedValueError, RemoteError, TimeoutError } from "../errors.ts";
import { CLOSE_GRACE } from "../limits.ts";
import { Channel } from "./channel.ts";
import { type ContextInfo, contextInfo } from "./context_info.ts";
import { evalSpecifier } from "./eval_source.ts";
import { exec, type ExecOptions, type ExecResult } from "./exec.ts";
import {
  pull as pullFiles,
  type PullOptions,
  push as pushFiles,
  type PushOptions,
  type TransferSummary,
} from "../files/mod.ts";
import { type Call, CHANNEL_EXT, CONTEXT_EXT, type Hello, type Message } from "../wire/protocol.ts";
import type { Caller, CallOptions, StreamOptions } from "../caller.ts";

export type { CallOptions, StreamOptions } from "../caller.ts";

/** Default number of items a remote stream may send before the consumer takes them. */
export const STREAM_WINDOW = 64;

/** Traffic of one context, as counted on the master's side of its link. */
export interface ContextStats {
  /** Frames and bytes (with headers) written to the context. */
  framesSent: number;
  bytesSent: number;
  /** Frames and bytes read from the context. */
  framesReceived: number;
  bytesReceived: number;
  /** Modules pushed along with calls or sent on request, and their source bytes. */
  modulesSent: number;
  moduleBytesSent: number;
  /** Requests for modules that were not pushed (each one round trip). */
  moduleRequests: number;
}

/** A module's exported functions as seen from the master: each returns a Promise. */
export type Remote<T> = {
  // deno-lint-ignore no-explicit-any
  [K in keyof T as T[K] extends (...args: any[]) => unknown ? K : never]: T[K] extends
    (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** What a context needs from the router that owns it. */
export interface ContextHost {
  /** Sends `msg` to context `dst`. */
  send(dst: number, msg: Message): void;
  /** A fresh call id. */
  nextCallId(): number;
  /** What a call of `mod` in `ctx` must carry so it has `mod`'s modules; {} for builtins. */
  modulesFor(ctx: Context, mod: string): Promise<Pick<Call, "modules" | "need">>;
  /** Ends the context's transport. */
  close(ctx: Context): Promise<void>;
  /**
   * Lets context `from` call into `to`: `from` is being handed `to` in a call's arguments. The
   * returned function ends that grant; it is called once the call has settled.
   */
  grant(to: Context, from: Context): () => void;
  /**
   * What a handle in a value `from` sent becomes: the live context or channel when the master
   * issued it to `from`, else an inert {@linkcode UnissuedHandle}.
   */
  revive(from: Context, type: number, payload: unknown): unknown;
  /** Binds `channel` to `ctx` and returns its id. */
  bindChannel(channel: Channel, ctx: Context): number;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  /** Set for a stream: takes each item. */
  item?: (value: unknown) => void;
  what: string;
  /** Set for a stream stopped early, until the remote says it has ended. */
  stopping?: true;
}

/** A call's arguments, encoded, with the contexts and channels found among them. */
interface Prepared {
  specifier: string;
  what: string;
  encoded: Uint8Array;
  handed: Context[];
  channels: Channel[];
}

/** Turns the many spellings of a module into the string the remote imports. */
export function moduleSpecifier(mod: string | URL): string {
  const s = String(mod);
  if (/^(node|file|https?|data|npm|jsr):/.test(s)) return s;
  if (s.startsWith("/")) return new URL(`file://${s}`).href;
  throw new TypeError(
    `Module "${s}" must be absolute: a URL (new URL("./tasks.ts", import.meta.url)), ` +
      `an absolute path or a "node:" builtin`,
  );
}

/** A connected context; obtained from `Router.connect()` and friends. */
export class Context implements AsyncDisposable, Caller {
  /** Context id, unique within its router. */
  readonly id: number;
  /** Name used in messages and errors: the target, or the `name` option. */
  readonly name: string;
  /** Resolves with the remote's hello once it is up; rejects when it never comes up. */
  readonly ready: Promise<Hello>;
  readonly #host: ContextHost;
  readonly #timeout: number | undefined;
  readonly #pending = new Map<number, Pending>();
  /** Streams stopped early that have not yet ended on the remote. */
  readonly #stopping = new Set<Promise<void>>();
  #info: ContextInfo | undefined;
  /** Traffic counters, updated as frames move. */
  readonly stats: ContextStats = {
    framesSent: 0,
    bytesSent: 0,
    framesReceived: 0,
    bytesReceived: 0,
    modulesSent: 0,
    moduleBytesSent: 0,
    moduleRequests: 0,
  };
  #lost: Error | undefined;

  /** @internal Built by the router. */
  constructor(
    host: ContextHost,
    id: number,
    name: string,
    ready: Promise<Hello>,
    timeout: number | undefined,
  ) {
    this.#host = host;
    this.id = id;
    this.name = name;
    this.#timeout = timeout;
    this.ready = ready.then((h) => (this.#info = contextInfo(h), h));
    this.ready.catch(() => {});
  }

  /** What the remote said about itself (runtime, version, pid, host, user), once up. */
  get info(): ContextInfo | undefined {
    return this.#info;
  }

  /** Whether the context has been closed or lost. */
  get closed(): boolean {
    return this.#lost !== undefined;
  }

  /**
   * Calls `fn` exported by module `mod` on the remote with `args` and returns its result.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const host = await ctx.call("node:os", "hostname");
   * ```
   */
  call<T = unknown>(mod: string | URL, fn: string, ...args: unknown[]): Promise<T> {
    return this.callWith<T>({}, mod, fn, ...args);
  }

  /** Like {@linkcode Context.call} with per-call options (timeout, signal). */
  async callWith<T = unknown>(
    options: CallOptions,
    mod: string | URL,
    fn: string,
    ...args: unknown[]
  ): Promise<T> {
    const prepared = this.#prepare(mod, fn, args);
    const { specifier, what, encoded, channels } = prepared;
    const { modules, id, release } = await this.#begin(prepared, options.signal);
    const timeout = options.timeout ?? this.#timeout;
    const call = new Promise<T>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const stop = (error: Error) => {
        if (!this.#pending.delete(id)) return;
        cleanup();
        this.#host.send(this.id, { t: "cancel", id });
        reject(error);
      };
      const onAbort = () => stop(options.signal!.reason);
      this.#pending.set(id, {
        resolve: (v) => (cleanup(), resolve(v as T)),
        reject: (e) => (cleanup(), reject(e)),
        what,
      });
      if (timeout !== undefined) {
        timer = setTimeout(
          () => stop(new TimeoutError(`Call ${what} timed out after ${timeout / 1000} s`)),
          timeout,
        );
      }
      options.signal?.addEventListener("abort", onAbort, { once: true });
      const msg: Message = { t: "call", id, mod: specifier, fn, args: encoded, ...modules };
      try {
        this.#host.send(this.id, msg);
        // Copied into the frame: a large argument's buffer takes the next large message.
        reuse(encoded.buffer as ArrayBuffer);
      } catch (e) {
        this.#pending.delete(id);
        cleanup();
        reject(e);
      }
    });
    // A channel's remote end, and a handed context's grant, live as long as the call that
    // carried them.
    const ended = (error?: Error) => (release(), channels.forEach((c) => c.remoteEnded(error)));
    call.then(() => ended(), (e) => ended(e));
    return await call;
  }

  /**
   * Gets what the call must carry of its modules, then grants the contexts among its arguments
   * and gives it an id, unless the context went or the caller gave up meanwhile.
   */
  async #begin(
    prepared: Prepared,
    signal: AbortSignal | undefined,
  ): Promise<{ modules: Pick<Call, "modules" | "need">; id: number; release: () => void }> {
    if (this.#lost) throw this.#lost;
    signal?.throwIfAborted();
    const modules = await this.#host.modulesFor(this, prepared.specifier);
    if (this.#lost) throw this.#lost;
    signal?.throwIfAborted();
    // Handed contexts may take this context's calls while the call runs, and no longer.
    const grants = prepared.handed.map((c) => this.#host.grant(c, this));
    const release = () => grants.splice(0).forEach((end) => end());
    return { modules, id: this.#host.nextCallId(), release };
  }

  #prepare(
    mod: string | URL,
    fn: string,
    args: unknown[],
  ): Prepared {
    if (typeof fn !== "string" || fn === "") throw new TypeError("Export name must be a string");
    const specifier = moduleSpecifier(mod);
    const what = `${specifier}#${fn} on "${this.name}"`;
    // Contexts among the arguments travel as handles; the receiver may then call into them.
    const handed: Context[] = [];
    const channels: Channel[] = [];
    const replacer = (v: object): [number, unknown] | undefined => {
      if (v instanceof Channel) {
        channels.push(v);
        return [CHANNEL_EXT, this.#host.bindChannel(v, this)];
      }
      if (!(v instanceof Context)) return undefined;
      handed.push(v);
      return [CONTEXT_EXT, [v.id, v.name]];
    };
    try {
      const encoded = encode(args, { replacer });
      return { specifier, what, encoded, handed, channels };
    } catch (e) {
      throw new TypeError(
        `Cannot send the arguments of ${what}: ${
          (e as Error).message.replace(/^Cannot serialise /, "")
        }`,
      );
    }
  }

  /**
   * Calls `fn`, which returns an async iterable (an `async function*`) or an iterable on the
   * remote, and yields its values as they come. Backpressure: the remote runs at most `window`
   * items ahead of this loop. `break` (or `return`) stops the remote iterator, running its
   * `finally` blocks; a remote throw ends the loop with a RemoteError. The generator's return
   * value is this one's.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * for await (const line of web1.stream(new URL("./tail.ts", import.meta.url), "follow", "/var/log/syslog")) {
   *   console.log(line);
   * }
   * ```
   */
  stream<T = unknown>(mod: string | URL, fn: string, ...args: unknown[]): AsyncGenerator<T> {
    return this.streamWith<T>({}, mod, fn, ...args);
  }

  /** Like {@linkcode Context.stream} with options (window, signal). */
  async *streamWith<T = unknown>(
    options: StreamOptions,
    mod: string | URL,
    fn: string,
    ...args: unknown[]
  ): AsyncGenerator<T> {
    const prepared = this.#prepare(mod, fn, args);
    const { specifier, what, encoded, channels } = prepared;
    const window = options.window ?? STREAM_WINDOW;
    if (!Number.isInteger(window) || window < 1) {
      throw new RangeError(`Invalid stream window ${window}: expected a positive integer`);
    }
    const { modules, id, release } = await this.#begin(prepared, options.signal);
    const queue: unknown[] = [];
    let end: { error?: Error } | undefined;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const onAbort = () => {
      this.#stopStream(id, what);
      // Aborted means now: items already here are dropped, not yielded.
      queue.length = 0;
      end = { error: options.signal!.reason };
      notify();
    };
    this.#pending.set(id, {
      resolve: () => (end ??= {}, notify()),
      reject: (error) => (end ??= { error }, notify()),
      item: (value) => (queue.push(value), notify()),
      what,
    });
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let taken = 0;
    try {
      this.#host.send(this.id, {
        t: "call",
        id,
        mod: specifier,
        fn,
        args: encoded,
        credit: window,
        ...modules,
      });
      reuse(encoded.buffer as ArrayBuffer);
      for (;;) {
        if (queue.length) {
          const value = queue.shift() as T;
          // Give credit back in batches: half a window at a time.
          if (++taken >= Math.ceil(window / 2)) {
            this.#host.send(this.id, { t: "credit", id, n: taken });
            taken = 0;
          }
          yield value;
          continue;
        }
        if (end) {
          if (end.error) throw end.error;
          return;
        }
        await new Promise<void>((resolve) => wake = resolve);
      }
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      // The consumer left early: stop the remote iterator.
      this.#stopStream(id, what);
      release();
      for (const c of channels) c.remoteEnded(end?.error);
    }
  }

  /**
   * Copies a local file or tree to `dest` in this context: only files whose size and SHA-256
   * differ travel; modes, mtimes and symlinks are kept; each file is replaced atomically.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const summary = await web1.push("./dist", "/srv/app", { delete: true });
   * ```
   */
  push(source: string, dest: string, options: PushOptions = {}): Promise<TransferSummary> {
    return pushFiles(this, source, dest, options);
  }

  /** Copies a file or tree from this context to the local `dest`, the way {@linkcode push} does. */
  pull(source: string, dest: string, options: PullOptions = {}): Promise<TransferSummary> {
    return pullFiles(this, source, dest, options);
  }

  /**
   * A typed handle on a module: each exported function becomes an async function that calls it
   * in this context.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const tasks = web1.module<typeof import("./examples/tasks.ts")>(
   *   new URL("./examples/tasks.ts", import.meta.url),
   * );
   * const bytes = await tasks.diskUsage("/var/log");
   * ```
   */
  module<T>(mod: string | URL): Remote<T> {
    const specifier = moduleSpecifier(mod);
    return new Proxy({}, {
      get: (_t, key) =>
        typeof key === "string" && key !== "then"
          ? (...args: unknown[]) => this.call(specifier, key, ...args)
          : undefined,
    }) as Remote<T>;
  }

  /**
   * Runs a self-contained function in this context: its source is sent, so it must not use
   * variables from the enclosing scope (imports inside it work: `await import("node:os")`). A
   * function that does is refused before sending, naming them; this never throws synchronously.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const sum = await ctx.eval((a: number, b: number) => a + b, 1, 2);
   * ```
   */
  async eval<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
    return await this.call(await evalSpecifier(fn), "default", ...args);
  }

  /**
   * Runs `argv` here to its end: `{ stdout, stderr, code, signal }`. With `check: true` a
   * non-zero exit rejects with a CommandError (its `exitCode` is the command's). For output as it
   * comes, use `runProcess`.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const { stdout, code } = await ctx.exec(["df", "-h"]);
   * await ctx.exec(["systemctl", "restart", "nginx"], { check: true });
   * ```
   */
  exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    return exec(this, argv, options);
  }

  /**
   * Stops stream `id` on the remote and notes when it has ended there (its generator's `finally`
   * blocks ran): {@linkcode Context.close} waits for that, for a while.
   */
  #stopStream(id: number, what: string): void {
    const p = this.#pending.get(id);
    if (!p || p.stopping) return;
    const ended = Promise.withResolvers<void>();
    const done = () => ended.resolve();
    this.#pending.set(id, { resolve: done, reject: done, item: () => {}, what, stopping: true });
    this.#stopping.add(ended.promise);
    void ended.promise.then(() => this.#stopping.delete(ended.promise));
    this.#host.send(this.id, { t: "stop", id });
  }

  /** Waits until stopped streams have ended remotely, at most {@linkcode CLOSE_GRACE}. */
  async #drained(): Promise<void> {
    if (!this.#stopping.size || this.#lost) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSE_GRACE));
    await Promise.race([Promise.all(this.#stopping), grace]);
    clearTimeout(timer);
  }

  /**
   * Turns handles in what this context sent back into what the master issued it, if anything.
   * A large byte value stays a view of the frame that brought it (the frame is this value's
   * alone from here on), so a big reply is never copied a second time.
   */
  readonly #codec: CodecOptions = {
    views: "large",
    reviver: (type: number, payload: unknown): unknown => this.#host.revive(this, type, payload),
  };

  /** @internal Decodes a value this context sent: results, stream items, channel values. */
  decodeValue(bytes: Uint8Array): unknown {
    return decode(bytes, this.#codec);
  }

  /** @internal A reply for one of this context's calls. */
  handle(msg: Message): void {
    if (msg.t === "item") {
      const p = this.#pending.get(msg.id);
      try {
        p?.item?.(this.decodeValue(msg.value));
      } catch (e) {
        this.#pending.delete(msg.id);
        this.#host.send(this.id, { t: "stop", id: msg.id });
        p?.reject(new ConnectionError(`Undecodable item of ${p.what}: ${(e as Error).message}`));
      }
      return;
    }
    if (msg.t !== "ok" && msg.t !== "err") return;
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    try {
      if (msg.t === "ok") p.resolve(this.decodeValue(msg.value));
      else p.reject(new RemoteError(this.name, this.decodeValue(msg.error)));
    } catch (e) {
      const why = (e as Error).message;
      p.reject(
        msg.t === "err"
          ? new RefusedValueError(`Refused the error ${p.what} failed with: ${why}`)
          : new ConnectionError(`Undecodable reply to ${p.what}: ${why}`),
      );
    }
  }

  /** @internal The transport ended: every pending call fails with `error`. */
  lost(error: Error): void {
    this.#lost ??= error;
    for (const p of this.#pending.values()) p.reject(this.#lost);
    this.#pending.clear();
  }

  /** Ends the remote stage; pending calls fail with a ConnectionError. */
  async close(): Promise<void> {
    await this.#drained();
    this.lost(new ConnectionError(`Context "${this.name}" was closed`));
    await this.#host.close(this);
  }

  /** Same as {@linkcode Context.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
