import assert from "node:assert/strict";
import { exact, scaleStats, summarize } from "./stats.ts";

Deno.test("summarize() takes the middle sample of an odd series", () => {
  assert.deepEqual(summarize([5, 1, 3]), { n: 3, median: 3, min: 1, p90: 5 });
});

Deno.test("summarize() averages the two middle samples of an even series", () => {
  assert.equal(summarize([4, 1, 3, 2]).median, 2.5);
});

Deno.test("summarize() picks the 90th percentile by nearest rank", () => {
  const samples = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(summarize(samples).p90, 18);
  assert.equal(summarize([7]).p90, 7);
});

Deno.test("summarize() leaves its input unsorted", () => {
  const samples = [3, 1, 2];
  summarize(samples);
  assert.deepEqual(samples, [3, 1, 2]);
});

Deno.test("summarize() refuses an empty series", () => {
  assert.throws(() => summarize([]), {
    name: "RangeError",
    message: "Cannot summarize an empty series of samples",
  });
});

Deno.test("scaleStats() scales every figure but the count", () => {
  assert.deepEqual(scaleStats({ n: 4, median: 2, min: 1, p90: 3 }, 1000), {
    n: 4,
    median: 2000,
    min: 1000,
    p90: 3000,
  });
});

Deno.test("exact() is a series of one", () => {
  assert.deepEqual(exact(838), { n: 1, median: 838, min: 838, p90: 838 });
});
