/**
 * Process-spawning figures: a batch of sequential calls that each run `/bin/true` on the remote,
 * against the same number of sequential `ssh host /bin/true` (the cost of one ssh per command,
 * shown as our speedup) and against the runtime spawning `/bin/true` in a loop by itself (the
 * remote's own spawn cost).
 *
 * @module
 */

import { Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { spawnLoopMs, sshCommandMs } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { timeOnce, timeRuns } from "./measure.ts";
import { summarize } from "./stats.ts";

/** Spawning-call figures for each runtime. */
export const spawnGroup: Group = { name: "spawn", run: runSpawn };

async function runSpawn(settings: BenchSettings): Promise<Figure[]> {
  const { batchSize, batches } = settings.counts;
  // One batch only: at ~¼ s a connection, more would dominate the whole run.
  settings.progress(`spawn: ${batchSize} sequential ssh ${settings.host} /bin/true`);
  const ssh = await timeOnce(async () => {
    for (let i = 0; i < batchSize; i++) await sshCommandMs(settings, "/bin/true");
  });
  const sshFloor = measured(`${batchSize}× ssh ${settings.host} /bin/true`, summarize([ssh]));
  const figures: Figure[] = [];
  for (const runtime of settings.runtimes) {
    settings.progress(`spawn: ${batches}× ${batchSize} calls spawning /bin/true [${runtime}]`);
    const ours = summarize(await spawningBatches(settings, runtime));
    const loop: number[] = [];
    for (let i = 0; i < batches; i++) {
      loop.push(await spawnLoopMs(settings.localRuntime[runtime], batchSize));
    }
    const label = `${batchSize} calls spawning /bin/true [${runtime}]`;
    figures.push(
      {
        id: `spawn.ssh.${runtime}`,
        label: `${label}, vs ssh`,
        unit: "ms",
        ours,
        floor: sshFloor,
        compare: "speedup",
      },
      {
        id: `spawn.loop.${runtime}`,
        label: `${label}, vs the runtime alone`,
        unit: "ms",
        ours,
        floor: measured(`${batchSize}× execFileSync in ${runtime}, no mitoctl`, summarize(loop)),
        compare: "ratio",
      },
    );
  }
  return figures;
}

/** Total ms of each batch of calls running `/bin/true`, on one warm context. */
async function spawningBatches(settings: BenchSettings, runtime: BenchRuntime): Promise<number[]> {
  await using router = new Router();
  const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
  const spawnTrue = () => ctx.call("node:child_process", "execFileSync", "/bin/true");
  for (let i = 0; i < 5; i++) await spawnTrue();
  return await timeRuns(settings.counts.batches, 0, async () => {
    for (let i = 0; i < settings.counts.batchSize; i++) await spawnTrue();
  });
}
