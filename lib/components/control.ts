/**
 * Finding a config's running components again, from any master process: their status, their
 * logs, and stopping them (`status`, `logs`, `down`).
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Router } from "../master/router.ts";
import type { ComponentStatus, StopResult } from "../remote/supervisor.ts";
import type { LoadedConfig } from "./load.ts";
import { HostPool, type HostPoolOptions } from "./hosts.ts";
import { askSupervisor, followSupervisor } from "./supervisor_calls.ts";
import { byHost, type Component } from "./plan.ts";
import { DEFAULT_STOP_GRACE } from "./up.ts";

/** One row of {@linkcode status}. */
export interface StatusRow {
  /** Component name. */
  name: string;
  /** Host as the config names it. */
  host: string;
  /** `running`, `exited` (see `code`, `signal`, `error`), `absent` (no state on the host: never
   *  started, or stopped by `down`) or `unknown` (the host could not be asked: see `error`). */
  state: "running" | "exited" | "absent" | "unknown";
  /** The component's pid. */
  pid: number | null;
  /** Its supervisor's pid, also its process group's id. */
  supervisorPid: number | null;
  /** Ms it has been running, or ran. */
  uptimeMs: number | null;
  code: number | null;
  signal: string | null;
  error: string | null;
  /** Whether the config still names it (false: left from an earlier version of the config). */
  configured: boolean;
}

/**
 * The state of every component of `config` on every host it names, plus components of the same
 * config left from an earlier run on those hosts. A host that cannot be reached gives `unknown`
 * rows instead of throwing.
 */
export async function status(
  router: Router,
  config: LoadedConfig,
  options: HostPoolOptions = {},
): Promise<StatusRow[]> {
  const pool = new HostPool(router, options);
  const perHost = await Promise.all(
    [...byHost(config.components)].map(async ([host, components]): Promise<StatusRow[]> => {
      let listed: ComponentStatus[];
      try {
        listed = await askSupervisor(pool.get(host), "list", config.key);
      } catch (e) {
        return components.map((c) => row(c.name, host, undefined, true, (e as Error).message));
      }
      const found = new Map(listed.map((s) => [s.name, s]));
      const rows = components.map((c) => row(c.name, host, found.get(c.name), true));
      const named = new Set(components.map((c) => c.name));
      for (const s of listed) if (!named.has(s.name)) rows.push(row(s.name, host, s, false));
      return rows;
    }),
  );
  return perHost.flat();
}

function row(
  name: string,
  host: string,
  s: ComponentStatus | undefined,
  configured: boolean,
  unreachable?: string,
): StatusRow {
  if (!s) {
    return {
      name,
      host,
      state: unreachable === undefined ? "absent" : "unknown",
      pid: null,
      supervisorPid: null,
      uptimeMs: null,
      code: null,
      signal: null,
      error: unreachable ?? null,
      configured,
    };
  }
  return {
    name,
    host,
    state: s.running ? "running" : "exited",
    pid: s.pid,
    supervisorPid: s.supervisorPid,
    uptimeMs: s.uptimeMs,
    code: s.code,
    signal: s.signal,
    error: s.error,
    configured,
  };
}

/** The component of `config` called `name`; a UsageError listing the names when none is. */
export function findComponent(config: LoadedConfig, name: string): Component {
  const found = config.components.find((c) => c.name === name);
  if (found) return found;
  const names = config.components.map((c) => `"${c.name}"`).join(", ");
  throw new UsageError(`No component "${name}" in config "${config.path}"; it has ${names}`);
}

/** Options of {@linkcode logs} and {@linkcode followLogs}. */
export interface LogsOptions extends HostPoolOptions {
  /** Only the last this many lines (logs: default all that is kept; follow: default 10). */
  lines?: number;
  /** Stops following. */
  signal?: AbortSignal;
}

/** The kept log of component `name`: lines `<ISO time> <out|err|sup> <text>`. */
export async function logs(
  router: Router,
  config: LoadedConfig,
  name: string,
  options: LogsOptions = {},
): Promise<string> {
  const c = findComponent(config, name);
  const ctx = new HostPool(router, options).get(c.host);
  const ref = { configKey: config.key, name };
  return options.lines === undefined
    ? await askSupervisor(ctx, "logs", ref)
    : await askSupervisor(ctx, "logs", ref, options.lines);
}

/** Yields the last lines of component `name`'s log, then new ones as they come, until it ends. */
export function followLogs(
  router: Router,
  config: LoadedConfig,
  name: string,
  options: LogsOptions = {},
): AsyncGenerator<string> {
  const c = findComponent(config, name);
  const ctx = new HostPool(router, options).get(c.host);
  const ref = { configKey: config.key, name };
  return followSupervisor(ctx, options.signal, ref, options.lines ?? 10);
}

/** Options of {@linkcode down}. */
export interface DownOptions extends HostPoolOptions {
  /** Only these components; default every component of the config on its hosts. */
  names?: string[];
  /** Ms between SIGTERM and SIGKILL; default {@linkcode DEFAULT_STOP_GRACE}. */
  grace?: number;
}

/** What {@linkcode down} did on one host. */
export interface DownResult extends StopResult {
  host: string;
}

/**
 * Stops the components of `config` on the hosts it names (SIGTERM, SIGKILL after the grace) and
 * removes their state, components left from an earlier run of the config included.
 */
export async function down(
  router: Router,
  config: LoadedConfig,
  options: DownOptions = {},
): Promise<DownResult[]> {
  for (const name of options.names ?? []) findComponent(config, name);
  const pool = new HostPool(router, options);
  const hosts = byHost(config.components);
  const results = await Promise.all([...hosts].map(async ([host, components]) => {
    const names = options.names
      ? components.filter((c) => options.names!.includes(c.name)).map((c) => c.name)
      : null;
    if (names?.length === 0) return [];
    const stopped = await askSupervisor(
      pool.get(host),
      "stop",
      config.key,
      names,
      options.grace ?? DEFAULT_STOP_GRACE,
    );
    return stopped.map((s) => ({ ...s, host }));
  }));
  return results.flat();
}
