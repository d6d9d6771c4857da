/**
 * Formats a run: machine facts, then the figures that have Mitogen beside them (`figure | floor |
 * Mitogen | ours, node | ours, deno`, each of ours with both ratios), then every figure as a pipe
 * table (`figure | ours | floor | ratio | target`, readable in a terminal and valid Markdown),
 * then the spread of every series. Or the same as JSON.
 *
 * @module
 */

import { type Figure, peerRatioOf, ratioOf, type Target, targetMet, type Unit } from "./figure.ts";
import type { RunCounts } from "./group.ts";
import type { MachineFacts } from "./machine.ts";
import type { Stats } from "./stats.ts";

/** A group of figures that could not be taken, and why. */
export interface GroupFailure {
  group: string;
  message: string;
}

/** Everything one run produced. */
export interface BenchRun {
  machine: MachineFacts;
  counts: RunCounts;
  figures: Figure[];
  /** Wall seconds the whole run took. */
  seconds: number;
  /** Load averages when the run ended. */
  loadAtEnd: string;
  /** Groups that failed; their figures are missing. */
  failures: GroupFailure[];
}

/** A number in `unit`, with as many decimals as its size deserves. */
export function formatValue(value: number, unit: Unit): string {
  const whole = unit === "B" || (unit === "count" && Number.isInteger(value));
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

/** Order of the runtime columns beside Mitogen: Node first, as the targets have them. */
const PEER_COLUMNS = ["node", "deno"] as const;

/**
 * The table beside Mitogen: one row per `peer.row`, in the order the rows first appear, with the
 * floor, Mitogen and each runtime's median and ratios (`1.61× floor ✗, 1.12× Mitogen ✓`; a mark
 * where a target bounds that ratio). Undefined when no figure has Mitogen beside it.
 */
export function peerTable(figures: readonly Figure[]): string | undefined {
  const rows = new Map<string, Figure[]>();
  for (const f of figures) {
    if (f.peer !== undefined) rows.set(f.peer.row, [...rows.get(f.peer.row) ?? [], f]);
  }
  if (rows.size === 0) return undefined;
  const runtimes = PEER_COLUMNS.filter((r) => figures.some((f) => f.peer && f.runtime === r));
  const table = [["figure", "floor", "Mitogen", ...runtimes.map((r) => `ours, ${r} remote`)]];
  for (const [row, group] of rows) {
    const first = group[0]!;
    // Runtimes may have floors of their own (each runtime's empty program): show each once.
    const floors = new Map(
      runtimes.flatMap((r) => group.filter((f) => f.runtime === r && f.floor))
        .map((f) => [f.floor!.label, f.floor!]),
    );
    const mitogen = first.peer!.stats;
    table.push([
      row,
      [...floors.values()].map((floor) =>
        `${formatValue(floor.stats.median, first.unit)} (${floor.label})`
      ).join("; ") || "—",
      mitogen ? formatValue(mitogen.median, first.unit) : "not measured",
      ...runtimes.map((r) => {
        const f = group.find((g) => g.runtime === r);
        return f === undefined ? "—" : peerCell(f);
      }),
    ]);
  }
  return pipeTable(table);
}

/** `378 ms (1.61× floor ✗, 1.12× Mitogen ✓)`: our median, its ratios and their targets. */
export function peerCell(figure: Figure): string {
  const ratios: string[] = [];
  const ratio = ratioOf(figure);
  const onRatio = figure.target?.on === "ratio" ? figure.target : undefined;
  if (ratio !== undefined) ratios.push(`${ratio.toFixed(2)}× floor${mark(figure, onRatio)}`);
  const peerRatio = peerRatioOf(figure);
  if (peerRatio !== undefined) {
    ratios.push(`${peerRatio.toFixed(2)}× Mitogen${mark(figure, figure.peer?.target)}`);
  }
  const onOurs = figure.target?.on === "ours" ? figure.target : undefined;
  const value = `${formatValue(figure.ours.median, figure.unit)}${mark(figure, onOurs)}`;
  return ratios.length === 0 ? value : `${value} (${ratios.join(", ")})`;
}

/** ` ✓` or ` ✗` where `target` bounds a number the figure has; else nothing. */
function mark(figure: Figure, target: Target | undefined): string {
  // Without a target, targetMet() would judge the figure's own: say nothing instead.
  if (target === undefined) return "";
  const met = targetMet(figure, target);
  return met === undefined ? "" : met ? " ✓" : " ✗";
}

/** Rows padded into an aligned pipe table whose first row is the header. */
export function pipeTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, col) => cell.padEnd(widths[col]!)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n");
}

/** The notes under the tables: one line per figure's note, once for all runtimes. */
export function noteLines(figures: readonly Figure[]): string[] {
  const lines = figures.filter((f) => f.note !== undefined).map((f) =>
    `- ${f.label.trim().replace(/ \[[^\]]*\]$/, "")}: ${f.note}`
  );
  return [...new Set(lines)];
}

/** The human report: facts, the figure table, the spread table and notes. */
export function renderText(run: BenchRun): string {
  const { machine, counts, figures } = run;
  const remote = Object.values(machine.remote).join(", ");
  const header = [
    `- date: ${machine.date}`,
    `- machine: ${machine.cpus} CPUs, ${machine.model}, Linux ${machine.kernel}; ` +
    `load average ${machine.load} at the start, ${run.loadAtEnd} at the end`,
    `- master: deno ${machine.deno}; remote over ssh to a loopback sshd: ${remote}`,
    `- Mitogen: ${machine.mitogen}`,
    `- ssh: ${machine.openssh}; ${machine.kex}`,
    `- samples: ${counts.connects} connections a figure; ${counts.calls} calls after ` +
    `${counts.warmupCalls} warm-up; ${counts.batches}× batches of ${counts.batchSize}; ` +
    `${counts.graphs} module graphs; ${counts.transfers} bulk transfers and streams; ` +
    `${counts.hops} starts through a bastion; ${counts.behindBastion} contexts behind it; ` +
    `${counts.fanouts}× fan-outs of ${counts.fanout.join(" and ")}; ` +
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
  const notes = noteLines(figures);
  const besideMitogen = peerTable(figures);
  const peerTargets = figures.some((f) => f.peer && (f.peer.target || f.target));
  const rowsByLabel = new Map<string, Set<string>>();
  for (const { peer } of figures) {
    if (peer) rowsByLabel.set(peer.label, (rowsByLabel.get(peer.label) ?? new Set()).add(peer.row));
  }
  const peerNotes = [...rowsByLabel].map(([label, rows]) =>
    `- ${[...rows].join("; ")}: Mitogen's side is ${label}`
  );
  const failed = run.failures.map((f) => `- ${f.group}: ${f.message}`);
  return [
    header.join("\n"),
    ...(failed.length === 0
      ? []
      : [`Groups that failed, whose figures are missing:\n${failed.join("\n")}`]),
    ...(besideMitogen === undefined ? [] : [
      "Beside Mitogen: medians, the floor, Mitogen and ours sampled in turns whose order rotates " +
      "each round. Ratios are ours ÷ floor and ours ÷ Mitogen: below 1 is faster for times, " +
      "above 1 is faster for MB/s." +
      (peerTargets
        ? " ✓/✗: the target on that ratio (Deno gets 1.2× more room) is met or not."
        : ""),
      besideMitogen,
      peerNotes.join("\n"),
    ]),
    "Every figure. Medians. Ratio is ours ÷ floor; a speedup is floor ÷ ours. Floors marked " +
    "quoted come from DESIGN.md, every other floor was measured in this run against the same sshd.",
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
      peerRatio: peerRatioOf(f) ?? null,
      peerMet: f.peer?.target ? targetMet(f, f.peer.target) ?? null : null,
    })),
  };
}

/** The figure's targets, its own and the one on its ratio to Mitogen: `≤ 1.3× ✗; ≤ 0.9× Mitogen ✓`. */
export function targetCell(figure: Figure): string {
  const targets = [figure.target, figure.peer?.target].filter((t) => t !== undefined);
  if (targets.length === 0) return "—";
  return targets.map((target) => {
    const met = targetMet(figure, target);
    return `${target.text} ${met === undefined ? "?" : met ? "✓" : "✗"}`;
  }).join("; ");
}

function spreadCells(stats: Stats, unit: Unit): string[] {
  return [
    `${stats.n}`,
    formatValue(stats.median, unit),
    formatValue(stats.min, unit),
    formatValue(stats.p90, unit),
  ];
}
