/**
 * Call round-trip figures: sequential no-op calls on one warm context against a ping-pong of a
 * message the size of a call frame over one `ssh host cat` channel. For information, the same
 * ping-pong through the runtime's own `process.stdin` → `process.stdout` echo, which is the I/O
 * path the remote stage uses, and the same echo through a worker thread, as calls run.
 *
 * @module
 */

import { encode } from "../lib/codec.ts";
import { encodeFrame } from "../lib/frame.ts";
import type { Message } from "../lib/protocol.ts";
import { Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import {
  ECHO_JS,
  echoRoundTrips,
  scriptArgv,
  shellLine,
  sshArgv,
  WORKER_ECHO_JS,
} from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { timeRuns } from "./measure.ts";
import { scaleStats, type Stats, summarize } from "./stats.ts";

/** Ratio to the ssh ping-pong that call figures aim for. */
export const CALL_TARGET = 1.5;

/** No-op targets, lightest last: `[module, export]`. */
export const NOOP_CALLS: readonly (readonly [string, string])[] = [
  ["node:os", "hostname"],
  ["node:process", "cwd"],
];

/** Bytes of the frame that carries `ctx.call("node:os", "hostname")`: the floor's message size. */
export function callFrameSize(): number {
  const msg: Message = { t: "call", id: 1000, mod: "node:os", fn: "hostname", args: encode([]) };
  return encodeFrame(1, 0, encode(msg)).length;
}

/** Call round-trip figures for each runtime. */
export const callGroup: Group = { name: "call", run: runCall };

async function runCall(settings: BenchSettings): Promise<Figure[]> {
  const size = callFrameSize();
  settings.progress(`call: ping-pong of ${size} B over ssh cat`);
  const cat = await echoRoundTrips(sshArgv(settings, "cat"), size, settings.counts);
  const floor = measured(`ping-pong ${size} B, ssh ${settings.host} cat`, cat);
  const target = { text: `≤ ${CALL_TARGET}×`, on: "ratio", max: CALL_TARGET } as const;
  const figures: Figure[] = [];
  for (const runtime of settings.runtimes) {
    settings.progress(`call: no-op calls [${runtime}]`);
    const calls = await noopCalls(settings, runtime);
    for (const [[mod, fn], stats] of calls) {
      figures.push({
        id: `call.${fn}.${runtime}`,
        label: `no-op call round trip, ${mod}#${fn} [${runtime}]`,
        unit: "µs",
        ours: stats,
        floor,
        compare: "ratio",
        target,
      });
    }
    settings.progress(`call: ping-pong over ssh through ${runtime}'s echo`);
    const echo = sshArgv(settings, shellLine(scriptArgv(runtime, ECHO_JS)));
    settings.progress(`call: ping-pong over ssh through ${runtime}'s worker echo`);
    const workerEcho = sshArgv(settings, shellLine(scriptArgv(runtime, WORKER_ECHO_JS)));
    figures.push(
      {
        id: `call.echo.${runtime}`,
        label: `  ping-pong through ${runtime}'s stdin→stdout echo`,
        unit: "µs",
        ours: await echoRoundTrips(echo, size, settings.counts),
        floor,
        compare: "ratio",
      },
      {
        id: `call.worker_echo.${runtime}`,
        label: `  ping-pong through ${runtime}'s stdin→worker→stdout echo`,
        unit: "µs",
        ours: await echoRoundTrips(workerEcho, size, settings.counts),
        floor,
        compare: "ratio",
      },
    );
  }
  return figures;
}

/** Round-trip µs of each no-op target on one warm context. */
async function noopCalls(
  settings: BenchSettings,
  runtime: BenchRuntime,
): Promise<[readonly [string, string], Stats][]> {
  await using router = new Router();
  const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
  const out: [readonly [string, string], Stats][] = [];
  for (const call of NOOP_CALLS) {
    const [mod, fn] = call;
    const { calls, warmupCalls } = settings.counts;
    const samples = await timeRuns(calls, warmupCalls, () => ctx.call(mod, fn));
    out.push([call, scaleStats(summarize(samples), 1000)]);
  }
  return out;
}
