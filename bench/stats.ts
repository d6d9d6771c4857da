/**
 * Summaries of timing samples: median, min and 90th percentile over `n` runs. Pure arithmetic,
 * no clocks, so the tests feed it plain arrays.
 *
 * @module
 */

/** A series of measurements reduced to what the report prints. */
export interface Stats {
  /** How many samples were taken. */
  n: number;
  /** Middle sample (the mean of the two middle ones for an even `n`). */
  median: number;
  /** Smallest sample. */
  min: number;
  /** Sample that 90 % of the others do not exceed (nearest rank). */
  p90: number;
}

/** Reduces `samples` to {@linkcode Stats}. Throws a `RangeError` when there are none. */
export function summarize(samples: readonly number[]): Stats {
  if (samples.length === 0) throw new RangeError("Cannot summarize an empty series of samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const mid = n >> 1;
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  // Nearest rank: the smallest sample with at least 90 % of the series at or below it.
  const p90 = sorted[Math.max(0, Math.ceil(0.9 * n) - 1)]!;
  return { n, median, min: sorted[0]!, p90 };
}

/** Multiplies every figure of `stats` by `factor` (e.g. ms to µs), keeping `n`. */
export function scaleStats(stats: Stats, factor: number): Stats {
  return {
    n: stats.n,
    median: stats.median * factor,
    min: stats.min * factor,
    p90: stats.p90 * factor,
  };
}

/** A single exact value (a byte count, a quoted constant) as a series of one. */
export function exact(value: number): Stats {
  return { n: 1, median: value, min: value, p90: value };
}
