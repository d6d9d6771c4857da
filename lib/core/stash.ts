/**
 * Module sets the master stashes in a context for the contexts it started, and the rule for
 * serving them: a child gets what was stashed for it and nothing else. No I/O.
 *
 * @module
 */

import type { Message, ModuleEntry, ModuleRequest, Stash } from "../wire/protocol.ts";

/** The answer to a child's module request, and what was refused (for the master's log). */
export interface StashReply {
  reply: Extract<Message, { t: "mres" }>;
  /** URLs refused; empty when the request was served. */
  refused: string[];
}

/** What one context keeps for the contexts below it. */
export class ModuleStash {
  /** Every module this context holds, by URL (its own and those stashed here). */
  readonly store: Map<string, ModuleEntry>;
  /** Module sets granted to each child: all a child may fetch from here. */
  readonly #grants = new Map<number, Set<number>>();
  /** Module sets by number: their URLs. */
  readonly #sets = new Map<number, string[]>();

  /** A stash over `store`, which the context shares with its own calls. */
  constructor(store: Map<string, ModuleEntry> = new Map()) {
    this.store = store;
  }

  /** Keeps the modules of `msg` and grants child `msg.for` its set. */
  keep(msg: Stash): void {
    for (const m of msg.modules) this.store.set(m.url, m);
    if (msg.urls) this.#sets.set(msg.set, msg.urls);
    const granted = this.#grants.get(msg.for) ?? new Set();
    granted.add(msg.set);
    this.#grants.set(msg.for, granted);
  }

  /** Child `id` is gone: it may fetch nothing more. */
  forget(id: number): void {
    this.#grants.delete(id);
  }

  /** Answers child `child`'s request from what was stashed for it, and nothing else. */
  serve(child: number, req: ModuleRequest): StashReply {
    const sets = this.#grants.get(child);
    const granted = [...sets ?? []].flatMap((s) => this.#sets.get(s) ?? []);
    const urls = req.set === undefined ? [req.url] : this.#sets.get(req.set) ?? [req.url];
    const allowed = req.set === undefined || sets?.has(req.set) === true;
    const refused = urls.filter((u) => !allowed || !granted.includes(u) || !this.store.has(u));
    if (refused.length || !urls.length) {
      const error = `Not stashed for this context: ${refused[0] ?? req.url}`;
      return { reply: { t: "mres", id: req.id, error }, refused };
    }
    const modules = urls.map((u) => this.store.get(u)!);
    return {
      reply: req.set === undefined
        ? { t: "mres", id: req.id, module: modules[0]! }
        : { t: "mres", id: req.id, modules },
      refused,
    };
  }
}
