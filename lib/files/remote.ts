/**
 * The file operations either end of a push or pull runs: listing a tree, hashing, reading, and
 * atomic writes. The master calls them in a context through the module forwarder (so they run on
 * the remote's Deno or Node) and calls them directly for its own side. Only `node:` builtins, and
 * no state between calls: a large file is written at offsets into a temporary file that each call
 * opens by name, so a restarted call worker loses nothing.
 *
 * Writes are atomic: data goes to `.<name>.mitoctl-<16 hex>` beside the target, which is synced,
 * given its mode and mtime, then renamed over the target. Temporary files a lost context left
 * behind are removed by the next {@linkcode scan} of their directory once they are older than
 * its `staleMs`.
 *
 * @module
 */

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";

/** Bytes read at a time while hashing or reading: 1 MiB. */
export const READ_BUFFER_SIZE = 1024 * 1024;

/** Default age after which {@linkcode scan} removes a leftover temporary file: 30 minutes. */
export const DEFAULT_STALE_TEMP_MS = 30 * 60 * 1000;

/** What a temporary file's name looks like: `.<name>.mitoctl-<16 hex digits>`. */
export const TEMP_PATTERN: RegExp = /^\..*\.mitoctl-[0-9a-f]{16}$/s;

/** One entry of a tree. */
export interface FileEntry {
  /** Path relative to the scanned root, "/"-separated; "" for the root itself. */
  path: string;
  /** `other` is a device, fifo or socket: listed so it can be deleted, never copied. */
  kind: "file" | "dir" | "link" | "other";
  /** Bytes (files); 0 for the rest. */
  size: number;
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  /** Where a link points, as stored in it. */
  target?: string;
}

/** Options of {@linkcode scan}. */
export interface ScanOptions {
  /** Throw when the root does not exist, instead of returning no entries. Default false. */
  mustExist?: boolean;
  /** Remove temporary files older than this many ms found while scanning; default: keep them. */
  staleMs?: number;
}

/** What {@linkcode scan} found. */
export interface ScanResult {
  /** The root first (absent when it does not exist), then every entry below it, parents first. */
  entries: FileEntry[];
  /** Stale temporary files removed. */
  swept: number;
}

/** A whole file for {@linkcode putFiles}. */
export interface PutFile {
  /** Final path. */
  path: string;
  /** Temporary path in the same directory (see {@linkcode tempPath}). */
  tmp: string;
  data: Uint8Array;
  mode: number;
  mtimeMs: number;
}

/** A piece of a large file for {@linkcode writeChunk}. */
export interface Chunk {
  /** Temporary path the file is assembled in. */
  tmp: string;
  /** Where the file goes: what errors name. */
  path: string;
  offset: number;
  data: Uint8Array;
}

/** A large file whose chunks are all written, for {@linkcode finishFile}. */
export interface FinishedFile {
  tmp: string;
  path: string;
  mode: number;
  mtimeMs: number;
  /** Expected size: a mismatch means a chunk went missing. */
  size: number;
}

/** A symbolic link for {@linkcode makeLinks}. */
export interface LinkSpec {
  path: string;
  tmp: string;
  target: string;
  mtimeMs: number;
}

/** Mode and mtime to give an existing entry, for {@linkcode setAttrs}. */
export interface Attrs {
  path: string;
  mode: number;
  mtimeMs: number;
}

const REASONS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "a parent is not a directory",
  EISDIR: "it is a directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  ENAMETOOLONG: "name too long",
  ELOOP: "too many symbolic links",
  EEXIST: "it already exists",
};

/** An Error saying what failed on which path, keeping the system error's `code`. */
function fsError(action: string, path: string, e: unknown): Error {
  const code = (e as { code?: string }).code;
  const why = (code && REASONS[code]) ?? (e as Error).message;
  const err = new Error(`Cannot ${action} "${path}": ${why}${code ? ` (${code})` : ""}`);
  if (code) (err as Error & { code: string }).code = code;
  return err;
}

function entryOf(path: string, st: fs.Stats, full: string): FileEntry {
  const mode = st.mode & 0o7777;
  const base = { path, size: 0, mtimeMs: st.mtimeMs, mode };
  if (st.isFile()) return { ...base, kind: "file", size: st.size };
  if (st.isDirectory()) return { ...base, kind: "dir" };
  if (st.isSymbolicLink()) return { ...base, kind: "link", target: fs.readlinkSync(full) };
  return { ...base, kind: "other" };
}

/** Removes `full`, a temporary file, when older than `staleMs`; returns whether it did. */
function sweep(full: string, st: fs.Stats, staleMs: number | undefined): boolean {
  if (staleMs === undefined || Date.now() - st.mtimeMs < staleMs) return false;
  try {
    fs.unlinkSync(full);
    return true;
  } catch {
    return false;
  }
}

/**
 * Lists `root` and everything below it, without following links (a link as the root itself is
 * followed). Temporary files of interrupted writes are never listed.
 */
export function scan(root: string, options: ScanOptions = {}): ScanResult {
  let rootStat: fs.Stats;
  try {
    rootStat = fs.statSync(root);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!options.mustExist && (code === "ENOENT" || code === "ENOTDIR")) {
      return { entries: [], swept: 0 };
    }
    throw fsError("read", root, e);
  }
  const entries = [entryOf("", rootStat, root)];
  let swept = 0;
  if (!rootStat.isDirectory()) {
    // A single file's leftovers sit beside it.
    const prefix = `.${tempBase(basename(root))}.mitoctl-`;
    const dir = dirname(root);
    for (const name of safeReaddir(dir)) {
      if (!name.startsWith(prefix) || !TEMP_PATTERN.test(name)) continue;
      const full = join(dir, name);
      const st = safeLstat(full);
      if (st && sweep(full, st, options.staleMs)) swept++;
    }
    return { entries, swept };
  }
  const stack = [""];
  while (stack.length > 0) {
    const rel = stack.pop()!;
    const dir = rel === "" ? root : join(root, rel);
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (e) {
      throw fsError("list", dir, e);
    }
    const subdirs: string[] = [];
    for (const name of names) {
      const full = join(dir, name);
      const path = rel === "" ? name : `${rel}/${name}`;
      let st: fs.Stats;
      try {
        st = fs.lstatSync(full);
      } catch (e) {
        if ((e as { code?: string }).code === "ENOENT") continue; // Gone since readdir.
        throw fsError("read", full, e);
      }
      if (TEMP_PATTERN.test(name) && st.isFile()) {
        if (sweep(full, st, options.staleMs)) swept++;
        continue;
      }
      entries.push(entryOf(path, st, full));
      if (st.isDirectory()) subdirs.push(path);
    }
    // Reversed onto the stack so directories are walked in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  return { entries, swept };
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function safeLstat(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Hex SHA-256 of a file's bytes, or null when it is missing or not a regular file. */
export function hashFile(path: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ENOENT" || code === "ELOOP") return null;
    throw fsError("read", path, e);
  }
  try {
    if (!fs.fstatSync(fd).isFile()) return null;
    const hash = createHash("sha256");
    const buf = new Uint8Array(READ_BUFFER_SIZE);
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
    return hash.digest("hex");
  } catch (e) {
    throw fsError("read", path, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** {@linkcode hashFile} for each of `paths`. */
export function hashFiles(paths: string[]): (string | null)[] {
  return paths.map(hashFile);
}

/** Hex SHA-256 of `data`. */
export function hashBytes(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A plain Uint8Array over a Buffer's bytes, which the codec sends as bin. */
function plain(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The whole contents of each of `paths`. */
export function readFiles(paths: string[]): Uint8Array[] {
  return paths.map((path) => {
    try {
      return plain(fs.readFileSync(path));
    } catch (e) {
      throw fsError("read", path, e);
    }
  });
}

/** Up to `range.length` bytes of `path` from `range.offset`; fewer only at its end. */
export function readChunk(path: string, range: { offset: number; length: number }): Uint8Array {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, "r");
    const buf = new Uint8Array(range.length);
    let got = 0;
    while (got < range.length) {
      const n = fs.readSync(fd, buf, got, range.length - got, range.offset + got);
      if (n === 0) break;
      got += n;
    }
    return got === range.length ? buf : buf.subarray(0, got);
  } catch (e) {
    throw fsError("read", path, e);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `name` cut to at most 200 bytes of UTF-8, so a temporary name stays within NAME_MAX. */
function tempBase(name: string): string {
  let out = name;
  while (new TextEncoder().encode(out).length > 200) out = out.slice(0, -1);
  return out;
}

/** The temporary path for writing `path`: `.<name>.mitoctl-<hex>` in the same directory. */
export function tempPath(path: string, hex: string): string {
  return join(dirname(path), `.${tempBase(basename(path))}.mitoctl-${hex}`);
}

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

function openTemp(tmp: string, path: string, exclusive: boolean): number {
  try {
    return fs.openSync(tmp, CREATE | (exclusive ? fs.constants.O_EXCL : 0), 0o600);
  } catch (e) {
    throw fsError("write", path, e);
  }
}

/** Syncs, sets mode and mtime on the open temporary file, closes it and renames it into place. */
/**
 * Seconds for utimes. Half a microsecond more, since Deno cuts the time to whole milliseconds
 * and `x / 1000` in floating point can fall just below the millisecond it means.
 */
function seconds(ms: number): number {
  return (ms + 0.0005) / 1000;
}

function settle(fd: number, file: { tmp: string; path: string; mode: number; mtimeMs: number }) {
  try {
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, file.mode);
    fs.futimesSync(fd, seconds(file.mtimeMs), seconds(file.mtimeMs));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(file.tmp, file.path);
}

/** Writes each file whole and atomically; on failure its temporary file is removed. */
export function putFiles(files: PutFile[]): void {
  for (const file of files) {
    const fd = openTemp(file.tmp, file.path, true);
    try {
      try {
        let done = 0;
        while (done < file.data.length) {
          done += fs.writeSync(fd, file.data, done, file.data.length - done);
        }
      } catch (e) {
        fs.closeSync(fd);
        throw e;
      }
      settle(fd, file);
    } catch (e) {
      fs.rmSync(file.tmp, { force: true });
      throw fsError("write", file.path, e);
    }
  }
}

/** Writes one chunk of a large file into its temporary file, creating it if needed. */
export function writeChunk(chunk: Chunk): void {
  const fd = openTemp(chunk.tmp, chunk.path, false);
  try {
    let done = 0;
    while (done < chunk.data.length) {
      done += fs.writeSync(
        fd,
        chunk.data,
        done,
        chunk.data.length - done,
        chunk.offset + done,
      );
    }
  } catch (e) {
    throw fsError("write", chunk.path, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** Gives a fully written temporary file its size check, mode and mtime, and renames it. */
export function finishFile(file: FinishedFile): void {
  let fd: number;
  try {
    // An empty large file never had a chunk written.
    fd = fs.openSync(file.tmp, CREATE, 0o600);
  } catch (e) {
    throw fsError("write", file.path, e);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== file.size) {
      throw new Error(`it has ${size} bytes instead of ${file.size}`);
    }
    settle(fd, file);
  } catch (e) {
    fs.rmSync(file.tmp, { force: true });
    throw fsError("write", file.path, e);
  }
}

/** Removes temporary files; missing ones are fine. */
export function discardFiles(tmps: string[]): void {
  for (const tmp of tmps) fs.rmSync(tmp, { force: true });
}

/**
 * Creates directories, parents first in the list. They get owner rwx until {@linkcode setAttrs}
 * gives them their final mode, so a read-only directory can still be filled.
 */
export function makeDirs(dirs: { path: string; mode: number }[]): void {
  for (const dir of dirs) {
    try {
      fs.mkdirSync(dir.path, { recursive: true, mode: dir.mode | 0o700 });
    } catch (e) {
      throw fsError("create directory", dir.path, e);
    }
  }
}

/** Creates or replaces symbolic links atomically. */
export function makeLinks(links: LinkSpec[]): void {
  for (const link of links) {
    try {
      fs.symlinkSync(link.target, link.tmp);
      try {
        fs.lutimesSync(link.tmp, seconds(link.mtimeMs), seconds(link.mtimeMs));
      } catch { /* Link times are kept where the system allows it. */ }
      fs.renameSync(link.tmp, link.path);
    } catch (e) {
      fs.rmSync(link.tmp, { force: true });
      throw fsError("create link", link.path, e);
    }
  }
}

/** Removes files, links and whole directories; missing ones are fine. Returns how many it did. */
export function removePaths(paths: string[]): number {
  let removed = 0;
  for (const path of paths) {
    try {
      if (!safeLstat(path)) continue;
      fs.rmSync(path, { recursive: true, force: true });
      removed++;
    } catch (e) {
      throw fsError("remove", path, e);
    }
  }
  return removed;
}

/** Sets mode and mtime of existing files and directories (links: mtime only). */
export function setAttrs(items: Attrs[]): void {
  for (const item of items) {
    try {
      const st = fs.lstatSync(item.path);
      if (st.isSymbolicLink()) {
        fs.lutimesSync(item.path, seconds(item.mtimeMs), seconds(item.mtimeMs));
        continue;
      }
      if ((st.mode & 0o7777) !== item.mode) fs.chmodSync(item.path, item.mode);
      fs.utimesSync(item.path, seconds(item.mtimeMs), seconds(item.mtimeMs));
    } catch (e) {
      throw fsError("set the mode and time of", item.path, e);
    }
  }
}
