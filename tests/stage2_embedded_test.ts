import assert from "node:assert/strict";
import { bundleStage2, renderEmbedded } from "../bootstrap/build.ts";
import { STAGE2_LIMIT } from "../lib/limits.ts";
import { stage2Bytes } from "../lib/stage/stage2_bytes.ts";

Deno.test("the embedded remote stage is the bundle of bootstrap/ as it is now", async () => {
  const parent = new URL("../bootstrap/parent.ts", import.meta.url);
  const fresh = renderEmbedded(await bundleStage2(), await bundleStage2(parent));
  const committed = await Deno.readTextFile(
    new URL("../lib/stage/stage2_embedded.ts", import.meta.url),
  );
  assert.ok(committed === fresh, "lib/stage/stage2_embedded.ts is stale: run `deno task bundle`");
});

Deno.test("the compressed remote stage stays within its size budget", () => {
  const size = stage2Bytes().length;
  assert.ok(size <= STAGE2_LIMIT, `stage 2 is ${size} bytes, over ${STAGE2_LIMIT}`);
});

Deno.test("the README quotes the compressed stage's size as it is now", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const quoted = [...readme.matchAll(/([\d,]+) B (?:of )?brotli/g)].map((m) => m[1]);
  assert.ok(quoted.length >= 2, "the README quotes the stage's size");
  const size = stage2Bytes().length.toLocaleString("en-US");
  assert.deepStrictEqual(quoted, quoted.map(() => size));
});
