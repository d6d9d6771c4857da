/**
 * File-transfer figures: `push` of one 64 MiB file against `cat > file` over a warm ssh channel
 * (a remote shell that writes each request's bytes to a file and answers) and against Mitogen's
 * FileService (the context streams the file from the master, as Mitogen's Ansible plugins push
 * large files); `pull` of it against `cat file` over a warm channel and against a Mitogen call
 * returning the file's bytes (as those plugins fetch a file); each also against a floor that keeps
 * the bytes as ours does (written to a temporary file, synced, renamed over the target), the
 * work a transfer's writing end cannot skip; and, for information, pushes of a
 * tree of small files: fresh, and again with nothing changed. All in rotating turns. MB is 10⁶
 * bytes; the ratio is ours ÷ floor, so below 1 means slower. The target for both directions is at
 * least 0.8× the floor.
 *
 * @module
 */

import { type Context, Router } from "../mod.ts";
import { pull, push } from "../lib/files/mod.ts";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import { PingPong, sshArgv } from "./floors.ts";
import type { BenchSettings, Group } from "./group.ts";
import { each, interleaved, keep, type Sampler, timeOnce } from "./measure.ts";
import { startPeer } from "./mitogen.ts";
import { summarize } from "./stats.ts";
import { BULK_TARGET, megabytesPerSecond } from "./transfer.ts";

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
  await using stack = new AsyncDisposableStack();
  const router = stack.use(new Router());
  try {
    const big = `${local}/big.bin`;
    await writeRandom(big, FILE_BYTES);
    const tree = `${local}/tree`;
    await Deno.mkdir(tree);
    for (let i = 0; i < TREE_FILES; i++) await writeRandom(`${tree}/f${i}`, TREE_FILE_BYTES);
    const sink = stack.use(
      new PingPong(
        sshArgv(
          settings,
          `mkdir -p ${remote} && while read -r n; do head -c "$n" > ` +
            `${remote}/floor.bin; echo ok; done`,
        ),
      ),
    );
    const request = withLength(await Deno.readFile(big));
    const source = stack.use(
      new PingPong(sshArgv(settings, `while read -r _; do cat ${remote}/floor.bin; done`)),
    );
    // The same floors, keeping the bytes as a transfer must: written to a temporary file, synced
    // and renamed over the target (push and pull do that on the writing end).
    const syncedSink = stack.use(
      new PingPong(
        sshArgv(
          settings,
          `mkdir -p ${remote} && while read -r n; do head -c "$n" > ${remote}/synced.tmp && ` +
            `sync ${remote}/synced.tmp && mv ${remote}/synced.tmp ${remote}/synced.bin; echo ok; done`,
        ),
      ),
    );
    const newline = new TextEncoder().encode("\n");
    const rate = (move: () => Promise<number>) =>
      each(async () => megabytesPerSecond(FILE_BYTES, await move()));
    // Each source in its warm-up writes the file the next one reads: sink before source, push
    // before pull.
    const sources = new Map<string, Sampler>([
      ["sink", rate(() => sink.exchange(request, 3))],
      ["source", rate(() => source.exchange(newline, FILE_BYTES))],
      ["sink.synced", rate(() => syncedSink.exchange(request, 3))],
      ["source.synced", rate(() => intoSyncedFile(source, newline, `${local}/synced.bin`))],
    ]);
    const peer = stack.use(await startPeer(settings.mitogen));
    if (peer !== undefined) {
      const { ctx } = await peer.connect();
      const there = `${remote}/mitogen.bin`;
      sources.set("mitogen.push", rate(() => peer.push(ctx, big, there)));
      sources.set("mitogen.pull", rate(() => peer.pull(ctx, there, `${local}/back-mitogen.bin`)));
    }
    const again = new Map<string, number[]>();
    for (const runtime of settings.runtimes) {
      const ctx = await router.connect(settings.host, { sshConfig: settings.sshConfig, runtime });
      const options = { compare: "always" } as const;
      const there = `${remote}/${runtime}.bin`;
      sources.set(`push.${runtime}`, rate(() => timeOnce(() => push(ctx, big, there, options))));
      sources.set(
        `pull.${runtime}`,
        rate(() => timeOnce(() => pull(ctx, there, `${local}/back-${runtime}.bin`, options))),
      );
      sources.set(
        `tree.${runtime}`,
        each(async () => {
          const ms = await treePushMs(ctx, tree, `${remote}/${runtime}-tree`);
          keep(again, runtime, ms.again);
          return ms.fresh;
        }),
      );
    }
    const samples = await interleaved(sources, {
      n,
      warmup: 1,
      onRound: (round, rounds) =>
        settings.progress(`files: round ${round + 1}/${rounds}, ${mib} MiB each way`),
    });
    const stats = (key: string) => summarize(samples.get(key)!);
    // Each direction: its floor, and what Mitogen did the same way.
    const directions = [
      {
        way: "push",
        floor: measured(`ssh ${settings.host} cat > file, ${mib} MiB`, stats("sink")),
        mitogen: "FileService: the context streams the file from the master (FileService.get)",
        synced: measured(
          `ssh ${settings.host} cat > file, synced and renamed there, ${mib} MiB`,
          stats("sink.synced"),
        ),
      },
      {
        way: "pull",
        floor: measured(`ssh ${settings.host} cat file, ${mib} MiB`, stats("source")),
        mitogen: "Context.call(read_path): one reply holding the file, written here",
        synced: measured(
          `ssh ${settings.host} cat file, written to a file here, synced and renamed, ${mib} MiB`,
          stats("source.synced"),
        ),
      },
    ] as const;
    return settings.runtimes.flatMap((runtime): Figure[] => {
      const target = bound("ratio", { min: BULK_TARGET, runtime });
      return [
        ...directions.flatMap(({ way, floor, mitogen, synced }): Figure[] => [{
          id: `files.${way}.${runtime}`,
          label: `${way} of a ${mib} MiB file [${runtime}]`,
          unit: "MB/s",
          ours: stats(`${way}.${runtime}`),
          floor,
          peer: peerOf(`${way} of a ${mib} MiB file`, mitogen, {
            stats: peer && stats(`mitogen.${way}`),
          }),
          runtime,
          compare: "ratio",
          target,
        }, {
          id: `files.${way}.synced.${runtime}`,
          label: `  the same against a floor that syncs the file and renames it [${runtime}]`,
          unit: "MB/s",
          ours: stats(`${way}.${runtime}`),
          floor: synced,
          runtime,
          compare: "ratio",
          note: "the floor keeps the bytes as ours does: the writing end writes a temporary " +
            "file, syncs it to disk and renames it over the target",
        }]),
        {
          id: `files.tree.${runtime}`,
          label: `  push of ${TREE_FILES} files of 4 KiB, new [${runtime}]`,
          unit: "ms",
          ours: stats(`tree.${runtime}`),
          runtime,
          compare: "ratio",
        },
        {
          id: `files.tree-again.${runtime}`,
          label: `  the same push again, nothing changed [${runtime}]`,
          unit: "ms",
          ours: summarize(again.get(runtime)!.slice(-n)),
          runtime,
          compare: "ratio",
        },
      ];
    });
  } finally {
    const ctx = router.contexts[0];
    await ctx?.call("node:fs", "rmSync", remote, { recursive: true, force: true }).catch(() => {});
    await Deno.remove(local, { recursive: true });
  }
}

/** Ms of pushing `tree` to `dest` fresh (after removing it there), then again unchanged. */
async function treePushMs(
  ctx: Context,
  tree: string,
  dest: string,
): Promise<{ fresh: number; again: number }> {
  await ctx.call("node:fs", "rmSync", dest, { recursive: true, force: true });
  const fresh = await timeOnce(() => push(ctx, tree, dest));
  return { fresh, again: await timeOnce(() => push(ctx, tree, dest)) };
}

async function writeRandom(path: string, size: number): Promise<void> {
  const data = new Uint8Array(size);
  // getRandomValues fills at most 64 KiB at a time.
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  await Deno.writeFile(path, data);
}

/**
 * Ms of `source` sending `FILE_BYTES` (the pull floor), each chunk written as it arrives to a
 * temporary file beside `dest`, which is then synced and renamed over `dest`, as a pull does.
 */
async function intoSyncedFile(
  source: PingPong,
  request: Uint8Array,
  dest: string,
): Promise<number> {
  const tmp = `${dest}.tmp`;
  const start = performance.now();
  const file = Deno.openSync(tmp, { write: true, create: true, truncate: true, mode: 0o600 });
  try {
    await source.exchange(request, FILE_BYTES, (chunk) => {
      for (let done = 0; done < chunk.length;) done += file.writeSync(chunk.subarray(done));
    });
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(tmp, dest);
  return performance.now() - start;
}

/** The floor's request: the byte count on a line, then the bytes. */
function withLength(data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${data.length}\n`);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}
