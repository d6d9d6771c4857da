/**
 * The call worker's module loader: makes `import("file:///home/me/tasks.ts")` load the master's
 * module from memory, with its master URL as its identity (`import.meta.url`, stack traces,
 * relative imports). Modules the worker was not given are asked for over a port that
 * {@linkcode serveModuleRequests} answers on another thread.
 *
 * Rule: after installation every `file:` URL the worker imports is the master's. It is served
 * from memory or from the master, never read from the remote's disk. `data:` URLs are decoded in
 * memory; `node:` built-ins and bare names load natively.
 *
 * @module
 */

import type { MessagePort } from "node:worker_threads";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import { type AskModule, memoryHooks } from "./loader_hooks.ts";
import { locateSyntaxError } from "./loader_syntax.ts";

export { MODULE_FETCH_TIMEOUT, moduleAnswers, serveModuleRequests } from "./loader_server.ts";
export type { AskModule, ModuleAnswer } from "./loader_hooks.ts";
export type { FetchModule, ServeModuleOptions } from "./loader_server.ts";

/** The modules a worker holds. */
export interface Loader {
  /**
   * Adds modules, replacing any with the same URL that was not imported yet (an imported module
   * stays what it was). Imports started after this call see them.
   */
  add(entries: readonly ModuleEntry[]): void;
  /** Whether `url` was added (modules fetched on demand are held too but may not be listed). */
  has(url: string): boolean;
  /**
   * Adds ` at <url>:<line>:<column>` to a `SyntaxError` that Node threw compiling a held module
   * (Deno's message has it already). Call it on errors from `import()` before reporting them.
   */
  locate(error: unknown): void;
}

/**
 * Installs the module hooks in the current thread. Hooks are per thread, and a missing module is
 * waited for by blocking this thread, so something else must answer: when `from` is a port, it
 * leads to {@linkcode serveModuleRequests} on another thread; when it is an `AskModule`, that
 * blocks on its own (reading another process's answer) and needs `module.registerHooks`. Uses `module.registerHooks` (Deno 2.9,
 * Node ≥ 22.15) or else `module.register` with a hooks module made from the same hooks.
 *
 * @example
 * ```ts ignore
 * // Main thread:
 * const { port1, port2 } = new MessageChannel();
 * serveModuleRequests(port1, (url) => askTheMaster(url));
 * new Worker(`${stageSource}()`, { eval: true, workerData: port2, transferList: [port2] });
 * // In the worker:
 * const loader = installLoader(workerData);
 * loader.add([{ url: "file:///home/me/tasks.ts", source: "export const two = 2;" }]);
 * const { two } = await import("file:///home/me/tasks.ts");
 * ```
 */
export function installLoader(from: MessagePort | AskModule): Loader {
  const held = new Map<string, ModuleEntry>();
  const mod = process.getBuiltinModule("node:module");
  let add = (entries: readonly ModuleEntry[]): void => {
    for (const entry of entries) held.set(entry.url, entry);
  };
  // The module Node compiled last is the likeliest to hold a syntax error.
  let last = "";
  if (mod.registerHooks) {
    const { resolve, load } = memoryHooks(from, held);
    mod.registerHooks({ resolve, load: (url, context, next) => load(last = url, context, next) });
  } else if (typeof from === "function") {
    throw new Error("Loading modules from a blocking function needs module.registerHooks");
  } else {
    const port = from;
    // Node's hooks thread holds its own copy: it gets added modules in order on `adds`, and asks
    // for missing ones on a port of its own, which the serving thread is told to serve.
    const { MessageChannel } = process.getBuiltinModule("node:worker_threads");
    const adds = new MessageChannel();
    const asks = new MessageChannel();
    port.postMessage({ port: asks.port1 }, [asks.port1]);
    mod.register(
      `data:text/javascript,${
        encodeURIComponent(
          `let h;export const initialize=(d)=>{h=(${memoryHooks})(d.port,new Map,d.adds)},` +
            "resolve=(s,c,n)=>h.resolve(s,c,n),load=(u,c,n)=>h.load(u,c,n)\n" +
            // Names the hooks module in stack traces instead of its whole data: URL.
            "//# sourceURL=mitoctl-loader",
        )
      }`,
      { data: { port: asks.port2, adds: adds.port2 }, transferList: [asks.port2, adds.port2] },
    );
    const local = add;
    add = (entries) => {
      local(entries);
      adds.port1.postMessage(entries);
    };
  }
  // Node maps stack traces through a module's inline source map only when told to.
  process.setSourceMapsEnabled?.(true);
  return {
    add: (entries) => add(entries),
    has: (url) => held.has(url),
    locate(error) {
      const first = held.get(last);
      locateSyntaxError(error, first ? [first, ...held.values()] : held.values());
    },
  };
}
