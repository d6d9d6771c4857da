/**
 * What this process holds right now, read from `/proc/self` (Linux): open file descriptors,
 * threads, resident memory, live V8 heap and child processes. Scale tests sample it around a
 * batch of contexts to prove that what the batch took was given back.
 *
 * The counts are process-wide, so a sample only means something in a process that runs nothing
 * else: `deno test --parallel` runs every test file in one process, which is why scale tests
 * take their samples in a master of their own (`scale_master.ts`).
 *
 * @module
 */

import { childrenOf, commandLine } from "./processes.ts";

/** One sample of what this process holds. */
export interface Usage {
  /** Entries of `/proc/self/fd`. */
  fds: number;
  /** Entries of `/proc/self/task`. */
  threads: number;
  /** Resident set size, in bytes. */
  rss: number;
  /** V8 heap in use, in bytes (after a full collection when `gc` is exposed). */
  heap: number;
  /** Processes whose parent is this one, zombies included (an unreaped child is a leak too). */
  children: number;
}

/** Takes a sample; with `--v8-flags=--expose-gc`, collects garbage first so `heap` is live data. */
export function sampleUsage(): Usage {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return {
    fds: openFds(),
    threads: countEntries("/proc/self/task"),
    rss: Deno.memoryUsage().rss,
    heap: Deno.memoryUsage().heapUsed,
    children: childrenOf(Deno.pid).length,
  };
}

/** Open descriptors of this process. */
export function openFds(): number {
  // Listing /proc/self/fd holds one descriptor of its own, which is not counted.
  return countEntries("/proc/self/fd") - 1;
}

/**
 * Open descriptors grouped by what they point at, numbers blanked (`"pipe:[N]": 31`), for
 * assertion messages that say what leaked.
 */
export function fdKinds(): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`).replace(/\d+/g, "N");
    } catch {
      // The descriptor readDirSync itself used, closed by now.
      continue;
    }
    kinds[target] = (kinds[target] ?? 0) + 1;
  }
  return kinds;
}

/** The children of this process as `"<pid> <command line>"`, for assertion messages. */
export function describeChildren(): string[] {
  return childrenOf(Deno.pid).map((pid) => `${pid} ${commandLine(pid)?.slice(0, 100) ?? "?"}`);
}

function countEntries(dir: string): number {
  let n = 0;
  for (const _ of Deno.readDirSync(dir)) n++;
  return n;
}
