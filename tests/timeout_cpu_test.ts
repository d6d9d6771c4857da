import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { startCli } from "./_fixtures/cli.ts";
import {
  childrenOf,
  cpuTicks,
  describePids,
  killAll,
  pidsWithCommandLine,
  processTree,
  waitFor,
  waitGone,
} from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url).href;
/** How long the remote waits on a timer while its threads are watched, in milliseconds. */
const IDLE_WINDOW_MS = 1000;
/** CPU a call must have used, in clock ticks (1/100 s), to count as busy. */
const BUSY_TICKS = 10;

/** CPU ticks of each process of the tree under `pid`, by pid. */
function ticksOf(pid: number): Map<number, number> {
  return new Map(processTree(pid).map((p) => [p, cpuTicks(p) ?? 0]));
}

/**
 * Threads of the processes `pids` that are running or waiting for a CPU (state R), as
 * "pid/tid". A spinning thread is always one of them, however busy the machine; an idle one
 * almost never is.
 */
function runnable(pids: number[]): string[] {
  const out: string[] = [];
  for (const pid of pids) {
    try {
      for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
        const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
        if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("R")) out.push(`${pid}/${task.name}`);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Ticks used between two readings: growth of those seen twice, all of those new in `after`. */
function used(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, ticks] of after) sum += Math.max(0, ticks - (before.get(pid) ?? 0));
  return sum;
}

Deno.test("a timed-out busy call burns no more CPU on the remote", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    await t.step(`ssh ${rt.name}: TimeoutError, then the remote idles and answers`, async () => {
      const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
      const pid = ctx.info!.pid;
      const start = ticksOf(pid);
      const call = ctx.callWith({ timeout: 3000 }, targets, "spin", 60_000);
      const busy = await waitFor(() => used(start, ticksOf(pid)) >= BUSY_TICKS || undefined, 3000);
      await rejects(call, { name: "TimeoutError", message: /timed out after 3 s$/ });
      ok(busy, "the call never got busy");
      // Answered only once the calls run somewhere new: the remote has settled.
      deepStrictEqual(await ctx.call(targets, "echo", "alive"), ["alive"]);
      // While the remote waits on a timer, look at its threads again and again.
      const before = ticksOf(pid);
      let done = false;
      const idle = ctx.call("node:timers/promises", "setTimeout", IDLE_WINDOW_MS)
        .finally(() => done = true);
      const seen = new Map<string, number>();
      let looks = 0;
      while (!done) {
        looks++;
        for (const task of runnable(processTree(pid))) seen.set(task, (seen.get(task) ?? 0) + 1);
        await waitFor(() => done || undefined, 20);
      }
      await idle;
      const spinning = [...seen].filter(([, n]) => n > looks / 2).map(([task]) => task);
      deepStrictEqual(
        spinning,
        [],
        `runnable in most of ${looks} looks after the timeout (${
          used(before, ticksOf(pid))
        } ticks of CPU used): ${describePids(processTree(pid))}`,
      );
      await ctx.close();
    });
  }
});

Deno.test("call --timeout on a busy call exits 4 and leaves no remote process", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(`ssh ${rt.name}`, async () => {
      const cli = startCli([
        "call",
        "-F",
        sshd.sshConfig,
        "--runtime",
        rt.path,
        "--timeout",
        "2",
        "mito",
        `${targets}#spin`,
        "60000",
      ]);
      let procs: number[] = [];
      try {
        const title = `mitoctl:${
          Deno.env.get("USER") ?? Deno.uid()
        }@${Deno.hostname()}:${cli.child.pid}`;
        // On a busy machine the timeout may come before the stage is up; then none is found.
        const remote = await waitFor(() => pidsWithCommandLine(title)[0], 10_000);
        procs = [...childrenOf(cli.child.pid), ...remote === undefined ? [] : processTree(remote)];
        const result = await cli.done;
        strictEqual(result.code, 4, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
        match(result.stderr, /^mitoctl: Call .*#spin on "mito" timed out after 2 s\n$/);
        const left = await waitGone([...procs, ...pidsWithCommandLine(title)], 2000);
        deepStrictEqual(left, [], `still running after the timeout: ${describePids(left)}`);
      } finally {
        killAll([cli.child.pid, ...procs]);
        await cli.done;
      }
    });
  }
});
