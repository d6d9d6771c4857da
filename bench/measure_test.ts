import assert from "node:assert/strict";
import { each, interleaved, keep, rotated, type Sampler, timed } from "./measure.ts";

/** A source that records its name once per sample and returns `value`. */
function recorder(order: string[], name: string, value = 1): Sampler {
  return each(() => Promise.resolve(order.push(name)).then(() => value));
}

Deno.test("interleaved() takes n samples of each source in turns of a block", async () => {
  const order: string[] = [];
  const sources = new Map([["a", recorder(order, "a")], ["b", recorder(order, "b")]]);
  const samples = await interleaved(sources, { n: 5, warmup: 1, block: 2 });
  assert.equal(samples.get("a")?.length, 5);
  assert.equal(samples.get("b")?.length, 5);
  // Warm-up a, b; then rounds of two samples each, the second round starting with b.
  assert.deepEqual(order, ["a", "b", "a", "a", "b", "b", "b", "b", "a", "a", "a", "b"]);
});

Deno.test("interleaved() starts each round one source later than the last", async () => {
  const order: string[] = [];
  const sources = new Map(["a", "b", "c"].map((k) => [k, recorder(order, k)]));
  const rounds: string[] = [];
  await interleaved(sources, { n: 4, onRound: (r, of) => rounds.push(`${r}/${of}`) });
  assert.deepEqual(order.join(""), "abcbcacababc");
  assert.deepEqual(rounds, ["0/4", "1/4", "2/4", "3/4"]);
});

Deno.test("interleaved() keeps what each source measured, without the warm-up", async () => {
  let next = 0;
  const counting: Sampler = (count) => Promise.resolve(Array.from({ length: count }, () => next++));
  const samples = await interleaved(new Map([["x", counting]]), { n: 3, warmup: 2 });
  assert.deepEqual(samples.get("x"), [2, 3, 4]);
});

Deno.test("rotated() wraps around and tolerates an empty list", () => {
  assert.deepEqual(rotated([1, 2, 3], 4), [2, 3, 1]);
  assert.deepEqual(rotated([], 2), []);
});

Deno.test("timed() returns one wall time per sample", async () => {
  let runs = 0;
  const samples = await timed(() => Promise.resolve(runs++))(3);
  assert.equal(runs, 3);
  assert.equal(samples.length, 3);
  assert.ok(samples.every((ms) => ms >= 0 && Number.isFinite(ms)), `${samples}`);
});

Deno.test("keep() starts a series and appends to it", () => {
  const series = new Map<string, number[]>();
  keep(series, "a", 1);
  keep(series, "a", 2);
  keep(series, "b", 3);
  assert.deepEqual([...series], [["a", [1, 2]], ["b", [3]]]);
});
