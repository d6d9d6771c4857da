/**
 * Fan-out figures: many contexts opened at once on the loopback sshd, each making one call,
 * timed until every one answered, against as many concurrent `ssh host true`. Heavy on a small
 * machine, so few rounds, each after a smaller warm-up round of every kind. The fixture's sshd
 * must let that many connections authenticate at once (`MaxStartups`), or ssh drops some.
 *
 * @module
 */

import { DEFAULT_MAX_STARTUPS } from "../tests/_fixtures/sshd.ts";
import { Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { sshArgv } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { runProcess, timeOnce } from "./measure.ts";
import { summarize } from "./stats.ts";

/** Ratio to as many concurrent `ssh host true` that the fan-out figure aims for. */
export const FANOUT_TARGET = 1.1;

/** Contexts in the warm-up round before the measured ones. */
const WARMUP_SIZE = 3;

/** Fan-out figures for each runtime. */
export const fanoutGroup: Group = { name: "fanout", run: runFanout };

async function runFanout(settings: BenchSettings): Promise<Figure[]> {
  const size = settings.counts.fanout;
  if (size > DEFAULT_MAX_STARTUPS) {
    throw new RangeError(
      `Invalid fan-out of ${size}: the bench sshd lets ${DEFAULT_MAX_STARTUPS} connections ` +
        "authenticate at once",
    );
  }
  const floor: number[] = [];
  const ours = new Map<BenchRuntime, number[]>(settings.runtimes.map((r) => [r, []]));
  const rounds = settings.counts.fanouts;
  for (let round = 0; round <= rounds; round++) {
    const n = round === 0 ? Math.min(WARMUP_SIZE, size) : size;
    settings.progress(`fan-out: round ${round}/${rounds}, ${n} at once`);
    const ssh = await timeOnce(() =>
      Promise.all(Array.from({ length: n }, () => runProcess(sshArgv(settings, "true"))))
    );
    if (round > 0) floor.push(ssh);
    for (const runtime of settings.runtimes) {
      const ms = await openAll(settings, runtime, n);
      if (round > 0) ours.get(runtime)!.push(ms);
    }
  }
  const sshFloor = measured(`${size}× ssh ${settings.host} true at once`, summarize(floor));
  return settings.runtimes.map((runtime): Figure => ({
    id: `fanout.${runtime}`,
    label: `${size} contexts opened at once, one call each [${runtime}]`,
    unit: "ms",
    ours: summarize(ours.get(runtime)!),
    floor: sshFloor,
    compare: "ratio",
    target: { text: `≤ ${FANOUT_TARGET}×`, on: "ratio", max: FANOUT_TARGET },
    note: "wall time from the first open() until the last reply; one router for all",
  }));
}

/**
 * Wall ms from opening `n` contexts at once on a fresh router until each answered one call.
 * Closing them afterwards is left out.
 */
async function openAll(settings: BenchSettings, runtime: BenchRuntime, n: number): Promise<number> {
  await using router = new Router();
  const options = { sshConfig: settings.sshConfig, runtime };
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
