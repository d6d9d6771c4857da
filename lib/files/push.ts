/**
 * Pushing a local file or tree to contexts: each destination becomes a copy of the source, with
 * modes, mtimes and links kept, and only differing files travel.
 *
 * @module
 */

import type { Caller } from "../caller.ts";
import { UsageError } from "../errors.ts";
import { localEndpoint, remoteEndpoint } from "./endpoint.ts";
import { type SyncOptions, syncTrees, type TransferResult, type TransferSummary } from "./sync.ts";

/** Options of {@linkcode push} and {@linkcode pushAll}. */
export type PushOptions = SyncOptions;

/**
 * Copies local `source` (a file or a directory tree) to `dest` in each context, reading each
 * local file once for all of them. One context failing leaves the others going: its result
 * carries the error. A missing or unreadable source is a {@linkcode UsageError}.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * const results = await pushAll([web1, web2], "./dist", "/srv/app", { delete: true });
 * for (const r of results) console.log(r.summary.target, r.error?.message ?? "ok");
 * ```
 */
export async function pushAll(
  contexts: readonly Caller[],
  source: string,
  dest: string,
  options: PushOptions = {},
): Promise<TransferResult[]> {
  if (typeof source !== "string" || source === "") throw new TypeError("Source must be a path");
  if (typeof dest !== "string" || dest === "") throw new TypeError("Destination must be a path");
  try {
    Deno.statSync(source);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "it does not exist" : (e as Error).message;
    throw new UsageError(`Cannot push "${source}": ${why}`);
  }
  return await syncTrees(
    { endpoint: localEndpoint(), path: source },
    contexts.map((ctx) => ({ endpoint: remoteEndpoint(ctx), path: dest })),
    options,
  );
}

/**
 * Copies local `source` to `dest` in `ctx` and returns what moved; throws what failed there.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * const s = await push(web1, "./dist", "/srv/app");
 * console.log(`${s.sent} sent, ${s.skipped} up to date, ${s.bytes} bytes`);
 * ```
 */
export async function push(
  ctx: Caller,
  source: string,
  dest: string,
  options: PushOptions = {},
): Promise<TransferSummary> {
  const [result] = await pushAll([ctx], source, dest, options);
  if (result!.error) throw result!.error;
  return result!.summary;
}
