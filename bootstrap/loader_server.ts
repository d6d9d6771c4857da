/**
 * The serving half of the module loader. It runs on a thread that stays free while the call
 * worker sleeps waiting for a module (the remote stage's router thread) and answers the worker's
 * requests with modules from the master.
 *
 * @module
 */

import type { MessagePort } from "node:worker_threads";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import type { ModuleAnswer, ModuleAsk, PortOffer } from "./loader_hooks.ts";

/** How long the master may take to answer for one module, in milliseconds: 60 s. */
export const MODULE_FETCH_TIMEOUT = 60_000;

/**
 * Gets a module the worker does not hold, from the master. Resolves undefined when the master has
 * no such module; rejects with an error whose message says why it refused.
 */
export type FetchModule = (url: string) => Promise<ModuleEntry | undefined>;

/** Options for {@linkcode serveModuleRequests}. */
export interface ServeModuleOptions {
  /** Milliseconds a fetch may take before the worker is told the module is missing; default
   * {@linkcode MODULE_FETCH_TIMEOUT} (60 s). */
  timeout?: number;
}

/**
 * Answers for module requests, from `fetch`: concurrent requests for one URL share one fetch, and
 * every request is answered, within the timeout at the latest, so a worker never waits for good.
 */
export function moduleAnswers(
  fetch: FetchModule,
  options: ServeModuleOptions = {},
): (url: string) => Promise<ModuleAnswer> {
  const timeout = options.timeout ?? MODULE_FETCH_TIMEOUT;
  const fetching = new Map<string, Promise<ModuleAnswer>>();
  const answer = (url: string): Promise<ModuleAnswer> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      // A fetch that throws instead of rejecting must still get the worker an answer.
      new Promise<ModuleEntry | undefined>((ok) => ok(fetch(url))),
      new Promise<never>((_, fail) => {
        timer = setTimeout(fail, timeout, new Error(`the master did not answer in ${timeout} ms`));
      }),
    ]).then(
      (module): ModuleAnswer => module ? { module } : {},
      (error): ModuleAnswer => ({ error: error instanceof Error ? error.message : `${error}` }),
    ).finally(() => {
      clearTimeout(timer);
      fetching.delete(url);
    });
  };
  return (url) => {
    let pending = fetching.get(url);
    if (!pending) fetching.set(url, pending = answer(url));
    return pending;
  };
}

/**
 * Answers the module requests that arrive on `port` (and on ports offered over it) with
 * {@linkcode moduleAnswers} of `fetch`, waking the thread that sleeps on each.
 */
export function serveModuleRequests(
  port: MessagePort,
  fetch: FetchModule,
  options: ServeModuleOptions = {},
): void {
  const answers = moduleAnswers(fetch, options);
  const serve = (from: MessagePort): void => {
    from.on("message", async (message: ModuleAsk | PortOffer) => {
      if ("port" in message) return serve(message.port);
      const { flag } = message;
      from.postMessage(await answers(message.url));
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    });
  };
  serve(port);
}
