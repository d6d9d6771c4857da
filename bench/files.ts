/**
 * File-transfer figures: `push` of one 64 MiB file against `cat > file` over a warm ssh channel
 * (a remote shell that writes each request's bytes to a file and answers), `pull` of it against
 * `cat file` over a warm channel, and, for information, pushes of a tree of small files: fresh,
 * and again with nothing changed. MB is 10⁶ bytes; the ratio is ours ÷ floor, so below 1 means
 * slower. The target for both directions is at least 0.8× the floor.
 *
 * @module
 */

import { type Context, Router } from "../mod.ts";
import { pull, push } from "../lib/files/mod.ts";
import { type Figure, measured } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { summarize } from "./stats.ts";
import { megabytesPerSecond } from "./transfer.ts";

/** Size of the file pushed and pulled: 64 MiB. */
export const FILE_BYTES = 64 * 1024 * 1024;

/** Files in the small-file tree, and the size of each. */
export const TREE_FILES = 500;
const TREE_FILE_BYTES = 4096;

/** File-transfer figures for each runtime. */
export const filesGroup: Group = { name: "files", run: runFiles };

async function runFiles(settings: BenchSettings): Promise<Figure[]> {
  const n = settings.counts.transfers;
  const mib = FILE_BYTES / 1024 / 1024;
  const local = await Deno.makeTempDir({ prefix: "mitoctl-bench-files-" });
  // Written by the remote user: the sshd is on this machine, so the path is shared.
  const remote = `/tmp/mitoctl-bench-files-${crypto.randomUUID().slice(0, 8)}`;
  await using router = new Router();
  try {
    const big = `${local}/big.bin`;
    await writeRandom(big, FILE_BYTES);
    const tree = `${local}/tree`;
    await Deno.mkdir(tree);
    for (let i = 0; i < TREE_FILES; i++) await writeRandom(`${tree}/f${i}`, TREE_FILE_BYTES);
    await using sink = new PingPong(
      sshArgv(
        settings,
        `mkdir -p ${remote} && while read -r n; do head -c "$n" > ` +
          `${remote}/floor.bin; echo ok; done`,
      ),
    );
    const request = withLength(await Deno.readFile(big));
    await using source = new PingPong(
      sshArgv(settings, `while read -r _; do cat ${remote}/floor.bin; done`),
    );
    const rates = new Map<string, number[]>([["sink", []], ["source", []]]);
    const treeMs = new Map<string, number[]>();
    const add = (map: Map<string, number[]>, key: string, value: number) =>
      map.set(key, [...(map.get(key) ?? []), value]);
    const contexts = new Map<string, Context>();
    for (const runtime of settings.runtimes) {
      contexts.set(
        runtime,
        await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime }),
      );
    }
    for (let round = 0; round <= n; round++) {
      settings.progress(`files: round ${round}/${n}, ${mib} MiB each way`);
      const sinkMs = await sink.exchange(request, 3);
      const sourceMs = await source.exchange(new TextEncoder().encode("\n"), FILE_BYTES);
      if (round > 0) {
        add(rates, "sink", megabytesPerSecond(FILE_BYTES, sinkMs));
        add(rates, "source", megabytesPerSecond(FILE_BYTES, sourceMs));
      }
      for (const [runtime, ctx] of contexts) {
        const options = { compare: "always" } as const;
        let t = performance.now();
        await push(ctx, big, `${remote}/${runtime}.bin`, options);
        const pushMs = performance.now() - t;
        t = performance.now();
        await pull(ctx, `${remote}/${runtime}.bin`, `${local}/back-${runtime}.bin`, options);
        const pullMs = performance.now() - t;
        await ctx.call("node:fs", "rmSync", `${remote}/${runtime}-tree`, {
          recursive: true,
          force: true,
        });
        t = performance.now();
        await push(ctx, tree, `${remote}/${runtime}-tree`);
        const freshMs = performance.now() - t;
        t = performance.now();
        await push(ctx, tree, `${remote}/${runtime}-tree`);
        const againMs = performance.now() - t;
        if (round === 0) continue;
        add(rates, `push.${runtime}`, megabytesPerSecond(FILE_BYTES, pushMs));
        add(rates, `pull.${runtime}`, megabytesPerSecond(FILE_BYTES, pullMs));
        add(treeMs, `fresh.${runtime}`, freshMs);
        add(treeMs, `again.${runtime}`, againMs);
      }
    }
    const stats = (key: string) => summarize(rates.get(key)!);
    const sinkFloor = measured(`ssh ${settings.host} cat > file, ${mib} MiB`, stats("sink"));
    const sourceFloor = measured(`ssh ${settings.host} cat file, ${mib} MiB`, stats("source"));
    const target = { text: "≥ 0.8×", on: "ratio", min: 0.8 } as const;
    return settings.runtimes.flatMap((runtime): Figure[] => [
      {
        id: `files.push.${runtime}`,
        label: `push of a ${mib} MiB file [${runtime}]`,
        unit: "MB/s",
        ours: stats(`push.${runtime}`),
        floor: sinkFloor,
        compare: "ratio",
        target,
      },
      {
        id: `files.pull.${runtime}`,
        label: `pull of a ${mib} MiB file [${runtime}]`,
        unit: "MB/s",
        ours: stats(`pull.${runtime}`),
        floor: sourceFloor,
        compare: "ratio",
        target,
      },
      {
        id: `files.tree.${runtime}`,
        label: `  push of ${TREE_FILES} files of 4 KiB, new [${runtime}]`,
        unit: "ms",
        ours: summarize(treeMs.get(`fresh.${runtime}`)!),
        compare: "ratio",
      },
      {
        id: `files.tree-again.${runtime}`,
        label: `  the same push again, nothing changed [${runtime}]`,
        unit: "ms",
        ours: summarize(treeMs.get(`again.${runtime}`)!),
        compare: "ratio",
      },
    ]);
  } finally {
    const ctx = router.contexts[0];
    await ctx?.call("node:fs", "rmSync", remote, { recursive: true, force: true }).catch(() => {});
    await Deno.remove(local, { recursive: true });
  }
}

async function writeRandom(path: string, size: number): Promise<void> {
  const data = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB at a time.
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  await Deno.writeFile(path, data);
}

/** The floor's request: the byte count on a line, then the bytes. */
function withLength(data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${data.length}\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
