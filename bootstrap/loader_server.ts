/**
 * The serving half of the module loader: runs on a thread that is free while the call worker
 * sleeps waiting for a module (the remote stage's router thread), and answers the worker's
 * requests with modules from the master.
 *
 * @module
 */

import type { MessagePort } from "node:worker_threads";
import type { ModuleEntry } from "../lib/protocol.ts";
import type { ModuleAnswer, ModuleAsk, PortOffer } from "./loader_hooks.ts";

/**
 * Gets a module the worker does not hold, from the master. Resolves undefined when the master has
 * no such module; rejects with an error whose message says why it refused.
 */
export type FetchModule = (url: string) => Promise<ModuleEntry | undefined>;

/**
 * Answers the module requests that arrive on `port` (and on ports offered over it) with `fetch`.
 * Concurrent requests for one URL share one fetch. Every request is answered, so a worker never
 * waits longer than `fetch` takes.
 */
export function serveModuleRequests(port: MessagePort, fetch: FetchModule): void {
  const fetching = new Map<string, Promise<ModuleAnswer>>();
  const serve = (from: MessagePort): void => {
    from.on("message", async (message: ModuleAsk | PortOffer) => {
      if ("port" in message) return serve(message.port);
      const { url, flag } = message;
      let answer = fetching.get(url);
      if (!answer) {
        answer = new Promise<ModuleEntry | undefined>((ok) => ok(fetch(url))).then(
          (module): ModuleAnswer => module ? { module } : {},
          (error): ModuleAnswer => ({ error: error instanceof Error ? error.message : `${error}` }),
        );
        fetching.set(url, answer);
        void answer.then(() => fetching.delete(url));
      }
      from.postMessage(await answer);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  };
  serve(port);
}
