import assert from "node:assert/strict";
import { type Figure, measured, quoted, ratioOf, targetMet } from "./figure.ts";
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
