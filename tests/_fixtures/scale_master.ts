/**
 * A master process for scale tests: it runs one scenario with a {@linkcode Router}, samples its
 * own descriptors, threads, memory and children before, during and after, and prints one JSON
 * {@linkcode ScaleReport} on stdout. Running alone in its process is what makes the samples
 * mean something (see `scale_usage.ts`); the test judges the report.
 *
 * Usage: `deno run -A --v8-flags=--expose-gc scale_master.ts '<json ScalePlan>'`
 *
 * @module
 */

import { type Context, Router } from "../../mod.ts";
import { childrenOf, describePids, pidsWithCommandLine, waitFor } from "./processes.ts";
import { describeChildren, fdKinds, openFds, sampleUsage, type Usage } from "./scale_usage.ts";

/** Many contexts open at once: each answers a call, then the router closes them all. */
export interface ConcurrentPlan {
  scenario: "concurrent";
  /** Contexts opened together. */
  count: number;
  /** Target in CLI syntax: `"local"` or an ssh alias. */
  target: string;
  /** Runtime on the target (a path or `"node"`). */
  runtime: string;
  /** ssh_config file for ssh targets. */
  sshConfig?: string;
  /** How long the contexts may take to come up, in ms. */
  connectTimeout: number;
}

/** One context after another: open, one call, close, `count` times after `warmup` cycles. */
export interface CyclesPlan {
  scenario: "cycles";
  /** Cycles measured. */
  count: number;
  /** Cycles run before the baseline sample, so one-time allocations do not count as growth. */
  warmup: number;
  /** Runtime of the local contexts. */
  runtime: string;
}

/** What a scale master does; passed as its one argument, as JSON. */
export type ScalePlan = ConcurrentPlan | CyclesPlan;

/** What every scenario reports. */
interface ReportBase {
  /** Pid of the master, which remote stage titles end with. */
  pid: number;
  /** After the warm-up, before the measured work. */
  baseline: Usage;
  /** After the measured work and the close, once descriptors and children settled. */
  after: Usage;
  /** Descriptors by kind at the baseline and after, to name what leaked. */
  fdKindsBaseline: Record<string, number>;
  fdKindsAfter: Record<string, number>;
  /** Children still there after the close, described. */
  childrenAfter: string[];
  /** Processes carrying this master's title after the close, described. */
  titledAfter: string;
  /** Contexts the router still lists after the close. */
  contextsAfter: number;
}

/** Report of a {@linkcode ConcurrentPlan}. */
export interface ConcurrentReport extends ReportBase {
  scenario: "concurrent";
  /** While every context was open and had answered. */
  open: Usage;
  /** Descriptors by kind while open. */
  fdKindsOpen: Record<string, number>;
  /** Children while open, as `"<pid> <command line>"`. */
  childrenOpen: string[];
  /** Processes carrying this master's title while open. */
  titledOpen: number;
  /** Calls that returned this machine's host name. */
  answered: number;
  /** Messages of the calls that failed (or answered wrongly), at most ten. */
  errors: string[];
  /** Wall time from the first open to the last answer, in ms. */
  upMs: number;
  /** Wall time of `router.close()`, in ms. */
  closeMs: number;
}

/** Report of a {@linkcode CyclesPlan}. */
export interface CyclesReport extends ReportBase {
  scenario: "cycles";
  /** Halfway through the measured cycles, after the half's close. */
  half: Usage;
  /** Most threads seen between cycles. */
  maxThreads: number;
  /** Wall time of the measured cycles, in ms. */
  cyclesMs: number;
  /** Cycles (from 1) whose closed context something still holds after a full collection. */
  reachable: number[];
}

/** What a scale master prints. */
export type ScaleReport = ConcurrentReport | CyclesReport;

/** How long children and remote stages may take to be gone after the last close, in ms. */
const SETTLE_MS = 3000;
/** How long descriptors may then take to be back to the baseline, in ms. */
const SETTLE_FDS_MS = 500;

/** The title the remote stages of master `pid` on this machine carry, built as `Router` does. */
export function masterTitle(pid: number): string {
  return `mitoctl:${Deno.env.get("USER") ?? Deno.uid()}@${Deno.hostname()}:${pid}`;
}

/**
 * Samples once the children are reaped, the remote stages gone and the descriptors back to
 * `baseline`, or time is up for each.
 */
async function afterClose(
  router: Router,
  baseline: Usage,
  fdKindsBaseline: Record<string, number>,
): Promise<ReportBase> {
  const own = masterTitle(Deno.pid);
  await waitFor(
    () =>
      childrenOf(Deno.pid).length === baseline.children && !pidsWithCommandLine(own).length
        ? true
        : undefined,
    SETTLE_MS,
  );
  await waitFor(() => openFds() <= baseline.fds ? true : undefined, SETTLE_FDS_MS);
  return {
    pid: Deno.pid,
    baseline,
    after: sampleUsage(),
    fdKindsBaseline,
    fdKindsAfter: fdKinds(),
    childrenAfter: describeChildren(),
    titledAfter: describePids(pidsWithCommandLine(own)),
    contextsAfter: router.contexts.length,
  };
}

async function concurrent(plan: ConcurrentPlan): Promise<ConcurrentReport> {
  await using router = new Router();
  const options = {
    runtime: plan.runtime,
    connectTimeout: plan.connectTimeout,
    ...(plan.sshConfig === undefined ? {} : { sshConfig: plan.sshConfig }),
  };
  const host = Deno.hostname();
  // One context first: what the first one loads or opens for good is not a per-context cost.
  const first = router.open(plan.target, options);
  await first.call("node:os", "hostname");
  await first.close();
  const baseline = sampleUsage();
  const fdKindsBaseline = fdKinds();

  const started = performance.now();
  const contexts: Context[] = [];
  for (let i = 0; i < plan.count; i++) contexts.push(router.open(plan.target, options));
  const results = await Promise.allSettled(
    contexts.map((ctx) => ctx.call<string>("node:os", "hostname")),
  );
  const upMs = performance.now() - started;
  const errors: string[] = [];
  for (const r of results) {
    if (r.status === "rejected") errors.push(String((r.reason as Error).message ?? r.reason));
    else if (r.value !== host) errors.push(`answered ${JSON.stringify(r.value)}`);
  }
  const open = sampleUsage();
  const fdKindsOpen = fdKinds();
  const childrenOpen = describeChildren();
  const titledOpen = pidsWithCommandLine(masterTitle(Deno.pid)).length;

  const closing = performance.now();
  await router.close();
  const closeMs = performance.now() - closing;
  const base = await afterClose(router, baseline, fdKindsBaseline);
  return {
    ...base,
    scenario: "concurrent",
    open,
    fdKindsOpen,
    childrenOpen,
    titledOpen,
    answered: results.length - errors.length,
    errors: errors.slice(0, 10),
    upMs,
    closeMs,
  };
}

/**
 * One cycle: the call travels with the bootstrap (`open`), then the context is closed. Returns
 * a weak reference to the context, to tell whether anything still holds it.
 */
async function cycle(router: Router, runtime: string): Promise<WeakRef<Context>> {
  const ctx = router.open("local", { runtime });
  try {
    const n = await ctx.call<number>("node:os", "availableParallelism");
    if (typeof n !== "number") throw new Error(`Call answered ${JSON.stringify(n)}`);
  } finally {
    await ctx.close();
  }
  return new WeakRef(ctx);
}

async function cycles(plan: CyclesPlan): Promise<CyclesReport> {
  await using router = new Router();
  for (let i = 0; i < plan.warmup; i++) await cycle(router, plan.runtime);
  const baseline = sampleUsage();
  const fdKindsBaseline = fdKinds();
  let maxThreads = baseline.threads;
  let half = baseline;
  const refs: WeakRef<Context>[] = [];
  const started = performance.now();
  for (let i = 1; i <= plan.count; i++) {
    refs.push(await cycle(router, plan.runtime));
    // Between cycles, so an exiting child's reaper thread is seen if it lingers.
    if (i % 10 === 0) maxThreads = Math.max(maxThreads, sampleUsage().threads);
    if (i === Math.floor(plan.count / 2)) half = sampleUsage();
  }
  const cyclesMs = performance.now() - started;
  const base = await afterClose(router, baseline, fdKindsBaseline);
  // A weak reference keeps its target until the job that made it ends; settle() awaited.
  (globalThis as { gc?: () => void }).gc?.();
  const reachable = refs.flatMap((ref, i) => ref.deref() ? [i + 1] : []);
  return { ...base, scenario: "cycles", half, maxThreads, cyclesMs, reachable };
}

if (import.meta.main) {
  const plan = JSON.parse(Deno.args[0] ?? "{}") as ScalePlan;
  const report = plan.scenario === "concurrent" ? await concurrent(plan) : await cycles(plan);
  console.log(JSON.stringify(report));
}
