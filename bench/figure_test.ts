import assert from "node:assert/strict";
import { bound, type Figure, measured, peerRatioOf, quoted, ratioOf, targetMet } from "./figure.ts";
import { exact } from "./stats.ts";

function figure(ours: number, floor: number, extra: Partial<Figure> = {}): Figure {
  return {
    id: "t",
    label: "t",
    unit: "ms",
    ours: exact(ours),
    floor: measured("floor", exact(floor)),
    compare: "ratio",
    ...extra,
  };
}

Deno.test("ratioOf() divides our median by the floor's", () => {
  assert.equal(ratioOf(figure(300, 200)), 1.5);
});

Deno.test("ratioOf() inverts the ratio for a speedup", () => {
  assert.equal(ratioOf(figure(50, 1000, { compare: "speedup" })), 20);
});

Deno.test("ratioOf() is undefined without a floor", () => {
  const { floor: _, ...bare } = figure(1, 1);
  assert.equal(ratioOf(bare), undefined);
});

Deno.test("targetMet() checks the ratio against its bound", () => {
  const target = { text: "≤ 1.2×", on: "ratio", max: 1.2 } as const;
  assert.equal(targetMet(figure(230, 200, { target })), true);
  assert.equal(targetMet(figure(250, 200, { target })), false);
});

Deno.test("targetMet() checks our median when the target is on ours", () => {
  const target = { text: "≤ 270 ms", on: "ours", max: 270 } as const;
  assert.equal(targetMet(figure(260, 10, { target })), true);
  assert.equal(targetMet(figure(280, 1000, { target })), false);
});

Deno.test("targetMet() honours a lower bound", () => {
  const target = { text: "> 1×", on: "ratio", min: 1 } as const;
  assert.equal(targetMet(figure(10, 100, { compare: "speedup", target })), true);
  assert.equal(targetMet(figure(100, 10, { compare: "speedup", target })), false);
});

Deno.test("targetMet() is undefined without a target", () => {
  assert.equal(targetMet(figure(1, 1)), undefined);
});

Deno.test("quoted() marks a constant as not measured", () => {
  assert.deepEqual(quoted("Mitogen", 838), { label: "Mitogen", stats: exact(838), quoted: true });
});

Deno.test("peerRatioOf() divides ours by Mitogen's median, inverted for a speedup", () => {
  const peer = { row: "r", label: "Mitogen", stats: exact(400) };
  assert.equal(peerRatioOf(figure(300, 1, { peer })), 0.75);
  assert.equal(peerRatioOf(figure(800, 1, { peer, compare: "speedup" })), 0.5);
});

Deno.test("peerRatioOf() is undefined when Mitogen was not measured", () => {
  assert.equal(peerRatioOf(figure(1, 1, { peer: { row: "r", label: "Mitogen" } })), undefined);
  assert.equal(peerRatioOf(figure(1, 1)), undefined);
});

Deno.test("targetMet() checks a bound on the ratio to Mitogen", () => {
  const target = bound("peer", { max: 0.7 });
  const peer = { row: "r", label: "Mitogen", stats: exact(400) };
  assert.equal(targetMet(figure(270, 100, { peer }), target), true);
  assert.equal(targetMet(figure(290, 100, { peer }), target), false);
  assert.equal(targetMet(figure(290, 100), target), undefined);
});

Deno.test("bound() writes the bound it checks, Mitogen's and our unit included", () => {
  assert.deepEqual(bound("ratio", { max: 1.3 }), { text: "≤ 1.3×", on: "ratio", max: 1.3 });
  assert.equal(bound("peer", { max: 0.9 }).text, "≤ 0.9× Mitogen");
  assert.equal(bound("ours", { max: 40, unit: "MB" }).text, "≤ 40 MB");
  assert.equal(bound("ratio", { min: 0.8 }).text, "≥ 0.8×");
});

Deno.test("bound() gives a Deno remote 1.2× more room either way", () => {
  const slower = bound("peer", { max: 0.7, runtime: "deno" });
  assert.equal(slower.text, "≤ 0.84× Mitogen");
  assert.ok(Math.abs(slower.max! - 0.84) < 1e-9);
  const thinner = bound("ratio", { min: 0.8, runtime: "deno" });
  assert.equal(thinner.text, "≥ 0.67×");
  assert.ok(Math.abs(thinner.min! - 0.8 / 1.2) < 1e-9);
  assert.equal(bound("ratio", { max: 2, runtime: "node" }).max, 2);
});

Deno.test("bound() refuses a target without a bound", () => {
  assert.throws(() => bound("ratio", {}), {
    name: "TypeError",
    message: "Cannot make a target without max or min",
  });
});
