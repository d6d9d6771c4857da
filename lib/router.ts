/**
 * The master's router: starts contexts, moves messages between them and the caller, and owns
 * everything it started. No globals: make one with `new Router()`, close it with `await using`.
 *
 * @module
 */

import { encode } from "./codec.ts";
import { Connection, type SpawnSpec } from "./connection.ts";
import { Context, type ContextHost } from "./context.ts";
import { ConnectionError, UsageError } from "./errors.ts";
import { encodeFrame } from "./frame.ts";
import { DEFAULT_CONNECT_TIMEOUT, MAX_FRAME_SIZE } from "./limits.ts";
import { type LocalOptions, localSpawn } from "./methods/local.ts";
import { type SshOptions, sshSpawn } from "./methods/ssh.ts";
import { ModuleServer } from "./module_server.ts";
import { MASTER_ID, type Message, type ModuleEntry, type ModuleRequest } from "./protocol.ts";
import { stage2Bytes } from "./stage2.ts";
import { parseTarget } from "./target.ts";

/** A diagnostic line from the router or a remote. */
export interface LogLine {
  /** Context name, or "master". */
  context: string;
  level: "debug" | "info" | "warn" | "error";
  text: string;
}

/** Options for {@linkcode Router}. */
export interface RouterOptions {
  /** Receives diagnostics: remote stderr lines, spawned argv. Default: dropped. */
  onLog?: (line: LogLine) => void;
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

/** Options of {@linkcode Router.connect}: what the CLI flags set. */
export interface ConnectOptions
  extends ContextOptions, Omit<SshOptions, "host" | "user" | "port"> {}

interface Entry {
  ctx: Context;
  conn: Connection;
  /** Modules the context holds: url → content hash. */
  held: Map<string, string>;
  /** Modules the master chose to call in this context: what lazy requests are checked against. */
  roots: Set<string>;
  /** Set once the context asked for a module outside what it may have. */
  suspect: boolean;
}

/** Routes messages between this process (the master) and the contexts it starts. */
export class Router implements AsyncDisposable {
  readonly #options: RouterOptions;
  readonly #entries = new Map<number, Entry>();
  readonly #host: ContextHost;
  readonly #modules: ModuleServer;
  #nextContext = 1;
  #nextCall = 1;
  #closed = false;

  constructor(options: RouterOptions = {}) {
    this.#options = options;
    this.#modules = options.modules ?? new ModuleServer();
    this.#host = {
      send: (dst, msg) => this.#send(dst, msg),
      nextCallId: () => this.#nextCall++,
      modulesFor: (ctx, mod) => this.#modulesFor(ctx, mod),
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
   * Like {@linkcode Router.connect} but returns at once: the first call travels in the same write
   * as the bootstrap, saving a round trip. A failed start surfaces on `ready` and on each call.
   */
  open(target: string, options: ConnectOptions = {}): Context {
    const hops = parseTarget(target);
    if (hops.length !== 1) {
      throw new UsageError(`Invalid target "${target}": multi-hop targets are not supported`);
    }
    const hop = hops[0]!;
    const name = options.name ?? target;
    switch (hop.method) {
      case "local":
        return this.#start(localSpawn(options, stage2Bytes().length), name, options);
      case "ssh":
        return this.#start(sshSpawn({ ...options, ...hop }, stage2Bytes().length), name, options);
      default:
        throw new UsageError(
          `Invalid target "${target}": ${hop.method} needs a hop before it (e.g. web1/${hop.method})`,
        );
    }
  }

  /** Starts a context on this machine. */
  async local(options: LocalOptions & ContextOptions = {}): Promise<Context> {
    const ctx = this.#start(
      localSpawn(options, stage2Bytes().length),
      options.name ?? "local",
      options,
    );
    await ctx.ready;
    return ctx;
  }

  /** Starts a context over ssh. */
  async ssh(options: SshOptions & ContextOptions): Promise<Context> {
    const spec = sshSpawn(options, stage2Bytes().length);
    const ctx = this.#start(spec, options.name ?? spec.label, options);
    await ctx.ready;
    return ctx;
  }

  /** Closes every context and waits for their processes to end. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.contexts.map((c) => c.close()));
  }

  /** Same as {@linkcode Router.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #log(context: string, level: LogLine["level"], text: string): void {
    this.#options.onLog?.({ context, level, text });
  }

  #start(spec: SpawnSpec, name: string, options: ContextOptions): Context {
    if (this.#closed) throw new TypeError("Router is closed");
    const id = this.#nextContext++;
    this.#log(name, "debug", `starting: ${JSON.stringify(spec.argv)}`);
    const init = encode({ t: "init", id, name, title: masterTitle() } satisfies Message);
    const conn = new Connection(spec, [stage2Bytes(), encodeFrame(id, MASTER_ID, init)], {
      connectTimeout: options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
      maxFrameSize: this.#options.maxFrameSize ?? MAX_FRAME_SIZE,
      onMessage: (src, msg, size) => this.#dispatch(src, msg, size),
      onClose: (error) => {
        const entry = this.#entries.get(id);
        this.#entries.delete(id);
        if (error) this.#log(name, "error", error.message);
        entry?.ctx.lost(error ?? new ConnectionError(`Context "${name}" was closed`));
      },
      ...(this.#options.onLog ? { onStderr: (line: string) => this.#log(name, "info", line) } : {}),
    });
    const ctx = new Context(this.#host, id, name, conn.hello, options.timeout);
    this.#entries.set(id, { ctx, conn, held: new Map(), roots: new Set(), suspect: false });
    return ctx;
  }

  #send(dst: number, msg: Message): void {
    const entry = this.#entries.get(dst);
    if (!entry) return;
    const frame = encodeFrame(dst, MASTER_ID, encode(msg), this.#options.maxFrameSize);
    entry.conn.send(frame);
    entry.ctx.stats.framesSent++;
    entry.ctx.stats.bytesSent += frame.length;
  }

  #dispatch(src: number, msg: Message, size: number): void {
    const entry = this.#entries.get(src);
    if (!entry) return;
    entry.ctx.stats.framesReceived++;
    entry.ctx.stats.bytesReceived += size;
    if (msg.t === "log") this.#log(entry.ctx.name, msg.level, msg.msg);
    else if (msg.t === "mreq") void this.#serveModule(entry, msg);
    else entry.ctx.handle(msg);
  }

  /** Modules of `mod`'s static graph that `ctx` does not hold yet (none for builtins). */
  async #modulesFor(ctx: Context, mod: string): Promise<ModuleEntry[]> {
    if (!mod.startsWith("file:")) return [];
    const entry = this.#entries.get(ctx.id);
    if (!entry) return [];
    const records = await this.#modules.closure(mod);
    entry.roots.add(mod);
    const out: ModuleEntry[] = [];
    for (const r of records) {
      if (entry.held.get(r.url) === r.hash) continue;
      entry.held.set(r.url, r.hash);
      ctx.stats.modulesSent++;
      ctx.stats.moduleBytesSent += r.source.length;
      out.push(
        r.json ? { url: r.url, source: r.source, json: true } : { url: r.url, source: r.source },
      );
    }
    return out;
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
        entry.held.set(r.url, r.hash);
        ctx.stats.modulesSent++;
        ctx.stats.moduleBytesSent += r.source.length;
        reply = {
          t: "mres",
          id: req.id,
          module: r.json
            ? { url: r.url, source: r.source, json: true }
            : { url: r.url, source: r.source },
        };
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
    await entry.conn.close();
    this.#entries.delete(ctx.id);
  }
}

/** `mitoctl:<user>@<host>:<pid>`: how remote processes show up in `ps`. */
function masterTitle(): string {
  let user = "?";
  try {
    user = Deno.env.get("USER") ?? `${Deno.uid()}`;
  } catch { /* no env permission */ }
  return `mitoctl:${user}@${Deno.hostname()}:${Deno.pid}`;
}
