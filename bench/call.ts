/**
 * Call round-trip figures: sequential no-op calls on one warm context against a ping-pong of a
 * message the size of a call frame over one `ssh host cat` channel, and against Mitogen's no-op
 * call (`socket.gethostname`) on a warm context of its own. `node:os#hostname` is a machine fact,
 * which the stage's router answers; `node:process#cwd` runs in the call worker, as user code
 * does; so does a no-op call into a module of the caller's own (`work.ts`, which the master serves
 * and checks at each call), set against Mitogen's call into its counterpart
 * (`mitogen_work.nothing`). For information, the same ping-pong
 * through the runtime's own `process.stdin` → `process.stdout` echo, which is the I/O path the
 * remote stage uses, and the same echo through a worker thread, as calls run. Every kind is
 * sampled in turns of {@linkcode BLOCK} round trips in rotating order, so a busy machine skews
 * them alike.
 *
 * @module
 */

import { encode } from "../lib/wire/codec.ts";
import { encodeFrame } from "../lib/wire/frame.ts";
import type { Message } from "../lib/wire/protocol.ts";
import { Router } from "../mod.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { ECHO_JS, PingPong, scriptArgv, shellLine, sshArgv, WORKER_ECHO_JS } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { interleaved, type Sampler, timed } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { scaleStats, summarize } from "./stats.ts";

/** Ratio to the ssh ping-pong that call figures aim for (Node; Deno 1.2× more). */
export const CALL_TARGET = 2;

/** Ratio to Mitogen's no-op call that the call figure aims for. */
export const CALL_PEER_TARGET = 0.7;

/**
 * No-op builtin targets, `[module, export]`: a machine fact the stage's router answers, and a
 * builtin the call worker runs, as user code runs.
 */
export const NOOP_CALLS: readonly (readonly [string, string])[] = [
  ["node:os", "hostname"],
  ["node:process", "cwd"],
];

/** The module of the caller's own that a no-op call goes into, as users call their tasks. */
export const WORK_MODULE = new URL("./work.ts", import.meta.url);

/** Bytes of the frame that carries `ctx.call("node:os", "hostname")`: the floor's message size. */
export function callFrameSize(): number {
  const msg: Message = { t: "call", id: 1000, mod: "node:os", fn: "hostname", args: encode([]) };
  return encodeFrame(1, 0, encode(msg)).length;
}

/** Call round-trip figures for each runtime. */
export const callGroup: Group = { name: "call", run: runCall };

/** Round trips taken from each source in one turn before moving to the next. */
const BLOCK = 100;

async function runCall(settings: BenchSettings): Promise<Figure[]> {
  const size = callFrameSize();
  const message = new Uint8Array(size).fill(0x61);
  await using stack = new AsyncDisposableStack();
  const router = stack.use(new Router());
  const peer = stack.use(await startPeer(settings.mitogen));
  const sources = new Map<string, Sampler>();
  const echo = async (key: string, argv: readonly string[]) => {
    const channel = stack.use(new PingPong(argv));
    await channel.ready();
    sources.set(key, timed(() => channel.exchange(message, size)));
  };
  await echo("cat", sshArgv(settings, "cat"));
  if (peer !== undefined) {
    const { ctx } = await peer.connect();
    sources.set("mitogen", (count) => peer.noop(ctx, count));
    sources.set("mitogen.module", (count) => peer.noop(ctx, count, "module"));
  }
  for (const runtime of settings.runtimes) {
    const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    for (const [mod, fn] of NOOP_CALLS) {
      sources.set(`${fn}.${runtime}`, timed(() => ctx.call(mod, fn)));
    }
    sources.set(`module.${runtime}`, timed(() => ctx.call(WORK_MODULE, "nothing")));
    await echo(`echo.${runtime}`, sshArgv(settings, shellLine(scriptArgv(runtime, ECHO_JS))));
    await echo(
      `worker_echo.${runtime}`,
      sshArgv(settings, shellLine(scriptArgv(runtime, WORKER_ECHO_JS))),
    );
  }
  const { calls, warmupCalls } = settings.counts;
  settings.progress(`call: ${calls} round trips of each of ${sources.size} kinds, in turns`);
  const samples = await interleaved(sources, { n: calls, warmup: warmupCalls, block: BLOCK });
  const stats = (key: string) => scaleStats(summarize(samples.get(key)!), 1000);
  const floor = measured(`ping-pong ${size} B, ssh ${settings.host} cat`, stats("cat"));
  const mitogen = peer && stats("mitogen");
  const mitogenModule = peer && stats("mitogen.module");
  return settings.runtimes.flatMap((runtime): Figure[] => [
    ...NOOP_CALLS.map(([mod, fn], i): Figure => ({
      id: `call.${fn}.${runtime}`,
      label: `no-op call round trip, ${mod}#${fn}${i === 0 ? " (a fact)" : ""} [${runtime}]`,
      unit: "µs",
      ours: stats(`${fn}.${runtime}`),
      floor,
      // The first no-op is the one set beside Mitogen's.
      ...(i === 0
        ? {
          peer: peerOf("no-op call round trip", "Context.call(socket.gethostname)", {
            stats: mitogen,
            target: bound("peer", { max: CALL_PEER_TARGET, runtime }),
          }),
        }
        : {}),
      runtime,
      compare: "ratio",
      target: bound("ratio", { max: CALL_TARGET, runtime }),
    })),
    {
      id: `call.module.${runtime}`,
      label: `no-op call into the caller's own module, work.ts#nothing [${runtime}]`,
      unit: "µs",
      ours: stats(`module.${runtime}`),
      floor,
      peer: peerOf(
        "no-op call into the caller's own module",
        "Context.call(mitogen_work.nothing)",
        { stats: mitogenModule, target: bound("peer", { max: CALL_PEER_TARGET, runtime }) },
      ),
      runtime,
      compare: "ratio",
      target: bound("ratio", { max: CALL_TARGET, runtime }),
    },
    {
      id: `call.echo.${runtime}`,
      label: `  ping-pong through ${runtime}'s stdin→stdout echo`,
      unit: "µs",
      ours: stats(`echo.${runtime}`),
      floor,
      compare: "ratio",
    },
    {
      id: `call.worker_echo.${runtime}`,
      label: `  ping-pong through ${runtime}'s stdin→worker→stdout echo`,
      unit: "µs",
      ours: stats(`worker_echo.${runtime}`),
      floor,
      compare: "ratio",
    },
  ]);
}
