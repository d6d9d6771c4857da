/**
 * Stage 1 inside the compiled binary: a `deno compile` binary cannot run `deno eval`, so for a
 * local context it starts itself with a flag and does what the stage-1 one-liner does.
 *
 * @module
 */

import { brotliDecompressSync } from "node:zlib";
import { encodeBase64 } from "../wire/base64.ts";

/** Reads `size` bytes of compressed stage 2 from stdin and runs it. */
export async function runSelfStage1(size: number): Promise<void> {
  const buf = new Uint8Array(size);
  for (let at = 0; at < size;) {
    const n = Deno.stdin.readSync(buf.subarray(at));
    if (!n) Deno.exit(9);
    at += n;
  }
  const js = brotliDecompressSync(buf);
  await import(`data:text/javascript;base64,${encodeBase64(js)}`);
}
