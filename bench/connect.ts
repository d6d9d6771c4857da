/**
 * Connect figures: a fresh router's `open()` (bootstrap and first call in one write) and
 * `connect()` (wait for hello, then call) up to the first call's reply, against a plain
 * `ssh host true` and Mitogen's `router.ssh()` then its first call, all taken in rotating turns.
 * The first call is `node:os#hostname`, a machine fact the stage's router answers; `open()` also
 * sends a call into the caller's own module with it, which waits for the call worker. Also where
 * the time goes (spawn→hello and hello→first reply), and the remote's resident memory once both
 * replies are in, ours and Mitogen's, counted over every process of the ssh session.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { WORK_MODULE } from "./call.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { emptyProgramLine, idleResidentMB, sshCommandMs } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { each, interleaved, keep, type Sampler } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { sessionResidentBytes } from "./proc.ts";
import { summarize } from "./stats.ts";

/** Ratio to `ssh host true` that connect figures aim for (Node; Deno 1.2× more). */
export const CONNECT_TARGET = 1.3;

/** Ratio to Mitogen's first call that the connect figure aims for. */
export const CONNECT_PEER_TARGET = 0.9;

/** Resident MB an idle remote may hold (Node; Deno 1.2× more). */
export const IDLE_RSS_TARGET = 40;

/** Connect→first-call figures and idle memory for each runtime, beside Mitogen. */
export const connectGroup: Group = { name: "connect", run: runConnect };

async function runConnect(settings: BenchSettings): Promise<Figure[]> {
  await using peer = await startPeer(settings.mitogen);
  // Numbers a sample brings besides its time, per series.
  const side = new Map<string, number[]>();
  const sources = new Map<string, Sampler>([
    ["floor", each(() => sshCommandMs(settings, "true"))],
  ]);
  if (peer !== undefined) {
    sources.set(
      "mitogen",
      each(async () => {
        const { ctx, pid, ms } = await peer.connect();
        keep(side, "rss.mitogen", await sessionResidentBytes(pid) / 1e6);
        await peer.shut(ctx);
        return ms;
      }),
    );
  }
  for (const runtime of settings.runtimes) {
    sources.set(
      `open.${runtime}`,
      each(async () => {
        const opened = await openThenCall(settings, runtime);
        keep(side, `hello.${runtime}`, opened.hello);
        keep(side, `reply.${runtime}`, opened.total - opened.hello);
        keep(side, `module.${runtime}`, opened.module);
        keep(side, `rss.${runtime}`, opened.rssMB);
        return opened.total;
      }),
    );
    sources.set(`connect.${runtime}`, each(() => connectThenCall(settings, runtime)));
    // Floors of the runtime itself: its start through ssh, and its idle memory there, alone and
    // with one worker thread as the stage runs its calls in.
    const emptyProgram = emptyProgramLine(runtime);
    sources.set(`bare.${runtime}`, each(() => sshCommandMs(settings, emptyProgram)));
    sources.set(
      `idle.${runtime}`,
      each(async () => {
        const start = performance.now();
        keep(side, `rss.alone.${runtime}`, await idleResidentMB(settings, runtime, false));
        keep(side, `rss.worker.${runtime}`, await idleResidentMB(settings, runtime, true));
        return performance.now() - start;
      }),
    );
  }
  const n = settings.counts.connects;
  // One warm-up sample of each warms the page cache and sshd; it is left out below.
  const samples = await interleaved(sources, {
    n,
    warmup: 1,
    onRound: (round, rounds) => settings.progress(`connect: round ${round + 1}/${rounds}`),
  });
  const series = (key: string) => summarize(samples.get(key)!);
  const measuredSide = (key: string) => summarize(side.get(key)!.slice(-n));
  const mitogenFirstCall = peer && series("mitogen");
  const mitogenRss = peer && measuredSide("rss.mitogen");
  const sshFloor = measured(`ssh ${settings.host} true`, series("floor"));
  return settings.runtimes.flatMap((runtime): Figure[] => {
    const target = bound("ratio", { max: CONNECT_TARGET, runtime });
    return [
      {
        id: `connect.open.${runtime}`,
        label: `connect→first call, open() [${runtime}]`,
        unit: "ms",
        ours: series(`open.${runtime}`),
        floor: sshFloor,
        peer: peerOf("connect → first call", "router.ssh(), then Context.call(os.getpid)", {
          stats: mitogenFirstCall,
          target: bound("peer", { max: CONNECT_PEER_TARGET, runtime }),
        }),
        runtime,
        compare: "ratio",
        target,
      },
      {
        id: `connect.bare.${runtime}`,
        label: `  the same against ssh running ${runtime} with an empty program`,
        unit: "ms",
        ours: series(`open.${runtime}`),
        floor: measured(
          `ssh ${settings.host} ${runtime} runs an empty program`,
          series(`bare.${runtime}`),
        ),
        runtime,
        compare: "ratio",
      },
      {
        id: `connect.connect.${runtime}`,
        label: `connect→first call, connect() [${runtime}]`,
        unit: "ms",
        ours: series(`connect.${runtime}`),
        floor: sshFloor,
        runtime,
        compare: "ratio",
        target,
      },
      {
        id: `connect.hello.${runtime}`,
        label: `  of open(): spawn→hello [${runtime}]`,
        unit: "ms",
        ours: measuredSide(`hello.${runtime}`),
        floor: sshFloor,
        runtime,
        compare: "ratio",
      },
      {
        id: `connect.reply.${runtime}`,
        label: `  of open(): hello→first reply [${runtime}]`,
        unit: "ms",
        ours: measuredSide(`reply.${runtime}`),
        runtime,
        compare: "ratio",
      },
      {
        id: `connect.module.${runtime}`,
        label: `  open()→first call into the caller's own module, sent with the first [${runtime}]`,
        unit: "ms",
        ours: measuredSide(`module.${runtime}`),
        floor: sshFloor,
        runtime,
        compare: "ratio",
      },
      {
        id: `connect.rss.${runtime}`,
        label: `idle remote RSS, after the first replies [${runtime}]`,
        unit: "MB",
        ours: measuredSide(`rss.${runtime}`),
        peer: peerOf("idle remote RSS", "its context's python3, read the same way", {
          stats: mitogenRss,
        }),
        runtime,
        compare: "ratio",
        target: bound("ours", { max: IDLE_RSS_TARGET, runtime, unit: "MB" }),
        note: "resident memory (VmRSS, 10⁶ B) of every process of the context's ssh session " +
          "below sshd, read as soon as the replies to the first calls are in (the second ran in " +
          "the call worker, so it is up); Mitogen's after its first call",
      },
      {
        id: `connect.rss.worker.${runtime}`,
        label: `  the same against ${runtime} idling with one worker thread`,
        unit: "MB",
        ours: measuredSide(`rss.${runtime}`),
        floor: measured(
          `${runtime} over ssh, idle, one worker thread`,
          measuredSide(`rss.worker.${runtime}`),
        ),
        runtime,
        compare: "ratio",
      },
      {
        id: `connect.rss.alone.${runtime}`,
        label: `  the same against ${runtime} idling alone`,
        unit: "MB",
        ours: measuredSide(`rss.${runtime}`),
        floor: measured(`${runtime} over ssh, idle`, measuredSide(`rss.alone.${runtime}`)),
        runtime,
        compare: "ratio",
      },
    ];
  });
}

function connectOptions(settings: BenchSettings, runtime: BenchRuntime) {
  return { sshConfig: settings.sshConfig, runtime };
}

/**
 * Wall ms from a fresh router's `open()` to the first reply (a machine fact, which the router
 * answers), and to hello on the way; to the reply of a call into the caller's own module sent
 * with it (which runs in the call worker); then the remote session's resident MB, read before the
 * router closes.
 */
async function openThenCall(
  settings: BenchSettings,
  runtime: BenchRuntime,
): Promise<{ total: number; hello: number; module: number; rssMB: number }> {
  const router = new Router();
  try {
    const start = performance.now();
    const ctx = router.open(settings.host, connectOptions(settings, runtime));
    let hello = Number.NaN;
    ctx.ready.then(() => hello = performance.now() - start, () => {});
    const fact = ctx.call("node:os", "hostname");
    const own = ctx.call(WORK_MODULE, "nothing").then(() => performance.now() - start);
    own.catch(() => {}); // Seen below; not an unhandled rejection meanwhile.
    await fact;
    const total = performance.now() - start;
    const module = await own;
    const pid = ctx.info?.pid;
    if (pid === undefined) throw new Error(`Context on "${settings.host}" told no pid`);
    return { total, hello, module, rssMB: await sessionResidentBytes(pid) / 1e6 };
  } finally {
    await router.close();
  }
}

/** Wall ms from a fresh router's `connect()` to the first reply. */
async function connectThenCall(settings: BenchSettings, runtime: BenchRuntime): Promise<number> {
  const router = new Router();
  try {
    const start = performance.now();
    const ctx = await router.connect(settings.host, connectOptions(settings, runtime));
    await ctx.call("node:os", "hostname");
    return performance.now() - start;
  } finally {
    await router.close();
  }
}
