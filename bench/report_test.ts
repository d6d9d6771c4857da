import assert from "node:assert/strict";
import { measured } from "./figure.ts";
import { formatRatio, formatValue, pipeTable } from "./report.ts";
import { exact } from "./stats.ts";

Deno.test("formatValue() keeps fewer decimals as values grow", () => {
  assert.equal(formatValue(5.0912, "ms"), "5.09 ms");
  assert.equal(formatValue(31.24, "µs"), "31.2 µs");
  assert.equal(formatValue(4596.3, "ms"), "4,596 ms");
});

Deno.test("formatValue() prints bytes whole with separators", () => {
  assert.equal(formatValue(19108, "B"), "19,108 B");
});

Deno.test("formatValue() prints a count as a bare whole number", () => {
  assert.equal(formatValue(3, "count"), "3");
  assert.equal(formatValue(173.6, "MB/s"), "174 MB/s");
});

Deno.test("formatRatio() prints a speedup as times faster", () => {
  const base = { id: "t", label: "t", unit: "ms", ours: exact(50) } as const;
  const floor = measured("ssh", exact(1000));
  assert.equal(formatRatio({ ...base, floor, compare: "ratio" }), "0.05×");
  assert.equal(formatRatio({ ...base, floor, compare: "speedup" }), "20.0× faster");
  assert.equal(formatRatio({ ...base, compare: "ratio" }), "—");
});

Deno.test("pipeTable() pads columns and rules the header", () => {
  assert.equal(
    pipeTable([["figure", "ours"], ["connect", "1 ms"]]),
    "| figure  | ours |\n| ------- | ---- |\n| connect | 1 ms |",
  );
});
