/**
 * What a sync must do to make one destination tree match the source: pure, from the two
 * listings, so tests drive it without files. Paths are relative to the roots ("" is the root).
 *
 * @module
 */

import type { FileEntry } from "./remote.ts";

/**
 * When a file counts as up to date: `checksum` when size and SHA-256 match (the hash is only
 * computed when sizes match), `fast` when size and mtime match, `always` never.
 */
export type CompareMode = "checksum" | "fast" | "always";

/** Options of {@linkcode planSync}. */
export interface PlanOptions {
  /** Default `"checksum"`. */
  compare?: CompareMode;
  /** Whether destination entries missing from the source are removed; default false. */
  delete?: boolean;
}

/** The work for one destination. */
export interface Plan {
  /** Destination entries of another kind than the source's, removed before writing. */
  replace: string[];
  /** Source directories to create, parents first. */
  dirs: FileEntry[];
  /** Source links to create or replace. */
  links: FileEntry[];
  /** Files whose content travels. */
  send: FileEntry[];
  /** Files of equal size whose hashes decide (checksum mode); see {@linkcode settleChecks}. */
  check: FileEntry[];
  /** Up-to-date files whose mode or mtime differ. */
  attrs: FileEntry[];
  /** Destination entries missing from the source, outermost only; removed with `delete`. */
  extra: string[];
  /** Regular files in the source. */
  files: number;
  /** Source entries that are neither files, directories nor links (devices, fifos, sockets). */
  ignored: number;
}

/** Whether two mtimes are the same: within 1 ms, as Deno keeps milliseconds only. */
export function sameTime(a: number, b: number): boolean {
  return Math.abs(a - b) < 1;
}

function sameAttrs(a: FileEntry, b: FileEntry): boolean {
  return a.mode === b.mode && sameTime(a.mtimeMs, b.mtimeMs);
}

/** The parent of a relative path; undefined for the root. */
export function parentOf(path: string): string | undefined {
  if (path === "") return undefined;
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/** Whether an ancestor of `path` is in `dirs`. */
function below(path: string, dirs: ReadonlySet<string>): boolean {
  if (dirs.size === 0) return false;
  for (let p = parentOf(path); p !== undefined; p = parentOf(p)) if (dirs.has(p)) return true;
  return false;
}

/** Plans the sync of `source` onto `dest` (both as {@linkcode scan} lists them, parents first). */
export function planSync(
  source: readonly FileEntry[],
  dest: readonly FileEntry[],
  options: PlanOptions = {},
): Plan {
  const compare = options.compare ?? "checksum";
  const have = new Map(dest.map((e) => [e.path, e]));
  const plan: Plan = {
    replace: [],
    dirs: [],
    links: [],
    send: [],
    check: [],
    attrs: [],
    extra: [],
    files: 0,
    ignored: 0,
  };
  // Destination directories removed whole: nothing below them needs a look.
  const gone = new Set<string>();
  for (const src of source) {
    if (src.kind === "other") {
      plan.ignored++;
      continue;
    }
    if (src.kind === "file") plan.files++;
    let old = below(src.path, gone) ? undefined : have.get(src.path);
    if (old && old.kind !== src.kind) {
      plan.replace.push(src.path);
      if (old.kind === "dir") gone.add(src.path);
      old = undefined;
    }
    if (src.kind === "dir") {
      if (!old) plan.dirs.push(src);
    } else if (src.kind === "link") {
      if (!old || old.target !== src.target) plan.links.push(src);
    } else if (!old || compare === "always" || old.size !== src.size) {
      plan.send.push(src);
    } else if (compare === "fast" && !sameTime(old.mtimeMs, src.mtimeMs)) {
      plan.send.push(src);
    } else if (compare === "checksum") {
      plan.check.push(src);
    } else if (!sameAttrs(old, src)) {
      plan.attrs.push(src);
    }
  }
  const wanted = new Set(source.filter((e) => e.kind !== "other").map((e) => e.path));
  const extraDirs = new Set<string>();
  for (const old of dest) {
    if (wanted.has(old.path) || below(old.path, gone) || below(old.path, extraDirs)) continue;
    plan.extra.push(old.path);
    if (old.kind === "dir") extraDirs.add(old.path);
  }
  return plan;
}

/**
 * Moves the files of `plan.check` to `send` or, when their hashes match, to `attrs` (if their
 * mode or mtime differ) or nowhere. `same(path)` says whether both hashes of `path` match.
 */
export function settleChecks(
  plan: Plan,
  dest: readonly FileEntry[],
  same: (path: string) => boolean,
): void {
  const have = new Map(dest.map((e) => [e.path, e]));
  for (const src of plan.check) {
    const old = have.get(src.path);
    if (!old || !same(src.path)) plan.send.push(src);
    else if (!sameAttrs(old, src)) plan.attrs.push(src);
  }
  plan.check = [];
}

/**
 * The directories whose mode and mtime must be set once writing is done, deepest first: those
 * created, those whose attributes differ, and those whose entries changed (which moves their
 * mtime). `deleting` says whether `plan.extra` is removed.
 */
export function dirsToSettle(
  plan: Plan,
  source: readonly FileEntry[],
  dest: readonly FileEntry[],
  deleting: boolean,
): FileEntry[] {
  const have = new Map(dest.map((e) => [e.path, e]));
  const touched = new Set<string>();
  const touch = (path: string) => {
    const parent = parentOf(path);
    if (parent !== undefined) touched.add(parent);
  };
  for (const e of [...plan.dirs, ...plan.links, ...plan.send]) touch(e.path);
  for (const path of plan.replace) touch(path);
  if (deleting) { for (const path of plan.extra) touch(path); }
  const created = new Set(plan.dirs.map((d) => d.path));
  const out = source.filter((e) => {
    if (e.kind !== "dir") return false;
    if (created.has(e.path) || touched.has(e.path)) return true;
    const old = have.get(e.path);
    return old !== undefined && old.kind === "dir" && !sameAttrs(old, e);
  });
  const depth = (p: string) => (p === "" ? 0 : p.split("/").length);
  return out.sort((a, b) => depth(b.path) - depth(a.path));
}
