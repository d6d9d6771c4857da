/**
 * A group of figures and what every group is given to measure with. `bench.ts` runs the groups
 * in order; a new family of figures (module graphs, streams, fan-out) is a new file
 * exporting a {@linkcode Group}, added to the list there.
 *
 * @module
 */

import type { BenchRuntime, Figure } from "./figure.ts";
import type { MitogenSetup } from "./mitogen.ts";

export type { BenchRuntime } from "./figure.ts";

/** How many samples each kind of figure takes. */
export interface RunCounts {
  /** Fresh connections per figure (connect, local start). */
  connects: number;
  /** Sequential calls per round-trip figure, after `warmupCalls`. */
  calls: number;
  /** Calls made and not measured before a round-trip figure. */
  warmupCalls: number;
  /** Repetitions of a batch figure (100 spawning calls). */
  batches: number;
  /** Calls in a batch. */
  batchSize: number;
  /** Rounds of fresh contexts (one with a cold, one with a warm module cache) whose first call
   *  loads the generated module graph. */
  graphs: number;
  /** Bulk transfers per throughput figure, after one warm-up. */
  transfers: number;
  /** Rounds of fresh contexts started through a bastion (and direct to it), after one warm-up. */
  hops: number;
  /** Contexts behind one bastion that each call into the same module graph. */
  behindBastion: number;
  /** Sizes of the fan-out figures: contexts opened at once, each making one call. */
  fanout: readonly number[];
  /** Rounds of each fan-out figure, after a small warm-up round. */
  fanouts: number;
  /** No-op calls over which one reading of CPU time and wake-ups per call is taken. */
  profileCalls: number;
  /** Readings of CPU time per call, in rotating turns. */
  profileRounds: number;
  /** No-op calls made under `strace -c` to count system calls per call. */
  tracedCalls: number;
}

/** The sample counts of a full run: about fifteen minutes on a busy 2-core machine. */
export const FULL_COUNTS: RunCounts = {
  connects: 12,
  calls: 2000,
  warmupCalls: 200,
  batches: 10,
  batchSize: 100,
  graphs: 4,
  transfers: 6,
  hops: 4,
  behindBastion: 20,
  fanout: [30, 100],
  fanouts: 3,
  profileCalls: 2000,
  profileRounds: 5,
  tracedCalls: 500,
};

/** The sample counts of `--quick`: enough to see that every figure works. */
export const QUICK_COUNTS: RunCounts = {
  connects: 3,
  calls: 200,
  warmupCalls: 20,
  batches: 1,
  batchSize: 20,
  graphs: 1,
  transfers: 1,
  hops: 1,
  behindBastion: 4,
  fanout: [4, 10],
  fanouts: 1,
  profileCalls: 200,
  profileRounds: 1,
  tracedCalls: 50,
};

/** What a group measures with. */
export interface BenchSettings {
  /** `ssh -F` file naming `host`. */
  sshConfig: string;
  /** ssh_config alias of the remote. */
  host: string;
  /** Remote runtimes to take the figures for. */
  runtimes: readonly BenchRuntime[];
  /** Absolute path of each runtime on this machine, for local contexts and floors. */
  localRuntime: Readonly<Record<BenchRuntime, string>>;
  counts: RunCounts;
  /** How to run Mitogen beside ours over the same ssh; absent when it cannot be measured. */
  mitogen?: MitogenSetup | undefined;
  /** Prints progress to stderr. */
  progress: (text: string) => void;
}

/** A family of figures. */
export interface Group {
  /** Shown in progress lines: `"connect"`. */
  name: string;
  /** Takes the group's measurements and returns its rows. */
  run(settings: BenchSettings): Promise<Figure[]>;
}
