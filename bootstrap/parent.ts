/**
 * The part of a remote stage that starts contexts of its own (ssh to the next host, sudo) and
 * routes frames to and from them. Bundled apart from stage 2 and sent with a context's first
 * `open`, so contexts that never start children never carry it.
 *
 * @module
 */

import { decode, encode } from "../lib/codec.ts";
import { encodeFrame, type Frame } from "../lib/frame.ts";
import { childSpawn } from "../lib/methods/child.ts";
import { REQUIRETTY } from "../lib/methods/sudo.ts";
import { MASTER_ID, type Message, type ModuleEntry } from "../lib/protocol.ts";
import { ChildLink } from "./child_link.ts";

/** A way to the contexts behind this one. */
interface Link {
  send(frame: Uint8Array): void;
  close(): void;
}

/** What the router thread lends its parent half. */
export interface ParentHost {
  id: number;
  /** Ids of this context's ancestors, master first. */
  ancestors: number[];
  /** Every module this context holds, by URL. */
  store: Map<string, ModuleEntry>;
  /** Sends a message from this context. */
  send(dst: number, msg: Message): void;
  /** Writes a frame towards the parent unchanged. */
  up(frame: Uint8Array): void;
  /** Hands a message for this context to its router thread (answers to its own calls). */
  deliver(src: number, msg: Message): void;
  /** The `data:` URL this stage's code was loaded from. */
  selfUrl: string;
  /** Largest frame body this context and its children may send, if not the default. */
  maxFrame?: number;
}

/** Starts, routes to and ends the contexts behind one remote stage. */
export class Parent {
  readonly #host: ParentHost;
  /** Contexts behind this one, by id: the link that leads to each. */
  readonly #routes = new Map<number, Link>();
  /** The contexts this one started itself. */
  readonly #direct = new Map<number, Link>();
  /** Module sets the master stashed here for each child: all a child may fetch from here. */
  readonly #grants = new Map<number, Set<number>>();
  /** Module sets by number: their URLs. */
  readonly #sets = new Map<number, string[]>();
  #stage2: Uint8Array | undefined;

  constructor(host: ParentHost) {
    this.#host = host;
  }

  /** Starts child context `msg.id`; a bad option for it fails it, never this stage. */
  open(msg: Extract<Message, { t: "open" }>): void {
    try {
      this.#start(msg, false, []);
    } catch (e) {
      this.#routes.delete(msg.id);
      this.#host.send(MASTER_ID, { t: "gone", id: msg.id, error: (e as Error).message });
    }
  }

  /**
   * Starts the child; `pty` puts sudo on a terminal, `carried` are frames for it that waited in
   * an earlier attempt.
   */
  #start(msg: Extract<Message, { t: "open" }>, pty: boolean, carried: Uint8Array[]): void {
    const host = this.#host;
    const bytes = this.#ownStage2();
    const nonce = Math.random().toString(36).slice(2, 12);
    const spec = childSpawn(
      msg.child,
      bytes.length,
      nonce,
      process.execPath,
      msg.connectTimeout,
      pty,
    );
    const init: Message = {
      t: "init",
      id: msg.id,
      name: msg.name,
      title: msg.title,
      parent: host.id,
      ancestors: [...host.ancestors, host.id],
      ...(host.maxFrame === undefined ? {} : { maxFrame: host.maxFrame }),
    };
    const link: ChildLink = new ChildLink(
      spec,
      [bytes, encodeFrame(msg.id, host.id, encode(init)), ...carried],
      {
        connectTimeout: msg.connectTimeout,
        maxFrame: host.maxFrame,
        onFrame: (f) => this.#fromChild(link, f),
        onGone: (error, kind) => {
          // A sudo rule with requiretty: once more, on a terminal.
          if (msg.child.method === "sudo" && !pty && REQUIRETTY.test(error ?? "")) {
            return this.#start(msg, true, link.waiting());
          }
          for (const [id, l] of this.#routes) if (l === link) this.#routes.delete(id);
          this.#direct.delete(msg.id);
          this.#grants.delete(msg.id);
          const gone: Message = { t: "gone", id: msg.id };
          if (error !== undefined) gone.error = error;
          if (kind) gone.kind = kind;
          host.send(MASTER_ID, gone);
        },
      },
    );
    for (const [id, l] of this.#routes) {
      if (l !== link && this.#direct.get(msg.id) === l) {
        this.#routes.set(id, link);
      }
    }
    this.#routes.set(msg.id, link);
    this.#direct.set(msg.id, link);
  }

  /** This stage's own compressed code, to start children without asking the master for it. */
  #ownStage2(): Uint8Array {
    if (!this.#stage2) {
      const url = this.#host.selfUrl;
      const js = Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
      const zlib = process.getBuiltinModule("node:zlib");
      // Quality 5: a fraction of quality 11's time, a few hundred bytes more, sent once per child.
      this.#stage2 = new Uint8Array(
        zlib.brotliCompressSync(js, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
      );
    }
    return this.#stage2;
  }

  /** Frames for `msg.id` go where frames for `msg.via` go. */
  route(msg: Extract<Message, { t: "route" }>): void {
    const link = this.#routes.get(msg.via);
    if (link) this.#routes.set(msg.id, link);
  }

  /** Ends child `id` (and so everything behind it). */
  close(id: number): void {
    this.#direct.get(id)?.close();
  }

  /** Keeps modules, and grants child `msg.for` a module set. */
  stash(msg: Extract<Message, { t: "stash" }>): void {
    for (const m of msg.modules) this.#host.store.set(m.url, m);
    if (msg.urls) this.#sets.set(msg.set, msg.urls);
    const granted = this.#grants.get(msg.for) ?? new Set();
    granted.add(msg.set);
    this.#grants.set(msg.for, granted);
  }

  /** Sends a message from this context to a context behind it. */
  down(dst: number, src: number, body: Uint8Array): void {
    this.forward(dst, encodeFrame(dst, src, body));
  }

  /** Passes a whole frame from above, unchanged, on to the context behind this one it is for. */
  forward(dst: number, frame: Uint8Array): void {
    this.#routes.get(dst)?.send(frame);
  }

  /** A frame from a child: checked against the link it came by, then delivered or passed on. */
  #fromChild(link: Link, f: Frame): void {
    const host = this.#host;
    if (this.#routes.get(f.src) !== link) {
      host.send(MASTER_ID, {
        t: "log",
        level: "warn",
        msg: `dropped a frame claiming to come from context ${f.src}: it arrived from another link`,
      });
      return;
    }
    if (f.dst !== host.id) {
      const down = this.#routes.get(f.dst);
      if (down) down.send(f.bytes);
      else host.up(f.bytes);
      return;
    }
    const msg = decode(f.body) as Message;
    // A child may only ask this context for modules; it may not make it run anything.
    if (msg.t === "mreq") this.#serve(f.src, msg);
    else if (msg.t === "ok" || msg.t === "err") host.deliver(f.src, msg);
    else if (msg.t === "call") {
      const error = new Error(`Context ${f.src} may not call into context ${host.id}`);
      this.down(f.src, host.id, encode({ t: "err", id: msg.id, error: encode(error) }));
    }
  }

  /** Serves a child's request from what the master stashed here for it, and nothing else. */
  #serve(child: number, req: Extract<Message, { t: "mreq" }>): void {
    const { store, send, id } = this.#host;
    const reply = (msg: Message) => this.down(child, id, encode(msg));
    const granted = [...this.#grants.get(child) ?? []].flatMap((s) => this.#sets.get(s) ?? []);
    const urls = req.set === undefined ? [req.url] : this.#sets.get(req.set) ?? [req.url];
    const allowed = req.set === undefined || this.#grants.get(child)?.has(req.set);
    const refused = urls.filter((u) => !allowed || !granted.includes(u) || !store.has(u));
    if (refused.length || !urls.length) {
      send(MASTER_ID, {
        t: "log",
        level: "warn",
        msg: `refused context ${child} the modules ${JSON.stringify(refused)}: not stashed for it`,
      });
      reply({ t: "mres", id: req.id, error: `Not stashed for this context: ${refused[0]}` });
      return;
    }
    const modules = urls.map((u) => store.get(u)!);
    reply(
      req.set === undefined
        ? { t: "mres", id: req.id, module: modules[0]! }
        : { t: "mres", id: req.id, modules },
    );
  }
}
