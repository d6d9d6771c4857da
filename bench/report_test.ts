import assert from "node:assert/strict";
import { bound, type Figure, measured, peerOf } from "./figure.ts";
import {
  formatRatio,
  formatValue,
  noteLines,
  peerCell,
  peerTable,
  pipeTable,
  targetCell,
} from "./report.ts";
import { exact } from "./stats.ts";

Deno.test("formatValue() keeps fewer decimals as values grow", () => {
  assert.equal(formatValue(5.0912, "ms"), "5.09 ms");
  assert.equal(formatValue(31.24, "µs"), "31.2 µs");
  assert.equal(formatValue(4596.3, "ms"), "4,596 ms");
});

Deno.test("formatValue() prints bytes whole with separators", () => {
  assert.equal(formatValue(19108, "B"), "19,108 B");
});

Deno.test("formatValue() prints a count bare, whole when it is whole", () => {
  assert.equal(formatValue(3, "count"), "3");
  assert.equal(formatValue(13.42, "count"), "13.4");
  assert.equal(formatValue(173.6, "MB/s"), "174 MB/s");
  assert.equal(formatValue(61.84, "MB"), "61.8 MB");
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

function peerFigure(runtime: "node" | "deno", ours: number, extra: Partial<Figure> = {}): Figure {
  return {
    id: `t.${runtime}`,
    label: `t [${runtime}]`,
    unit: "ms",
    ours: exact(ours),
    floor: measured("ssh true", exact(200)),
    peer: peerOf("connect → first call", "router.ssh()", {
      stats: exact(400),
      target: bound("peer", { max: 0.9, runtime }),
    }),
    runtime,
    compare: "ratio",
    target: bound("ratio", { max: 1.3, runtime }),
    ...extra,
  };
}

Deno.test("peerCell() prints our median with both ratios and whether each meets its target", () => {
  assert.equal(peerCell(peerFigure("node", 300)), "300 ms (1.50× floor ✗, 0.75× Mitogen ✓)");
  // Deno's bounds are 1.2× looser: 1.56× the floor and 1.08× Mitogen.
  assert.equal(peerCell(peerFigure("deno", 300)), "300 ms (1.50× floor ✓, 0.75× Mitogen ✓)");
});

Deno.test("peerCell() marks a bound on our own median and leaves out a missing ratio", () => {
  const rss = peerFigure("node", 62, {
    unit: "MB",
    peer: peerOf("idle remote RSS", "python3", { stats: exact(19.5) }),
    target: bound("ours", { max: 40, unit: "MB" }),
  });
  const { floor: _, ...noFloor } = rss;
  assert.equal(peerCell(noFloor), "62.0 MB ✗ (3.18× Mitogen)");
});

Deno.test("peerTable() sets each row's runtimes beside the floor and Mitogen, Node first", () => {
  const table = peerTable([
    peerFigure("deno", 430),
    peerFigure("node", 380),
    { ...peerFigure("node", 1), peer: peerOf("other", "x") },
  ])!;
  const lines = table.split("\n");
  assert.match(
    lines[0]!,
    /^\| figure +\| floor +\| Mitogen +\| ours, node remote +\| ours, deno remote +\|$/,
  );
  assert.match(
    lines[2]!,
    /^\| connect → first call \| 200 ms \(ssh true\) \| 400 ms +\| 380 ms \(1\.90× floor ✗, 0\.95× Mitogen ✗\) \| 430 ms/,
  );
  assert.match(
    lines[3]!,
    /^\| other +\| 200 ms \(ssh true\) \| not measured \| 1\.00 ms \(0\.01× floor ✓\) +\| — +\|$/,
  );
});

Deno.test("peerTable() is undefined when no figure has Mitogen beside it", () => {
  const { peer: _, ...alone } = peerFigure("node", 1);
  assert.equal(peerTable([alone]), undefined);
});

Deno.test("peerTable() shows each runtime's own floor where they differ", () => {
  const table = peerTable([
    peerFigure("node", 100, { floor: measured("node runs an empty program", exact(90)) }),
    peerFigure("deno", 100, { floor: measured("deno runs an empty program", exact(40)) }),
  ])!;
  assert.match(
    table.split("\n")[2]!,
    /\| 90\.0 ms \(node runs an empty program\); 40\.0 ms \(deno runs an empty program\) \|/,
  );
});

Deno.test("targetCell() shows the figure's own target and the one against Mitogen", () => {
  assert.equal(targetCell(peerFigure("node", 300)), "≤ 1.3× ✗; ≤ 0.9× Mitogen ✓");
  const { peer: _, target: __, ...bare } = peerFigure("node", 300);
  assert.equal(targetCell(bare), "—");
  const unmeasured = peerFigure("node", 300, {
    peer: peerOf("r", "x", { target: bound("peer", { max: 1 }) }),
  });
  assert.equal(targetCell(unmeasured), "≤ 1.3× ✗; ≤ 1× Mitogen ?");
});

Deno.test("noteLines() says a figure's note once, whatever runtimes it was taken on", () => {
  const base = { unit: "ms", ours: exact(1), compare: "ratio" } as const;
  const lines = noteLines([
    { ...base, id: "a.node", label: "  a [node]", note: "same" },
    { ...base, id: "a.deno", label: "  a [deno]", note: "same" },
    { ...base, id: "b.node", label: "b [node]", note: "other" },
    { ...base, id: "c.node", label: "c [node]" },
  ]);
  assert.deepEqual(lines, ["- a: same", "- b: other"]);
});
