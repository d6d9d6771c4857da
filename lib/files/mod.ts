/**
 * Copying files and trees to and from contexts, the way `mitoctl push` and `mitoctl pull` do:
 * modes, mtimes and links kept, unchanged files skipped by size and a SHA-256 computed where the
 * file lives, large files streamed in chunks, every file replaced atomically.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * import { Router } from "../../mod.ts";
 * import { pull, pushAll } from "./mod.ts";
 *
 * await using router = new Router();
 * const hosts = await Promise.all(["web1", "web2"].map((h) => router.connect(h)));
 * await pushAll(hosts, "./dist", "/srv/app", { delete: true });
 * await pull(hosts[0]!, "/etc/nginx", "./backup/web1");
 * ```
 *
 * @module
 */

export { push, pushAll, type PushOptions } from "./push.ts";
export { pull, type PullOptions } from "./pull.ts";
export {
  CHUNK_SIZE,
  type Progress,
  type SyncOptions,
  type TransferResult,
  type TransferSummary,
  WINDOW_SIZE,
} from "./sync.ts";
export type { CompareMode } from "./plan.ts";
