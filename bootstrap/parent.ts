/**
 * The part of a remote stage that starts contexts of its own (ssh to the next host, sudo) and
 * routes frames to and from them. Bundled apart from stage 2 and sent with a context's first
 * `open`, so contexts that never start children never carry it.
 *
 * @module
 */

import type { FrameSink, RouterCore } from "../lib/core/router.ts";
import { ModuleStash } from "../lib/core/stash.ts";
import type { Frame } from "../lib/wire/frame.ts";
import { methodNamed } from "../lib/methods/registry.ts";
import { retriesOnPty } from "../lib/methods/method.ts";
import { stage1Here } from "../lib/stage/stage1.ts";
import { MASTER_ID, type Message, type ModuleEntry } from "../lib/wire/protocol.ts";
import { ChildLink } from "./child_link.ts";

/** What the router thread lends the code that starts contexts. */
export interface ParentHost {
  /** The stage's router core: the links to the contexts started here join its routes. */
  core: RouterCore;
  /** Every module this context holds, by URL. */
  store: Map<string, ModuleEntry>;
  /** Sends a message from this context. */
  send(dst: number, msg: Message): void;
  /** A message from this context to `dst`, as a frame (the stage's codec: this code carries none). */
  frame(dst: number, msg: Message): Uint8Array;
  /** Takes a frame that arrived on `link`, as the router thread takes those from above. */
  arrive(link: FrameSink, frame: Frame): void;
  /** This stage's own source, as stage 1 runs it. */
  self: string;
  /** Largest frame body this context and its children may send, if not the default. */
  maxFrame?: number;
}

/** Starts and ends the contexts behind one remote stage; the router core routes to them. */
export class Parent {
  readonly #host: ParentHost;
  /** The module sets the master stashed here for the contexts started here. */
  readonly stash: ModuleStash;
  /** The contexts this one started itself. */
  readonly #direct = new Map<number, ChildLink>();
  #stage2: Uint8Array | undefined;

  constructor(host: ParentHost) {
    this.#host = host;
    this.stash = new ModuleStash(host.store);
  }

  /** Starts child context `msg.id`; a bad option for it fails it, never this stage. */
  open(msg: Extract<Message, { t: "open" }>): void {
    try {
      this.#start(msg, false, []);
    } catch (e) {
      this.#host.core.drop(msg.id);
      this.#host.send(MASTER_ID, { t: "gone", id: msg.id, error: (e as Error).message });
    }
  }

  /**
   * Starts the child; `pty` puts sudo on a terminal, `carried` are frames for it that waited in
   * an earlier attempt.
   */
  #start(msg: Extract<Message, { t: "open" }>, pty: boolean, carried: Uint8Array[]): void {
    const { core, send } = this.#host;
    const bytes = this.#ownStage2();
    const method = methodNamed(msg.child.method);
    if (!method || method.firstOnly) {
      throw new Error(`The remote stage cannot start a "${msg.child.method}" hop`);
    }
    const nonce = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(36))
      .join("");
    const here = process.execPath;
    const spec = method.spawn(msg.child.options, {
      size: bytes.length,
      nonce,
      pty,
      self: stage1Here(bytes.length),
      here,
      connectTimeout: msg.connectTimeout,
    });
    if (msg.verbose) {
      send(MASTER_ID, {
        t: "log",
        level: "debug",
        msg: `starting "${msg.name}": ${JSON.stringify(spec.argv)}`,
      });
    }
    const init: Message = {
      t: "init",
      id: msg.id,
      name: msg.name,
      title: msg.title,
      parent: core.id,
      ancestors: [...core.ancestors, core.id],
      ...(this.#host.maxFrame === undefined ? {} : { maxFrame: this.#host.maxFrame }),
    };
    const link: ChildLink = new ChildLink(
      spec,
      [bytes, this.#host.frame(msg.id, init), ...carried],
      {
        connectTimeout: msg.connectTimeout,
        maxFrame: this.#host.maxFrame,
        onFrame: (f) => this.#host.arrive(link, f),
        onGone: (error, kind, boot) => {
          // A sudo rule with requiretty: once more, on a terminal.
          if (retriesOnPty(method, pty, error)) {
            return this.#start(msg, true, link.waiting());
          }
          core.dropLink(link);
          this.#direct.delete(msg.id);
          this.stash.forget(msg.id);
          const gone: Message = { t: "gone", id: msg.id };
          if (error !== undefined) gone.error = error;
          if (kind) gone.kind = kind;
          if (boot) gone.boot = true;
          send(MASTER_ID, gone);
        },
      },
    );
    const before = this.#direct.get(msg.id);
    if (before) core.relink(before, link);
    core.add(msg.id, link);
    this.#direct.set(msg.id, link);
  }

  /** This stage's own compressed code, to start children without asking the master for it. */
  #ownStage2(): Uint8Array {
    if (!this.#stage2) {
      const js = Buffer.from(this.#host.self);
      const zlib = process.getBuiltinModule("node:zlib");
      // Quality 5: a fraction of quality 11's time, a few hundred bytes more, sent once per child.
      this.#stage2 = new Uint8Array(
        zlib.brotliCompressSync(js, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } }),
      );
    }
    return this.#stage2;
  }

  /** Ends child `id` (and so everything behind it). */
  close(id: number): void {
    this.#direct.get(id)?.close();
  }

  /** Answers the module request of child `child` from what was stashed here for it. */
  serve(child: number, req: Extract<Message, { t: "mreq" }>): void {
    const { send } = this.#host;
    const { reply, refused } = this.stash.serve(child, req);
    if (refused.length) {
      send(MASTER_ID, {
        t: "log",
        level: "warn",
        msg: `refused context ${child} the modules ${JSON.stringify(refused)}: not stashed for it`,
      });
    }
    send(child, reply);
  }
}
