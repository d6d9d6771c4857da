/**
 * Stage 1 inside the compiled binary: a `deno compile` binary cannot run `deno eval`, so for a
 * local context it starts itself with a flag and does what the stage-1 one-liner does, watchdog
 * included.
 *
 * @module
 */

import process from "node:process";
import { brotliDecompressSync } from "node:zlib";
import { RUN_STAGE_JS } from "./run_stage.ts";
import { STOP_WATCHDOG_JS } from "./stage1.ts";
import { HOST_JS } from "./self.ts";

/**
 * Stage 1's own code for stopping the watchdog and running stage 2, as a module: importing it
 * needs no evaluation of strings, which a runtime may refuse (see {@linkcode RUN_STAGE_JS}).
 */
const STAGE1_MODULE = `data:text/javascript,${
  encodeURIComponent(
    `export const stop=(p)=>{var w;${STOP_WATCHDOG_JS}},run=(s)=>{var f;${RUN_STAGE_JS}}`,
  )
}`;

/** Stops the watchdog, then reads `size` bytes of compressed stage 2 from stdin and runs it. */
export async function runSelfStage1(size: number): Promise<void> {
  const stage1: { stop(p: typeof process): void; run(s: string): void } = await import(
    STAGE1_MODULE
  );
  stage1.stop(process);
  const buf = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const n = Deno.stdin.readSync(buf.subarray(at));
    if (!n) Deno.exit(9);
    at += n;
  }
  stage1.run(new TextDecoder().decode(brotliDecompressSync(buf)));
}

/** Deno's call host inside mitoctl's own program (`--mitoctl-host`, see self.ts): the host
 *  program, imported as a module for the same reason as stage 1's. */
export async function runSelfHost(): Promise<void> {
  await import(`data:text/javascript,${encodeURIComponent(HOST_JS)}`);
}
