/**
 * Bulk-transfer figures: a call whose reply is a 32 MiB `Uint8Array`, in MB/s, against two
 * floors over one warm ssh channel: `ssh host cat` echoing 32 MiB (the bytes cross the channel
 * both ways at once), and a remote shell that answers each line with 32 MiB (one way, as the
 * reply does). For information, the same call on a local context, against a local `cat`, which
 * leaves ssh out. MB is 10⁶ bytes; the ratio is ours ÷ floor, so below 1 means slower.
 *
 * @module
 */

import { type Context, Router } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { summarize } from "./stats.ts";

/** Bytes moved by one transfer: 32 MiB. */
export const TRANSFER_BYTES = 32 * 1024 * 1024;

/** MB/s of moving `bytes` in `ms`. */
export function megabytesPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

/** Bulk-transfer figures for each runtime. */
export const transferGroup: Group = { name: "transfer", run: runTransfer };

/** Something that moves 32 MiB once per call and says how long it took, in ms. */
type Mover = () => Promise<number>;

async function runTransfer(settings: BenchSettings): Promise<Figure[]> {
  const mib = TRANSFER_BYTES / 1024 / 1024;
  const n = settings.counts.transfers;
  const payload = new Uint8Array(TRANSFER_BYTES).fill(0x5a);
  const line = new TextEncoder().encode("\n");
  await using router = new Router();
  await using cat = new PingPong(sshArgv(settings, "cat"));
  await using stream = new PingPong(
    sshArgv(settings, `while read -r _; do head -c ${TRANSFER_BYTES} /dev/zero; done`),
  );
  await using localCat = new PingPong(["cat"]);
  const movers = new Map<string, Mover>([
    ["cat", () => cat.exchange(payload, TRANSFER_BYTES)],
    ["stream", () => stream.exchange(line, TRANSFER_BYTES)],
    ["local-cat", () => localCat.exchange(payload, TRANSFER_BYTES)],
  ]);
  for (const runtime of settings.runtimes) {
    const ssh = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    const local = await router.local({ runtime: settings.localRuntime[runtime] });
    movers.set(`ssh.${runtime}`, () => replyMs(ssh, runtime));
    movers.set(`local.${runtime}`, () => replyMs(local, runtime));
  }
  // Rounds take one sample of everything in turn, so load from elsewhere hits ours and the floors
  // alike; round 0 warms every channel and is left out.
  const rates = new Map([...movers.keys()].map((key) => [key, [] as number[]]));
  for (let round = 0; round <= n; round++) {
    settings.progress(`transfer: round ${round}/${n}, ${mib} MiB through each channel`);
    for (const [key, move] of movers) {
      const ms = await move();
      if (round > 0) rates.get(key)!.push(megabytesPerSecond(TRANSFER_BYTES, ms));
    }
  }
  const stats = (key: string) => summarize(rates.get(key)!);
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
        compare: "ratio",
      },
      {
        id: `transfer.stream.${runtime}`,
        label: `${label}, vs a one-way ssh stream`,
        unit: "MB/s",
        ours,
        floor: streamFloor,
        compare: "ratio",
      },
      {
        id: `transfer.local.${runtime}`,
        label: `  the same call on a local context [${runtime}]`,
        unit: "MB/s",
        ours: stats(`local.${runtime}`),
        floor: localFloor,
        compare: "ratio",
      },
    ];
  });
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
