/**
 * The master's router: starts contexts, moves messages between them and the caller, and owns
 * everything it started. No globals: make one with `new Router()`, close it with `await using`.
 *
 * @module
 */

import { encode, LARGE_MESSAGE, reuse } from "../wire/codec.ts";
import type { Channel } from "./channel.ts";
import { Connection, type ConnectionOptions, type SpawnSpec } from "./connection.ts";
import { Context, type ContextHost } from "./context.ts";
import { RouterCore } from "../core/router.ts";
import {
  AuthenticationError,
  ConnectionError,
  ProtocolError,
  TimeoutError,
  UsageError,
} from "../errors.ts";
import { encodeFrame, type Frame, frameInPlace, HEADER_SIZE } from "../wire/frame.ts";
import {
  CLOSE_GRACE,
  DEFAULT_CONNECT_TIMEOUT,
  MAX_FRAME_SIZE,
  MAX_OUTPUT_LINE,
} from "../limits.ts";
import { masterFacts } from "../methods/here.ts";
import type { LocalOptions } from "../methods/local.ts";
import {
  type HopSettings,
  type Method,
  type MethodOptions,
  retriesOnPty,
} from "../methods/method.ts";
import { isBuiltIn, methodNamed } from "../methods/registry.ts";
import { type SshOptions, sshSpawn } from "../methods/ssh.ts";
import type { SudoOptions } from "../methods/sudo.ts";
import { gather, type GatherResult, type SettleOptions } from "./gather.ts";
import { malformed } from "../wire/message_check.ts";
import { type ModuleRecord, ModuleServer } from "../modules/module_server.ts";
import { UnissuedHandle } from "../wire/handle.ts";
import {
  type Call,
  CHANNEL_EXT,
  type ChildMethod,
  CONTEXT_EXT,
  type Gone,
  type Hello,
  MASTER_ID,
  type Message,
  type ModuleEntry,
  type ModuleRequest,
} from "../wire/protocol.ts";
import { parentCodeBytes, stage2Bytes } from "../stage/stage2_bytes.ts";
import { formatHop, type Hop, parseTarget } from "../methods/target.ts";

/** How long an unfinished line of remote output waits for the rest of it, in ms. */
const OUTPUT_LINGER_MS = 50;

/** A diagnostic line from the router or a remote. */
export interface LogLine {
  /** Context name, or "master". */
  context: string;
  level: "debug" | "info" | "warn" | "error";
  text: string;
  /** Set for output of user code (its console, process.stdout/stderr), line by line. */
  stream?: "stdout" | "stderr";
}

/** Options for {@linkcode Router}. */
export interface RouterOptions {
  /** Receives diagnostics (remote stderr lines, warnings, errors) and what remote code prints.
   *  Default: dropped. */
  onLog?: (line: LogLine) => void;
  /** Also pass `debug` lines (the argv of each process started, …) to `onLog`; default false. */
  debug?: boolean;
  /** Largest frame sent or accepted; default {@linkcode MAX_FRAME_SIZE} (64 MiB). */
  maxFrameSize?: number;
  /** Where modules come from; default a new {@linkcode ModuleServer}. Share one between routers
   *  to share its cache. */
  modules?: ModuleServer;
}

/** Options shared by every way of starting a context. */
export interface ContextOptions {
  /** Name in messages and errors; default: the target. */
  name?: string;
  /** Default call timeout for this context, in ms; default none. */
  timeout?: number;
  /** How long the context may take to come up, in ms; default 30 000. */
  connectTimeout?: number;
}

/** ssh client settings for one hop of a target, run where that hop's ssh runs. */
export type HopSshOptions = Pick<SshOptions, "sshConfig" | "sshOptions" | "identity">;

/**
 * Options of {@linkcode Router.connect}: what the CLI flags set. In a multi-hop target the ssh
 * client options (`sshConfig`, `sshOptions`, `identity`, `controlPersist`, `sshPath`) apply to
 * the first hop only: later hops use the ssh client and configuration of the host before them,
 * plus what `hops` gives them. A `runtime` given as an absolute path applies to the first hop
 * only too. `password` is the last ssh hop's (the target host's), answered where that hop's ssh
 * runs.
 */
export interface ConnectOptions extends ContextOptions, Omit<SshOptions, "host" | "user" | "port"> {
  /** Password for `sudo`, `su` and `doas` hops (sudo, doas: the login user's; su: the target
   *  user's), typed only if asked for. */
  sudoPassword?: string;
  /**
   * ssh client settings per hop, by hop number (1 is the first): `{ 2: { sshOptions:
   * ["Port=2222"] } }`. A hop's own `sshOptions` come before the command's, so they win; its
   * `identity` and `sshConfig` replace them. Paths name files on the machine that runs that hop's
   * ssh.
   */
  hops?: Record<number, HopSshOptions>;
  /** Start the target's first hop from this context instead of from this machine. */
  via?: Context;
}

/** Options of {@linkcode Router.ssh}. */
export interface SshContextOptions extends SshOptions, ContextOptions {
  /** Start the context from this one (ssh runs there, with that host's client and config). */
  via?: Context;
}

/** Options of {@linkcode Router.sudo}. */
export interface SudoContextOptions extends SudoOptions, ContextOptions {
  /** The context that runs sudo; default: sudo on this machine. */
  via?: Context;
}

interface Entry {
  ctx: Context;
  /** The connection this context's frames travel on: its own, or its topmost ancestor's. */
  conn: Connection;
  /** Id of the context that started it (MASTER_ID for the master). */
  parent: number;
  /** Contexts this one started. */
  children: Set<number>;
  /** Modules the context holds: url → content hash. */
  held: Map<string, string>;
  /** Modules the master chose to call in this context: what lazy requests are checked against. */
  roots: Set<string>;
  /** Set once the context asked for a module outside what it may have. */
  suspect: boolean;
  /** Whether the code that starts children was sent to it. */
  codeSent: boolean;
  /** Module sets stashed here for its children: closure key → set number. */
  sets: Map<string, number>;
  /** The unfinished last line of what its code wrote to each stream. */
  output: Record<"stdout" | "stderr", { text: string; timer?: ReturnType<typeof setTimeout> }>;
  /** Settles the context's hello when a remote parent started it. */
  up?: PromiseWithResolvers<Hello>;
  /** Resolves once the context is gone and forgotten. */
  done: PromiseWithResolvers<void>;
  /** Contexts whose handles the master handed this one: the only handles it may send back. */
  issued: Set<number>;
}

/** Routes messages between this process (the master) and the contexts it starts. */
export class Router implements AsyncDisposable {
  readonly #options: RouterOptions;
  readonly #entries = new Map<number, Entry>();
  /** Routes, the source check, forwarding and the trust rules, as in every remote stage. */
  readonly #core = new RouterCore<Connection>(MASTER_ID);
  readonly #host: ContextHost;
  readonly #modules: ModuleServer;
  /** Contexts of the leading hops of multi-hop targets, by target prefix. */
  readonly #shared = new Map<string, Context>();
  #nextContext = 1;
  /** Channels by id, with the context at their other end. */
  readonly #channels = new Map<number, { channel: Channel; ctx: number }>();
  readonly #channelIds = new WeakMap<Channel, number>();
  #nextChannel = 1;
  #nextSet = 1;
  #nextCall = 1;
  #closed = false;

  constructor(options: RouterOptions = {}) {
    this.#options = options;
    this.#modules = options.modules ?? new ModuleServer();
    this.#host = {
      send: (dst, msg) => this.#send(dst, msg),
      nextCallId: () => this.#nextCall++,
      modulesFor: (ctx, mod) => this.#modulesFor(ctx, mod),
      grant: (to, from) => this.#grant(to, from),
      bindChannel: (channel, ctx) => this.#bindChannel(channel, ctx),
      revive: (from, type, payload) => this.#revive(from, type, payload),
      close: (ctx) => this.#closeContext(ctx),
    };
  }

  /** Live contexts. */
  get contexts(): Context[] {
    return [...this.#entries.values()].map((e) => e.ctx);
  }

  /**
   * Connects to a target in CLI syntax (`local`, `web1`, `deploy@10.0.0.5:2222`) and waits until
   * its remote stage is up. Throws a ConnectionError saying why it could not.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * await using router = new Router();
   * const web1 = await router.connect("web1", { sshConfig: "/home/me/.ssh/config" });
   * console.log(await web1.call("node:os", "hostname"));
   * ```
   */
  async connect(target: string, options: ConnectOptions = {}): Promise<Context> {
    const ctx = this.open(target, options);
    await ctx.ready;
    return ctx;
  }

  /**
   * Like {@linkcode Router.connect} but returns at once: the first call is written right behind
   * the bootstrap, before the remote answers, saving a round trip. A failed start surfaces on `ready` and on each call.
   *
   * In a multi-hop target (`bastion/web1/sudo:postgres`) each hop is started from the one before
   * it. Leading hops are shared: a target whose prefix names a context this router opened by
   * target (`bastion`, or `bastion/web1`) goes through that context while it lives.
   */
  open(target: string, options: ConnectOptions = {}): Context {
    const hops = parseTarget(target);
    let via = options.via;
    checkHops(hops, target, via !== undefined);
    checkHopNumbers(options.hops, hops, target);
    let prefix = "";
    // The ssh password is the target host's: only the last hop that logs in with one gets it.
    const lastPassword = hops.findLastIndex((h) => methodNamed(h.method)!.password === true);
    for (const [i, hop] of hops.entries()) {
      prefix = i === 0 ? formatHop(hop) : `${prefix}/${formatHop(hop)}`;
      const last = i === hops.length - 1;
      // Leading hops are shared by target; a target started from a context is not.
      const shared = last || options.via ? undefined : this.#shared.get(prefix);
      if (shared && !shared.closed) {
        via = shared;
        continue;
      }
      const name = last ? options.name ?? target : prefix;
      const settings = hopSettings(options, i, i === lastPassword);
      via = this.#startHop(hop, via, { ...options, name }, settings);
      // Later targets that start with this one go through it (the last hop too:
      // "bastion/web1" then "bastion/web1/sudo" share web1).
      if (options.via) continue;
      if (!this.#shared.get(prefix) || this.#shared.get(prefix)!.closed) {
        this.#shared.set(prefix, via);
      }
    }
    return via!;
  }

  #startHop(
    hop: Hop,
    via: Context | undefined,
    options: ConnectOptions & { name: string },
    settings: HopSettings,
  ): Context {
    const { method: name, ...fields } = hop;
    const method = methodNamed(name)!;
    const hopOptions = contextOptions(options.name, options.timeout, options.connectTimeout);
    return this.#startMethod(method, method.options(fields, settings), via, hopOptions);
  }

  /** Starts a context with `method`: on this machine, or behind `via`. */
  #startMethod(
    method: Method,
    methodOptions: MethodOptions,
    via: Context | undefined,
    options: ContextOptions & { name: string },
  ): Context {
    if (via) {
      return this.#startChild(via, { method: method.name, options: methodOptions }, options.name, {
        ...options,
      });
    }
    const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    let spec;
    try {
      spec = method.spawn(methodOptions, masterFacts(stage2Bytes().length, connectTimeout));
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      throw new UsageError(`Cannot start "${options.name}": ${e.message}`);
    }
    // A sudo rule with requiretty: once more, on a terminal, as a remote stage does.
    const retry = (message: string) =>
      retriesOnPty(method, false, message)
        ? method.spawn(methodOptions, masterFacts(stage2Bytes().length, connectTimeout, true))
        : undefined;
    return this.#start(spec, options.name, options, retry);
  }

  /** Starts a context on this machine. */
  async local(options: LocalOptions & ContextOptions = {}): Promise<Context> {
    const { name, timeout, connectTimeout, ...local } = options;
    const ctx = this.#startMethod(
      methodNamed("local")!,
      { ...local },
      undefined,
      contextOptions(name ?? "local", timeout, connectTimeout),
    );
    await ctx.ready;
    return ctx;
  }

  /**
   * Starts a context over ssh, from this machine or, with `via`, from another context (which
   * then runs its own ssh client with its own configuration).
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const bastion = await router.ssh({ host: "jump.example.com" });
   * const web1 = await router.ssh({ host: "web1.internal", via: bastion });
   * ```
   */
  async ssh(options: SshContextOptions): Promise<Context> {
    const { via, name, timeout, connectTimeout, ...ssh } = options;
    let ctx: Context;
    if (via) {
      const child: ContextOptions = {};
      if (timeout !== undefined) child.timeout = timeout;
      if (connectTimeout !== undefined) child.connectTimeout = connectTimeout;
      ctx = this.#startChild(
        via,
        { method: "ssh", options: { ...ssh } },
        name ?? `${via.name}/${formatHop({ method: "ssh", ...pick(ssh) })}`,
        child,
      );
    } else {
      const spec = sshSpawn(ssh, stage2Bytes().length, connectTimeout ?? DEFAULT_CONNECT_TIMEOUT);
      ctx = this.#start(spec, name ?? spec.label, options);
    }
    await ctx.ready;
    return ctx;
  }

  /**
   * Becomes another user with sudo, on the machine of `via` or, without it, on this one. A
   * password is typed only when sudo asks for it, at a prompt mitoctl chose; a refused one fails
   * with an {@linkcode AuthenticationError}.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const pg = await router.sudo({ via: web1, user: "postgres", password });
   * ```
   */
  async sudo(options: SudoContextOptions): Promise<Context> {
    const { via, name, timeout, connectTimeout, ...sudo } = options;
    const hop = `sudo${sudo.user ? `:${sudo.user}` : ""}`;
    const ctx = this.#startMethod(
      methodNamed("sudo")!,
      { ...sudo },
      via,
      contextOptions(name ?? (via ? `${via.name}/${hop}` : hop), timeout, connectTimeout),
    );
    await ctx.ready;
    return ctx;
  }

  /**
   * Yields each context's result as soon as it finishes, tagged with its context:
   * `{ ctx, index, ok: true, value }` or `{ ctx, index, ok: false, error }`. A failure never
   * stops the others; breaking out of the loop leaves the remaining calls running, their
   * rejections handled.
   *
   * Two forms: `[context, promise]` pairs (an array or a `Map`), or contexts and a function
   * that starts the work for one of them, called at most `concurrency` at a time.
   *
   * @example
   * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
   * ```ts ignore
   * const hosts = await Promise.all(["web1", "web2"].map((t) => router.connect(t)));
   * for await (const r of router.gather(hosts, (h) => h.call<number[]>("node:os", "loadavg"))) {
   *   console.log(r.ctx.name, r.ok ? r.value[0] : r.error.message);
   * }
   * const calls = new Map(hosts.map((h) => [h, h.call<string>("node:os", "hostname")]));
   * for await (const r of router.gather(calls)) if (!r.ok) console.error(r.error);
   * ```
   */
  gather<T>(
    calls: Iterable<readonly [Context, PromiseLike<T>]>,
    options?: SettleOptions,
  ): AsyncGenerator<GatherResult<T, Context>, void, undefined>;
  gather<T>(
    contexts: Iterable<Context>,
    fn: (ctx: Context, index: number) => PromiseLike<T>,
    options?: SettleOptions,
  ): AsyncGenerator<GatherResult<T, Context>, void, undefined>;
  gather<T>(
    input: Iterable<Context> | Iterable<readonly [Context, PromiseLike<T>]>,
    fnOrOptions?: ((ctx: Context, index: number) => PromiseLike<T>) | SettleOptions,
    options?: SettleOptions,
  ): AsyncGenerator<GatherResult<T, Context>, void, undefined> {
    return typeof fnOrOptions === "function"
      ? gather(input as Iterable<Context>, fnOrOptions, options)
      : gather(input as Iterable<readonly [Context, PromiseLike<T>]>, fnOrOptions);
  }

  /** Closes every context and waits for their processes to end. */
  async close(): Promise<void> {
    this.#closed = true;
    // Closing the first hops ends everything behind them.
    const roots = [...this.#entries.values()].filter((e) => e.parent === MASTER_ID);
    await Promise.all(roots.map((e) => e.ctx.close()));
    await Promise.all(this.contexts.map((c) => c.close()));
  }

  /** Same as {@linkcode Router.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #log(context: string, level: LogLine["level"], text: string, stream?: LogLine["stream"]): void {
    if (level === "debug" && !this.#options.debug) return;
    this.#options.onLog?.(stream ? { context, level, text, stream } : { context, level, text });
  }

  #start(
    spec: SpawnSpec,
    name: string,
    options: ContextOptions,
    retry?: ConnectionOptions["retry"],
  ): Context {
    if (this.#closed) throw new TypeError("Router is closed");
    const id = this.#nextContext++;
    this.#log(name, "debug", `starting: ${JSON.stringify(spec.argv)}`);
    const init = encode(
      {
        t: "init",
        id,
        name,
        title: masterTitle(),
        parent: MASTER_ID,
        ancestors: [MASTER_ID],
        // Every context sends within the master's limit, and passes it on to its children.
        ...(this.#options.maxFrameSize === undefined
          ? {}
          : { maxFrame: this.#options.maxFrameSize }),
      } satisfies Message,
    );
    const conn: Connection = new Connection(
      spec,
      [stage2Bytes(), encodeFrame(id, MASTER_ID, init)],
      {
        connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
        maxFrameSize: this.#options.maxFrameSize ?? MAX_FRAME_SIZE,
        ...(retry ? { retry } : {}),
        onFrame: (frame) => this.#arrive(conn, frame),
        onClose: (error) => {
          if (error) this.#log(name, "error", error.message);
          this.#lose(id, error ?? new ConnectionError(`Context "${name}" was closed`));
        },
        ...(this.#options.onLog
          ? { onStderr: (line: string) => this.#log(name, "info", line) }
          : {}),
      },
    );
    const ctx = new Context(this.#host, id, name, conn.hello, options.timeout);
    this.#entries.set(id, this.#entry(ctx, conn, MASTER_ID));
    this.#core.add(id, conn);
    return ctx;
  }

  #entry(ctx: Context, conn: Connection, parent: number): Entry {
    return {
      ctx,
      conn,
      parent,
      children: new Set(),
      held: new Map(),
      roots: new Set(),
      suspect: false,
      codeSent: false,
      sets: new Map(),
      output: { stdout: { text: "" }, stderr: { text: "" } },
      done: Promise.withResolvers(),
      issued: new Set(),
    };
  }

  /** Ids from the first hop down to `id`. */
  #chain(id: number): number[] {
    const chain: number[] = [];
    for (let at = id; at !== MASTER_ID;) {
      chain.unshift(at);
      at = this.#entries.get(at)!.parent;
    }
    return chain;
  }

  /** Asks context `via` to start a child context. */
  #startChild(via: Context, child: ChildMethod, name: string, options: ContextOptions): Context {
    if (this.#closed) throw new TypeError("Router is closed");
    const parent = this.#entries.get(via.id);
    if (!parent || via.closed) {
      throw new ConnectionError(`Cannot start "${name}": context "${via.name}" is closed`);
    }
    const id = this.#nextContext++;
    const up = Promise.withResolvers<Hello>();
    up.promise.catch(() => {});
    const ctx = new Context(this.#host, id, name, up.promise, options.timeout);
    const entry = this.#entry(ctx, parent.conn, via.id);
    entry.up = up;
    this.#entries.set(id, entry);
    this.#core.add(id, parent.conn);
    parent.children.add(id);
    this.#log(name, "debug", `starting from "${via.name}": ${child.method}`);
    // Every router on the way learns where frames for the new id go; the parent starts it.
    const chain = this.#chain(via.id);
    for (let i = 0; i + 1 < chain.length; i++) {
      this.#send(chain[i]!, { t: "route", id, via: chain[i + 1]! });
    }
    const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT;
    const open: Message = { t: "open", id, name, title: masterTitle(), child, connectTimeout };
    if (this.#options.debug) open.verbose = true;
    if (!parent.codeSent) {
      open.code = parentCodeBytes();
      parent.codeSent = true;
    }
    this.#send(via.id, open);
    // The parent reports a child that never came up; this covers a parent that went silent.
    const timer = setTimeout(() => {
      this.#send(via.id, { t: "close", id });
      this.#lose(
        id,
        new TimeoutError(
          `Timed out after ${connectTimeout / 1000} s waiting for "${name}" to start`,
        ),
      );
    }, connectTimeout + CLOSE_GRACE);
    up.promise.then(() => clearTimeout(timer), () => clearTimeout(timer));
    return ctx;
  }

  /** Lets `from` call into `to` until the returned function is called (once its call settled). */
  #grant(to: Context, from: Context): () => void {
    this.#entries.get(from.id)?.issued.add(to.id);
    this.#send(to.id, { t: "grant", from: from.id });
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.#send(to.id, { t: "revoke", from: from.id });
    };
  }

  /**
   * A handle in a value `from` sent: the live context or channel if the master issued it to
   * `from`, else an inert record. Malformed payloads fail the decode.
   */
  #revive(from: Context, type: number, payload: unknown): unknown {
    if (type === CONTEXT_EXT) {
      if (
        !Array.isArray(payload) || payload.length !== 2 || !Number.isSafeInteger(payload[0]) ||
        typeof payload[1] !== "string"
      ) {
        throw new TypeError("Malformed context handle");
      }
      const [id, name] = payload as [number, string];
      const issued = this.#entries.get(from.id)?.issued.has(id);
      const ctx = issued ? this.#entries.get(id)?.ctx : undefined;
      if (ctx) return ctx;
      if (issued) throw new ConnectionError(`Context "${name}" in the result is closed`);
      return new UnissuedHandle("context", id, name);
    }
    if (type === CHANNEL_EXT) {
      if (!Number.isSafeInteger(payload)) throw new TypeError("Malformed channel handle");
      const bound = this.#channels.get(payload as number);
      return bound?.ctx === from.id
        ? bound.channel
        : new UnissuedHandle("channel", payload as number);
    }
    throw new TypeError(`Unknown extension type ${type}`);
  }

  #bindChannel(channel: Channel, ctx: Context): number {
    let id = this.#channelIds.get(channel);
    if (id === undefined) {
      id = this.#nextChannel++;
      this.#channelIds.set(channel, id);
    }
    const ch = id;
    // Values sent before the call may arrive first: the remote end keeps them until it is made.
    channel.bind(ctx.id, {
      send: (value, end) =>
        this.#send(
          ctx.id,
          end ? { t: "chan", ch, end: true } : { t: "chan", ch, value: encode(value) },
        ),
    });
    this.#channels.set(ch, { channel, ctx: ctx.id });
    return ch;
  }

  /**
   * Text remote code wrote, in chunks as they came: passed on line by line; a line left
   * unfinished goes out after a moment on its own.
   */
  #output(entry: Entry, stream: "stdout" | "stderr", text: string): void {
    const held = entry.output[stream];
    const lines = (held.text + text).split("\n");
    held.text = lines.pop()!;
    // A line that never ends cannot grow without bound: past the limit it goes out as it is.
    if (held.text.length > MAX_OUTPUT_LINE) {
      lines.push(held.text);
      held.text = "";
    }
    for (const line of lines) this.#log(entry.ctx.name, "info", line, stream);
    clearTimeout(held.timer);
    if (held.text) {
      held.timer = setTimeout(() => {
        if (held.text) this.#log(entry.ctx.name, "info", held.text, stream);
        held.text = "";
      }, OUTPUT_LINGER_MS);
    }
  }

  /** Forgets context `id` and everything behind it; their calls fail with `error`. */
  #lose(id: number, error: Error): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    this.#core.drop(id);
    for (const stream of ["stdout", "stderr"] as const) {
      const held = entry.output[stream];
      clearTimeout(held.timer);
      if (held.text) this.#log(entry.ctx.name, "info", held.text, stream);
    }
    for (const [prefix, shared] of this.#shared) {
      if (shared === entry.ctx) this.#shared.delete(prefix);
    }
    this.#entries.get(entry.parent)?.children.delete(id);
    entry.up?.reject(error);
    entry.ctx.lost(error);
    for (const [ch, bound] of this.#channels) {
      if (bound.ctx !== id) continue;
      bound.channel.lost(error);
      this.#channels.delete(ch);
    }
    for (const child of [...entry.children]) {
      const name = this.#entries.get(child)?.ctx.name ?? `${child}`;
      this.#lose(
        child,
        new ConnectionError(
          `Lost context "${name}": the hop "${entry.ctx.name}" on its way is gone (${error.message})`,
        ),
      );
    }
    entry.done.resolve();
  }

  /** A child context ended or never started; its parent tells why. */
  #gone(msg: Gone): void {
    const entry = this.#entries.get(msg.id);
    if (!entry) return;
    const { name } = entry.ctx;
    const started = entry.ctx.info !== undefined;
    // A failed boot's words name the hop, as they do from the master: they read alike at any
    // depth. The parent's own refusals, and a login's words, follow the context's name.
    const why = !started && msg.boot && msg.error !== undefined
      ? msg.error
      : `Cannot start "${name}": ${msg.error}`;
    let error: Error;
    if (msg.kind === "auth") error = new AuthenticationError(why);
    else if (msg.kind === "timeout") error = new TimeoutError(why);
    else if (msg.kind === "protocol") {
      error = new ProtocolError(started ? `Lost context "${name}": ${msg.error}` : why);
    } else if (msg.error === undefined) error = new ConnectionError(`Context "${name}" was closed`);
    else if (started) error = new ConnectionError(`Lost context "${name}": ${msg.error}`);
    else error = new ConnectionError(why);
    if (msg.error !== undefined) this.#log(name, "error", error.message);
    this.#lose(msg.id, error);
  }

  #send(dst: number, msg: Message): void {
    const entry = this.#entries.get(dst);
    if (!entry) return;
    const bytes = encode(msg, { room: HEADER_SIZE });
    const frame = frameInPlace(bytes, dst, MASTER_ID, this.#options.maxFrameSize);
    // Written out, a large frame's buffer takes the next large message (see lib/wire/codec.ts).
    const written = frame.length > LARGE_MESSAGE
      ? () => reuse(frame.buffer as ArrayBuffer)
      : undefined;
    this.#core.linkOf(dst)?.send(frame, written);
    entry.ctx.stats.framesSent++;
    entry.ctx.stats.bytesSent += frame.length;
  }

  /** A frame from `conn`: the core checks and forwards it; what is for the master is handled. */
  #arrive(conn: Connection, frame: Frame): void {
    const a = this.#core.receive(conn, frame);
    const { src } = frame;
    if (a.t === "forged") {
      // A context already forgotten: its late frames are dropped.
      if (!a.known && src !== MASTER_ID && src < this.#nextContext) return;
      const claimed = a.known
        ? `"${this.#entries.get(src)!.ctx.name}"`
        : src === MASTER_ID
        ? "the master"
        : `context ${src}`;
      return this.#forged(conn, claimed);
    }
    const entry = this.#entries.get(src)!;
    entry.ctx.stats.framesReceived++;
    entry.ctx.stats.bytesReceived += frame.bytes.length;
    // The master runs no calls: a call into it is dropped like anything it does not take.
    if (a.t !== "local") return;
    const msg = a.msg;
    const bad = malformed(msg);
    if (bad) throw new ProtocolError(bad);
    switch (msg.t) {
      case "log":
        if (msg.stream) return this.#output(entry, msg.stream, msg.msg);
        return this.#log(entry.ctx.name, msg.level, msg.msg);
      case "mreq":
        return void this.#serveModule(entry, msg);
      case "hello":
        return entry.up ? entry.up.resolve(msg) : entry.conn.up(msg);
      case "chan": {
        const bound = this.#channels.get(msg.ch);
        if (bound?.ctx !== src) return;
        try {
          bound.channel.deliver(
            msg.end ? undefined : entry.ctx.decodeValue(msg.value!),
            msg.end === true,
          );
        } catch (e) {
          bound.channel.lost(new ConnectionError(`Undecodable channel value: ${e}`));
        }
        if (msg.end) this.#channels.delete(msg.ch);
        return;
      }
      case "gone":
        // Only a context's parent may say it is gone.
        if (this.#entries.get(msg.id)?.parent === src) this.#gone(msg);
        return;
      default:
        entry.ctx.handle(msg);
    }
  }

  /** A frame on `conn` claimed a sender that is not behind it: the connection is suspect. */
  #forged(conn: Connection, claimed: string): void {
    const root = [...this.#entries.values()].find((e) => e.conn === conn && e.parent === MASTER_ID);
    if (!root) return;
    root.suspect = true;
    this.#log(
      root.ctx.name,
      "warn",
      `dropped a frame claiming to come from ${claimed}, which is not behind ` +
        `"${root.ctx.name}"; the context is now marked suspect`,
    );
  }

  /**
   * What to add to a call of `mod` in `ctx` so it has `mod`'s static graph: the modules it lacks,
   * or, for a context a remote parent started, the names of those it lacks after stashing them
   * in the parent (so 20 contexts behind one bastion cost the master's link the graph once).
   *
   * A context holds one version of each module, the first it was sent: its runtime keeps what it
   * imported, and a call worker started later imports from the same store. So a root sent before
   * needs nothing (and its files are not looked at again: a stat per module per call, on the
   * call's path), and a module the context holds is never sent again, nor replaced in its parent's
   * store, which the parent's own calls import from too: a module the parent holds in another
   * version goes with the call instead.
   */
  async #modulesFor(ctx: Context, mod: string): Promise<Pick<Call, "modules" | "need">> {
    if (!mod.startsWith("file:")) return {};
    const entry = this.#entries.get(ctx.id);
    if (!entry || entry.roots.has(mod)) return {};
    const records = await this.#modules.closure(mod);
    entry.roots.add(mod);
    const lacking = records.filter((r) => !entry.held.has(r.url));
    if (!lacking.length) return {};
    const parent = this.#entries.get(entry.parent);
    if (!parent) return { modules: lacking.map((r) => this.#sending(entry, r)) };
    const other = (r: ModuleRecord) => parent.held.has(r.url) && parent.held.get(r.url) !== r.hash;
    const direct = lacking.filter(other).map((r) => this.#sending(entry, r));
    const stashed = lacking.filter((r) => !other(r));
    for (const r of stashed) entry.held.set(r.url, r.hash);
    if (!stashed.length) return { modules: direct };
    // What the parent holds for it as one set: named once per parent, then by number.
    const modules = stashed.filter((r) => !parent.held.has(r.url))
      .map((r) => this.#sending(parent, r));
    const key = stashed.map((r) => `${r.url}#${r.hash}`).join("\n");
    let set = parent.sets.get(key);
    const stash: Message = { t: "stash", for: ctx.id, modules, set: set ?? this.#nextSet };
    if (set === undefined) {
      parent.sets.set(key, set = this.#nextSet++);
      stash.urls = stashed.map((r) => r.url);
    }
    this.#send(parent.ctx.id, stash);
    return direct.length ? { modules: direct, need: set } : { need: set };
  }

  /** Counts module `r` as sent to `entry`, which now holds it; returns its wire form. */
  #sending(entry: Entry, r: { url: string; hash: string; source: string; json?: boolean }) {
    entry.held.set(r.url, r.hash);
    entry.ctx.stats.modulesSent++;
    entry.ctx.stats.moduleBytesSent += r.source.length;
    return moduleEntry(r);
  }

  /** Answers a remote's request for a module it was not sent, if it may have it. */
  async #serveModule(entry: Entry, req: ModuleRequest): Promise<void> {
    const { ctx } = entry;
    ctx.stats.moduleRequests++;
    let reply: Message;
    if (entry.suspect || !(await this.#modules.isAllowed(req.url, entry.roots))) {
      entry.suspect = true;
      this.#log(
        ctx.name,
        "warn",
        `refused module request for "${req.url}": outside the modules of the calls made in ` +
          `"${ctx.name}"; the context is now marked suspect`,
      );
      reply = {
        t: "mres",
        id: req.id,
        error: `The master does not serve "${req.url}": it is not part of the modules imported ` +
          `by the calls made in this context`,
      };
    } else {
      try {
        const r = await this.#modules.load(req.url);
        reply = { t: "mres", id: req.id, module: this.#sending(entry, r) };
      } catch (e) {
        reply = { t: "mres", id: req.id, error: (e as Error).message };
      }
    }
    this.#send(ctx.id, reply);
  }

  /** Whether a context asked for a module it may not have. */
  isSuspect(ctx: Context): boolean {
    return this.#entries.get(ctx.id)?.suspect ?? false;
  }

  async #closeContext(ctx: Context): Promise<void> {
    const entry = this.#entries.get(ctx.id);
    if (!entry) return;
    if (entry.parent === MASTER_ID) {
      await entry.conn.close();
      this.#lose(ctx.id, new ConnectionError(`Context "${ctx.name}" was closed`));
      return;
    }
    // The parent ends the child's process and reports it gone; don't wait on a silent parent.
    this.#send(entry.parent, { t: "close", id: ctx.id });
    const timer = setTimeout(
      () => this.#lose(ctx.id, new ConnectionError(`Context "${ctx.name}" was closed`)),
      CLOSE_GRACE * 2,
    );
    await entry.done.promise;
    clearTimeout(timer);
  }
}

/**
 * Whether a later hop of a target takes `runtime` too: a name (`deno`, `node`, `auto`) means the
 * same on every machine; an absolute path names a file on the first hop's, so later hops use
 * their defaults.
 */
function hopRuntime(runtime: string | undefined): boolean {
  return runtime !== undefined && !runtime.startsWith("/");
}

/** Rejects targets whose hops cannot follow each other, before anything is started. */
export function checkHops(hops: Hop[], target: string, behind: boolean): void {
  for (const [i, hop] of hops.entries()) {
    if (methodNamed(hop.method)!.firstOnly && (i > 0 || behind)) {
      throw new UsageError(`Invalid target "${target}": "${hop.method}" can only be the first hop`);
    }
    if ((i > 0 || behind) && !isBuiltIn(hop.method)) {
      throw new UsageError(
        `Invalid target "${target}": "${hop.method}" can only be the first hop: it was ` +
          "registered here, and a remote stage starts hops with its built-in methods",
      );
    }
  }
}

/** Rejects per-hop ssh settings for hops the target does not have or that run no ssh. */
function checkHopNumbers(
  settings: Record<number, HopSshOptions> | undefined,
  hops: Hop[],
  target: string,
): void {
  for (const key of Object.keys(settings ?? {})) {
    const n = Number(key);
    const hop = hops[n - 1];
    if (!Number.isInteger(n) || hop === undefined) {
      throw new UsageError(
        `Invalid ssh settings for hop ${key} of "${target}": it has ${hops.length} ` +
          `hop${hops.length > 1 ? "s" : ""}`,
      );
    }
    if (!methodNamed(hop.method)!.sshClient) {
      throw new UsageError(
        `Invalid ssh settings for hop ${key} of "${target}": "${formatHop(hop)}" runs no ssh`,
      );
    }
  }
}

/** What hop `i` (from 0) of a target gets from the connect options. */
export function hopSettings(options: ConnectOptions, i: number, password: boolean): HopSettings {
  const out: HopSettings = {};
  const first = i === 0 && !options.via;
  if (options.runtime !== undefined && (first || hopRuntime(options.runtime))) {
    out.runtime = options.runtime;
  }
  if (options.sudoPassword !== undefined) out.becomePassword = options.sudoPassword;
  if (password && options.password !== undefined) out.password = options.password;
  if (first) {
    for (const key of ["sshConfig", "identity", "controlPersist", "sshPath"] as const) {
      if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
    }
    if (options.sshOptions) out.sshOptions = [...options.sshOptions];
  }
  const own = options.hops?.[i + 1];
  if (own?.sshConfig !== undefined) out.sshConfig = own.sshConfig;
  if (own?.identity !== undefined) out.identity = own.identity;
  if (own?.sshOptions) out.sshOptions = [...own.sshOptions, ...out.sshOptions ?? []];
  return out;
}

/** Context options from their parts, leaving out what is unset. */
function contextOptions(
  name: string,
  timeout: number | undefined,
  connectTimeout: number | undefined,
): ContextOptions & { name: string } {
  const out: ContextOptions & { name: string } = { name };
  if (timeout !== undefined) out.timeout = timeout;
  if (connectTimeout !== undefined) out.connectTimeout = connectTimeout;
  return out;
}

/** The wire form of a module the server loaded. */
function moduleEntry(r: { url: string; source: string; json?: boolean }): ModuleEntry {
  return r.json ? { url: r.url, source: r.source, json: true } : { url: r.url, source: r.source };
}

/** The host part of ssh options, for a context's default name. */
function pick(o: SshOptions): { host: string; user?: string; port?: number } {
  const out: { host: string; user?: string; port?: number } = { host: o.host };
  if (o.user !== undefined) out.user = o.user;
  if (o.port !== undefined) out.port = o.port;
  return out;
}

/** `mitoctl:<user>@<host>:<pid>`: how remote processes show up in `ps`. */
function masterTitle(): string {
  let user = "?";
  try {
    user = Deno.env.get("USER") ?? `${Deno.uid()}`;
  } catch { /* no env permission */ }
  return `mitoctl:${user}@${Deno.hostname()}:${Deno.pid}`;
}
