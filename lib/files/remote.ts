/**
 * The file operations either end of a push or pull runs: listing a tree, hashing, reading, and
 * atomic writes. The master calls them in a context through the module forwarder (so they run on
 * the remote's Deno or Node) and calls them directly for its own side. Only `node:` builtins, and
 * no state between calls: a large file is written at offsets into a temporary file that each call
 * opens by name, so a restarted call worker loses nothing.
 *
 * Writes are atomic: data goes to a temporary file beside the target (see {@linkcode tempPath}),
 * which is synced, given its mode and mtime, then renamed over the target. Each write is given
 * the root of the tree it writes into, and refuses to go through anything below that root that
 * is not a real directory (a symbolic link put there meanwhile), so it never writes outside.
 *
 * A temporary file's name says who writes it: this machine's boot, the writing process's pid and
 * start time, and a random token the master chose. {@linkcode scan} removes one whose writer is
 * gone (same boot, and no process with that pid and start time), skips one whose writer lives,
 * and lists anything else like any other file, so a file that merely looks like one is never
 * skipped or removed.
 *
 * @module
 */

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join, normalize } from "node:path";

/** Bytes read at a time while hashing or reading: 1 MiB. */
export const READ_BUFFER_SIZE = 1024 * 1024;

/**
 * A temporary file's name: `.<name>.mitoctl-<boot>-<pid>-<start>-<token>`, with the first 16 hex
 * digits of the boot id, the writer's pid and start time (clock ticks after boot), and the
 * master's 16-hex-digit token. Where there is no `/proc`, boot and start are zeros.
 */
export const TEMP_PATTERN: RegExp =
  /^\..*\.mitoctl-([0-9a-f]{16})-(\d{1,10})-(\d{1,20})-[0-9a-f]{16}$/s;

/** A master's token for one temporary file: 16 hex digits. */
export const TEMP_TOKEN: RegExp = /^[0-9a-f]{16}$/;

/** Most bytes of a target's name kept in its temporary file's name (within NAME_MAX). */
const TEMP_BASE_BYTES = 160;

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
  /** Remove temporary files whose writer is gone, found while scanning; default false. */
  sweep?: boolean;
}

/** What {@linkcode scan} found. */
export interface ScanResult {
  /** The root first (absent when it does not exist), then every entry below it, parents first. */
  entries: FileEntry[];
  /** Temporary files of writers that are gone, removed. */
  swept: number;
}

/** Where a write goes: the root of the tree written into. */
export interface WriteOptions {
  /**
   * Every path written is below (or is) this root, and nothing between the root and a path's
   * parent may be anything but a real directory. Default: no check.
   */
  root?: string;
}

/** A temporary file: the path it becomes and the master's token for it. */
export interface TempRef {
  /** Final path. */
  path: string;
  /** 16 hex digits; the temporary file is {@linkcode tempPath}`(path, token)`. */
  token: string;
}

/** A whole file for {@linkcode putFiles}. */
export interface PutFile extends TempRef {
  data: Uint8Array;
  mode: number;
  mtimeMs: number;
}

/** A piece of a large file for {@linkcode writeChunk}. */
export interface Chunk extends TempRef {
  offset: number;
  data: Uint8Array;
}

/** A large file whose chunks are all written, for {@linkcode finishFile}. */
export interface FinishedFile extends TempRef {
  mode: number;
  mtimeMs: number;
  /** Expected size: a mismatch means a chunk went missing. */
  size: number;
}

/** A symbolic link for {@linkcode makeLinks}. */
export interface LinkSpec extends TempRef {
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

/** This process as a writer: `<boot>-<pid>-<start>`, computed once. */
let writer: string | undefined;

/** The first 16 hex digits of this boot's id, or zeros without `/proc`. */
function bootId(): string {
  try {
    return fs.readFileSync("/proc/sys/kernel/random/boot_id", "latin1").replace(/[^0-9a-f]/g, "")
      .slice(0, 16).padEnd(16, "0");
  } catch {
    return "0".repeat(16);
  }
}

/** Start time of process `pid` in clock ticks after boot, or undefined when it has ended. */
function startTime(pid: number | "self"): string | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return undefined;
  }
  // Field 22; the command name (field 2) may hold spaces and parentheses, so count after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // A zombie has ended; only its parent has not looked yet.
  return fields[0] === "Z" || fields[0] === "X" ? undefined : fields[19];
}

function writerTag(): string {
  if (writer === undefined) {
    const boot = bootId();
    const start = boot === "0".repeat(16) ? "0" : startTime("self") ?? "0";
    writer = `${boot}-${process.pid}-${start}`;
  }
  return writer;
}

/**
 * What a temporary-looking name is: `live` (its writer is running: skip it), `gone` (its writer
 * ended: remove it) or `foreign` (not provably one of ours: an ordinary file).
 */
function tempState(name: string): "live" | "gone" | "foreign" {
  const m = TEMP_PATTERN.exec(name);
  if (!m) return "foreign";
  const [, boot, pidText, start] = m as unknown as [string, string, string, string];
  const [myBoot] = writerTag().split("-");
  if (boot !== myBoot) return "foreign";
  const pid = Number(pidText);
  if (boot !== "0".repeat(16)) return startTime(pid) === start ? "live" : "gone";
  // No /proc: a pid that answers is taken as the writer, so nothing live is ever removed.
  if (start !== "0") return "foreign";
  try {
    process.kill(pid, 0);
    return "live";
  } catch (e) {
    return (e as { code?: string }).code === "ESRCH" ? "gone" : "live";
  }
}

/**
 * Whether `full`, a name seen in a directory, is a temporary file to keep out of a listing;
 * one whose writer is gone is removed first (when `sweep`), counted in `swept`.
 */
function isTemp(full: string, st: fs.Stats, sweep: boolean, swept: { n: number }): boolean {
  if (!st.isFile() && !st.isSymbolicLink()) return false;
  const state = tempState(basename(full));
  if (state === "foreign") return false;
  if (state === "gone" && sweep) {
    try {
      fs.unlinkSync(full);
      swept.n++;
    } catch { /* Someone else's, or removed meanwhile: it stays out of the listing. */ }
  }
  return true;
}

/**
 * Lists `root` and everything below it, without following links (a link as the root itself is
 * followed). Temporary files of writes in progress or interrupted are never listed.
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
  const sweep = options.sweep === true;
  const swept = { n: 0 };
  if (!rootStat.isDirectory()) {
    // A single file's leftovers sit beside it.
    const prefix = `.${tempBase(basename(root))}.mitoctl-`;
    const dir = dirname(root);
    for (const name of safeReaddir(dir)) {
      if (!name.startsWith(prefix)) continue;
      const full = join(dir, name);
      const st = safeLstat(full);
      if (st) isTemp(full, st, sweep, swept);
    }
    return { entries, swept: swept.n };
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
      if (isTemp(full, st, sweep, swept)) continue;
      entries.push(entryOf(path, st, full));
      if (st.isDirectory()) subdirs.push(path);
    }
    // Reversed onto the stack so directories are walked in name order.
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  return { entries, swept: swept.n };
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

/** `name` cut to at most {@linkcode TEMP_BASE_BYTES} bytes of UTF-8, for a temporary name. */
function tempBase(name: string): string {
  let out = name;
  while (new TextEncoder().encode(out).length > TEMP_BASE_BYTES) out = out.slice(0, -1);
  return out;
}

/**
 * The temporary path this process writes `path` through, for the master's `token`:
 * `.<name>.mitoctl-<boot>-<pid>-<start>-<token>` in the same directory (see
 * {@linkcode TEMP_PATTERN}).
 */
export function tempPath(path: string, token: string): string {
  if (!TEMP_TOKEN.test(token)) throw new TypeError(`Invalid temporary file token "${token}"`);
  return join(dirname(path), `.${tempBase(basename(path))}.mitoctl-${writerTag()}-${token}`);
}

/**
 * Checks that `path` is `root` or below it with nothing but real directories in between, so a
 * write cannot go through a symbolic link to somewhere else. `seen` holds directories already
 * checked by the same operation.
 */
function checkBelow(root: string | undefined, path: string, action: string, seen: Set<string>) {
  if (root === undefined) return;
  const top = normalize(root).replace(/(.)\/+$/, "$1");
  const full = normalize(path);
  if (full === top) return;
  const prefix = top.endsWith("/") ? top : `${top}/`;
  if (!full.startsWith(prefix)) {
    throw new Error(`Cannot ${action} "${path}": it is not below "${root}"`);
  }
  const names = full.slice(prefix.length).split("/");
  let dir = top;
  for (const name of names.slice(0, -1)) {
    dir = join(dir, name);
    if (seen.has(dir)) continue;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(dir);
    } catch (e) {
      throw fsError(action, path, e);
    }
    if (!st.isDirectory()) {
      throw new Error(
        `Cannot ${action} "${path}": "${dir}" is ${
          st.isSymbolicLink() ? "a symbolic link" : "not a directory"
        }`,
      );
    }
    seen.add(dir);
  }
}

const CREATE = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW;

function openTemp(tmp: string, path: string, exclusive: boolean): number {
  try {
    return fs.openSync(tmp, CREATE | (exclusive ? fs.constants.O_EXCL : 0), 0o600);
  } catch (e) {
    throw fsError("write", path, e);
  }
}

/**
 * Seconds for utimes. Half a microsecond more, since Deno cuts the time to whole milliseconds
 * and `x / 1000` in floating point can fall just below the millisecond it means.
 */
function seconds(ms: number): number {
  return (ms + 0.0005) / 1000;
}

/** Syncs, sets mode and mtime on the open temporary file, closes it and renames it into place. */
function settle(fd: number, tmp: string, file: { path: string; mode: number; mtimeMs: number }) {
  try {
    fs.fsyncSync(fd);
    fs.fchmodSync(fd, file.mode);
    fs.futimesSync(fd, seconds(file.mtimeMs), seconds(file.mtimeMs));
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file.path);
}

/** Writes each file whole and atomically; on failure its temporary file is removed. */
export function putFiles(files: PutFile[], options: WriteOptions = {}): void {
  const seen = new Set<string>();
  for (const file of files) {
    checkBelow(options.root, file.path, "write", seen);
    const tmp = tempPath(file.path, file.token);
    const fd = openTemp(tmp, file.path, true);
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
      settle(fd, tmp, file);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fsError("write", file.path, e);
    }
  }
}

/** Writes one chunk of a large file into its temporary file, creating it if needed. */
export function writeChunk(chunk: Chunk, options: WriteOptions = {}): void {
  checkBelow(options.root, chunk.path, "write", new Set());
  const fd = openTemp(tempPath(chunk.path, chunk.token), chunk.path, false);
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
export function finishFile(file: FinishedFile, options: WriteOptions = {}): void {
  checkBelow(options.root, file.path, "write", new Set());
  const tmp = tempPath(file.path, file.token);
  let fd: number;
  try {
    // An empty large file never had a chunk written.
    fd = fs.openSync(tmp, CREATE, 0o600);
  } catch (e) {
    throw fsError("write", file.path, e);
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== file.size) {
      throw new Error(`it has ${size} bytes instead of ${file.size}`);
    }
    settle(fd, tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fsError("write", file.path, e);
  }
}

/** Removes the temporary files of `refs`; missing ones are fine. */
export function discardFiles(refs: TempRef[], options: WriteOptions = {}): void {
  const seen = new Set<string>();
  for (const ref of refs) {
    checkBelow(options.root, ref.path, "remove", seen);
    fs.rmSync(tempPath(ref.path, ref.token), { force: true });
  }
}

/**
 * Creates directories, parents first in the list. They get owner rwx until {@linkcode setAttrs}
 * gives them their final mode, so a read-only directory can still be filled.
 */
export function makeDirs(dirs: { path: string; mode: number }[], options: WriteOptions = {}): void {
  const seen = new Set<string>();
  for (const dir of dirs) {
    checkBelow(options.root, dir.path, "create directory", seen);
    try {
      fs.mkdirSync(dir.path, { recursive: true, mode: dir.mode | 0o700 });
    } catch (e) {
      throw fsError("create directory", dir.path, e);
    }
  }
}

/** Creates or replaces symbolic links atomically. */
export function makeLinks(links: LinkSpec[], options: WriteOptions = {}): void {
  const seen = new Set<string>();
  for (const link of links) {
    checkBelow(options.root, link.path, "create link", seen);
    const tmp = tempPath(link.path, link.token);
    try {
      fs.symlinkSync(link.target, tmp);
      try {
        fs.lutimesSync(tmp, seconds(link.mtimeMs), seconds(link.mtimeMs));
      } catch { /* Link times are kept where the system allows it. */ }
      fs.renameSync(tmp, link.path);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw fsError("create link", link.path, e);
    }
  }
}

/** Removes files, links and whole directories; missing ones are fine. Returns how many it did. */
export function removePaths(paths: string[], options: WriteOptions = {}): number {
  const seen = new Set<string>();
  let removed = 0;
  for (const path of paths) {
    checkBelow(options.root, path, "remove", seen);
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
export function setAttrs(items: Attrs[], options: WriteOptions = {}): void {
  const seen = new Set<string>();
  for (const item of items) {
    checkBelow(options.root, item.path, "set the mode and time of", seen);
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
