import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  type ConcurrentReport,
  type CyclesReport,
  masterTitle,
  type ScalePlan,
  type ScaleReport,
} from "./_fixtures/scale_master.ts";
import { describePids, killAll, pidsWithCommandLine } from "./_fixtures/processes.ts";
import { repoRoot, type Runtime, testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

/**
 * Runtime of the contexts: the quickest to start of those present. Measured here for one
 * open + call + close cycle (2 cores, other work running): node22 ~130–155 ms, node24 ~165 ms,
 * deno ~260 ms, node20 ~300 ms (its module hooks load through `module.register`).
 */
const runtime: Runtime = ["node22", "node24", "deno", "node20"]
  .map((name) => runtimes.find((r) => r.name === name))
  .find((r) => r !== undefined) ?? runtimes[0]!;

/** Contexts open at once over ssh. */
const CONCURRENT = 100;
/**
 * Master descriptors one context may hold. Measured: 4, the child's stdin, stdout and stderr
 * pipes plus the pidfd Deno waits on it with.
 */
const FDS_PER_CONTEXT = 6;
/**
 * Descriptors the master may hold after the work beyond its baseline. Deno opens a few once, on
 * first use, and keeps them: its caches and event loop (taken by the warm-up before the
 * baseline) and, at some first moment while children run, a socket pair served by a thread of
 * its own (strace: `socketpair` then `clone3` on the main thread). Measured: +0 or +2 after, the
 * same for 10 or 100 contexts. A leak per context would show as at least the number of contexts.
 */
const FD_SLACK = 2;
/**
 * Threads the master may have beyond its baseline. Deno's pool for blocking work starts threads
 * on demand and retires them after 10 s idle; measured 4–7 threads in all whatever the count of
 * cycles. A leaked worker or reader thread per context would add hundreds.
 */
const THREAD_SLACK = 8;
/**
 * Live V8 heap growth allowed per measured cycle, after a full collection. Measured over 1,000
 * cycles: 0.7 KiB a cycle on average, at most 2.1 KiB over any 100 cycles, flattening at ~600
 * cycles as V8's code and feedback caches fill. One leaked Connection (its child process
 * handle, streams, frame reader and closures) keeps 5.6–8.3 KiB; a leaked Context ~1.5 KiB,
 * which the weak references to each context catch instead.
 */
const HEAP_GROWTH_PER_CYCLE = 4 * 1024;
/**
 * Resident memory growth allowed over the measured cycles. Measured: +3 MiB over 200 and +6 MiB
 * over 1,000 cycles (allocator arenas, V8 code space).
 */
const RSS_SLACK = 24 * 1024 * 1024;
/** How long contexts may take to come up when 100 start at once on 2 busy cores, in ms. */
const CONCURRENT_CONNECT_TIMEOUT = 120_000;
/** How long a scale master may run before it is killed, in ms: a minute, plus a second a context. */
function masterTimeout(plan: ScalePlan): number {
  return 60_000 + 1000 * (plan.count + (plan.scenario === "cycles" ? plan.warmup : 1));
}

/**
 * Sequential cycles: 1,000 in CI (`.ci/run` sets `CI`) or with `MITOCTL_SCALE_FULL=1`; 200 in a
 * local `deno task test`, to keep it short (about 3 minutes more for the full count).
 */
const FULL = Deno.env.get("MITOCTL_SCALE_FULL") === "1" || !!Deno.env.get("CI");
const CYCLES = FULL ? 1000 : 200;
const WARMUP_CYCLES = 30;

/**
 * Runs `plan` in a master process of its own (descriptor and process counts are process-wide,
 * and `deno test --parallel` runs every test file in this one), and returns its report. Whatever
 * carries that master's title once it has exited is killed and reported as a failure.
 */
async function runMaster<R extends ScaleReport>(plan: ScalePlan): Promise<R> {
  const root = repoRoot();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${root}/deno.json`,
      "--v8-flags=--expose-gc",
      `${root}/tests/_fixtures/scale_master.ts`,
      JSON.stringify(plan),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), masterTimeout(plan));
  const output = await child.output().finally(() => clearTimeout(timer));
  const left = pidsWithCommandLine(masterTitle(child.pid));
  killAll(left);
  const stdout = new TextDecoder().decode(output.stdout).trim();
  const stderr = new TextDecoder().decode(output.stderr).trim();
  ok(output.success, `scale master exited with ${output.code}:\n${stderr}\n${stdout}`);
  deepStrictEqual(left, [], `still running after the scale master exited: ${describePids(left)}`);
  return JSON.parse(stdout.split("\n").at(-1)!) as R;
}

/** Asserts that everything the work took was given back. */
function assertReleased(report: ScaleReport): void {
  const { baseline, after } = report;
  ok(
    after.fds <= baseline.fds + FD_SLACK,
    `descriptors: ${baseline.fds} before, ${after.fds} after\nbefore: ${
      JSON.stringify(report.fdKindsBaseline)
    }\nafter: ${JSON.stringify(report.fdKindsAfter)}`,
  );
  deepStrictEqual(report.childrenAfter, [], "child processes left after the close");
  strictEqual(report.titledAfter, "", "remote stages left after the close");
  strictEqual(report.contextsAfter, 0, "contexts the router still lists after the close");
  ok(
    after.threads <= baseline.threads + THREAD_SLACK,
    `threads: ${baseline.threads} before, ${after.threads} after`,
  );
}

/**
 * Asserts that `count` contexts opened at once all answered, each holding its bounded share:
 * one local process, `local` (its remote stage itself) or `ssh` (the client).
 */
function assertConcurrent(report: ConcurrentReport, count: number, local: "ssh" | "stage"): void {
  deepStrictEqual(report.errors, [], "calls that failed");
  strictEqual(report.answered, count);
  strictEqual(report.titledOpen, count, "remote stages running while open");
  const fds = report.open.fds - report.baseline.fds;
  ok(
    fds <= count * FDS_PER_CONTEXT,
    `${count} contexts hold ${fds} descriptors, more than ${FDS_PER_CONTEXT} each`,
  );
  strictEqual(report.open.children - report.baseline.children, count, "local processes");
  const title = masterTitle(report.pid);
  const others = report.childrenOpen.filter((line) => {
    const command = line.replace(/^\d+ /, "");
    return local === "ssh" ? !/^(\S*\/)?ssh /.test(command) : command !== title;
  });
  deepStrictEqual(others, [], `local processes other than ${local === "ssh" ? "ssh" : title}`);
  assertReleased(report);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

Deno.test(
  `${CONCURRENT} ssh contexts at once all answer, and closing them gives back every descriptor ` +
    `and process`,
  async () => {
    await using sshd = await startSshd();
    const ssh = (): Promise<Deno.CommandOutput> =>
      new Deno.Command("ssh", {
        args: ["-F", sshd.sshConfig, "mito", "true"],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
    // The floor: as many bare ssh logins at once, on the same sshd.
    const started = performance.now();
    const floor = await Promise.all(Array.from({ length: CONCURRENT }, ssh));
    const floorMs = performance.now() - started;
    strictEqual(floor.filter((o) => !o.success).length, 0, "plain `ssh mito true` failed");

    const report = await runMaster<ConcurrentReport>({
      scenario: "concurrent",
      count: CONCURRENT,
      target: "mito",
      runtime: runtime.path,
      sshConfig: sshd.sshConfig,
      connectTimeout: CONCURRENT_CONNECT_TIMEOUT,
    });
    console.log(
      `${CONCURRENT} ssh contexts (${runtime.name}): up and answered in ${seconds(report.upMs)}, ` +
        `closed in ${seconds(report.closeMs)}; ${CONCURRENT} × \`ssh mito true\` at once: ` +
        `${seconds(floorMs)}; master descriptors ${report.baseline.fds} → ` +
        `${report.open.fds} → ${report.after.fds}`,
    );
    assertConcurrent(report, CONCURRENT, "ssh");
  },
);

Deno.test("a context holds at most 6 master descriptors and one local process", async (t) => {
  const count = 10;
  await t.step(`${count} local contexts (${runtime.name})`, async () => {
    const report = await runMaster<ConcurrentReport>({
      scenario: "concurrent",
      count,
      target: "local",
      runtime: runtime.path,
      connectTimeout: CONCURRENT_CONNECT_TIMEOUT,
    });
    console.log(`${count} local contexts: ${report.open.fds - report.baseline.fds} descriptors`);
    assertConcurrent(report, count, "stage");
  });

  await t.step(`${count} ssh contexts (${runtime.name})`, async () => {
    await using sshd = await startSshd();
    const report = await runMaster<ConcurrentReport>({
      scenario: "concurrent",
      count,
      target: "mito",
      runtime: runtime.path,
      sshConfig: sshd.sshConfig,
      connectTimeout: CONCURRENT_CONNECT_TIMEOUT,
    });
    console.log(`${count} ssh contexts: ${report.open.fds - report.baseline.fds} descriptors`);
    assertConcurrent(report, count, "ssh");
  });
});

Deno.test(
  `${CYCLES} sequential local connect/call/close cycles leak no descriptors, processes, ` +
    `threads or memory${FULL ? "" : " (1,000 in CI or with MITOCTL_SCALE_FULL=1)"}`,
  async () => {
    const report = await runMaster<CyclesReport>({
      scenario: "cycles",
      count: CYCLES,
      warmup: WARMUP_CYCLES,
      runtime: runtime.path,
    });
    const { baseline, half, after } = report;
    const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
    console.log(
      `${CYCLES} cycles (${runtime.name}): ${(report.cyclesMs / CYCLES).toFixed(0)} ms each; ` +
        `descriptors ${baseline.fds} → ${after.fds}, threads ${baseline.threads} → ` +
        `${after.threads} (max ${report.maxThreads}), heap ${kib(baseline.heap)} → ` +
        `${kib(half.heap)} → ${kib(after.heap)}, rss ${kib(baseline.rss)} → ${kib(after.rss)}`,
    );
    assertReleased(report);
    strictEqual(half.fds, baseline.fds, "descriptors halfway");
    strictEqual(half.children, baseline.children, "child processes halfway");
    ok(
      report.maxThreads <= baseline.threads + THREAD_SLACK,
      `threads: ${baseline.threads} before, up to ${report.maxThreads} between cycles`,
    );
    // The router keeps the last context it opened by a target, for later targets to share its
    // hop, until that target is opened again: at most the last cycle's.
    deepStrictEqual(
      report.reachable.filter((cycle) => cycle !== CYCLES),
      [],
      "cycles whose closed context is still reachable after a full collection",
    );
    const perCycle = (after.heap - baseline.heap) / CYCLES;
    ok(
      perCycle <= HEAP_GROWTH_PER_CYCLE,
      `live heap grew ${kib(after.heap - baseline.heap)} over ${CYCLES} cycles ` +
        `(${perCycle.toFixed(0)} bytes a cycle)`,
    );
    ok(
      after.rss - baseline.rss <= RSS_SLACK,
      `resident memory grew ${kib(after.rss - baseline.rss)} over ${CYCLES} cycles`,
    );
  },
);
