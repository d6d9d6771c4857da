/**
 * One end of a sync: the file operations of `remote.ts`, run in a context through a call or
 * here in this process. Push and pull are the same algorithm with the ends swapped.
 *
 * @module
 */

import type { Caller } from "../caller.ts";
import * as ops from "./remote.ts";

/** The operations an end offers: the functions `remote.ts` exports. */
export type FileOps = {
  // deno-lint-ignore no-explicit-any
  [K in keyof typeof ops as (typeof ops)[K] extends (...a: any[]) => unknown ? K : never]:
    (typeof ops)[K];
};

/** Name of one operation. */
export type OpName = keyof FileOps;

/** One end of a sync. */
export interface Endpoint {
  /** For messages and summaries: the context's name, or "local". */
  readonly name: string;
  /**
   * Whether this end is this process, whose answers need no checks. A context's answers are
   * checked before use (see `checks.ts`).
   */
  readonly trusted: boolean;
  /** Runs operation `op` at this end. */
  run<K extends OpName>(
    op: K,
    ...args: Parameters<FileOps[K]>
  ): Promise<ReturnType<FileOps[K]>>;
}

/** Where the master serves the file operations from; a static import keeps it in a build. */
const OPS_MODULE = new URL("./remote.ts", import.meta.url);

/** The end in context `ctx`: each operation is one call. */
export function remoteEndpoint(ctx: Caller): Endpoint {
  return {
    name: ctx.name,
    trusted: false,
    run: (op, ...args) => ctx.call(OPS_MODULE, op, ...args),
  };
}

/** Options of {@linkcode localEndpoint}. */
export interface LocalEndpointOptions {
  /**
   * Bytes of small files kept from hashing until they are read for sending, so each is read
   * once; default 64 MiB. Files larger than `smallFile` are never kept.
   */
  cacheBytes?: number;
  /** Largest file kept, in bytes; default 1 MiB. */
  smallFile?: number;
}

/** Default of {@linkcode LocalEndpointOptions.cacheBytes}: 64 MiB. */
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/** The end in this process. Operations run synchronously, one at a time. */
export function localEndpoint(options: LocalEndpointOptions = {}): Endpoint {
  const cache = new Map<string, Uint8Array>();
  let room = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
  const small = options.smallFile ?? ops.READ_BUFFER_SIZE;
  const hashFiles = (paths: string[]): (string | null)[] =>
    paths.map((path) => {
      let size = Infinity;
      try {
        const st = Deno.lstatSync(path);
        if (st.isFile) size = st.size;
      } catch { /* hashFile says why */ }
      if (size > small || size > room) return ops.hashFile(path);
      const [data] = ops.readFiles([path]);
      cache.set(path, data!);
      room -= data!.length;
      return ops.hashBytes(data!);
    });
  const readFiles = (paths: string[]): Uint8Array[] =>
    paths.map((path) => {
      const data = cache.get(path);
      if (data === undefined) return ops.readFiles([path])[0]!;
      cache.delete(path);
      room += data.length;
      return data;
    });
  const local = { ...ops, hashFiles, readFiles } as unknown as Record<
    OpName,
    (...args: unknown[]) => unknown
  >;
  return {
    name: "local",
    trusted: true,
    // deno-lint-ignore require-await
    run: async (op, ...args) => local[op](...args) as never,
  };
}
