/**
 * Formats a run: machine facts, then the figures as a pipe table (`figure | ours | floor |
 * ratio | target`, readable in a terminal and valid Markdown), then the spread of every series.
 * Or the same as JSON.
 *
 * @module
 */

import { type Figure, ratioOf, targetMet, type Unit } from "./figure.ts";
import type { RunCounts } from "./group.ts";
import type { MachineFacts } from "./machine.ts";
import type { Stats } from "./stats.ts";

/** Everything one run produced. */
export interface BenchRun {
  machine: MachineFacts;
  counts: RunCounts;
  figures: Figure[];
  /** Wall seconds the whole run took. */
  seconds: number;
}

/** A number in `unit`, with as many decimals as its size deserves. */
export function formatValue(value: number, unit: Unit): string {
  const whole = unit === "B" || unit === "count";
  const digits = whole || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return unit === "count" ? text : `${text} ${unit}`;
}

/** The ratio cell: `1.13×`, or `87.2× faster` for a speedup, or `—`. */
export function formatRatio(figure: Figure): string {
  const ratio = ratioOf(figure);
  if (ratio === undefined) return "—";
  return figure.compare === "speedup" ? `${ratio.toFixed(1)}× faster` : `${ratio.toFixed(2)}×`;
}

/** Rows padded into an aligned pipe table whose first row is the header. */
export function pipeTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n");
}

/** The human report: facts, the figure table, the spread table and notes. */
export function renderText(run: BenchRun): string {
  const { machine, counts, figures } = run;
  const remote = Object.values(machine.remote).join(", ");
  const header = [
    `- date: ${machine.date}`,
    `- machine: ${machine.cpus} CPUs, ${machine.model}, Linux ${machine.kernel}; ` +
    `load average ${machine.load} at the start`,
    `- master: deno ${machine.deno}; remote over ssh to a loopback sshd: ${remote}`,
    `- ssh: ${machine.openssh}; ${machine.kex}`,
    `- samples: ${counts.connects} connections a figure; ${counts.calls} calls after ` +
    `${counts.warmupCalls} warm-up; ${counts.batches}× batches of ${counts.batchSize}; ` +
    `${counts.graphs} module graphs; ${counts.transfers} bulk transfers and streams; ` +
    `${counts.hops} starts through a bastion; ${counts.behindBastion} contexts behind it; ` +
    `${counts.fanouts}× fan-out of ${counts.fanout}; ` +
    `whole run ${run.seconds.toFixed(0)} s`,
  ];
  const main = [
    ["figure", "ours", "floor", "ratio", "target"],
    ...figures.map((f) => [
      f.label,
      formatValue(f.ours.median, f.unit),
      f.floor ? `${formatValue(f.floor.stats.median, f.unit)} (${f.floor.label})` : "—",
      formatRatio(f),
      targetCell(f),
    ]),
  ];
  const spread = [
    ["figure", "n", "median", "min", "p90", "floor n", "floor median", "floor min", "floor p90"],
    ...figures.filter((f) => f.ours.n > 1 || (f.floor && !f.floor.quoted)).map((f) => [
      f.label,
      ...spreadCells(f.ours, f.unit),
      ...(f.floor && !f.floor.quoted ? spreadCells(f.floor.stats, f.unit) : ["", "", "", ""]),
    ]),
  ];
  const notes = figures.filter((f) => f.note !== undefined).map((f) =>
    `- ${f.label.trim()}: ${f.note}`
  );
  return [
    header.join("\n"),
    "Medians. Ratio is ours ÷ floor; a speedup is floor ÷ ours. Floors marked quoted come " +
    "from DESIGN.md, every other floor was measured in this run against the same sshd.",
    pipeTable(main),
    "Spread of each series (median, min and 90th percentile over n samples):",
    pipeTable(spread),
    ...(notes.length ? [notes.join("\n")] : []),
  ].join("\n\n") + "\n";
}

/** The run as plain JSON data: each figure with its ratio and whether it met its target. */
export function toJson(run: BenchRun): unknown {
  return {
    ...run,
    figures: run.figures.map((f) => ({
      ...f,
      ratio: ratioOf(f) ?? null,
      met: targetMet(f) ?? null,
    })),
  };
}

function targetCell(figure: Figure): string {
  if (figure.target === undefined) return "—";
  const met = targetMet(figure);
  return `${figure.target.text} ${met === undefined ? "?" : met ? "✓" : "✗"}`;
}

function spreadCells(stats: Stats, unit: Unit): string[] {
  return [
    `${stats.n}`,
    formatValue(stats.median, unit),
    formatValue(stats.min, unit),
    formatValue(stats.p90, unit),
  ];
}
