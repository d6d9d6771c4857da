import assert from "node:assert/strict";
import { generateGraph } from "./generated_graph.ts";

Deno.test("generateGraph() makes 150 modules of about 11 KB by default", () => {
  const graph = generateGraph();
  const sizes = Object.values(graph.files).map((text) => text.length);
  assert.equal(sizes.length, 150);
  assert.ok(graph.bytes > 1_500_000 && graph.bytes < 1_900_000, `${graph.bytes} B`);
  assert.equal(graph.root, "m000.ts");
});

Deno.test("generateGraph() reaches every module from the root", () => {
  const { files, root } = generateGraph({ count: 40, helpers: 0 });
  const seen = new Set([root]);
  const todo = [root];
  while (todo.length > 0) {
    for (const [, dep] of files[todo.pop()!]!.matchAll(/from "\.\/(m\d+\.ts)"/g)) {
      if (seen.has(dep!)) continue;
      seen.add(dep!);
      todo.push(dep!);
    }
  }
  assert.equal(seen.size, 40);
});

Deno.test("generateGraph() counts bytes as UTF-8", () => {
  const graph = generateGraph({ count: 2, helpers: 1 });
  const text = Object.values(graph.files).join("");
  assert.equal(graph.bytes, new TextEncoder().encode(text).length);
});

Deno.test("generateGraph() refuses an empty graph", () => {
  assert.throws(() => generateGraph({ count: 0 }), {
    name: "RangeError",
    message: "Invalid module count 0: expected a positive integer",
  });
});
