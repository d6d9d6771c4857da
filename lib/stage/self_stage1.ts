/**
 * Stage 1 inside the compiled binary: a `deno compile` binary cannot run `deno eval`, so for a
 * local context it starts itself with a flag and does what the stage-1 one-liner does, watchdog
 * included.
 *
 * @module
 */

import process from "node:process";
import { brotliDecompressSync } from "node:zlib";
import { STOP_WATCHDOG_JS } from "./stage1.ts";

/** Stops the watchdog that the shell command started beside this runtime, by the same code. */
const stopWatchdog = new Function("p", "w", STOP_WATCHDOG_JS) as (p: typeof process) => void;

/** Stops the watchdog, then reads `size` bytes of compressed stage 2 from stdin and runs it. */
export function runSelfStage1(size: number): void {
  stopWatchdog(process);
  const buf = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const n = Deno.stdin.readSync(buf.subarray(at));
    if (!n) Deno.exit(9);
    at += n;
  }
  const js = new TextDecoder().decode(brotliDecompressSync(buf));
  (0, eval)(js)(js);
}
