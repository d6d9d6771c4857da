/**
 * Connect figures: a fresh router's `open()` (bootstrap and first call in one write) and
 * `connect()` (wait for hello, then call) up to the first call's reply, against a plain
 * `ssh host true` taken in the same rounds. Also where the time goes: spawn→hello and
 * hello→first reply.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { sshCommandMs } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { summarize } from "./stats.ts";

/** Ratio to `ssh host true` that connect figures aim for. */
export const CONNECT_TARGET = 1.2;

interface Samples {
  open: number[];
  hello: number[];
  reply: number[];
  connect: number[];
}

/** Connect→first-call figures for each runtime. */
export const connectGroup: Group = { name: "connect", run: runConnect };

async function runConnect(settings: BenchSettings): Promise<Figure[]> {
  const floor: number[] = [];
  const samples = new Map<BenchRuntime, Samples>(
    settings.runtimes.map((r) => [r, { open: [], hello: [], reply: [], connect: [] }]),
  );
  // Round 0 warms page cache and sshd; rounds interleave so drift hits ours and the floor alike.
  for (let round = 0; round <= settings.counts.connects; round++) {
    settings.progress(`connect: round ${round}/${settings.counts.connects}`);
    const ssh = await sshCommandMs(settings, "true");
    if (round > 0) floor.push(ssh);
    for (const runtime of settings.runtimes) {
      const opened = await openThenCall(settings, runtime);
      const connected = await connectThenCall(settings, runtime);
      if (round === 0) continue;
      const s = samples.get(runtime)!;
      s.open.push(opened.total);
      s.hello.push(opened.hello);
      s.reply.push(opened.total - opened.hello);
      s.connect.push(connected);
    }
  }
  const sshFloor = measured(`ssh ${settings.host} true`, summarize(floor));
  const target = { text: `≤ ${CONNECT_TARGET}×`, on: "ratio", max: CONNECT_TARGET } as const;
  return settings.runtimes.flatMap((runtime): Figure[] => {
    const s = samples.get(runtime)!;
    return [
      {
        id: `connect.open.${runtime}`,
        label: `connect→first call, open() [${runtime}]`,
        unit: "ms",
        ours: summarize(s.open),
        floor: sshFloor,
        compare: "ratio",
        target,
      },
      {
        id: `connect.connect.${runtime}`,
        label: `connect→first call, connect() [${runtime}]`,
        unit: "ms",
        ours: summarize(s.connect),
        floor: sshFloor,
        compare: "ratio",
        target,
      },
      {
        id: `connect.hello.${runtime}`,
        label: `  of open(): spawn→hello [${runtime}]`,
        unit: "ms",
        ours: summarize(s.hello),
        floor: sshFloor,
        compare: "ratio",
      },
      {
        id: `connect.reply.${runtime}`,
        label: `  of open(): hello→first reply [${runtime}]`,
        unit: "ms",
        ours: summarize(s.reply),
        compare: "ratio",
      },
    ];
  });
}

function connectOptions(settings: BenchSettings, runtime: BenchRuntime) {
  return { sshConfig: settings.sshConfig, runtime };
}

/** Wall ms from a fresh router's `open()` to the first reply, and to hello on the way. */
async function openThenCall(
  settings: BenchSettings,
  runtime: BenchRuntime,
): Promise<{ total: number; hello: number }> {
  const router = new Router();
  try {
    const start = performance.now();
    const ctx = router.open(settings.host, connectOptions(settings, runtime));
    let hello = Number.NaN;
    ctx.ready.then(() => hello = performance.now() - start, () => {});
    await ctx.call("node:os", "hostname");
    return { total: performance.now() - start, hello };
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
