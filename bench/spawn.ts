/**
 * Process-spawning figures: a batch of sequential calls that each run `/bin/true` on the remote,
 * against Mitogen's calls doing the same (`subprocess.run(['/bin/true'])`), against a remote shell
 * that runs `/bin/true` and answers for each line sent over one warm ssh channel (the same round
 * trips and spawns with nothing else in the way), and against the runtime spawning `/bin/true` in
 * a loop by itself (the remote's own spawn cost), all in rotating turns. For scale, the same number
 * of sequential `ssh host /bin/true` (one ssh per command), shown as our speedup.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { PingPong, spawnLoopInWorkerMs, spawnLoopMs, sshArgv, sshCommandMs } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { each, interleaved, type Sampler, timed, timeOnce } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { summarize } from "./stats.ts";

/** Ratio to Mitogen's spawning calls that the figure aims for (Node; Deno 1.2× more). */
export const SPAWN_PEER_TARGET = 1;

/** Remote shell that runs `/bin/true` for each line it reads and then answers with a newline. */
export const SPAWN_SHELL = "while read -r _; do /bin/true; echo; done";

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

  await using stack = new AsyncDisposableStack();
  const router = stack.use(new Router());
  const peer = stack.use(await startPeer(settings.mitogen));
  const shell = stack.use(new PingPong(sshArgv(settings, SPAWN_SHELL)));
  const line = new TextEncoder().encode("\n");
  const batch = (fn: () => Promise<unknown>) =>
    timed(async () => {
      for (let i = 0; i < batchSize; i++) await fn();
    });
  const sources = new Map<string, Sampler>([["shell", batch(() => shell.exchange(line, 1))]]);
  if (peer !== undefined) {
    const { ctx } = await peer.connect();
    sources.set("mitogen", each(() => peer.spawn(ctx, batchSize)));
  }
  for (const runtime of settings.runtimes) {
    const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    sources.set(
      `ours.${runtime}`,
      batch(() => ctx.call("node:child_process", "execFileSync", "/bin/true")),
    );
    sources.set(
      `loop.${runtime}`,
      each(() => spawnLoopMs(settings.localRuntime[runtime], batchSize)),
    );
    if (runtime === "node") {
      sources.set(
        `worker.${runtime}`,
        each(() => spawnLoopInWorkerMs(settings.localRuntime[runtime], batchSize)),
      );
    }
  }
  const samples = await interleaved(sources, {
    n: batches,
    warmup: 1,
    onRound: (round, rounds) =>
      settings.progress(`spawn: round ${round + 1}/${rounds}, ${batchSize} spawns each`),
  });
  const stats = (key: string) => summarize(samples.get(key)!);
  const shellFloor = measured(
    `${batchSize}× sh runs /bin/true and answers, over one ssh channel`,
    stats("shell"),
  );
  const mitogen = peer && stats("mitogen");
  return settings.runtimes.flatMap((runtime: BenchRuntime): Figure[] => {
    const label = `${batchSize} calls spawning /bin/true [${runtime}]`;
    const ours = stats(`ours.${runtime}`);
    return [
      {
        id: `spawn.shell.${runtime}`,
        label,
        unit: "ms",
        ours,
        floor: shellFloor,
        peer: peerOf(
          `${batchSize} calls each spawning /bin/true`,
          "Context.call(run_true): subprocess.run(['/bin/true'])",
          { stats: mitogen, target: bound("peer", { max: SPAWN_PEER_TARGET, runtime }) },
        ),
        runtime,
        compare: "ratio",
      },
      {
        id: `spawn.ssh.${runtime}`,
        label: `  the same, vs ssh [${runtime}]`,
        unit: "ms",
        ours,
        floor: sshFloor,
        runtime,
        compare: "speedup",
      },
      {
        id: `spawn.loop.${runtime}`,
        label: `  the same, vs the runtime alone [${runtime}]`,
        unit: "ms",
        ours,
        floor: measured(
          `${batchSize}× execFileSync in ${runtime}, no mitoctl`,
          stats(`loop.${runtime}`),
        ),
        runtime,
        compare: "ratio",
      },
      ...runtime === "node"
        ? [
          {
            id: `spawn.worker.${runtime}`,
            label: `  the same, vs the runtime alone looping in a worker thread [${runtime}]`,
            unit: "ms",
            ours,
            floor: measured(
              `${batchSize}× execFileSync in a worker thread of ${runtime}, no mitoctl`,
              stats(`worker.${runtime}`),
            ),
            runtime,
            compare: "ratio",
            note: "Node's stage runs user code in a worker thread; on Deno, in the call host's " +
              "main thread, as the loop above",
          } satisfies Figure,
        ]
        : [],
    ];
  });
}
