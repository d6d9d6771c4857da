/**
 * Where a no-op call's time goes (`--profile`): for a no-op call into a module of the caller's
 * own (which runs in the call worker, as user code does) on each runtime, for Mitogen's call into
 * its counterpart, and for a ping-pong through `ssh host cat` (the floor), the CPU time and
 * wake-ups per call of the process answering on the remote (every thread: the remote stage,
 * Mitogen's Python, `cat`) and of the process calling here (this bench, or Mitogen's master), read
 * from `/proc` over many calls in rotating turns; then, in a pass of their own, the system calls per call on both ends
 * (`strace -c -f -p`), with the most frequent named.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { callFrameSize, WORK_MODULE } from "./call.ts";
import { type Figure, measured, peerOf, type Unit } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { each, interleaved, keep, type Sampler } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { cpuSince, cpuUse } from "./proc.ts";
import { summarize } from "./stats.ts";
import { countSyscalls, straceMissing, type SyscallCount } from "./strace.ts";

/** System calls named in a profile note, most frequent first. */
const NAMED_SYSCALLS = 6;

/** Where a no-op call's time goes, for each runtime, beside Mitogen and `cat`. */
export const profileGroup: Group = { name: "profile", run: runProfile };

/** One side of a ping-pong to profile: the processes on both ends and how to make calls. */
interface Subject {
  /** Pid of the process that answers on the remote. */
  remote: number;
  /** Pid of the process that makes the calls here. */
  master: number;
  /** Makes `n` sequential no-op calls. */
  calls(n: number): Promise<unknown>;
}

/** What the profile reads per no-op call, each a row beside Mitogen and `cat`. */
const ROWS = {
  remote_cpu: { row: "remote CPU per no-op call", unit: "µs" },
  master_cpu: { row: "master CPU per no-op call", unit: "µs" },
  remote_wakeups: { row: "remote wake-ups per no-op call", unit: "count" },
  master_wakeups: { row: "master wake-ups per no-op call", unit: "count" },
  remote_syscalls: { row: "remote system calls per no-op call", unit: "count" },
  master_syscalls: { row: "master system calls per no-op call", unit: "count" },
} as const satisfies Record<string, { row: string; unit: Unit }>;

type RowKey = keyof typeof ROWS;

/** A subject's readings: per-call values of each row, and strace's counts by system call. */
interface Readings {
  values: Map<RowKey, number[]>;
  syscalls: { remote?: SyscallCount; master?: SyscallCount };
}

async function runProfile(settings: BenchSettings): Promise<Figure[]> {
  await using stack = new AsyncDisposableStack();
  const router = stack.use(new Router());
  const peer = stack.use(await startPeer(settings.mitogen));
  const subjects = new Map<string, Subject>();

  const size = callFrameSize();
  const message = new Uint8Array(size).fill(0x61);
  const cat = stack.use(new PingPong(sshArgv(settings, "echo $$; exec cat")));
  subjects.set("cat", {
    remote: Number(await cat.readLine()),
    master: Deno.pid,
    calls: async (n) => {
      for (let i = 0; i < n; i++) await cat.exchange(message, size);
    },
  });
  if (peer !== undefined) {
    const { ctx, pid } = await peer.connect();
    subjects.set("mitogen", {
      remote: pid,
      master: peer.pid,
      calls: (n) => peer.noop(ctx, n, "module"),
    });
  }
  for (const runtime of settings.runtimes) {
    const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    subjects.set(runtime, {
      remote: ctx.info!.pid,
      master: Deno.pid,
      calls: async (n) => {
        for (let i = 0; i < n; i++) await ctx.call(WORK_MODULE, "nothing");
      },
    });
  }

  const { profileCalls, profileRounds, tracedCalls } = settings.counts;
  const readings = new Map<string, Readings>();
  const sources = new Map<string, Sampler>();
  for (const [key, subject] of subjects) {
    const r: Readings = { values: new Map(), syscalls: {} };
    readings.set(key, r);
    sources.set(key, each(() => readCalls(subject, profileCalls, r)));
  }
  await interleaved(sources, {
    n: profileRounds,
    warmup: 1,
    onRound: (round, rounds) =>
      settings.progress(`profile: round ${round + 1}/${rounds}, ${profileCalls} no-op calls each`),
  });
  const missing = await straceMissing();
  if (missing !== undefined) {
    settings.progress(`profile: system calls not counted: ${missing}`);
  } else {
    for (const [key, subject] of subjects) {
      settings.progress(`profile: system calls of ${tracedCalls} no-op calls [${key}]`);
      const [remote, master] = await countSyscalls(
        [subject.remote, subject.master],
        () => subject.calls(tracedCalls),
      );
      const r = readings.get(key)!;
      r.syscalls = { remote: remote!, master: master! };
      keep(r.values, "remote_syscalls", remote!.total / tracedCalls);
      keep(r.values, "master_syscalls", master!.total / tracedCalls);
    }
  }
  return profileFigures(settings, readings);
}

/**
 * Makes `n` calls and keeps, per call, the CPU µs and wake-ups of both ends in `into`; the
 * warm-up's reading is dropped later, as the first of each series.
 */
async function readCalls(subject: Subject, n: number, into: Readings): Promise<number> {
  const [remote, master] = [await cpuUse(subject.remote), await cpuUse(subject.master)];
  const start = performance.now();
  await subject.calls(n);
  const ms = performance.now() - start;
  const remoteUse = cpuSince(remote, await cpuUse(subject.remote));
  const masterUse = cpuSince(master, await cpuUse(subject.master));
  keep(into.values, "remote_cpu", remoteUse.cpuMs * 1000 / n);
  keep(into.values, "master_cpu", masterUse.cpuMs * 1000 / n);
  keep(into.values, "remote_wakeups", remoteUse.wakeups / n);
  keep(into.values, "master_wakeups", masterUse.wakeups / n);
  return ms;
}

function profileFigures(settings: BenchSettings, readings: Map<string, Readings>): Figure[] {
  const { profileRounds, tracedCalls } = settings.counts;
  // CPU series hold a warm-up reading first; strace's hold one reading.
  const take = (subject: string, key: RowKey) => {
    const values = readings.get(subject)?.values.get(key)?.slice(-profileRounds);
    return values?.length ? summarize(values) : undefined;
  };
  const figures: Figure[] = [];
  for (const runtime of settings.runtimes) {
    for (const [key, { row, unit }] of Object.entries(ROWS) as [RowKey, typeof ROWS[RowKey]][]) {
      const ours = take(runtime, key);
      if (ours === undefined) continue;
      const floor = take("cat", key);
      const end = key.startsWith("remote") ? "remote" : "master";
      figures.push({
        id: `profile.${key}.${runtime}`,
        label: `${row} [${runtime}]`,
        unit,
        ours,
        ...(floor === undefined
          ? {}
          : { floor: measured(`ping-pong through ssh ${settings.host} cat`, floor) }),
        peer: peerOf(
          row,
          "Context.call(mitogen_work.nothing): its python3 there, its master here",
          { stats: take("mitogen", key) },
        ),
        runtime,
        compare: "ratio",
        ...(key.endsWith("_syscalls")
          ? { note: syscallNote(readings, runtime, end, tracedCalls) }
          : {}),
      });
    }
  }
  return figures;
}

/** `ours: futex 4.1, read 2.0, …; Mitogen: …; cat: …`, per call, most frequent first. */
function syscallNote(
  readings: Map<string, Readings>,
  runtime: string,
  end: "remote" | "master",
  traced: number,
): string {
  const part = (name: string, subject: string) => {
    const count = readings.get(subject)?.syscalls?.[end];
    if (count === undefined) return undefined;
    const top = count.calls.slice(0, NAMED_SYSCALLS)
      .map(([call, n]) => `${call} ${(n / traced).toFixed(1)}`);
    return `${name}: ${top.join(", ")}`;
  };
  return [part("ours", runtime), part("Mitogen", "mitogen"), part("cat", "cat")]
    .filter((p) => p !== undefined).join("; ") + ` (strace -c -f over ${traced} calls)`;
}
