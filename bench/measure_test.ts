import assert from "node:assert/strict";
import { interleavedRuns } from "./measure.ts";

Deno.test("interleavedRuns() takes n samples of each source in turns", async () => {
  const order: string[] = [];
  const source = (name: string) => () => Promise.resolve(order.push(name));
  const sources = new Map([["a", source("a")], ["b", source("b")]]);
  const samples = await interleavedRuns(sources, 5, 1, 2);
  assert.equal(samples.get("a")?.length, 5);
  assert.equal(samples.get("b")?.length, 5);
  assert.deepEqual(order, ["a", "b", "a", "a", "b", "b", "a", "a", "b", "b", "a", "b"]);
});
