import assert from "node:assert/strict";
import { brotliDecompressSync } from "node:zlib";
import { asFunction, bundleStage2, renderEmbedded, SOURCE_PARAMETER } from "../bootstrap/build.ts";
import { DEFAULT_CONNECT_TIMEOUT, STAGE1_LIMIT, STAGE2_LIMIT } from "../lib/limits.ts";
import { stage2Bytes } from "../lib/stage/stage2_bytes.ts";
import { remoteCommand } from "../lib/stage/stage1.ts";

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

Deno.test("the embedded stage is one function expression that imports and exports nothing", () => {
  const js = new TextDecoder().decode(brotliDecompressSync(stage2Bytes()));
  assert.ok(js.startsWith(`(function(${SOURCE_PARAMETER}){"use strict";`), js.slice(0, 60));
  assert.ok(js.endsWith("})\n//# sourceURL=mitoctl-stage2.js\n"), js.slice(-60));
  // Evaluated as stage 1 evaluates it, without calling it: a function of one parameter.
  const stage = (0, eval)(js);
  assert.equal(typeof stage, "function");
  assert.equal(stage.length, 1);
});

Deno.test("asFunction() refuses a bundle that a script could not run", () => {
  for (
    const js of ['import"node:fs";', 'import{a}from"./a.js";', "export{a};", "let a;export{a};"]
  ) {
    assert.throws(() => asFunction(js), /must import and export nothing/, js);
  }
  assert.throws(() => asFunction("f(import.meta.url)"), /must import and export nothing/);
  // A dynamic import and names that merely contain the words are fine.
  assert.match(asFunction('import("node:os");let exported=1,important=2;'), /^\(function/);
  assert.match(asFunction("f();\n  imported.set(1);\n  exported = 2;"), /^\(function/);
});

Deno.test("the README and the protocol notes quote stage 1's limit as it is now", async () => {
  for (const file of ["../README.md", "../docs/protocol.md"]) {
    const text = await Deno.readTextFile(new URL(file, import.meta.url));
    const quoted = [...text.matchAll(/(\d+) bytes at\s+most|at most (\d+) bytes|≤ (\d+) bytes/g)]
      .map((m) => Number(m[1] ?? m[2] ?? m[3]));
    assert.ok(quoted.length >= 1, `${file} quotes stage 1's limit`);
    assert.deepStrictEqual(quoted, quoted.map(() => STAGE1_LIMIT), file);
  }
});

Deno.test("the README quotes stage 1's command sizes as they are now", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const quoted = /ours: (\d+) B with runtime detection, (\d+) B for Node, (\d+) B for Deno/.exec(
    readme.replace(/\s+/g, " "),
  );
  assert.ok(quoted, "the README quotes stage 1's sizes");
  const size = stage2Bytes().length;
  // With the default connect timeout, which the watchdog's count of seconds holds.
  const lengths = ["auto", "node", "deno"].map((r) =>
    remoteCommand(r, size, DEFAULT_CONNECT_TIMEOUT).length
  );
  assert.deepStrictEqual(quoted.slice(1).map(Number), lengths);
});
