/**
 * Bulk-transfer figures: a call whose reply is a 32 MiB `Uint8Array`, in MB/s, against two
 * floors over one warm ssh channel: `ssh host cat` echoing 32 MiB (the bytes cross the channel
 * both ways at once), and a remote shell that answers each line with 32 MiB (one way, as the
 * reply does); and against Mitogen's call returning 32 MiB of bytes. For information, the same
 * call on a local context, against a local `cat`, which leaves ssh out. All in rotating turns.
 * MB is 10⁶ bytes; the ratio is ours ÷ floor, so below 1 means slower.
 *
 * @module
 */

import { type Context, Router } from "../mod.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { each, interleaved, type Sampler } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { summarize } from "./stats.ts";

/** Share of the one-way ssh stream a bulk transfer aims for (Node; Deno 1.2× less). */
export const BULK_TARGET = 0.8;

/** Bytes moved by one transfer: 32 MiB. */
export const TRANSFER_BYTES = 32 * 1024 * 1024;

/** MB/s of moving `bytes` in `ms`. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** Bulk-transfer figures for each runtime. */
export const transferGroup: Group = { name: "transfer", run: runTransfer };

async function runTransfer(settings: BenchSettings): Promise<Figure[]> {
  const mib = TRANSFER_BYTES / 1024 / 1024;
  const n = settings.counts.transfers;
  const payload = new Uint8Array(TRANSFER_BYTES).fill(0x5a);
  const line = new TextEncoder().encode("\n");
  await using stack = new AsyncDisposableStack();
  const router = stack.use(new Router());
  const peer = stack.use(await startPeer(settings.mitogen));
  const cat = stack.use(new PingPong(sshArgv(settings, "cat")));
  const stream = stack.use(new PingPong(sshArgv(settings, oneWayShell(TRANSFER_BYTES))));
  const localCat = stack.use(new PingPong(["cat"]));
  const rate = (move: () => Promise<number>) =>
    each(async () => megabytesPerSecond(TRANSFER_BYTES, await move()));
  const sources = new Map<string, Sampler>([
    ["cat", rate(() => cat.exchange(payload, TRANSFER_BYTES))],
    ["stream", rate(() => stream.exchange(line, TRANSFER_BYTES))],
    ["local-cat", rate(() => localCat.exchange(payload, TRANSFER_BYTES))],
  ]);
  if (peer !== undefined) {
    const { ctx } = await peer.connect();
    sources.set("mitogen", rate(() => peer.payload(ctx, TRANSFER_BYTES)));
  }
  for (const runtime of settings.runtimes) {
    const ssh = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    const local = await router.local({ runtime: settings.localRuntime[runtime] });
    sources.set(`ssh.${runtime}`, rate(() => replyMs(ssh, runtime)));
    sources.set(`local.${runtime}`, rate(() => replyMs(local, runtime)));
  }
  // One warm-up transfer through every channel, left out; then rotating turns.
  const rates = await interleaved(sources, {
    n,
    warmup: 1,
    onRound: (round, rounds) =>
      settings.progress(`transfer: round ${round + 1}/${rounds}, ${mib} MiB through each`),
  });
  const stats = (key: string) => summarize(rates.get(key)!);
  const mitogen = peer && stats("mitogen");
  const catFloor = measured(`ssh ${settings.host} cat echoes ${mib} MiB`, stats("cat"));
  const streamFloor = measured(`ssh ${settings.host} head sends ${mib} MiB`, stats("stream"));
  const localFloor = measured(`local cat echoes ${mib} MiB`, stats("local-cat"));
  return settings.runtimes.flatMap((runtime): Figure[] => {
    const label = `call returning ${mib} MiB [${runtime}]`;
    const ours = stats(`ssh.${runtime}`);
    return [
      {
        id: `transfer.cat.${runtime}`,
        label: `${label}, vs ssh cat echo`,
        unit: "MB/s",
        ours,
        floor: catFloor,
        runtime,
        compare: "ratio",
      },
      {
        id: `transfer.stream.${runtime}`,
        label: `${label}, vs a one-way ssh stream`,
        unit: "MB/s",
        ours,
        floor: streamFloor,
        peer: peerOf(
          `call returning ${mib} MiB`,
          `Context.call(payload): ${mib} MiB of bytes, made once in the context and kept`,
          { stats: mitogen },
        ),
        runtime,
        compare: "ratio",
        target: bound("ratio", { min: BULK_TARGET, runtime }),
      },
      {
        id: `transfer.local.${runtime}`,
        label: `  the same call on a local context [${runtime}]`,
        unit: "MB/s",
        ours: stats(`local.${runtime}`),
        floor: localFloor,
        runtime,
        compare: "ratio",
      },
    ];
  });
}

/** Remote shell that answers each line it reads with `bytes` zero bytes: a one-way stream. */
export function oneWayShell(bytes: number): string {
  return `while read -r _; do head -c ${bytes} /dev/zero; done`;
}

/** Ms of one call whose reply is a 32 MiB Uint8Array, made once on the remote and kept there. */
async function replyMs(ctx: Context, runtime: BenchRuntime): Promise<number> {
  const start = performance.now();
  // Kept on the remote between calls (the call worker lives on) so only moving it is timed.
  const reply = await ctx.eval((size: number) => {
    const g = globalThis as { benchPayload?: Uint8Array };
    g.benchPayload ??= new Uint8Array(size).fill(0x5a);
    return g.benchPayload;
  }, TRANSFER_BYTES);
  const ms = performance.now() - start;
  if (!(reply instanceof Uint8Array) || reply.length !== TRANSFER_BYTES) {
    const got = reply instanceof Uint8Array ? `${reply.length} B` : typeof reply;
    throw new Error(`Transfer call on "${runtime}" returned ${got} instead of ${TRANSFER_BYTES} B`);
  }
  return ms;
}
