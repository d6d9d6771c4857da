/**
 * What the master checks in the answers of a file end it does not trust (a context) before it
 * plans or writes anything from them: listings, hashes and data. A listing is a hostile value:
 * each path must be a plain
 * relative path below the root whose directory was listed before it, each field must have its
 * type and range, and, when the listing is to be written here (a pull), modes lose their
 * setuid, setgid and sticky bits and links may point only inside the tree, unless the user asks
 * otherwise. Pure: tests drive it with values.
 *
 * @module
 */

import { RefusedValueError } from "../errors.ts";
import type { FileEntry } from "./remote.ts";

/** Longest path a listing may name, in bytes of UTF-8 (Linux's PATH_MAX). */
export const MAX_LISTED_PATH = 4096;

/** Longest name of one entry, in bytes of UTF-8 (Linux's NAME_MAX). */
export const MAX_LISTED_NAME = 255;

/** Farthest mtime from the epoch accepted, in ms: what a JavaScript Date can hold. */
export const MAX_LISTED_TIME = 8.64e15;

/** Permission bits a pulled entry keeps unless {@linkcode ListingPolicy.keepSpecialModes}. */
export const PERMISSION_BITS = 0o777;

/** What a listing that will be written here may carry. */
export interface ListingPolicy {
  /** Keep setuid, setgid and sticky bits; default false (only {@linkcode PERMISSION_BITS}). */
  keepSpecialModes?: boolean;
  /** Accept links that point outside the tree (see {@linkcode linkEscapes}); default false. */
  allowUnsafeLinks?: boolean;
}

/** Options of {@linkcode checkListing}. */
export interface CheckListingOptions {
  /** Name of the context that sent the listing, for messages. */
  from: string;
  /** The root path as asked, for messages. */
  root: string;
  /** Refuse an empty listing (the root must exist); default false. */
  mustExist?: boolean;
  /** Apply this policy too: the listing is about to be written here. Default: none. */
  policy?: ListingPolicy;
}

const KINDS: ReadonlySet<string> = new Set(["file", "dir", "link", "other"]);

const encoder = new TextEncoder();

/** `value` quoted for a message, cut to a readable length. */
function quote(value: string): string {
  return JSON.stringify(value.length > 120 ? `${value.slice(0, 119)}…` : value);
}

/** Why `path` is not a plain relative path of a listing; undefined when it is one. */
export function badPath(path: string): string | undefined {
  if (path.includes("\0")) return "has a NUL character";
  if (encoder.encode(path).length > MAX_LISTED_PATH) {
    return `is longer than ${MAX_LISTED_PATH} bytes`;
  }
  if (path.startsWith("/")) return "is an absolute path";
  for (const name of path.split("/")) {
    if (name === "") return "has an empty segment";
    if (name === "..") return 'has a ".." segment';
    if (name === ".") return 'has a "." segment';
    if (encoder.encode(name).length > MAX_LISTED_NAME) {
      return `has a name longer than ${MAX_LISTED_NAME} bytes`;
    }
  }
  return undefined;
}

/**
 * Whether link `path` (relative to the tree's root) pointing at `target` may lead outside the
 * tree: an absolute target, or a relative one whose `..` steps climb above the root or come
 * after a name (`a/../..`: `a` may itself be a link, so only leading `..` steps are counted).
 */
export function linkEscapes(path: string, target: string): boolean {
  if (target.startsWith("/")) return true;
  let depth = path.split("/").length - 1;
  let named = false;
  for (const step of target.split("/")) {
    if (step === "" || step === ".") continue;
    if (step !== "..") named = true;
    else if (named || depth-- === 0) return true;
  }
  return false;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

/**
 * Checks a `scan` result another process sent and returns its entries as fresh plain objects,
 * with the policy applied. Throws a {@linkcode RefusedValueError} naming the first bad entry and
 * the context.
 */
export function checkListing(value: unknown, options: CheckListingOptions): FileEntry[] {
  const refuse = (why: string): never => {
    throw new RefusedValueError(
      `Refused the listing of ${quote(options.root)} from "${options.from}": ${why}`,
    );
  };
  const entries = (value as { entries?: unknown } | null)?.entries;
  if (typeof value !== "object" || !Array.isArray(entries)) refuse("it is not a list of entries");
  const list = entries as unknown[];
  const out: FileEntry[] = [];
  const kinds = new Map<string, string>();
  const policy = options.policy;
  for (const [i, raw] of list.entries()) {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      refuse(`entry ${i} is not an object`);
    }
    const e = raw as Record<string, unknown>;
    if (typeof e.path !== "string") refuse(`entry ${i} has no path`);
    const path = e.path as string;
    const name = `entry ${quote(path)}`;
    if (i === 0 && path !== "") refuse(`its first entry ${quote(path)} is not the root`);
    if (i > 0) {
      const why = badPath(path);
      if (why) refuse(`${name} ${why}`);
      if (kinds.has(path)) refuse(`${name} is listed twice`);
      const slash = path.lastIndexOf("/");
      const parent = slash < 0 ? "" : path.slice(0, slash);
      const parentKind = kinds.get(parent);
      if (parentKind === undefined) refuse(`${name} comes before its directory ${quote(parent)}`);
      if (parentKind !== "dir") refuse(`${name} is below ${quote(parent)}, a ${parentKind}`);
    }
    if (typeof e.kind !== "string" || !KINDS.has(e.kind)) {
      refuse(`${name} has an unknown kind ${quote(String(e.kind))}`);
    }
    const kind = e.kind as FileEntry["kind"];
    if (i === 0 && kind !== "file" && kind !== "dir") {
      refuse("its root is neither a file nor a directory");
    }
    if (!isCount(e.size)) refuse(`${name} has an invalid size ${quote(String(e.size))}`);
    const mtimeMs = e.mtimeMs;
    if (typeof mtimeMs !== "number" || !(Math.abs(mtimeMs) <= MAX_LISTED_TIME)) {
      refuse(`${name} has an invalid mtime ${quote(String(mtimeMs))}`);
    }
    if (!isCount(e.mode) || (e.mode as number) > 0o7777) {
      refuse(`${name} has an invalid mode ${quote(String(e.mode))}`);
    }
    const entry: FileEntry = {
      path,
      kind,
      size: e.size as number,
      mtimeMs: mtimeMs as number,
      mode: (e.mode as number) & (policy && !policy.keepSpecialModes ? PERMISSION_BITS : 0o7777),
    };
    if (kind === "link") {
      const target = e.target;
      if (typeof target !== "string" || target === "") refuse(`link ${quote(path)} has no target`);
      const t = target as string;
      if (t.includes("\0")) refuse(`link ${quote(path)} has a target with a NUL character`);
      if (encoder.encode(t).length > MAX_LISTED_PATH) {
        refuse(`link ${quote(path)} has a target longer than ${MAX_LISTED_PATH} bytes`);
      }
      if (policy && !policy.allowUnsafeLinks && linkEscapes(path, t)) {
        refuse(
          `link ${quote(path)} points outside the destination (${quote(t)}); ` +
            `links that leave it are refused unless allowed (--allow-unsafe-links)`,
        );
      }
      entry.target = t;
    }
    kinds.set(path, kind);
    out.push(entry);
  }
  if (out.length === 0 && options.mustExist) refuse("it is empty");
  return out;
}

/** A SHA-256 in hex, as `hashFiles` answers. */
const HASH = /^[0-9a-f]{64}$/;

/**
 * Checks what `hashFiles` answered for `count` paths: that many hex SHA-256 strings or nulls.
 * Throws a {@linkcode RefusedValueError} naming the context.
 */
export function checkHashes(value: unknown, count: number, from: string): (string | null)[] {
  const ok = Array.isArray(value) && value.length === count &&
    value.every((h) => h === null || (typeof h === "string" && HASH.test(h)));
  if (!ok) {
    throw new RefusedValueError(
      `Refused the file hashes from "${from}": expected ${count} SHA-256 values or nulls`,
    );
  }
  return value as (string | null)[];
}

/**
 * Checks file contents an end answered: `count` byte arrays. Throws a
 * {@linkcode RefusedValueError} naming the context.
 */
export function checkData(value: unknown, count: number, from: string): Uint8Array[] {
  if (
    !Array.isArray(value) || value.length !== count ||
    !value.every((d) => d instanceof Uint8Array)
  ) {
    throw new RefusedValueError(
      `Refused the file contents from "${from}": expected ${count} byte arrays`,
    );
  }
  return value as Uint8Array[];
}
