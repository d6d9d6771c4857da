/**
 * Turns a {@linkcode ChildMethod} into the process a context starts behind itself. Runs in remote
 * stages, so a hop's ssh uses that host's own ssh client and configuration.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import type { ChildMethod } from "../protocol.ts";
import { sshSpawn } from "./ssh.ts";
import { type Prompting, sudoSpawn } from "./sudo.ts";

/** The spawn spec of `child` with a stage 2 of `size` bytes. */
export function childSpawn(
  child: ChildMethod,
  size: number,
  nonce: string,
  defaultRuntime: string,
): SpawnSpec & { prompting?: Prompting } {
  const spec = child.method === "ssh"
    ? sshSpawn(child.options, size)
    : sudoSpawn(child.options, size, nonce, defaultRuntime);
  return spec;
}
