/**
 * The CLI's report of a fleet run: one stdout line (or JSON object) per host as it finishes, a
 * live progress line on a terminal, and a summary naming the failed hosts.
 *
 * A command built on it (sketch):
 *
 * Not run by the doc tests: it needs an inventory and remote hosts; tests/readme_test.ts
 * type-checks it.
 * ```ts ignore
 * import { planFleet } from "../fleet/fanout.ts";
 *
 * const hosts = await planFleet(["@web"], { inventory: "hosts.ini", connect: {} });
 * const code = await runFleet(router, hosts, (ctx) => ctx.call("node:os", "uptime"), {
 *   forks: 20,
 *   console: terminalConsole(),
 * });
 * ```
 *
 * @module
 */

import type { Context } from "../master/context.ts";
import {
  fanOut,
  type FanOutOptions,
  fleetExitCode,
  type FleetHost,
  type HostResult,
} from "../fleet/fanout.ts";
import type { Router } from "../master/router.ts";
import { ProgressLine, progressText, shortReason, showValue, toJson } from "./output.ts";
import { remoteLines } from "./terminal_text.ts";

/** The end-of-run summary: a count line, then one line per host in the hosts' order. */
export function summaryLines(results: HostResult<unknown>[], ms: number): string[] {
  const failed = results.filter((r) => !r.ok).length;
  const width = Math.max(...results.map((r) => r.host.label.length), 0);
  const lines = results.map((r) => {
    const label = r.host.label.padEnd(width);
    const time = `${(r.ms / 1000).toFixed(1)} s`;
    return r.ok ? `  ok      ${label}  ${time}` : `  failed  ${label}  ${shortReason(r.error)}`;
  });
  const head = `${results.length - failed} ok, ${failed} failed, ${results.length} hosts in ` +
    `${(ms / 1000).toFixed(1)} s`;
  const failedNames = results.filter((r) => !r.ok).map((r) => r.host.label);
  return [
    head + (failed ? `; failed: ${failedNames.join(", ")}` : ""),
    ...lines,
  ];
}

/** Where a fleet run prints: `out` takes whole lines (stdout), `err` raw text (stderr). */
export interface FleetConsole {
  /** Writes one line to standard output. */
  out(line: string): void;
  /** Writes text to standard error, as is. */
  err(text: string): void;
  /** Whether standard error is a terminal, so a progress line can be redrawn in place. */
  live: boolean;
}

/** The process's stdout and stderr, live when stderr is a terminal. */
export function terminalConsole(): FleetConsole {
  const encoder = new TextEncoder();
  return {
    out: (line) => void Deno.stdout.writeSync(encoder.encode(`${line}\n`)),
    err: (text) => void Deno.stderr.writeSync(encoder.encode(text)),
    live: Deno.stderr.isTerminal(),
  };
}

/** Options of {@linkcode runFleet}. */
export interface RunFleetOptions<T> extends FanOutOptions {
  /** Where to print; default {@linkcode terminalConsole}. */
  console?: FleetConsole;
  /** One JSON object per host instead of text lines; default false. */
  json?: boolean;
  /**
   * The stdout line of a host, as text. Default: `label: <value as JSON>` when it succeeded and
   * `label: failed: <message>` when not.
   */
  line?: (result: HostResult<T>) => string;
  /**
   * The JSON object of a host with `json`. Default: `{ target, ok: true, value }` or
   * `{ target, ok: false, error, exitCode }`.
   */
  record?: (result: HostResult<T>) => unknown;
  /** Print the progress line and the summary; default true. */
  report?: boolean;
}

/**
 * Runs `work` on `hosts` with {@linkcode fanOut} and prints as the CLI does: one stdout line (or
 * JSON object) per host as it finishes; on stderr a live progress line when stderr is a terminal
 * and, at the end, a summary naming the failed hosts. Returns the exit code:
 * {@linkcode fleetExitCode}.
 */
export async function runFleet<T>(
  router: Router,
  hosts: FleetHost[],
  work: (ctx: Context, host: FleetHost) => Promise<T>,
  options: RunFleetOptions<T> = {},
): Promise<number> {
  const out = options.console ?? terminalConsole();
  const report = options.report ?? true;
  const progress = new ProgressLine(out.err, report && out.live);
  const counts = { connected: 0, done: 0, failed: 0, total: hosts.length };
  const began = performance.now();
  const results = new Map<FleetHost, HostResult<T>>();
  progress.show(progressText(counts));
  const fan: FanOutOptions = {
    onConnected: (host) => {
      counts.connected++;
      progress.show(progressText(counts));
      options.onConnected?.(host);
    },
  };
  if (options.forks !== undefined) fan.forks = options.forks;
  if (options.signal) fan.signal = options.signal;
  try {
    for await (const r of fanOut(router, hosts, work, fan)) {
      results.set(r.host, r);
      counts.done++;
      if (!r.ok) counts.failed++;
      const text = options.json
        ? toJson((options.record ?? defaultRecord)(r))
        : (options.line ?? defaultLine)(r);
      progress.clear();
      out.out(text);
      progress.show(progressText(counts));
    }
  } finally {
    progress.clear();
  }
  const ordered = hosts.map((h) => results.get(h)!);
  if (report) {
    out.err(summaryLines(ordered, performance.now() - began).map((l) => `${l}\n`).join(""));
  }
  return fleetExitCode(ordered);
}

function defaultLine(r: HostResult<unknown>): string {
  return r.ok ? `${r.host.label}: ${showValue(r.value)}` : failedLine(r.host.label, r.error);
}

/** `label: failed: <message>`, the message's further lines indented and its controls escaped. */
export function failedLine(label: string, error: Error): string {
  return remoteLines(`${label}: failed: `, error.message, "  ");
}

function defaultRecord(r: HostResult<unknown>): unknown {
  return r.ok
    ? { target: r.host.label, ok: true, value: r.value }
    : { target: r.host.label, ok: false, error: r.error.message, exitCode: r.exitCode };
}
