/**
 * Bulk-transfer figures: a call whose reply is a 32 MiB `Uint8Array`, in MB/s, against two
 * floors over one warm ssh channel: `ssh host cat` echoing 32 MiB (the bytes cross the channel
 * both ways at once), and a remote shell that answers each line with 32 MiB (one way, as the
 * reply does). MB is 10⁶ bytes; the ratio is ours ÷ floor, so below 1 means slower.
 *
 * @module
 */

import { Router } from "../mod.ts";
import { type Figure, type Floor, measured } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchRuntime, BenchSettings, Group } from "./group.ts";
import { type Stats, summarize } from "./stats.ts";

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
  settings.progress(`transfer: ${mib} MiB echoed by ssh ${settings.host} cat`);
  const cat = await floorRate(
    sshArgv(settings, "cat"),
    new Uint8Array(TRANSFER_BYTES).fill(0x5a),
    n,
    `ssh ${settings.host} cat echoes ${mib} MiB`,
  );
  settings.progress(`transfer: ${mib} MiB streamed by ssh ${settings.host} head`);
  const stream = await floorRate(
    sshArgv(settings, `while read -r _; do head -c ${TRANSFER_BYTES} /dev/zero; done`),
    new TextEncoder().encode("\n"),
    n,
    `ssh ${settings.host} head sends ${mib} MiB a line`,
  );
  const figures: Figure[] = [];
  for (const runtime of settings.runtimes) {
    settings.progress(`transfer: ${n}× a call returning ${mib} MiB [${runtime}]`);
    const ours = await replyRates(settings, runtime);
    const label = `call returning ${mib} MiB [${runtime}]`;
    figures.push(
      {
        id: `transfer.cat.${runtime}`,
        label: `${label}, vs ssh cat echo`,
        unit: "MB/s",
        ours,
        floor: cat,
        compare: "ratio",
      },
      {
        id: `transfer.stream.${runtime}`,
        label: `${label}, vs a one-way ssh stream`,
        unit: "MB/s",
        ours,
        floor: stream,
        compare: "ratio",
      },
    );
  }
  return figures;
}

/** MB/s of `n` exchanges of `request` for 32 MiB over one warm `argv` channel. */
async function floorRate(
  argv: readonly string[],
  request: Uint8Array,
  n: number,
  label: string,
): Promise<Floor> {
  await using channel = new PingPong(argv);
  const rates: number[] = [];
  // The first exchange opens the channel and warms it; it is left out.
  for (let i = 0; i <= n; i++) {
    const ms = await channel.exchange(request, TRANSFER_BYTES);
    if (i > 0) rates.push(megabytesPerSecond(TRANSFER_BYTES, ms));
  }
  return measured(label, summarize(rates));
}

/** MB/s of calls on one warm context whose reply is a 32 MiB Uint8Array made once remotely. */
async function replyRates(settings: BenchSettings, runtime: BenchRuntime): Promise<Stats> {
  await using router = new Router();
  const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
  // The buffer is kept on the remote between calls so that only moving it is timed.
  const bytes = () =>
    ctx.eval((size: number) => {
      const g = globalThis as { benchPayload?: Uint8Array };
      g.benchPayload ??= new Uint8Array(size).fill(0x5a);
      return g.benchPayload;
    }, TRANSFER_BYTES);
  const rates: number[] = [];
  for (let i = 0; i <= settings.counts.transfers; i++) {
    const start = performance.now();
    const reply = await bytes();
    const ms = performance.now() - start;
    if (!(reply instanceof Uint8Array) || reply.length !== TRANSFER_BYTES) {
      const got = reply instanceof Uint8Array ? `${reply.length} B` : typeof reply;
      throw new Error(
        `Transfer call on "${runtime}" returned ${got} instead of ${TRANSFER_BYTES} B`,
      );
    }
    if (i > 0) rates.push(megabytesPerSecond(TRANSFER_BYTES, ms));
  }
  return summarize(rates);
}
