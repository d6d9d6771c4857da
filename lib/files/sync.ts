/**
 * The sync itself: list both ends, plan, compare hashes where sizes match, then move what
 * differs. Each source file is read once for every destination; small files travel in batches,
 * large ones in chunks with a bounded window of calls in flight per destination. A destination
 * that fails stops on its own; the others go on.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { checkData, checkHashes, checkListing, type ListingPolicy } from "./checks.ts";
import type { Endpoint } from "./endpoint.ts";
import { type CompareMode, dirsToSettle, type Plan, planSync, settleChecks } from "./plan.ts";
import { type FileEntry, type PutFile, READ_BUFFER_SIZE, type TempRef } from "./remote.ts";
import { Window } from "./window.ts";

/** Bytes per chunk of a large file, and the most bytes in one batch of small files: 1 MiB. */
export const CHUNK_SIZE = READ_BUFFER_SIZE;

/** Calls in flight per destination while data moves. */
export const WINDOW_SIZE = 8;

/** Most files in one batch. */
export const MAX_BATCH_FILES = 1000;

/** Most paths hashed in one call. */
const HASH_BATCH = 500;

/** Where a progress report stands. */
export interface Progress {
  /** File bytes acknowledged by destinations, summed over them. */
  bytesDone: number;
  /** File bytes to send, summed over destinations. */
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

/** Options of {@linkcode syncTrees}. */
export interface SyncOptions {
  /** When a file counts as up to date; default `"checksum"` (size and SHA-256). */
  compare?: CompareMode;
  /** Remove destination entries missing from the source; default false. */
  delete?: boolean;
  /** Plan and report, change nothing; default false. */
  dryRun?: boolean;
  /** Aborting stops the sync; temporary files are removed where the destination still answers. */
  signal?: AbortSignal;
  /** Called as data is acknowledged. */
  onProgress?: (progress: Progress) => void;
  /** Bytes per chunk and per batch; default {@linkcode CHUNK_SIZE}. */
  chunkSize?: number;
  /** Calls in flight per destination; default {@linkcode WINDOW_SIZE}. */
  window?: number;
  /**
   * Keep the setuid, setgid and sticky bits of entries a context lists (a pull); default false:
   * they arrive with their permission bits (0o777) only. A push keeps local modes whole.
   */
  keepSpecialModes?: boolean;
  /**
   * Accept links a context lists (a pull) that point outside the destination: an absolute
   * target, or `..` steps that climb above it or follow a name. Default false: such a link fails
   * the pull, naming it, before anything is written.
   */
  allowUnsafeLinks?: boolean;
}

/** What a sync did (or, with `dryRun`, would do) at one destination. */
export interface TransferSummary {
  /** The destination's name. */
  target: string;
  /** Path written at the destination (a file's path when a file went into a directory). */
  path: string;
  /** Regular files in the source. */
  files: number;
  /** Files whose content travelled. */
  sent: number;
  /** Files already up to date. */
  skipped: number;
  /** Entries removed because the source lacks them (`delete`). */
  deleted: number;
  /** Links created or replaced. */
  links: number;
  /** Directories created. */
  dirs: number;
  /** Source entries neither file, directory nor link, which are never copied. */
  ignored: number;
  /** File bytes sent. */
  bytes: number;
  /** Wall time in ms from the destination's listing (so not connecting) to the end. */
  ms: number;
}

/** The outcome at one destination. */
export interface TransferResult {
  summary: TransferSummary;
  /** Why this destination failed; absent when it succeeded. */
  error?: Error;
  /** With `dryRun`: the paths (relative to the source) that would be sent, and the destination
   *  entries that would be deleted. */
  changes?: { send: string[]; delete: string[] };
}

/** One end and the path there. */
export interface Place {
  endpoint: Endpoint;
  path: string;
}

type Unit =
  | { kind: "batch"; files: FileEntry[] }
  | { kind: "chunk"; file: FileEntry; offset: number; length: number; last: boolean };

/** A large file in the making at one destination. */
interface Assembly {
  /** Its temporary file's token. */
  token: string;
  parts: Promise<boolean>[];
}

/** The state of one destination. */
class Destination {
  readonly endpoint: Endpoint;
  /** Set once the destination has answered its listing, so connecting is not counted. */
  started = performance.now();
  path: string;
  entries: FileEntry[] = [];
  plan: Plan | undefined;
  error: Error | undefined;
  readonly window: Window;
  /** Temporary files written and not yet renamed, by path: their tokens. */
  readonly temps = new Map<string, string>();
  readonly assembling = new Map<string, Assembly>();
  readonly finishing: Promise<void>[] = [];
  sent = 0;
  bytes = 0;
  deleted = 0;

  constructor(place: Place, window: number) {
    this.endpoint = place.endpoint;
    this.path = trimSlashes(place.path);
    this.window = new Window(window);
  }

  /** The full path of `rel` here; an arrow so it can be passed to `map`. */
  readonly full = (rel: string): string => (rel === "" ? this.path : join(this.path, rel));

  /** What every write here is confined to: the destination's root. */
  get within(): { root: string } {
    return { root: this.path };
  }

  /** Runs `op`; a failure ends this destination and resolves false. */
  async try(op: () => Promise<unknown>): Promise<boolean> {
    if (this.error) return false;
    try {
      await op();
      return !this.error;
    } catch (e) {
      this.error ??= e as Error;
      return false;
    }
  }

  summary(): TransferSummary {
    const plan = this.plan;
    return {
      target: this.endpoint.name,
      path: this.path,
      files: plan?.files ?? 0,
      sent: this.sent,
      skipped: plan ? plan.files - plan.send.length : 0,
      deleted: this.deleted,
      links: plan?.links.length ?? 0,
      dirs: plan?.dirs.length ?? 0,
      ignored: plan?.ignored ?? 0,
      bytes: this.bytes,
      ms: performance.now() - this.started,
    };
  }
}

function trimSlashes(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, "") || "/" : path;
}

function randomHex(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Lists `path` at `endpoint`; an end that is not this process has its listing checked first
 * (with `policy` when the listing is about to be written here).
 */
async function listAt(
  endpoint: Endpoint,
  path: string,
  scan: { mustExist?: boolean; sweep?: boolean },
  policy?: ListingPolicy,
): Promise<FileEntry[]> {
  const listed = await endpoint.run("scan", path, scan);
  if (endpoint.trusted) return listed.entries;
  return checkListing(listed, {
    from: endpoint.name,
    root: path,
    mustExist: scan.mustExist === true,
    ...(policy ? { policy } : {}),
  });
}

/** Splits `items` into runs of at most `size`. */
function runsOf<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Makes each destination's `path` a copy of the source's `path`: a directory tree, or a file
 * (which goes inside a destination that is a directory or ends with "/"). Throws only when the
 * source cannot be read or the sync is aborted; a destination's failure is in its result.
 */
export async function syncTrees(
  source: Place,
  dests: readonly Place[],
  options: SyncOptions = {},
): Promise<TransferResult[]> {
  const chunkSize = options.chunkSize ?? CHUNK_SIZE;
  const sourcePath = trimSlashes(source.path);
  const runs = dests.map((d) => new Destination(d, options.window ?? WINDOW_SIZE));
  options.signal?.throwIfAborted();
  const sourceList = await listAt(source.endpoint, sourcePath, { mustExist: true }, {
    keepSpecialModes: options.keepSpecialModes === true,
    allowUnsafeLinks: options.allowUnsafeLinks === true,
  });
  const root = sourceList[0]!;
  if (root.kind !== "file" && root.kind !== "dir") {
    throw new Error(
      `Cannot copy "${sourcePath}" from "${source.endpoint.name}": it is neither ` +
        `a file nor a directory`,
    );
  }
  const sourceName = basename(sourcePath);
  await Promise.all(runs.map((run) =>
    run.try(async () => {
      const asFile = root.kind === "file";
      if (asFile && /\/$/.test(dests[runs.indexOf(run)]!.path)) {
        run.path = join(run.path, sourceName);
      }
      // Listing a destination sweeps the temporary files of writers that are gone.
      let list = await listAt(run.endpoint, run.path, { sweep: true });
      if (asFile && list[0]?.kind === "dir") {
        run.path = join(run.path, sourceName);
        list = await listAt(run.endpoint, run.path, { sweep: true });
      }
      const top = list[0];
      if (top && top.kind !== root.kind && (top.kind === "dir" || root.kind === "dir")) {
        throw new Error(
          `Cannot copy ${root.kind === "dir" ? "a directory" : "a file"} to "${run.path}" on ` +
            `"${run.endpoint.name}": it is ${top.kind === "dir" ? "a directory" : "not one"}`,
        );
      }
      run.entries = list;
      run.plan = planSync(sourceList, list, options);
      run.started = performance.now();
    })
  ));
  await compareHashes(source.endpoint, sourcePath, runs);
  if (options.dryRun) {
    return runs.map((run) => {
      const s = run.summary();
      if (run.plan) {
        s.sent = run.plan.send.length;
        s.bytes = run.plan.send.reduce((n, f) => n + f.size, 0);
        if (options.delete) s.deleted = run.plan.extra.length;
      }
      if (run.error) return { summary: s, error: run.error };
      const send = run.plan?.send.map((f) => f.path) ?? [];
      return { summary: s, changes: { send, delete: options.delete ? run.plan?.extra ?? [] : [] } };
    });
  }
  await Promise.all(runs.map((run) => prepare(run)));
  const progress: Progress = { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 };
  for (const run of runs) {
    if (run.error || !run.plan) continue;
    progress.filesTotal += run.plan.send.length;
    for (const f of run.plan.send) progress.bytesTotal += f.size;
  }
  try {
    await transfer(source, sourcePath, sourceList, runs, progress, chunkSize, options);
  } catch (e) {
    await settleAll(runs);
    await Promise.all(runs.map((run) => discard(run)));
    throw e;
  }
  await settleAll(runs);
  await Promise.all(runs.map((run) => finish(run, sourceList, options.delete ?? false)));
  return runs.map((run) => (run.error ? { summary: run.summary(), error: run.error } : {
    summary: run.summary(),
  }));
}

/** Hashes the files whose sizes match, at the destinations and once at the source. */
async function compareHashes(
  source: Endpoint,
  sourcePath: string,
  runs: Destination[],
): Promise<void> {
  const wanted = new Set<string>();
  for (const run of runs) for (const f of run.plan?.check ?? []) wanted.add(f.path);
  const sourceHashes = new Map<string, string | null>();
  const full = (rel: string) => (rel === "" ? sourcePath : join(sourcePath, rel));
  const hashSource = async () => {
    for (const paths of runsOf([...wanted], HASH_BATCH)) {
      let hashes = await source.run("hashFiles", paths.map(full));
      if (!source.trusted) hashes = checkHashes(hashes, paths.length, source.name);
      paths.forEach((p, i) => sourceHashes.set(p, hashes[i] ?? null));
    }
  };
  const destHashes = runs.map(() => new Map<string, string | null>());
  await Promise.all([
    hashSource(),
    ...runs.map((run, r) =>
      run.try(async () => {
        for (const files of runsOf(run.plan?.check ?? [], HASH_BATCH)) {
          let hashes = await run.endpoint.run("hashFiles", files.map((f) => run.full(f.path)));
          if (!run.endpoint.trusted) hashes = checkHashes(hashes, files.length, run.endpoint.name);
          files.forEach((f, i) => destHashes[r]!.set(f.path, hashes[i] ?? null));
        }
      })
    ),
  ]);
  runs.forEach((run, r) => {
    if (!run.plan || run.error) return;
    settleChecks(run.plan, run.entries, (path) => {
      const a = sourceHashes.get(path);
      return a !== undefined && a !== null && a === destHashes[r]!.get(path);
    });
  });
}

/** Removes what is in the way, creates directories and links. */
async function prepare(run: Destination): Promise<void> {
  const plan = run.plan;
  if (!plan) return;
  await run.try(async () => {
    if (plan.replace.length) {
      await run.endpoint.run("removePaths", plan.replace.map(run.full), run.within);
    }
    if (run.entries.length === 0 && plan.send[0]?.path === "") {
      // A single new file: its directory may be missing too, as a tree's would.
      await run.endpoint.run("makeDirs", [{ path: dirname(run.path), mode: 0o755 }]);
    }
    if (plan.dirs.length) {
      await run.endpoint.run(
        "makeDirs",
        plan.dirs.map((d) => ({ path: run.full(d.path), mode: d.mode })),
        run.within,
      );
    }
    if (plan.links.length) {
      await run.endpoint.run(
        "makeLinks",
        plan.links.map((l) => ({
          path: run.full(l.path),
          token: randomHex(),
          target: l.target!,
          mtimeMs: l.mtimeMs,
        })),
        run.within,
      );
    }
  });
}

/**
 * Cuts the files to send into batches and chunks, in source order; lazily, so a listed size
 * costs nothing until its chunks are read.
 */
function* unitsOf(files: readonly FileEntry[], chunkSize: number): Generator<Unit> {
  let batch: FileEntry[] = [];
  let batchBytes = 0;
  for (const file of files) {
    if (file.size > chunkSize) {
      if (batch.length) yield { kind: "batch", files: batch };
      batch = [];
      batchBytes = 0;
      for (let offset = 0; offset < file.size; offset += chunkSize) {
        const length = Math.min(chunkSize, file.size - offset);
        yield { kind: "chunk", file, offset, length, last: offset + length === file.size };
      }
      continue;
    }
    if (batch.length && (batchBytes + file.size > chunkSize || batch.length >= MAX_BATCH_FILES)) {
      yield { kind: "batch", files: batch };
      batch = [];
      batchBytes = 0;
    }
    batch.push(file);
    batchBytes += file.size;
  }
  if (batch.length) yield { kind: "batch", files: batch };
}

/** Reads units from the source, up to `ahead` of them in flight, in order. */
async function* readAhead(
  source: Endpoint,
  full: (rel: string) => string,
  units: Iterable<Unit>,
  ahead: number,
): AsyncGenerator<[Unit, Uint8Array[]]> {
  const read = async (unit: Unit): Promise<Uint8Array[]> => {
    if (unit.kind === "batch") {
      const data = await source.run("readFiles", unit.files.map((f) => full(f.path)));
      return source.trusted ? data : checkData(data, unit.files.length, source.name);
    }
    let data = await source.run("readChunk", full(unit.file.path), unit);
    if (!source.trusted) data = checkData([data], 1, source.name)[0]!;
    if (data.length !== unit.length) {
      throw new Error(
        `Cannot read "${full(unit.file.path)}" on "${source.name}": it changed ` +
          `size while being copied`,
      );
    }
    return [data];
  };
  const pending = units[Symbol.iterator]();
  const queue: [Unit, Promise<Uint8Array[]>][] = [];
  const fill = () => {
    while (queue.length < ahead) {
      const next = pending.next();
      if (next.done) return;
      const p = read(next.value);
      p.catch(() => {}); // Seen when its turn comes; not an unhandled rejection before.
      queue.push([next.value, p]);
    }
  };
  for (;;) {
    fill();
    const head = queue.shift();
    if (!head) return;
    yield [head[0], await head[1]];
  }
}

/** Moves the data: one read of each unit, written to every destination that needs it. */
async function transfer(
  source: Place,
  sourcePath: string,
  sourceList: readonly FileEntry[],
  runs: Destination[],
  progress: Progress,
  chunkSize: number,
  options: SyncOptions,
): Promise<void> {
  const needs = new Map<string, Destination[]>();
  for (const run of runs) {
    if (run.error || !run.plan) continue;
    for (const f of run.plan.send) {
      const list = needs.get(f.path);
      if (list) list.push(run);
      else needs.set(f.path, [run]);
    }
  }
  const order = sourceList.filter((e) => needs.has(e.path));
  const full = (rel: string) => (rel === "" ? sourcePath : join(sourcePath, rel));
  const report = (bytes: number, files: number) => {
    progress.bytesDone += bytes;
    progress.filesDone += files;
    options.onProgress?.({ ...progress });
  };
  const ahead = options.window ?? WINDOW_SIZE;
  for await (
    const [unit, data] of readAhead(source.endpoint, full, unitsOf(order, chunkSize), ahead)
  ) {
    options.signal?.throwIfAborted();
    if (unit.kind === "batch") {
      for (const run of runs) {
        if (run.error) continue;
        const items: PutFile[] = [];
        unit.files.forEach((f, i) => {
          if (!needs.get(f.path)!.includes(run)) return;
          items.push({
            path: run.full(f.path),
            token: randomHex(),
            data: data[i]!,
            mode: f.mode,
            mtimeMs: f.mtimeMs,
          });
        });
        if (!items.length) continue;
        const bytes = items.reduce((n, f) => n + f.data.length, 0);
        await run.window.start(async () => {
          if (await run.try(() => run.endpoint.run("putFiles", items, run.within))) {
            run.sent += items.length;
            run.bytes += bytes;
            report(bytes, items.length);
          }
        });
      }
      continue;
    }
    const file = unit.file;
    for (const run of needs.get(file.path)!) {
      if (run.error) continue;
      let asm = run.assembling.get(file.path);
      if (!asm) {
        asm = { token: randomHex(), parts: [] };
        run.assembling.set(file.path, asm);
        run.temps.set(run.full(file.path), asm.token);
      }
      const chunk = {
        path: run.full(file.path),
        token: asm.token,
        offset: unit.offset,
        data: data[0]!,
      };
      const started = await run.window.start(async () => {
        const ok = await run.try(() => run.endpoint.run("writeChunk", chunk, run.within));
        if (ok) {
          run.bytes += chunk.data.length;
          report(chunk.data.length, 0);
        }
        return ok;
      });
      asm.parts.push(started.done);
      if (unit.last) {
        const { token, parts } = asm;
        run.assembling.delete(file.path);
        run.finishing.push(finishLarge(run, file, token, parts, () => report(0, 1)));
      }
    }
  }
}

/** Renames a large file into place once all its chunks are written. */
async function finishLarge(
  run: Destination,
  file: FileEntry,
  token: string,
  parts: Promise<boolean>[],
  done: () => void,
): Promise<void> {
  if (!(await Promise.all(parts)).every(Boolean)) return;
  const path = run.full(file.path);
  const spec = { path, token, mode: file.mode, mtimeMs: file.mtimeMs, size: file.size };
  const started = await run.window.start(() =>
    run.try(() => run.endpoint.run("finishFile", spec, run.within))
  );
  if (await started.done) {
    run.temps.delete(path);
    run.sent++;
    done();
  }
}

/** Waits for every call in flight at every destination. */
async function settleAll(runs: Destination[]): Promise<void> {
  await Promise.all(runs.map(async (run) => {
    await run.window.drain();
    await Promise.all(run.finishing);
    await run.window.drain();
  }));
}

/** Removes a destination's temporary files, as far as it still answers. */
async function discard(run: Destination): Promise<void> {
  const temps: TempRef[] = [...run.temps].map(([path, token]) => ({ path, token }));
  if (!temps.length) return;
  try {
    await run.endpoint.run("discardFiles", temps, run.within);
    run.temps.clear();
  } catch { /* A lost context: the next scan of the directory sweeps them. */ }
}

/** Deletes extraneous entries and gives files and directories their final mode and mtime. */
async function finish(run: Destination, sourceList: FileEntry[], deleting: boolean): Promise<void> {
  const plan = run.plan;
  if (run.error || !plan) return await discard(run);
  await run.try(async () => {
    if (deleting && plan.extra.length) {
      run.deleted = await run.endpoint.run("removePaths", plan.extra.map(run.full), run.within);
    }
    const attrs = [...plan.attrs, ...dirsToSettle(plan, sourceList, run.entries, deleting)];
    for (const items of runsOf(attrs, 5000)) {
      await run.endpoint.run(
        "setAttrs",
        items.map((e) => ({ path: run.full(e.path), mode: e.mode, mtimeMs: e.mtimeMs })),
        run.within,
      );
    }
  });
}
