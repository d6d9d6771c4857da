/**
 * `up`: pushes the components' files, stops the previous run's components of the same config,
 * then starts the components in start order, each index waiting for the one before it.
 *
 * @module
 */

import { RemoteError } from "../errors.ts";
import { push } from "../files/push.ts";
import type { Router } from "../master/router.ts";
import type { Prepared, StartResult } from "../remote/supervisor.ts";
import type { LoadedConfig } from "./load.ts";
import { HostPool, type HostPoolOptions, SUPERVISOR_MODULE } from "./hosts.ts";
import { askSupervisor } from "./supervisor_calls.ts";
import { byHost, type Component, startWaves } from "./plan.ts";

/** Default grace between SIGTERM and SIGKILL when stopping components: 5 s. */
export const DEFAULT_STOP_GRACE = 5000;

/** What {@linkcode up} reports as it goes. */
export type UpEvent =
  | { t: "stopped"; host: string; name: string; killed: boolean }
  | { t: "kept"; component: Component }
  | { t: "started"; component: Component; pid: number; baseDir: string }
  | { t: "failed"; component: Component; reason: string; lastLines: string }
  | { t: "skipped"; component: Component };

/** Options of {@linkcode up}. */
export interface UpOptions extends HostPoolOptions {
  /**
   * Leave the previous run's components running, and do not start again those still running.
   * Default false: they are stopped first.
   */
  keep?: boolean;
  /** Grace between SIGTERM and SIGKILL for the previous run's components, in ms. Default
   *  {@linkcode DEFAULT_STOP_GRACE}. */
  stopGrace?: number;
  /** Receives progress. Default: dropped. */
  onEvent?: (event: UpEvent) => void;
  /** Run id naming fresh base directories; default one made from the time. */
  runId?: string;
  /** Stops between steps (a start under way finishes). */
  signal?: AbortSignal;
}

/** How {@linkcode up} went: `ok` when every component was started or kept. */
export interface UpResult {
  ok: boolean;
  events: UpEvent[];
}

/** A fresh run id: the time in base 36 and a little randomness. */
export function newRunId(): string {
  const random = crypto.getRandomValues(new Uint8Array(3));
  return `${Date.now().toString(36)}-${
    [...random].map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/** Settles every promise; throws the first failure after all are done. */
async function all<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * Starts the components of `config`. A component that cannot be started (missing executable,
 * exits at once, never logs its ready line) is a `failed` event with its last log lines; later
 * start indices are then not started (`skipped`). Connection failures throw.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * import { loadConfig } from "./mod.ts";
 *
 * await using router = new Router();
 * const config = await loadConfig("deploy.ts", { args: { version: "1.2" } });
 * const { ok } = await up(router, config, { onEvent: (e) => console.log(e.t) });
 * ```
 */
export async function up(
  router: Router,
  config: LoadedConfig,
  options: UpOptions = {},
): Promise<UpResult> {
  const run = new UpRun(new HostPool(router, options), config, options);
  const running = options.keep ? await run.runningNames() : new Set<string>();
  for (const c of config.components) if (running.has(c.name)) run.emit({ t: "kept", component: c });
  const toStart = config.components.filter((c) => !running.has(c.name));
  try {
    // Files first, into fresh directories, so the previous run is down only while starting.
    await all(toStart.map((c) => run.prepare(c)));
    if (!options.keep) await run.stopPrevious();
    const ok = await run.startInOrder(toStart);
    return { ok, events: run.events };
  } finally {
    await run.discardUnstarted(toStart);
  }
}

/** One run of {@linkcode up}: its contexts, what it prepared and started, and its events. */
class UpRun {
  readonly events: UpEvent[] = [];
  readonly #pool: HostPool;
  readonly #config: LoadedConfig;
  readonly #options: UpOptions;
  readonly #runId: string;
  readonly #hosts: string[];
  readonly #prepared = new Map<string, Prepared>();
  readonly #attempted = new Set<string>();

  constructor(pool: HostPool, config: LoadedConfig, options: UpOptions) {
    this.#pool = pool;
    this.#config = config;
    this.#options = options;
    this.#runId = options.runId ?? newRunId();
    this.#hosts = [...byHost(config.components).keys()];
  }

  emit(e: UpEvent): void {
    this.events.push(e);
    this.#options.onEvent?.(e);
  }

  /** Names of this config's components running on its hosts. */
  async runningNames(): Promise<Set<string>> {
    const running = new Set<string>();
    await all(this.#hosts.map(async (host) => {
      const listed = await askSupervisor(this.#pool.get(host), "list", this.#config.key);
      for (const s of listed) if (s.running) running.add(s.name);
    }));
    return running;
  }

  /** Makes `c`'s base directory and pushes its files there. */
  async prepare(c: Component): Promise<void> {
    const ctx = this.#pool.get(c.host);
    const spec = { configKey: this.#config.key, name: c.name, runId: this.#runId, ...baseDirOf(c) };
    const where = await askSupervisor(ctx, "prepare", spec);
    this.#prepared.set(c.name, where);
    for (const [local, remote] of c.files) {
      this.#options.signal?.throwIfAborted();
      await push(ctx, local, remote.startsWith("/") ? remote : `${where.baseDir}/${remote}`);
    }
  }

  /** Stops every component of the config on its hosts. */
  async stopPrevious(): Promise<void> {
    await all(this.#hosts.map(async (host) => {
      const stopped = await askSupervisor(
        this.#pool.get(host),
        "stop",
        this.#config.key,
        null,
        this.#options.stopGrace ?? DEFAULT_STOP_GRACE,
      );
      for (const s of stopped) {
        if (s.wasRunning) this.emit({ t: "stopped", host, name: s.name, killed: s.killed });
      }
    }));
  }

  /** Starts `components` wave by wave; a failure in one wave skips the later ones. */
  async startInOrder(components: Component[]): Promise<boolean> {
    let failed = false;
    for (const wave of startWaves(components)) {
      if (failed || this.#options.signal?.aborted) {
        for (const c of wave) this.emit({ t: "skipped", component: c });
        continue;
      }
      const results = await all(wave.map((c) => this.#start(c)));
      failed = results.includes(false);
    }
    return !failed && !this.#options.signal?.aborted;
  }

  async #start(c: Component): Promise<boolean> {
    const where = this.#prepared.get(c.name)!;
    this.#attempted.add(c.name);
    let result: StartResult;
    try {
      result = await askSupervisor(this.#pool.get(c.host), "start", {
        configKey: this.#config.key,
        name: c.name,
        runId: this.#runId,
        config: this.#config.realPath,
        baseDir: where.baseDir,
        ownBaseDir: where.ownBaseDir,
        executable: c.executable,
        args: c.args,
        env: c.env,
        graceMs: c.grace,
        readyTimeoutMs: c.readyTimeout,
        ...(c.ready === undefined ? {} : { ready: c.ready }),
      });
    } catch (e) {
      // A start the remote refused (a missing executable): this component's failure alone.
      if (!(e instanceof RemoteError)) throw e;
      result = { ok: false, reason: e.remote.message, lastLines: "" };
    }
    if (result.ok) {
      this.emit({ t: "started", component: c, pid: result.pid, baseDir: result.baseDir });
    } else {
      this.emit({ t: "failed", component: c, reason: result.reason, lastLines: result.lastLines });
    }
    return result.ok;
  }

  /** Removes the fresh directories of components that never got to start. */
  async discardUnstarted(components: Component[]): Promise<void> {
    await Promise.all(this.#hosts.map(async (host) => {
      const dirs: string[] = [];
      for (const c of components) {
        const where = this.#prepared.get(c.name);
        if (c.host === host && where?.ownBaseDir && !this.#attempted.has(c.name)) {
          dirs.push(where.baseDir);
        }
      }
      if (dirs.length) {
        await this.#pool.get(host).call(SUPERVISOR_MODULE, "discard", dirs).catch(() => {});
      }
    }));
  }
}

function baseDirOf(c: Component): { baseDir?: string } {
  return c.baseDir === undefined ? {} : { baseDir: c.baseDir };
}
