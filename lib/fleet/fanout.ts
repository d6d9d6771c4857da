/**
 * Running one piece of work on many hosts: target lists (`web1,web2`, `@group` from an
 * inventory), a bound on how many hosts are in flight at once (`forks`), results as they finish,
 * and the exit code of them all. The CLI's report of a run lives in `cli/fleet.ts`.
 *
 * @module
 */

import type { Context } from "../master/context.ts";
import { ExitCode, MitoctlError, UsageError } from "../errors.ts";
import { asError, settleEach } from "../master/gather.ts";
import { type Inventory, readInventory, withHostOptions } from "../inventory/inventory.ts";
import type { ConnectOptions, Router } from "../master/router.ts";
import { formatHop, parseTarget } from "../methods/target.ts";

/**
 * Default of {@linkcode FanOutOptions.forks}: hosts in flight at once. Each costs the master one
 * ssh process and a key exchange (~120 ms of CPU with post-quantum kex), so 20 keeps a 2-core
 * master busy without queueing handshakes behind each other; raise it for large fleets on big
 * machines.
 */
export const DEFAULT_FORKS = 20;

/** One host of a fleet: how it is shown, how it is reached, with which options. */
export interface FleetHost {
  /** Name in output: the inventory host name or the target as typed. */
  label: string;
  /** Target for `Router.open()`. */
  target: string;
  /** Connect options for this host: the command's, with the host's inventory variables over them. */
  options: ConnectOptions;
}

/** How one host's work ended. `ms` is from opening its context to the end of the work. */
export type HostResult<T> =
  | { host: FleetHost; ok: true; value: T; ms: number }
  | { host: FleetHost; ok: false; error: Error; exitCode: number; ms: number };

/** Options of {@linkcode planFleet}. */
export interface PlanOptions {
  /** Inventory file for `@group` and host names; default none. */
  inventory?: string;
  /** Connect options every host starts from; default none. */
  connect?: ConnectOptions;
  /** Told what in the inventory deserves a warning (passwords in plain text); default nobody. */
  onWarning?: (message: string) => void;
}

/**
 * Whether `specs` name exactly one target the way the single-target CLI always took it: one
 * spec, no comma, no `@group`.
 */
export function isSingleTarget(specs: string[]): boolean {
  return specs.length === 1 && !specs[0]!.includes(",") && !specs[0]!.startsWith("@");
}

/**
 * Turns target specs into hosts: each spec is a comma list of targets (`web1`,
 * `bastion/web1`, `deploy@10.0.0.5:2222`) and `@group`s; a name that is an inventory host is
 * reached as the inventory says. Hosts named twice run once. Throws a UsageError for a bad
 * target, an unknown group, or a group without an inventory, before anything connects.
 */
export function resolveTargets(
  specs: string[],
  inventory: Inventory | undefined,
  connect: ConnectOptions = {},
): FleetHost[] {
  const hosts = new Map<string, FleetHost>();
  const add = (label: string, target: string, options: ConnectOptions) => {
    if (!hosts.has(label)) hosts.set(label, { label, target, options });
  };
  for (const spec of specs) {
    // A lone target keeps the target grammar's own errors (an empty one included); a list may
    // end in a comma.
    const items = spec.includes(",") ? spec.split(",").filter((s) => s !== "") : [spec];
    if (!items.length) throw new UsageError(`Invalid target "${spec}": it names no host`);
    for (const item of items) {
      if (item.startsWith("@")) {
        const group = item.slice(1);
        if (!inventory) {
          throw new UsageError(
            `Target "${item}" names an inventory group, but no inventory was given ` +
              `(pass -i FILE or set MITOCTL_INVENTORY)`,
          );
        }
        const members = inventory.groupHosts(group);
        if (!members.length) {
          throw new UsageError(`Group "${group}" in inventory "${inventory.file}" has no hosts`);
        }
        for (const name of members) {
          const c = inventory.connection(name);
          add(name, c.target, { ...withHostOptions(connect, c.options), name });
        }
      } else if (inventory?.hasHost(item)) {
        const c = inventory.connection(item);
        add(item, c.target, { ...withHostOptions(connect, c.options), name: item });
      } else {
        parseTarget(item);
        add(item, item, { ...connect });
      }
    }
  }
  return [...hosts.values()];
}

/** Reads the inventory (if any) and resolves `specs` with {@linkcode resolveTargets}. */
export async function planFleet(specs: string[], options: PlanOptions = {}): Promise<FleetHost[]> {
  const inventory = options.inventory === undefined ? undefined : await readInventory(
    options.inventory,
    options.onWarning ? { onWarning: options.onWarning } : {},
  );
  return resolveTargets(specs, inventory, options.connect);
}

/** Options of {@linkcode fanOut}. */
export interface FanOutOptions {
  /** Hosts in flight at once (connecting, working or closing); default {@linkcode DEFAULT_FORKS}. */
  forks?: number;
  /** Aborting starts no more hosts and makes the results throw the signal's reason. */
  signal?: AbortSignal;
  /** Called once a host's context is up. */
  onConnected?: (host: FleetHost) => void;
}

/** The CLI exit code for an error: its own `exitCode`, else that of a remote failure. */
export function exitCodeOf(error: unknown): number {
  return error instanceof MitoctlError ? error.exitCode : ExitCode.remote;
}

/**
 * Opens each host's context, runs `work` in it and closes it again, at most `forks` hosts at a
 * time, and yields each result as it finishes. A failure never stops the others. Contexts that
 * are leading hops of other hosts' targets (`bastion` beside `bastion/web1`) stay open until the
 * router closes, so hosts behind them share them.
 */
export async function* fanOut<T>(
  router: Router,
  hosts: FleetHost[],
  work: (ctx: Context, host: FleetHost) => Promise<T>,
  options: FanOutOptions = {},
): AsyncGenerator<HostResult<T>, void, undefined> {
  const forks = options.forks ?? DEFAULT_FORKS;
  if (!Number.isInteger(forks) || forks < 1) {
    throw new RangeError(`Invalid forks "${forks}": expected a whole number of 1 or more`);
  }
  const shared = leadingHops(hosts);
  const started = new Map<number, number>();
  const one = async (host: FleetHost, index: number): Promise<T> => {
    started.set(index, performance.now());
    const ctx = router.open(host.target, host.options);
    ctx.ready.then(() => options.onConnected?.(host), () => {});
    try {
      return await work(ctx, host);
    } finally {
      if (!shared.has(normalTarget(host.target))) await ctx.close().catch(() => {});
    }
  };
  const settled = settleEach(hosts, one, {
    concurrency: forks,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const r of settled) {
    const ms = performance.now() - (started.get(r.index) ?? performance.now());
    if (r.ok) {
      yield { host: r.item, ok: true, value: r.value, ms };
    } else {
      const error = asError(r.error);
      yield { host: r.item, ok: false, error, exitCode: exitCodeOf(error), ms };
    }
  }
}

/** Targets (normalised) that are proper leading hops of some host's target. */
function leadingHops(hosts: FleetHost[]): Set<string> {
  const out = new Set<string>();
  for (const h of hosts) {
    const hops = parseTarget(h.target).map(formatHop);
    for (let i = 1; i < hops.length; i++) out.add(hops.slice(0, i).join("/"));
  }
  return out;
}

function normalTarget(target: string): string {
  return parseTarget(target).map(formatHop).join("/");
}

/** 0 when every host succeeded, else the highest exit code among the failures. */
export function fleetExitCode(results: Iterable<HostResult<unknown>>): number {
  let code: number = ExitCode.ok;
  for (const r of results) if (!r.ok) code = Math.max(code, r.exitCode);
  return code;
}
