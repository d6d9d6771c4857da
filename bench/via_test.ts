import assert from "node:assert/strict";
import { generateGraph } from "./generated_graph.ts";
import { sentBytes, SHARED_GRAPH_HELPERS } from "./via.ts";

const stats = (bytesSent: number) => ({
  stats: {
    framesSent: 0,
    bytesSent,
    framesReceived: 0,
    bytesReceived: 0,
    modulesSent: 0,
    moduleBytesSent: 0,
    moduleRequests: 0,
  },
});

Deno.test("sentBytes() sums what was written to every context", () => {
  assert.equal(sentBytes([stats(10), stats(32)]), 42);
  assert.equal(sentBytes([]), 0);
});

Deno.test("the graph shared behind a bastion is about 1 MB of source", () => {
  const { bytes } = generateGraph({ helpers: SHARED_GRAPH_HELPERS });
  assert.ok(bytes > 800_000 && bytes < 1_200_000, `${bytes} B`);
});
