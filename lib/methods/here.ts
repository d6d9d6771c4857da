/**
 * The {@linkcode SpawnFacts} of the master's own machine, where a target's first hop starts: the
 * Deno running the master (in the compiled binary, the binary itself) is the runtime "here".
 *
 * @module
 */

import { stage1Here } from "../stage/stage1.ts";
import type { SpawnFacts } from "./method.ts";

/** Fresh letters and digits for a login's prompt and ready line. */
export function nonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("");
}

/** Facts for a process the master starts with a stage 2 of `size` bytes. */
export function masterFacts(size: number, connectTimeout: number, pty = false): SpawnFacts {
  return {
    size,
    nonce: nonce(),
    pty,
    self: stage1Here(size),
    here: Deno.execPath(),
    connectTimeout,
  };
}
