/**
 * Stream figures: `ctx.stream()` of a remote `async function*` yielding 64 KiB `Uint8Array`s,
 * 32 MiB in all, in MB/s, with the default window and with a window of 256, against a remote
 * shell sending the same 32 MiB one way over a warm ssh channel. Ours and the floor are taken
 * in rotating turns. MB is 10⁶ bytes; the ratio is ours ÷ floor, so below 1 means slower.
 *
 * @module
 */

import { type Context, Router, STREAM_WINDOW } from "../mod.ts";
import { type Figure, measured } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { each, interleaved, type Sampler } from "./measure.ts";
import { summarize } from "./stats.ts";
import { megabytesPerSecond, oneWayShell, TRANSFER_BYTES } from "./transfer.ts";

/** Bytes of each streamed item: 64 KiB. */
export const CHUNK_BYTES = 65536;

/** The window of the second figure, beside the default {@linkcode STREAM_WINDOW}. */
export const WIDE_WINDOW = 256;

/** Throughput ÷ the one-way ssh floor that stream figures aim for. */
export const STREAM_TARGET = 0.8;

/** Stream figures for each runtime. */
export const streamGroup: Group = { name: "stream", run: runStream };

const SOURCE = new URL("./stream_source.ts", import.meta.url);

/**
 * Wall ms of streaming {@linkcode TRANSFER_BYTES} from `ctx` in {@linkcode CHUNK_BYTES} items
 * with `window`; throws when a byte is missing.
 */
export async function streamMs(ctx: Context, window: number): Promise<number> {
  const count = TRANSFER_BYTES / CHUNK_BYTES;
  const start = performance.now();
  let received = 0;
  for await (
    const chunk of ctx.streamWith<Uint8Array>({ window }, SOURCE, "chunks", count, CHUNK_BYTES)
  ) {
    received += chunk.length;
  }
  const ms = performance.now() - start;
  if (received !== TRANSFER_BYTES) {
    throw new Error(`Stream on "${ctx.name}" brought ${received} B, not ${TRANSFER_BYTES} B`);
  }
  return ms;
}

async function runStream(settings: BenchSettings): Promise<Figure[]> {
  const mib = TRANSFER_BYTES / 1024 / 1024;
  const n = settings.counts.transfers;
  await using router = new Router();
  await using oneWay = new PingPong(
    sshArgv(settings, oneWayShell(TRANSFER_BYTES)),
  );
  const line = new TextEncoder().encode("\n");
  const rate = (move: () => Promise<number>) =>
    each(async () => megabytesPerSecond(TRANSFER_BYTES, await move()));
  const sources = new Map<string, Sampler>([
    ["floor", rate(() => oneWay.exchange(line, TRANSFER_BYTES))],
  ]);
  for (const runtime of settings.runtimes) {
    const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
    sources.set(`${runtime}.default`, rate(() => streamMs(ctx, STREAM_WINDOW)));
    sources.set(`${runtime}.wide`, rate(() => streamMs(ctx, WIDE_WINDOW)));
  }
  // One warm-up stream of each warms the channels, module caches and JITs; it is left out.
  const rates = await interleaved(sources, {
    n,
    warmup: 1,
    onRound: (round, rounds) =>
      settings.progress(`stream: round ${round + 1}/${rounds}, ${mib} MiB each`),
  });
  const stats = (key: string) => summarize(rates.get(key)!);
  const floor = measured(`ssh ${settings.host} head sends ${mib} MiB`, stats("floor"));
  const target = { text: `≥ ${STREAM_TARGET}×`, on: "ratio", min: STREAM_TARGET } as const;
  return settings.runtimes.flatMap((runtime): Figure[] => [
    {
      id: `stream.default.${runtime}`,
      label: `stream of ${mib} MiB in 64 KiB items, window ${STREAM_WINDOW} [${runtime}]`,
      unit: "MB/s",
      ours: stats(`${runtime}.default`),
      floor,
      compare: "ratio",
      target,
    },
    {
      id: `stream.wide.${runtime}`,
      label: `  the same, window ${WIDE_WINDOW} [${runtime}]`,
      unit: "MB/s",
      ours: stats(`${runtime}.wide`),
      floor,
      compare: "ratio",
      target,
    },
  ]);
}
