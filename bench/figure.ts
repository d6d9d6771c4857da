/**
 * What one benchmark figure is: our measurement, the floor it is judged against (measured in the
 * same run, or a quoted constant), the ratio between the two and the target that ratio should
 * meet. Every group of figures returns these; the report only formats them.
 *
 * @module
 */

import { exact, type Stats } from "./stats.ts";

/** Unit a figure is measured in; `"count"` is a plain number of things (round trips, modules). */
export type Unit = "ms" | "µs" | "B" | "MB/s" | "count";

/** What a figure is compared with. */
export interface Floor {
  /** What was measured (or quoted): `"ssh mito true"`. */
  label: string;
  /** The floor's series; a quoted constant is a series of one. */
  stats: Stats;
  /** True when the value is quoted from elsewhere, not measured in this run. */
  quoted: boolean;
}

/** The bound a figure should stay within. */
export interface Target {
  /** As printed: `"≤ 1.2×"`. */
  text: string;
  /** Which number the bound applies to: the ratio (or speedup) to the floor, or our median. */
  on: "ratio" | "ours";
  /** Upper bound on that number; default none. */
  max?: number;
  /** Lower bound on that number; default none. */
  min?: number;
}

/** One row of the report. */
export interface Figure {
  /** Stable key for JSON consumers: `"connect.open.deno"`. */
  id: string;
  /** Row label: `"connect→first call, open() [deno]"`. */
  label: string;
  unit: Unit;
  /** Our measurement. */
  ours: Stats;
  /** What `ours` is compared with; absent for figures shown for information. */
  floor?: Floor;
  /** How the ratio reads: `ours / floor` ("ratio"), or `floor / ours` ("speedup"). */
  compare: "ratio" | "speedup";
  /** Absent when the figure has no target. */
  target?: Target;
  /** A short remark printed under the table. */
  note?: string;
}

/** The figure's ratio: median over median, inverted for a speedup; undefined without a floor. */
export function ratioOf(figure: Figure): number | undefined {
  if (figure.floor === undefined) return undefined;
  const ours = figure.ours.median;
  const floor = figure.floor.stats.median;
  return figure.compare === "speedup" ? floor / ours : ours / floor;
}

/** Whether the figure meets its target; undefined when it has none or lacks the numbers. */
export function targetMet(figure: Figure): boolean | undefined {
  const target = figure.target;
  if (target === undefined) return undefined;
  const value = target.on === "ours" ? figure.ours.median : ratioOf(figure);
  if (value === undefined) return undefined;
  return value <= (target.max ?? Infinity) && value >= (target.min ?? -Infinity);
}

/** A constant quoted from elsewhere, as a floor. */
export function quoted(label: string, value: number): Floor {
  return { label, stats: exact(value), quoted: true };
}

/** A measured series, as a floor. */
export function measured(label: string, stats: Stats): Floor {
  return { label, stats, quoted: false };
}
