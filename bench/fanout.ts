/**
 * Fan-out figures: many contexts opened at once on the loopback sshd, each making one call,
 * timed until every one answered, against as many concurrent `ssh host true` and against Mitogen
 * opening as many contexts at once (one thread each: `router.ssh()`, then one call), in rotating
 * turns, for each size in the run's counts (30 and 100). For each runtime, also against as many
 * concurrent ssh sessions running that runtime's empty program: the start the fan-out pays in
 * every session before mitoctl does anything. Heavy on a small machine, so few rounds,
 * after one small warm-up round of every kind. The fixture's sshd must let that many connections
 * authenticate at once (`MaxStartups`), or ssh drops some.
 *
 * @module
 */

import { DEFAULT_MAX_STARTUPS } from "../tests/_fixtures/sshd.ts";
import { Router } from "../mod.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { emptyProgramLine, hostProgramLine, sshArgv, workerProgramLine } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { each, interleaved, runProcess, type Sampler, timeOnce } from "./measure.ts";
import { MITOGEN_CONNECT_TIMEOUT, type MitogenPeer, startPeer } from "./mitogen.ts";
import { summarize } from "./stats.ts";

/** Ratio to as many concurrent `ssh host true` that the fan-out figure aims for. */
export const FANOUT_TARGET = 1.1;

/** Contexts in the warm-up round before the measured ones. */
const WARMUP_SIZE = 3;

/** Fan-out figures for each runtime. */
export const fanoutGroup: Group = { name: "fanout", run: runFanout };

/** Throws a `RangeError` for a fan-out larger than the bench sshd lets authenticate at once. */
export function checkFanout(sizes: readonly number[]): void {
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1 || size > DEFAULT_MAX_STARTUPS) {
      throw new RangeError(
        `Invalid fan-out of ${size}: use 1 to ${DEFAULT_MAX_STARTUPS}, the connections the ` +
          "bench sshd lets authenticate at once",
      );
    }
  }
}

async function runFanout(settings: BenchSettings): Promise<Figure[]> {
  checkFanout(settings.counts.fanout);
  await using peer = await startPeer(settings.mitogen);
  const sources = (size: number) => fanoutSources(settings, peer, size);
  settings.progress(`fan-out: warm-up, ${WARMUP_SIZE} at once of each kind`);
  for (const sample of sources(WARMUP_SIZE).values()) await sample(1);
  const figures: Figure[] = [];
  for (const size of settings.counts.fanout) {
    const samples = await interleaved(sources(size), {
      n: settings.counts.fanouts,
      onRound: (round, rounds) =>
        settings.progress(`fan-out: round ${round + 1}/${rounds}, ${size} at once`),
    });
    const stats = (key: string) => summarize(samples.get(key)!);
    const sshFloor = measured(`${size}× ssh ${settings.host} true at once`, stats("floor"));
    const mitogen = peer && stats("mitogen");
    figures.push(...settings.runtimes.flatMap((runtime): Figure[] => [
      {
        id: `fanout.${size}.${runtime}`,
        label: `${size} contexts opened at once, one call each [${runtime}]`,
        unit: "ms",
        ours: stats(runtime),
        floor: sshFloor,
        peer: peerOf(
          `${size} contexts at once, one call each`,
          `${size} threads each running router.ssh(), then Context.call(os.getpid)`,
          { stats: mitogen },
        ),
        runtime,
        compare: "ratio",
        target: bound("ratio", { max: FANOUT_TARGET, runtime }),
        note: "wall time from the first open() until the last reply; one router for all",
      },
      {
        id: `fanout.${size}.bare.${runtime}`,
        label: `  the same against ${size} ssh running ${runtime} with an empty program at once`,
        unit: "ms",
        ours: stats(runtime),
        floor: measured(
          `${size}× ssh ${settings.host} ${runtime} runs an empty program at once`,
          stats(`bare.${runtime}`),
        ),
        runtime,
        compare: "ratio",
      },
      {
        id: `fanout.${size}.worker.${runtime}`,
        label: `  the same against ${size} ssh whose runtime starts one worker thread [${runtime}]`,
        unit: "ms",
        ours: stats(runtime),
        floor: measured(
          `${size}× ssh ${settings.host} ${runtime} starts one worker thread, at once`,
          stats(`worker.${runtime}`),
        ),
        runtime,
        compare: "ratio",
        note: "each context keeps user code off its routing thread: on Node a worker thread " +
          "started at boot, on Deno a second process (the call host)",
      },
      ...runtime === "deno"
        ? [
          {
            id: `fanout.${size}.host.${runtime}`,
            label: `  the same against ${size} ssh whose deno starts a second deno [${runtime}]`,
            unit: "ms",
            ours: stats(runtime),
            floor: measured(
              `${size}× ssh ${settings.host} deno starts a second deno, at once`,
              stats(`host.${runtime}`),
            ),
            runtime,
            compare: "ratio",
            note: "the second process touches `process` and exits: Deno cannot stop a busy " +
              "worker thread, so a Deno context runs user code in a call host process",
          } satisfies Figure,
        ]
        : [],
    ]));
  }
  return figures;
}

/** The floor, Mitogen (when measured) and ours on each runtime, each opening `size` at once. */
function fanoutSources(
  settings: BenchSettings,
  peer: MitogenPeer | undefined,
  size: number,
): Map<string, Sampler> {
  // `size` ssh sessions running `command`, all at once.
  const atOnce = (command: string) =>
    each(() =>
      timeOnce(() =>
        Promise.all(Array.from({ length: size }, () => runProcess(sshArgv(settings, command))))
      )
    );
  const sources = new Map<string, Sampler>([["floor", atOnce("true")]]);
  if (peer !== undefined) sources.set("mitogen", each(() => peer.fanout(size)));
  for (const runtime of settings.runtimes) {
    sources.set(runtime, each(() => openAll(settings, runtime, size)));
    sources.set(`bare.${runtime}`, atOnce(emptyProgramLine(runtime)));
    sources.set(`worker.${runtime}`, atOnce(workerProgramLine(runtime)));
    if (runtime === "deno") sources.set(`host.${runtime}`, atOnce(hostProgramLine(runtime)));
  }
  return sources;
}

/**
 * Wall ms from opening `n` contexts at once on a fresh router until each answered one call.
 * Closing them afterwards is left out.
 */
async function openAll(settings: BenchSettings, runtime: BenchRuntime, n: number): Promise<number> {
  await using router = new Router();
  // The same time to come up as Mitogen gets: at 100 at once a busy machine needs more than 30 s.
  const connectTimeout = MITOGEN_CONNECT_TIMEOUT * 1000;
  const options = { sshConfig: settings.sshConfig, runtime, connectTimeout };
  return await timeOnce(() =>
    Promise.all(
      Array.from(
        { length: n },
        (_, i) =>
          router.open(settings.host, { ...options, name: `f${i}` }).call("node:os", "hostname"),
      ),
    )
  );
}
