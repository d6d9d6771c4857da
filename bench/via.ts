/**
 * Figures of contexts reached through a bastion, on the namespace test network (the master
 * reaches only `bastion`; `bastion` reaches `web1` and `web2`): a fresh router's first call on
 * `bastion/web1` against the same on `bastion` itself and against `ssh bastion ssh web1 true`;
 * then many contexts behind one bastion calling into the same ~1 MB module graph, where the
 * graph should cross the master's link once, not once per context. Skipped, with a progress
 * line, where namespace networks cannot be built (not root, no iproute2).
 *
 * @module
 */

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Context, Router } from "../mod.ts";
import { namespacesUnavailableReason, startTestNetwork } from "../tests/_fixtures/netns.ts";
import { CONNECT_TARGET } from "./connect.ts";
import { type Figure, measured } from "./figure.ts";
import { generateGraph } from "./generated_graph.ts";
import { writeGraph } from "./graph.ts";
import type { BenchSettings, Group } from "./group.ts";
import { runProcess } from "./measure.ts";
import { exact, summarize } from "./stats.ts";

/** Typed helpers per module of the shared graph: 150 modules of them make ~1 MB of source. */
export const SHARED_GRAPH_HELPERS = 12;

/** How the master reaches the network: its ssh_config and the key every host accepts. */
interface Access {
  sshConfig: string;
  identity: string;
}

/** Figures through a bastion, or none where namespace networks are unavailable. */
export const viaGroup: Group = { name: "via", run: runVia };

async function runVia(settings: BenchSettings): Promise<Figure[]> {
  const unavailable = await namespacesUnavailableReason();
  if (unavailable !== undefined) {
    settings.progress(`via: skipped, no namespace network: ${unavailable}`);
    return [];
  }
  settings.progress("via: starting the namespace network");
  await using net = await startTestNetwork();
  const access: Access = { sshConfig: net.sshConfig, identity: net.identity };
  return [...await firstCalls(settings, access), ...await sharedGraph(settings, access)];
}

/** Wall ms from a fresh router's `open(target)` to its first call's reply; and the runtime. */
async function openThenCall(
  target: string,
  access: Access,
): Promise<{ ms: number; runtime: string }> {
  await using router = new Router();
  const start = performance.now();
  const ctx = router.open(target, access);
  await ctx.call("node:os", "hostname");
  const ms = performance.now() - start;
  return { ms, runtime: `${ctx.info?.runtime} ${ctx.info?.version}` };
}

async function firstCalls(settings: BenchSettings, access: Access): Promise<Figure[]> {
  const ssh = (command: string) =>
    runProcess(["ssh", "-F", access.sshConfig, "-T", "--", "bastion", command]);
  const series = {
    hop: [] as number[],
    direct: [] as number[],
    sshHop: [] as number[],
    sshDirect: [] as number[],
  };
  let runtime = "";
  // Round 0 warms the page cache and the sshds; rounds interleave so drift hits all alike.
  for (let round = 0; round <= settings.counts.hops; round++) {
    settings.progress(`via: first calls, round ${round}/${settings.counts.hops}`);
    const sshHop = (await ssh("ssh web1 true")).ms;
    const hop = await openThenCall("bastion/web1", access);
    const sshDirect = (await ssh("true")).ms;
    const direct = await openThenCall("bastion", access);
    if (round === 0) continue;
    runtime = hop.runtime;
    series.hop.push(hop.ms);
    series.direct.push(direct.ms);
    series.sshHop.push(sshHop);
    series.sshDirect.push(sshDirect);
  }
  const target = { text: `≤ ${CONNECT_TARGET}×`, on: "ratio", max: CONNECT_TARGET } as const;
  const hop = summarize(series.hop);
  const direct = summarize(series.direct);
  return [
    {
      id: "via.first.hop",
      label: "first call through a bastion, bastion/web1",
      unit: "ms",
      ours: hop,
      floor: measured("ssh bastion ssh web1 true", summarize(series.sshHop)),
      compare: "ratio",
      target,
      note: `a fresh router each sample, open() then one call; the remote stages ran ${runtime}`,
    },
    {
      id: "via.first.hop-vs-direct",
      label: "  the same against our first call direct to the bastion",
      unit: "ms",
      ours: hop,
      floor: measured("first call on bastion, ours", direct),
      compare: "ratio",
    },
    {
      id: "via.first.direct",
      label: "first call direct to the bastion",
      unit: "ms",
      ours: direct,
      floor: measured("ssh bastion true", summarize(series.sshDirect)),
      compare: "ratio",
      target,
    },
  ];
}

/** What one round of contexts behind a bastion measured. */
interface SharedSample {
  /** Wall ms until every context behind the bastion was up. */
  startMs: number;
  /** Wall ms until every context's first call into the graph answered. */
  callsMs: number;
  /** Bytes written to all contexts, the bastion included, during those calls. */
  callBytes: number;
  /** The same over the whole round, bootstraps included. */
  totalBytes: number;
  bastionModuleBytes: number;
  /** Largest module bytes the master sent to any context behind the bastion. */
  childModuleBytes: number;
}

async function sharedGraph(settings: BenchSettings, access: Access): Promise<Figure[]> {
  const graph = generateGraph({ helpers: SHARED_GRAPH_HELPERS });
  const count = Object.keys(graph.files).length;
  const n = settings.counts.behindBastion;
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-bench-via-" });
  try {
    await writeGraph(dir, graph);
    const root = pathToFileURL(join(dir, graph.root)).href;
    // One round: the first calls above warmed the sshds, and a round takes many seconds.
    settings.progress(`via: ${n} contexts behind one bastion call the graph`);
    const samples = [await behindOneBastion(access, n, root, graph.entry)];
    const pick = (f: (s: SharedSample) => number) => summarize(samples.map(f));
    const source = measured(`the graph's TypeScript source`, exact(graph.bytes));
    const total = pick((s) => s.totalBytes).median;
    return [
      {
        id: "via.shared.bytes",
        label: `bytes on the master's link, ${n} contexts behind a bastion call a graph`,
        unit: "B",
        ours: pick((s) => s.callBytes),
        floor: source,
        compare: "ratio",
        target: { text: "≤ 1.5× (once, not per context)", on: "ratio", max: 1.5 },
        note: `${count} modules; bytes written to the bastion and all ${n} contexts behind it ` +
          `during the ${n} first calls; with the bastion and the ${n} bootstraps, ` +
          `${total.toLocaleString("en-US")} B`,
      },
      {
        id: "via.shared.bastion-modules",
        label: "  module bytes sent to the bastion",
        unit: "B",
        ours: pick((s) => s.bastionModuleBytes),
        floor: source,
        compare: "ratio",
      },
      {
        id: "via.shared.child-modules",
        label: "  module bytes sent to any context behind it, most",
        unit: "B",
        ours: pick((s) => s.childModuleBytes),
        compare: "ratio",
        target: { text: "0", on: "ours", max: 0 },
      },
      {
        id: "via.shared.start",
        label: `  ${n} contexts behind the bastion started at once`,
        unit: "ms",
        ours: pick((s) => s.startMs),
        compare: "ratio",
      },
      {
        id: "via.shared.calls",
        label: `  their ${n} first calls into the graph, at once`,
        unit: "ms",
        ours: pick((s) => s.callsMs),
        compare: "ratio",
        note: "a fresh router, so the master's module cache is cold",
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** One round: a bastion, `n` contexts behind it (web1 and web2 in turn), a call on each. */
async function behindOneBastion(
  access: Access,
  n: number,
  root: string,
  entry: string,
): Promise<SharedSample> {
  await using router = new Router();
  const bastion = await router.connect("bastion", access);
  let start = performance.now();
  const children: Context[] = await Promise.all(
    Array.from(
      { length: n },
      (_, i) => router.ssh({ host: i % 2 ? "web2" : "web1", via: bastion, name: `c${i}` }),
    ),
  );
  const startMs = performance.now() - start;
  const all = [bastion, ...children];
  const before = sentBytes(all);
  start = performance.now();
  const values = await Promise.all(children.map((c) => c.call(root, entry, 41)));
  const callsMs = performance.now() - start;
  const wrong = values.findIndex((v) => v !== 42);
  if (wrong >= 0) {
    throw new Error(`Graph call on "c${wrong}" returned ${JSON.stringify(values[wrong])}, not 42`);
  }
  return {
    startMs,
    callsMs,
    callBytes: sentBytes(all) - before,
    totalBytes: sentBytes(all),
    bastionModuleBytes: bastion.stats.moduleBytesSent,
    childModuleBytes: Math.max(...children.map((c) => c.stats.moduleBytesSent)),
  };
}

/** Bytes the master wrote to `contexts`, summed. */
export function sentBytes(contexts: readonly Pick<Context, "stats">[]): number {
  return contexts.reduce((sum, c) => sum + c.stats.bytesSent, 0);
}
