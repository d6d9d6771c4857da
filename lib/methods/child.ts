/**
 * Turns a {@linkcode ChildMethod} into the process a context starts behind itself. Runs in remote
 * stages, so a hop's ssh uses that host's own ssh client and configuration.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import type { ChildMethod } from "../protocol.ts";
import { sshSpawn } from "./ssh.ts";
import { suSpawn } from "./su.ts";
import { type Prompting, sudoSpawn } from "./sudo.ts";

/**
 * The spawn spec of `child` with a stage 2 of `size` bytes, which may take `connectTimeout` ms to
 * come up; `pty` puts sudo on a terminal.
 */
export function childSpawn(
  child: ChildMethod,
  size: number,
  nonce: string,
  defaultRuntime: string,
  connectTimeout: number,
  pty = false,
): SpawnSpec & { prompting?: Prompting } {
  switch (child.method) {
    case "ssh":
      return sshSpawn({ ...child.options, connectTimeout }, size);
    case "sudo":
      return sudoSpawn({ ...child.options, pty, connectTimeout }, size, nonce, defaultRuntime);
    case "su":
      return suSpawn({ ...child.options, connectTimeout }, size, nonce, defaultRuntime);
  }
}
