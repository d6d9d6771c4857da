/**
 * Local-context figures: a fresh router's `local()` start up to the first call's reply, against
 * the runtime starting an empty program, and the call round trip of a local context against a
 * ping-pong through a local `cat`; beside each, Mitogen's `router.local()` doing the same (where
 * Mitogen is measured; else DESIGN.md's quoted figures are the targets). For information, how
 * long the runtime alone takes to start a worker thread, which the stage waits for. Starts are
 * taken in rotating turns, round trips in rotating turns of {@linkcode BLOCK} calls.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { bound, type Figure, measured, peerOf, type Unit } from "./figure.ts";
import { PingPong, runtimeStartMs, workerStartMs } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { callFrameSize } from "./call.ts";
import { each, interleaved, keep, type Sampler, timed } from "./measure.ts";
import { mitogenLocal, startPeer } from "./mitogen.ts";
import { scaleStats, type Stats, summarize } from "./stats.ts";

/** Mitogen's local context start on a 2-core machine, in ms, as quoted in DESIGN.md. */
export const MITOGEN_LOCAL_START = 270;

/** Mitogen's call round trip on a 2-core machine, in µs, as quoted in DESIGN.md. */
export const MITOGEN_CALL = 750;

/** Local-context figures for each runtime. */
export const localGroup: Group = { name: "local", run: runLocal };

/** Round trips taken from each source in one turn before moving to the next. */
const BLOCK = 100;

async function runLocal(settings: BenchSettings): Promise<Figure[]> {
  const size = callFrameSize();
  const message = new Uint8Array(size).fill(0x61);
  await using stack = new AsyncDisposableStack();
  const peer = stack.use(
    await startPeer(settings.mitogen && { ...settings.mitogen, connection: mitogenLocal() }),
  );
  const starts = new Map<string, Sampler>();
  const calls = new Map<string, Sampler>();
  const cat = stack.use(new PingPong(["cat"]));
  await cat.ready();
  calls.set("cat", timed(() => cat.exchange(message, size)));
  if (peer !== undefined) {
    starts.set(
      "mitogen",
      each(async () => {
        const { ctx, ms } = await peer.connect();
        await peer.shut(ctx);
        return ms;
      }),
    );
    const { ctx } = await peer.connect();
    calls.set("mitogen", (count) => peer.noop(ctx, count));
  }
  const hello = new Map<string, number[]>();
  const router = stack.use(new Router());
  for (const runtime of settings.runtimes) {
    const path = settings.localRuntime[runtime];
    starts.set(`bare.${runtime}`, each(() => runtimeStartMs(path)));
    starts.set(`worker.${runtime}`, each(() => workerStartMs(path)));
    starts.set(
      `ours.${runtime}`,
      each(async () => {
        const ours = await localThenCall(path);
        keep(hello, runtime, ours.hello);
        return ours.total;
      }),
    );
    const ctx = await router.local({ runtime: path });
    calls.set(`ours.${runtime}`, timed(() => ctx.call("node:os", "hostname")));
  }
  const n = settings.counts.connects;
  const started = await interleaved(starts, {
    n,
    warmup: 1,
    onRound: (round, rounds) => settings.progress(`local: starts, round ${round + 1}/${rounds}`),
  });
  settings.progress(`local: ${settings.counts.calls} round trips of each of ${calls.size} kinds`);
  const called = await interleaved(calls, {
    n: settings.counts.calls,
    warmup: settings.counts.warmupCalls,
    block: BLOCK,
  });
  const start = (key: string) => summarize(started.get(key)!);
  const call = (key: string) => scaleStats(summarize(called.get(key)!), 1000);
  const catFloor = measured(`ping-pong ${size} B, local cat`, call("cat"));
  const mitogenStart = peer && start("mitogen");
  const mitogenCall = peer && call("mitogen");
  // Beside a measured Mitogen, beat it; without one, beat the figures DESIGN.md quotes.
  const beat = (row: string, label: string, stats: Stats | undefined, quoted: number, unit: Unit) =>
    stats === undefined
      ? {
        peer: peerOf(row, label),
        target: { text: `≤ ${quoted} ${unit} (Mitogen, quoted)`, on: "ours", max: quoted } as const,
      }
      : { peer: peerOf(row, label, { stats, target: bound("peer", { max: 1 }) }) };
  return settings.runtimes.flatMap((runtime): Figure[] => {
    const bareFloor = measured(`${runtime} runs an empty program`, start(`bare.${runtime}`));
    return [
      {
        id: `local.start.${runtime}`,
        label: `local() start→first call [${runtime}]`,
        unit: "ms",
        ours: start(`ours.${runtime}`),
        floor: bareFloor,
        ...beat(
          "local context start → first call",
          "router.local(), then one call",
          mitogenStart,
          MITOGEN_LOCAL_START,
          "ms",
        ),
        runtime,
        compare: "ratio",
      },
      {
        id: `local.hello.${runtime}`,
        label: `  of local(): spawn→hello [${runtime}]`,
        unit: "ms",
        ours: summarize(hello.get(runtime)!.slice(-n)),
        floor: bareFloor,
        runtime,
        compare: "ratio",
      },
      {
        id: `local.worker.${runtime}`,
        label: `  ${runtime} alone starts a worker_threads worker`,
        unit: "ms",
        ours: start(`worker.${runtime}`),
        runtime,
        compare: "ratio",
        note: "timed inside the process, from new Worker() to its first message",
      },
      {
        id: `local.call.${runtime}`,
        label: `local call round trip, node:os#hostname [${runtime}]`,
        unit: "µs",
        ours: call(`ours.${runtime}`),
        floor: catFloor,
        ...beat(
          "local call round trip",
          "Context.call(socket.gethostname)",
          mitogenCall,
          MITOGEN_CALL,
          "µs",
        ),
        runtime,
        compare: "ratio",
      },
    ];
  });
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
