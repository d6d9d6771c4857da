/**
 * Example task module for `mitoctl call` and `ctx.module()`: plain exported functions whose
 * arguments and results cross the wire.
 *
 * ```sh
 * mitoctl call local ./examples/tasks.ts#diskUsage /var/log
 * ```
 *
 * @module
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/** Total size in bytes of the regular files under `path`, not following symlinks. */
export async function diskUsage(path: string): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.isFile() ? info.size : 0;
  let total = 0;
  let entries: string[];
  try {
    entries = await readdir(path);
  } catch {
    return 0; // Unreadable directory: counted as empty, like `du` after its warning.
  }
  for (const name of entries) {
    try {
      total += await diskUsage(join(path, name));
    } catch {
      // Vanished or unreadable meanwhile.
    }
  }
  return total;
}
