/**
 * Module-graph figures: the first call into a generated ~150-module TypeScript graph on a fresh
 * ssh context (wall ms, module round trips, bytes on the link against the graph's source bytes),
 * then a second call on the same context, which should send no module again. Floors: a ping-pong
 * of as many bytes over one `ssh host cat` channel. For information, the master's own share: its
 * module server loading and stripping the graph (cold) and checking it again (warm).
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ModuleServer } from "../lib/modules/module_server.ts";
import { type ContextStats, Router } from "../mod.ts";
import { exact, type Stats, summarize } from "./stats.ts";
import { type Figure, type Floor, measured } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import { type GeneratedGraph, generateGraph } from "./generated_graph.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { timeOnce } from "./measure.ts";

/** One fresh context's two calls into the graph. */
interface GraphSample {
  firstMs: number;
  /** The first call again on another fresh context, with the master's module cache warm. */
  warmFirstMs: number;
  secondMs: number;
  /** Traffic of the first call alone. */
  first: ContextStats;
  /** Traffic of the second call alone. */
  second: ContextStats;
}

/** Module-graph figures for each runtime. */
export const graphGroup: Group = { name: "graph", run: runGraph };

async function runGraph(settings: BenchSettings): Promise<Figure[]> {
  const graph = generateGraph();
  const count = Object.keys(graph.files).length;
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-bench-graph-" });
  try {
    await writeGraph(dir, graph);
    const root = pathToFileURL(join(dir, graph.root)).href;
    settings.progress(`graph: master loads ${count} modules, ${graph.bytes} B`);
    const master = await masterCosts(root, settings.counts.graphs);
    const figures: Figure[] = [
      {
        id: "graph.master.cold",
        label: `master loads and strips the ${count}-module graph, cold cache`,
        unit: "ms",
        ours: master.cold,
        compare: "ratio",
      },
      {
        id: "graph.master.warm",
        label: `master checks the ${count}-module graph again, warm cache`,
        unit: "ms",
        ours: master.warm,
        compare: "ratio",
      },
    ];
    for (const runtime of settings.runtimes) {
      const samples: GraphSample[] = [];
      const warmServer = new ModuleServer();
      await warmServer.closure(root);
      // Round 0 warms the page cache and sshd and is left out.
      for (let round = 0; round <= settings.counts.graphs; round++) {
        settings.progress(`graph: round ${round}/${settings.counts.graphs} [${runtime}]`);
        const sample = await graphCalls(settings, runtime, root, graph);
        const warm = await graphCalls(settings, runtime, root, graph, warmServer);
        if (round > 0) samples.push({ ...sample, warmFirstMs: warm.firstMs });
      }
      figures.push(...await graphFigures(settings, runtime, graph, samples));
    }
    return figures;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes each module of `graph` into `dir`, which must exist. */
export async function writeGraph(dir: string, graph: GeneratedGraph): Promise<void> {
  // Dated a minute back, as a user's modules are: a file written within the module server's racy
  // window is read and hashed again at every call, and the warm figures would time that instead.
  const old = new Date(Date.now() - 60_000);
  for (const [name, source] of Object.entries(graph.files)) {
    await Deno.writeTextFile(join(dir, name), source);
    await Deno.utime(join(dir, name), old, old);
  }
}

/** Ms the master's module server takes for the graph's closure, cold and then warm. */
async function masterCosts(root: string, rounds: number): Promise<{ cold: Stats; warm: Stats }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let round = 0; round <= rounds; round++) {
    const server = new ModuleServer();
    const coldMs = await timeOnce(() => server.closure(root));
    const warmMs = await timeOnce(() => server.closure(root));
    if (round === 0) continue;
    cold.push(coldMs);
    warm.push(warmMs);
  }
  return { cold: summarize(cold), warm: summarize(warm) };
}

/**
 * A fresh router and context, then two calls into the graph. The router's module server is a
 * new, cold one unless `modules` is given.
 */
async function graphCalls(
  settings: BenchSettings,
  runtime: BenchRuntime,
  root: string,
  graph: GeneratedGraph,
  modules?: ModuleServer,
): Promise<Omit<GraphSample, "warmFirstMs">> {
  await using router = new Router(modules ? { modules } : {});
  const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
  const call = async () => {
    const value = await ctx.call(root, graph.entry, 41);
    if (value !== 42) {
      throw new Error(`Graph call on "${runtime}" returned ${JSON.stringify(value)}, not 42`);
    }
  };
  const before = { ...ctx.stats };
  const firstMs = await timeOnce(call);
  const middle = { ...ctx.stats };
  const secondMs = await timeOnce(call);
  return {
    firstMs,
    secondMs,
    first: difference(middle, before),
    second: difference({ ...ctx.stats }, middle),
  };
}

function difference(after: ContextStats, before: ContextStats): ContextStats {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof ContextStats)[]) out[key] -= before[key];
  return out;
}

/** Median of one counter over the samples. */
function counter(
  samples: readonly GraphSample[],
  pick: (s: GraphSample) => number,
): Stats {
  return summarize(samples.map(pick));
}

async function graphFigures(
  settings: BenchSettings,
  runtime: BenchRuntime,
  graph: GeneratedGraph,
  samples: readonly GraphSample[],
): Promise<Figure[]> {
  const count = Object.keys(graph.files).length;
  const firstBytes = counter(samples, (s) => s.first.bytesSent);
  const secondBytes = counter(samples, (s) => s.second.bytesSent);
  settings.progress(`graph: ping-pong of ${firstBytes.median} B over ssh cat [${runtime}]`);
  const firstFloor = await catFloor(settings, Math.round(firstBytes.median), samples.length);
  const secondFloor = await catFloor(settings, Math.round(secondBytes.median), samples.length);
  const modulesSent = counter(samples, (s) => s.first.modulesSent).median;
  const moduleBytes = counter(samples, (s) => s.first.moduleBytesSent).median;
  return [
    {
      id: `graph.first.${runtime}`,
      label: `first call into a ${count}-module graph [${runtime}]`,
      unit: "ms",
      ours: summarize(samples.map((s) => s.firstMs)),
      floor: firstFloor,
      compare: "ratio",
      note: `${modulesSent} modules pushed with the call, ` +
        `${moduleBytes.toLocaleString("en-US")} B of JavaScript; ` +
        "each sample is a fresh router, so the master's module cache is cold",
    },
    {
      id: `graph.warm.${runtime}`,
      label: `  the same with the master's module cache warm [${runtime}]`,
      unit: "ms",
      ours: summarize(samples.map((s) => s.warmFirstMs)),
      floor: firstFloor,
      compare: "ratio",
    },
    {
      id: `graph.requests.${runtime}`,
      label: `  module round trips of the first call [${runtime}]`,
      unit: "count",
      ours: counter(samples, (s) => s.first.moduleRequests),
      compare: "ratio",
      target: { text: "0 (closure pushed)", on: "ours", max: 0 },
    },
    {
      id: `graph.bytes.${runtime}`,
      label: `  bytes sent with the first call [${runtime}]`,
      unit: "B",
      ours: firstBytes,
      floor: measured("the graph's TypeScript source", exact(graph.bytes)),
      compare: "ratio",
    },
    {
      id: `graph.second.${runtime}`,
      label: `second call, same context [${runtime}]`,
      unit: "ms",
      ours: summarize(samples.map((s) => s.secondMs)),
      floor: secondFloor,
      compare: "ratio",
    },
    {
      id: `graph.second.modules.${runtime}`,
      label: `  module bytes sent with the second call [${runtime}]`,
      unit: "B",
      ours: counter(samples, (s) => s.second.moduleBytesSent),
      compare: "ratio",
      target: { text: "0", on: "ours", max: 0 },
      note: `the second call's frame is ${secondBytes.median} B`,
    },
  ];
}

/** Round trips of `size`-byte messages over one `ssh host cat`, after one warm-up. */
async function catFloor(settings: BenchSettings, size: number, n: number): Promise<Floor> {
  await using echo = new PingPong(sshArgv(settings, "cat"));
  await echo.ready();
  await echo.roundTrips(1, size);
  return measured(
    `ping-pong ${size} B, ssh ${settings.host} cat`,
    summarize(await echo.roundTrips(n, size)),
  );
}
