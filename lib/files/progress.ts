/**
 * How transfers read on a terminal: sizes, rates, a progress line and a per-target summary line.
 * Pure formatting; the CLI decides when to print.
 *
 * @module
 */

import type { Progress, TransferSummary } from "./sync.ts";

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** `1536` → `"1.5 KiB"`; bytes below 1 KiB are whole. */
export function formatBytes(bytes: number): string {
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < UNITS.length - 1) {
    n /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[u]}`;
}

/** Bytes over milliseconds as `"85.2 MB/s"` (MB = 10⁶ bytes, like the benchmarks). */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return "- MB/s";
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
}

/** The line shown while data moves: `"12.0 MiB / 40.0 MiB  30%  85.2 MB/s  3/10 files"`. */
export function progressLine(p: Progress, ms: number): string {
  const pct = p.bytesTotal > 0 ? Math.floor((p.bytesDone / p.bytesTotal) * 100) : 100;
  return `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}  ${pct}%  ` +
    `${formatRate(p.bytesDone, ms)}  ${p.filesDone}/${p.filesTotal} files`;
}

/** One target's outcome: `"web1: 3 sent (1.2 MiB), 120 up to date, 0 deleted in 0.4 s"`. */
export function summaryLine(s: TransferSummary, dryRun = false): string {
  const verb = dryRun ? "to send" : "sent";
  const parts = [
    `${s.sent} ${verb} (${formatBytes(s.bytes)})`,
    `${s.skipped} up to date`,
    `${s.deleted} ${dryRun ? "to delete" : "deleted"}`,
  ];
  if (s.links) parts.push(`${s.links} link${s.links === 1 ? "" : "s"}`);
  if (s.dirs) parts.push(`${s.dirs} new director${s.dirs === 1 ? "y" : "ies"}`);
  if (s.ignored) parts.push(`${s.ignored} special file${s.ignored === 1 ? "" : "s"} ignored`);
  const time = dryRun ? "" : ` in ${(s.ms / 1000).toFixed(1)} s (${formatRate(s.bytes, s.ms)})`;
  return `${s.target}: ${parts.join(", ")}${time}`;
}
