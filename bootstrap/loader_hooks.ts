/**
 * The module hooks that serve the master's modules from memory, and the two messages they
 * exchange with the thread that asks the master for modules they do not hold.
 *
 * {@linkcode memoryHooks} runs in the call worker itself (`module.registerHooks`) or, on Node
 * before 22.15, in Node's hooks thread, which gets the function's own text as a `data:` module.
 * So it refers to nothing outside its body but globals.
 *
 * @module
 */

import type { LoadHookSync, ResolveHookSync } from "node:module";
import type { MessagePort } from "node:worker_threads";
import type { ModuleEntry } from "../lib/wire/protocol.ts";

/** hook thread → serving thread: send the module at `url`, then raise `flag[0]`. */
export interface ModuleAsk {
  url: string;
  /** One `Int32Array` cell on a `SharedArrayBuffer` the asking thread sleeps on. */
  flag: Int32Array;
}

/** serving thread → hook thread: the module, or no module and maybe why. */
export interface ModuleAnswer {
  module?: ModuleEntry;
  /** Why the master did not send the module, when it said. */
  error?: string;
}

/** hook thread → serving thread: serve this port too (it belongs to Node's hooks thread). */
export interface PortOffer {
  port: MessagePort;
}

/** Gets the module at `url` from the master, blocking this thread until the answer is in. */
export type AskModule = (url: string) => ModuleAnswer;

/**
 * Resolve and load hooks for the modules in `held`: every `file:` URL is the master's and is
 * served from `held` or, when missing, asked for while this thread waits (so the hooks work even
 * where they must be synchronous): on `from` when it is a port, by calling it when it is an
 * {@linkcode AskModule}. JavaScript and JSON `data:` URLs are decoded here;
 * other URLs (`node:`, bare names) load natively.
 * `adds`, when given, carries arrays of further modules; it is drained before each load.
 */
export function memoryHooks(
  from: MessagePort | AskModule,
  held: Map<string, ModuleEntry>,
  adds?: MessagePort,
): { resolve: ResolveHookSync; load: LoadHookSync } {
  const { receiveMessageOnPort } = process.getBuiltinModule("node:worker_threads");
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const ask = typeof from === "function" ? from : (url: string): ModuleAnswer => {
    from.postMessage({ url, flag } satisfies ModuleAsk);
    for (;;) {
      const got = receiveMessageOnPort(from);
      if (got) return got.message;
      // The serving thread posts the answer, then raises the flag: an answer that came before
      // the wait leaves the flag raised, so the wait returns at once.
      Atomics.wait(flag, 0, 0);
      Atomics.store(flag, 0, 0);
    }
  };
  return {
    resolve(specifier, context, next) {
      // Only paths and file URLs: a bare name ("fs", "pkg") is no path relative to its parent.
      if (/^(\.?\.?\/|file:)/.test(specifier)) {
        try {
          const url = new URL(specifier, context.parentURL);
          if (url.protocol === "file:") return { url: url.href, shortCircuit: true };
        } catch { /* no base to resolve against: let the runtime explain */ }
      }
      return next(specifier, context);
    },
    load(url, context, next) {
      // Deno refuses a `data:` module that a hooked module imports statically ("Loading
      // unprepared module"), so such modules are decoded here, on every runtime alike.
      const data = /^data:[a-z]+\/(javascript|json)[^,]*?(;base64)?,/.exec(url);
      if (data) {
        const body = url.slice(data[0].length);
        return {
          format: data[1] === "json" ? "json" : "module",
          source: data[2]
            ? new TextDecoder().decode(Uint8Array.from(atob(body), (c) => c.charCodeAt(0)))
            : decodeURIComponent(body),
          shortCircuit: true,
        };
      }
      if (!url.startsWith("file:")) return next(url, context);
      for (let got; adds && (got = receiveMessageOnPort(adds));) {
        for (const entry of got.message as ModuleEntry[]) held.set(entry.url, entry);
      }
      let entry = held.get(url);
      if (!entry) {
        const { module, error } = ask(url);
        if (!module) {
          const missing = new Error(
            `Cannot find module "${url}" on the master${error ? `: ${error}` : ""}`,
          );
          // Deno rethrows it as a TypeError whose message is `${missing}`: keep the name out.
          throw Object.assign(
            missing,
            { code: "ERR_MODULE_NOT_FOUND" },
            "Deno" in globalThis && { name: "" },
          );
        }
        held.set(url, entry = module);
      }
      return { format: entry.json ? "json" : "module", source: entry.source, shortCircuit: true };
    },
  };
}
