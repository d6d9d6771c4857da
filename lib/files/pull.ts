/**
 * Pulling a file or tree from a context: the reverse of a push, with the same preservation and
 * atomic replacement on this machine.
 *
 * @module
 */

import type { Caller } from "../caller.ts";
import { localEndpoint, remoteEndpoint } from "./endpoint.ts";
import { type SyncOptions, syncTrees, type TransferResult, type TransferSummary } from "./sync.ts";

/** Options of {@linkcode pull}. */
export type PullOptions = SyncOptions;

/**
 * Copies `source` (a file or a directory tree) in `ctx` to local `dest`. A missing source is a
 * RemoteError naming it.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * const s = await pull(web1, "/etc/nginx", "./backup/web1");
 * console.log(`${s.sent} files, ${s.bytes} bytes`);
 * ```
 */
export async function pull(
  ctx: Caller,
  source: string,
  dest: string,
  options: PullOptions = {},
): Promise<TransferSummary> {
  const result = await pullResult(ctx, source, dest, options);
  if (result.error) throw result.error;
  return result.summary;
}

/**
 * What {@linkcode pull} did, or its error, without throwing it; with `dryRun`, the paths it
 * would write and delete.
 */
export async function pullResult(
  ctx: Caller,
  source: string,
  dest: string,
  options: PullOptions = {},
): Promise<TransferResult> {
  if (typeof source !== "string" || source === "") throw new TypeError("Source must be a path");
  if (typeof dest !== "string" || dest === "") throw new TypeError("Destination must be a path");
  const [result] = await syncTrees(
    { endpoint: remoteEndpoint(ctx), path: source },
    [{ endpoint: localEndpoint(), path: dest }],
    options,
  );
  return result!;
}
