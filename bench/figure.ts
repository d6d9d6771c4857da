/**
 * What one benchmark figure is: our measurement, the floor it is judged against (measured in the
 * same run, or a quoted constant), Mitogen doing the same work in the same turns, the ratios
 * between them and the target the floor ratio should meet. Every group of figures returns these;
 * the report only formats them.
 *
 * @module
 */

import { exact, type Stats } from "./stats.ts";

/** A remote runtime the figures are taken for; the runtime option of the connection. */
export type BenchRuntime = "deno" | "node";

/**
 * Unit a figure is measured in; `"MB"` is resident memory in 10⁶ bytes; `"count"` is a plain
 * number of things (round trips, modules, system calls per call).
 */
export type Unit = "ms" | "µs" | "B" | "MB" | "MB/s" | "count";

/** What a figure is compared with. */
export interface Floor {
  /** What was measured (or quoted): `"ssh mito true"`. */
  label: string;
  /** The floor's series; a quoted constant is a series of one. */
  stats: Stats;
  /** True when the value is quoted from elsewhere, not measured in this run. */
  quoted: boolean;
}

/**
 * Mitogen doing the same work as a figure, measured in the same turns as ours and the floor. The
 * report sets the figures of every runtime that share a `row` beside Mitogen in one table.
 */
export interface Peer {
  /** Row of the table beside Mitogen, the same for each runtime: `"no-op call round trip"`. */
  row: string;
  /** What Mitogen did: `"socket.gethostname via Context.call"`. */
  label: string;
  /** Mitogen's series; absent when Mitogen could not be measured in this run. */
  stats?: Stats;
  /** Bound on ours over Mitogen (`on: "peer"`); absent when there is none. */
  target?: Target;
}

/** Options of {@linkcode peerOf}. */
export interface PeerOptions {
  /** Mitogen's series; default none (Mitogen not measured in this run). */
  stats?: Stats | undefined;
  /** Bound on ours over Mitogen; default none. */
  target?: Target;
}

/** Mitogen's side of the `row` figure, done as `label` says. */
export function peerOf(row: string, label: string, options: PeerOptions = {}): Peer {
  return {
    row,
    label,
    ...(options.stats === undefined ? {} : { stats: options.stats }),
    ...(options.target === undefined ? {} : { target: options.target }),
  };
}

/** The bound a figure should stay within. */
export interface Target {
  /** As printed: `"≤ 1.2×"`. */
  text: string;
  /**
   * Which number the bound applies to: the ratio (or speedup) to the floor, our median, or the
   * ratio to Mitogen.
   */
  on: "ratio" | "ours" | "peer";
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
  /** Mitogen doing the same work; absent where the figure has no counterpart in Mitogen. */
  peer?: Peer;
  /** Remote runtime of our measurement, for figures taken once per runtime. */
  runtime?: BenchRuntime;
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

/** Ours over Mitogen's median (Mitogen's over ours for a speedup); undefined without Mitogen. */
export function peerRatioOf(figure: Figure): number | undefined {
  const peer = figure.peer?.stats?.median;
  if (peer === undefined) return undefined;
  const ours = figure.ours.median;
  return figure.compare === "speedup" ? peer / ours : ours / peer;
}

/**
 * Whether the figure meets `target` (default: its own); undefined when there is no target or
 * the number it bounds is missing.
 */
export function targetMet(figure: Figure, target = figure.target): boolean | undefined {
  if (target === undefined) return undefined;
  const value = target.on === "ours"
    ? figure.ours.median
    : target.on === "peer"
    ? peerRatioOf(figure)
    : ratioOf(figure);
  if (value === undefined) return undefined;
  return value <= (target.max ?? Infinity) && value >= (target.min ?? -Infinity);
}

/**
 * How much further from a target a Deno remote may land than a Node one: the targets are set
 * for Node, and Deno is to come within 1.2× of them.
 */
export const DENO_SLACK = 1.2;

/** Options of {@linkcode bound}. */
export interface BoundOptions {
  /** Upper bound, for Node; default none. */
  max?: number;
  /** Lower bound, for Node; default none. */
  min?: number;
  /** Runtime the figure is for; Deno's bound is {@linkcode DENO_SLACK} looser. Default Node. */
  runtime?: BenchRuntime | undefined;
  /** Unit printed after a bound on our median; default none. */
  unit?: Unit;
}

/**
 * A target on `on` with its text (`"≤ 1.3×"`, `"≤ 0.7× Mitogen"`, `"≤ 40 MB"`), loosened for Deno
 * by {@linkcode DENO_SLACK}.
 */
export function bound(on: Target["on"], options: BoundOptions): Target {
  const slack = options.runtime === "deno" ? DENO_SLACK : 1;
  const max = options.max === undefined ? undefined : options.max * slack;
  const min = options.min === undefined ? undefined : options.min / slack;
  const value = max ?? min;
  if (value === undefined) throw new TypeError("Cannot make a target without max or min");
  const number = Number(value.toFixed(2)).toString();
  const suffix = on === "ours" ? (options.unit ? ` ${options.unit}` : "") : "×";
  const text = `${max === undefined ? "≥" : "≤"} ${number}${suffix}${
    on === "peer" ? " Mitogen" : ""
  }`;
  return { text, on, ...(max === undefined ? {} : { max }), ...(min === undefined ? {} : { min }) };
}

/** A constant quoted from elsewhere, as a floor. */
export function quoted(label: string, value: number): Floor {
  return { label, stats: exact(value), quoted: true };
}

/** A measured series, as a floor. */
export function measured(label: string, stats: Stats): Floor {
  return { label, stats, quoted: false };
}
