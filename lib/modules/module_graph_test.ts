import assert from "node:assert/strict";
import { dependencyOrder, type GraphNode } from "./module_graph.ts";

function graph(edges: Record<string, string[]>): Map<string, GraphNode> {
  return new Map(Object.entries(edges).map(([url, deps]) => [url, { deps }]));
}

Deno.test("dependencyOrder() puts dependencies first and the root last", () => {
  const nodes = graph({ main: ["a", "b"], a: ["c"], b: ["c"], c: [] });
  assert.deepEqual(dependencyOrder("main", nodes), ["c", "a", "b", "main"]);
});

Deno.test("dependencyOrder() visits a cycle once", () => {
  const nodes = graph({ a: ["b"], b: ["a"] });
  assert.deepEqual(dependencyOrder("a", nodes), ["b", "a"]);
});

Deno.test("dependencyOrder() skips unknown URLs and unreachable nodes", () => {
  const nodes = graph({ a: ["missing"], lonely: [] });
  assert.deepEqual(dependencyOrder("a", nodes), ["a"]);
  assert.deepEqual(dependencyOrder("nowhere", nodes), []);
});

Deno.test("dependencyOrder() handles a chain deeper than the call stack", () => {
  const edges: Record<string, string[]> = {};
  for (let i = 0; i < 100_000; i++) edges[`m${i}`] = i + 1 < 100_000 ? [`m${i + 1}`] : [];
  const order = dependencyOrder("m0", graph(edges));
  assert.equal(order.length, 100_000);
  assert.equal(order[0], "m99999");
});
