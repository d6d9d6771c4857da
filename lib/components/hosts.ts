/**
 * The contexts a components command works through: one per host a config names, opened on first
 * use, reached the way the inventory says when the host is an inventory host.
 *
 * @module
 */

import type { Context } from "../master/context.ts";
import { resolveTargets } from "../fleet/fanout.ts";
import type { Inventory } from "../inventory/inventory.ts";
import type { ConnectOptions, Router } from "../master/router.ts";

/** The module the components' remote side lives in; the module forwarder sends it. */
export const SUPERVISOR_MODULE: URL = new URL("../remote/supervisor.ts", import.meta.url);

/** Options of {@linkcode HostPool}. */
export interface HostPoolOptions {
  /** Options every host's context starts from. Default none. */
  connect?: ConnectOptions;
  /** Inventory for host names. Default none. */
  inventory?: Inventory;
}

/** One context per host, opened on first use; the router owns and closes them. */
export class HostPool {
  readonly #router: Router;
  readonly #options: HostPoolOptions;
  readonly #contexts = new Map<string, Context>();

  /** Contexts are opened in `router`. */
  constructor(router: Router, options: HostPoolOptions = {}) {
    this.#router = router;
    this.#options = options;
  }

  /** The context of `host` (a target or an inventory host name). */
  get(host: string): Context {
    let ctx = this.#contexts.get(host);
    if (!ctx) {
      const [resolved] = resolveTargets([host], this.#options.inventory, this.#options.connect);
      ctx = this.#router.open(resolved!.target, { ...resolved!.options, name: host });
      this.#contexts.set(host, ctx);
    }
    return ctx;
  }
}
