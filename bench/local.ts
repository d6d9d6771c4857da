/**
 * Local-context figures: a fresh router's `local()` start up to the first call's reply, against
 * the runtime starting an empty program, and the call round trip of a local context against a
 * ping-pong through a local `cat`; for information, how long the runtime alone takes to start a
 * worker thread, which the stage waits for. Mitogen's figures from DESIGN.md are the targets
 * (quoted, not measured here).
 *
 * @module
 */

import { Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { echoRoundTrips, runtimeStartMs, workerStartMs } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { callFrameSize } from "./call.ts";
import { timeRuns } from "./measure.ts";
import { scaleStats, type Stats, summarize } from "./stats.ts";

/** Mitogen's local context start on a 2-core machine, in ms, as quoted in DESIGN.md. */
export const MITOGEN_LOCAL_START = 270;

/** Mitogen's call round trip on a 2-core machine, in µs, as quoted in DESIGN.md. */
export const MITOGEN_CALL = 750;

/** Local-context figures for each runtime. */
export const localGroup: Group = { name: "local", run: runLocal };

async function runLocal(settings: BenchSettings): Promise<Figure[]> {
  const size = callFrameSize();
  settings.progress(`local: ping-pong of ${size} B through cat`);
  const cat = measured(
    `ping-pong ${size} B, local cat`,
    await echoRoundTrips(["cat"], size, settings.counts),
  );
  const figures: Figure[] = [];
  for (const runtime of settings.runtimes) {
    const path = settings.localRuntime[runtime];
    const bare: number[] = [];
    const start: number[] = [];
    const hello: number[] = [];
    const worker: number[] = [];
    for (let round = 0; round <= settings.counts.connects; round++) {
      settings.progress(`local: round ${round}/${settings.counts.connects} [${runtime}]`);
      const floor = await runtimeStartMs(path);
      const ours = await localThenCall(path);
      const workerMs = await workerStartMs(path);
      if (round === 0) continue;
      bare.push(floor);
      start.push(ours.total);
      hello.push(ours.hello);
      worker.push(workerMs);
    }
    const bareFloor = measured(`${runtime} runs an empty program`, summarize(bare));
    figures.push(
      {
        id: `local.start.${runtime}`,
        label: `local() start→first call [${runtime}]`,
        unit: "ms",
        ours: summarize(start),
        floor: bareFloor,
        compare: "ratio",
        target: {
          text: `≤ ${MITOGEN_LOCAL_START} ms (Mitogen, quoted)`,
          on: "ours",
          max: MITOGEN_LOCAL_START,
        },
      },
      {
        id: `local.hello.${runtime}`,
        label: `  of local(): spawn→hello [${runtime}]`,
        unit: "ms",
        ours: summarize(hello),
        floor: bareFloor,
        compare: "ratio",
      },
      {
        id: `local.worker.${runtime}`,
        label: `  ${runtime} alone starts a worker_threads worker`,
        unit: "ms",
        ours: summarize(worker),
        compare: "ratio",
        note: "timed inside the process, from new Worker() to its first message",
      },
      {
        id: `local.call.${runtime}`,
        label: `local call round trip, node:os#hostname [${runtime}]`,
        unit: "µs",
        ours: await localCalls(settings, path),
        floor: cat,
        compare: "ratio",
        target: { text: `≤ ${MITOGEN_CALL} µs (Mitogen, quoted)`, on: "ours", max: MITOGEN_CALL },
      },
    );
  }
  return figures;
}

/** Wall ms from a fresh router's `local()` call to the first reply, and to hello on the way. */
async function localThenCall(runtime: string): Promise<{ total: number; hello: number }> {
  const router = new Router();
  try {
    const start = performance.now();
    const ctx = await router.local({ runtime });
    const hello = performance.now() - start;
    await ctx.call("node:os", "hostname");
    return { total: performance.now() - start, hello };
  } finally {
    await router.close();
  }
}

/** Round-trip µs of sequential no-op calls on one warm local context. */
async function localCalls(settings: BenchSettings, runtime: string): Promise<Stats> {
  await using router = new Router();
  const ctx = await router.local({ runtime });
  const { calls, warmupCalls } = settings.counts;
  const samples = await timeRuns(calls, warmupCalls, () => ctx.call("node:os", "hostname"));
  return scaleStats(summarize(samples), 1000);
}
