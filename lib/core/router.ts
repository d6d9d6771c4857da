/**
 * The router core every process runs, the master and each remote stage alike: the route table,
 * the check that a frame came by the link its source lives behind, forwarding by frame header,
 * and the trust rules between contexts. No I/O: links are handed in, and the core only calls
 * their `send` with whole frames.
 *
 * A frame that only passes through is never decoded nor re-encoded: its bytes (which it owns, see
 * `lib/wire/frame.ts`) go on unchanged. A frame for this process is decoded once, here.
 *
 * Trust, from the README's "Trust between contexts": contexts above this one (its ancestors) may
 * send anything; a context the master handed this one to may call into it and steer its own
 * calls while a grant lasts; a context below may only answer, report and ask for modules. Answers
 * are admitted from anyone: the handler matches them to the calls it made.
 *
 * @module
 */

import { decode } from "../wire/codec.ts";
import { type Frame, FrameError } from "../wire/frame.ts";
import { MASTER_ID, type Message } from "../wire/protocol.ts";

/** Anything frames can be written to: a transport, or a test's list. */
export interface FrameSink {
  /**
   * Writes one whole frame. `written`, where given, is called once its bytes were handed on and
   * its buffer may be reused; it may never be called (a frame dropped, or held and not sent).
   */
  send(frame: Uint8Array, written?: () => void): void;
}

/** What became of a frame {@linkcode RouterCore.receive} was given. */
export type Arrival =
  /** For another context: passed on unchanged to `to`. */
  | { t: "forwarded"; to: FrameSink }
  /** For another context this core has no route to: dropped. */
  | { t: "unroutable" }
  /** Its source is this context, or lives behind another link: dropped. `known` says whether the
   *  source has a route at all. */
  | { t: "forged"; src: number; known: boolean }
  /** For this context, and the trust rules let it in. */
  | { t: "local"; src: number; msg: Message; below: boolean }
  /** A call this context refuses, with the reason to answer it with. */
  | { t: "refused"; src: number; msg: Message; why: string }
  /** For this context but not allowed from its source, or a grant already taken in: nothing to do. */
  | { t: "ignored" };

/** Messages that answer a request; admitted from anyone, matched to requests by the handler. */
const ANSWERS = new Set<string>(["ok", "err", "item"]);
/** What a context below may send up besides answers. */
const REPORTS = new Set<string>(["hello", "log", "gone", "chan", "mreq"]);
/** What a granted context may send: its calls and the steering of them. */
const STEERING = new Set<string>(["call", "cancel", "credit", "stop"]);

/**
 * Routes frames for one context (`id`) between its links: `up` towards the master (none in the
 * master itself) and the links to the contexts below it.
 */
export class RouterCore<L extends FrameSink = FrameSink> {
  /** This context's id; negative until a remote stage is told it (`init`). */
  id: number;
  /** The link towards the master; undefined in the master. */
  readonly up: L | undefined;
  /** Ids of the contexts above this one, master first: they may send it anything. */
  ancestors: Set<number>;
  readonly #routes = new Map<number, L>();
  /** Contexts the master handed this one to, with how many of their calls carry it. */
  readonly #granted = new Map<number, number>();

  /** A core for context `id` whose link towards the master is `up`. */
  constructor(id: number, up?: L) {
    this.id = id;
    this.up = up;
    this.ancestors = new Set(id === MASTER_ID ? [] : [MASTER_ID]);
  }

  /** Frames for context `id` go on `link`. */
  add(id: number, link: L): void {
    this.#routes.set(id, link);
  }

  /** Frames for `id` go where frames for `via` go; false when `via` has no route. */
  follow(id: number, via: number): boolean {
    const link = this.#routes.get(via);
    if (link) this.#routes.set(id, link);
    return link !== undefined;
  }

  /** The link frames for `id` leave by, if it has one. */
  linkOf(id: number): L | undefined {
    return this.#routes.get(id);
  }

  /** Forgets the route to `id`. */
  drop(id: number): void {
    this.#routes.delete(id);
  }

  /** Forgets every route over `link`; returns the ids it led to. */
  dropLink(link: L): number[] {
    const ids = [...this.#routes].filter(([, l]) => l === link).map(([id]) => id);
    for (const id of ids) this.#routes.delete(id);
    return ids;
  }

  /** Moves every route over `from` to `to` (a child started again on another link). */
  relink(from: L, to: L): void {
    for (const [id, l] of this.#routes) if (l === from) this.#routes.set(id, to);
  }

  /** Whether `src` may call into this context now: an ancestor, or granted. */
  mayCall(src: number): boolean {
    return this.ancestors.has(src) || this.#granted.has(src);
  }

  /**
   * Takes a frame that arrived on `link`: drops it if its source cannot be behind that link,
   * forwards it unchanged if it is for another context, else decodes it and applies the trust
   * rules. Throws a {@linkcode FrameError} when a frame for this context holds no message.
   */
  receive(link: L, frame: Frame): Arrival {
    const { src, dst } = frame;
    const route = this.#routes.get(src);
    if (src === this.id || (route ?? this.up) !== link) {
      return { t: "forged", src, known: route !== undefined };
    }
    if (dst !== this.id && this.id >= 0) {
      const to = this.#routes.get(dst) ?? (link === this.up ? undefined : this.up);
      if (!to || to === link) return { t: "unroutable" };
      to.send(frame.bytes);
      return { t: "forwarded", to };
    }
    return this.admit(src, decodeMessage(frame.body), link !== this.up);
  }

  /**
   * The trust rules for message `msg` from `src` (`below`: it came from a link to a context below
   * this one). Grants and `init` are taken in here.
   */
  admit(src: number, msg: Message, below: boolean): Arrival {
    const t = msg.t;
    if (this.id < 0) {
      if (t !== "init" || below) return { t: "ignored" };
      this.id = msg.id;
      this.ancestors = new Set(msg.ancestors);
      return { t: "local", src, msg, below };
    }
    if (ANSWERS.has(t) || (below && REPORTS.has(t))) return { t: "local", src, msg, below };
    if (below || !this.mayCall(src) || !this.ancestors.has(src) && !STEERING.has(t)) {
      if (t !== "call") return { t: "ignored" };
      const why = `Context ${src} may not call into context ${this.id}` +
        (below ? "" : ": no grant, or it ended with the call that handed it over");
      return { t: "refused", src, msg, why };
    }
    if (t === "grant" || t === "revoke") {
      // Grants come from the master alone.
      if (src === MASTER_ID) this.#grant(msg.from, t === "grant" ? 1 : -1);
      return { t: "ignored" };
    }
    if (t === "init") return { t: "ignored" };
    return { t: "local", src, msg, below };
  }

  #grant(from: number, by: number): void {
    const left = (this.#granted.get(from) ?? 0) + by;
    if (left > 0) this.#granted.set(from, left);
    else this.#granted.delete(from);
  }
}

/**
 * The message in a frame's body; throws a {@linkcode FrameError} when there is none. A frame owns
 * its bytes (`lib/wire/frame.ts`), so the message's byte values stay views of it, uncopied.
 */
export function decodeMessage(body: Uint8Array): Message {
  let msg: Message;
  try {
    msg = decode(body, { views: true }) as Message;
  } catch (e) {
    throw new FrameError(`Undecodable frame: ${(e as Error).message}`);
  }
  if (msg === null || typeof msg !== "object" || typeof msg.t !== "string") {
    throw new FrameError("Frame does not hold a message");
  }
  return msg;
}
