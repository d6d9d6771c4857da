/**
 * `mitoctl up|status|logs|down <config>`: long-running components a config module describes,
 * started under detached supervisors on their hosts and found again by later runs.
 *
 * @module
 */

import { cliRouter } from "./log.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { readInventory } from "../inventory/inventory.ts";
import { type Component, parseSets } from "../components/plan.ts";
import { loadConfig, type LoadedConfig } from "../components/load.ts";
import {
  down as downComponents,
  followLogs,
  logs as readLogs,
  status as statusOf,
} from "../components/control.ts";
import { up as upComponents, type UpEvent } from "../components/up.ts";
import type { HostPoolOptions } from "../components/hosts.ts";
import { Router } from "../master/router.ts";
import { CONNECT_FLAGS, fleetOptions, parse, type Parsed, seconds } from "./args.ts";
import { printLine, toJson } from "./output.ts";
import { commandOptions } from "./targets.ts";
import { escapeControls, oneLine, remoteLines } from "./terminal_text.ts";

const CONFIG_FLAGS = {
  ...CONNECT_FLAGS,
  inventory: { type: "string", short: "i" },
  set: { type: "string", multiple: true },
  hosts: { type: "string" },
} as const;

const CONFIG_HELP = `Config flags:
      --set KEY=VALUE       passed to the config function in "args" (repeatable)
      --hosts A,B           what hosts() returns in the config
  -i, --inventory FILE      inventory for hosts("@group") and host names
                            (default: $MITOCTL_INVENTORY)`;

const CONNECT_HELP = `Connection flags: as for "mitoctl call" (-F, -o, --identity, --runtime, …).`;

/** Help of the component commands. */
export const COMPONENTS_HELP: Record<string, string> = {
  up: `Usage: mitoctl up [flags] <config>

Starts the components <config> describes: pushes their files, stops the components a
previous "up" of the same config started (unless --keep), then starts them in start
order, those with the same start index together. A component counts as started when
it is alive after its grace (300 ms) or logs a line matching its "ready" pattern.
Each runs under a small supervisor that outlives this command and keeps its exit
status and its last output in ~/.mitoctl/components/ on its host.

  mitoctl up deploy.ts --set version=1.4 -i hosts.ini

Flags:
      --keep                leave running components of the previous run as they are
      --grace S             seconds between SIGTERM and SIGKILL when stopping (default 5)
${CONFIG_HELP}
${CONNECT_HELP}`,
  status: `Usage: mitoctl status [flags] <config>

Prints each component of <config>: host, pid, state (running, exited(code), absent)
and uptime. With --json, one object per component.

${CONFIG_HELP}
${CONNECT_HELP}`,
  logs: `Usage: mitoctl logs [flags] <config> <component>

Prints the component's kept output: lines "<time> <out|err|sup> <text>".

Flags:
  -f, --follow              keep printing new lines until the component ends
  -n, --lines N             only the last N lines (with -f: default 10)
${CONFIG_HELP}
${CONNECT_HELP}`,
  down: `Usage: mitoctl down [flags] <config> [component…]

Stops the components of <config> (or only those named): SIGTERM to each one's process
group, SIGKILL after the grace; removes their state and the base directories made
for them.

Flags:
      --grace S             seconds between SIGTERM and SIGKILL (default 5)
${CONFIG_HELP}
${CONNECT_HELP}`,
};

function newRouter(values: Parsed["values"]): Router {
  return cliRouter(values);
}

/** The config and how to reach its hosts, from the flags. */
async function setUp(
  values: Parsed["values"],
  path: string,
): Promise<{ config: LoadedConfig; pool: HostPoolOptions }> {
  const { inventory: file } = fleetOptions(values, (name) => Deno.env.get(name));
  const inventory = file === undefined ? undefined : await readInventory(file);
  const hosts = (values.hosts as string | undefined)?.split(",").filter((h) => h !== "");
  const config = await loadConfig(path, {
    args: parseSets((values.set as string[] | undefined) ?? []),
    ...(hosts ? { hosts } : {}),
    ...(inventory ? { inventory } : {}),
  });
  const connect = await commandOptions(values);
  return { config, pool: inventory ? { connect, inventory } : { connect } };
}

function usage(name: string): never {
  throw new UsageError(COMPONENTS_HELP[name]!.split("\n", 1)[0]!);
}

/** `mitoctl up`. */
export async function up(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...CONFIG_FLAGS, keep: { type: "boolean" }, grace: { type: "string" } },
    Infinity,
  );
  if (values.help) return help("up");
  const [path] = positionals;
  if (path === undefined || positionals.length > 1) usage("up");
  const { config, pool } = await setUp(values, path);
  const grace = seconds("grace", values.grace as string | undefined);
  await using router = newRouter(values);
  signal.addEventListener("abort", () => void router.close(), { once: true });
  const result = await upComponents(router, config, {
    ...pool,
    keep: values.keep === true,
    signal,
    ...(grace === undefined ? {} : { stopGrace: grace }),
    onEvent: (e) => values.json ? printLine(toJson(eventRecord(e))) : report(e),
  });
  return result.ok ? ExitCode.ok : ExitCode.remote;
}

function where(c: Component): string {
  return `"${c.name}" on "${c.host}"`;
}

function report(e: UpEvent): void {
  switch (e.t) {
    case "stopped":
      printLine(
        oneLine(`stopped "${e.name}" on "${e.host}" (previous run${e.killed ? ", killed" : ""})`),
      );
      break;
    case "kept":
      printLine(`kept ${where(e.component)}: still running`);
      break;
    case "started":
      printLine(`started ${where(e.component)}: pid ${e.pid}`);
      break;
    case "failed": {
      const lines = e.lastLines.replace(/\n$/, "").split("\n").filter((l) => l !== "");
      console.error(
        [
          remoteLines(`failed ${where(e.component)}: `, e.reason, "  "),
          ...lines.map((l) => remoteLines("  ", l)),
        ].join("\n"),
      );
      break;
    }
    case "skipped":
      console.error(`not started ${where(e.component)}: an earlier start failed`);
      break;
  }
}

function eventRecord(e: UpEvent): Record<string, unknown> {
  if (e.t === "stopped") return e;
  const { component, ...rest } = e;
  return { ...rest, name: component.name, host: component.host };
}

function help(name: string): number {
  printLine(COMPONENTS_HELP[name]!);
  return ExitCode.ok;
}

/** `1d 2h`, `3h 4m`, `5m 6s`, `7s`. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const [d, h, m] = [Math.floor(s / 86400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

/** Lays `rows` out in columns two spaces apart. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd())
    .join("\n");
}

/** `mitoctl status`. */
export async function status(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(argv, CONFIG_FLAGS, Infinity);
  if (values.help) return help("status");
  const [path] = positionals;
  if (path === undefined || positionals.length > 1) usage("status");
  const { config, pool } = await setUp(values, path);
  await using router = newRouter(values);
  signal.addEventListener("abort", () => void router.close(), { once: true });
  const rows = await statusOf(router, config, pool);
  if (values.json) {
    for (const r of rows) printLine(toJson(r));
  } else {
    const state = (r: (typeof rows)[number]) => {
      if (r.state !== "exited") return r.state;
      if (r.error) return "failed";
      return r.signal ? `exited(${r.signal})` : `exited(${r.code})`;
    };
    printLine(table([
      ["COMPONENT", "HOST", "PID", "STATE", "UPTIME"],
      ...rows.map((r) =>
        [
          r.configured ? r.name : `${r.name} (not in config)`,
          r.host,
          r.pid === null ? "-" : String(r.pid),
          state(r),
          r.uptimeMs === null ? "-" : formatUptime(r.uptimeMs),
        ].map(oneLine)
      ),
    ]));
    for (const r of rows) {
      if (r.state === "unknown") console.error(remoteLines(`"${r.host}": `, r.error ?? "", "  "));
    }
  }
  return rows.some((r) => r.state === "unknown") ? ExitCode.connection : ExitCode.ok;
}

/** `mitoctl logs`. */
export async function logs(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...CONFIG_FLAGS,
      follow: { type: "boolean", short: "f" },
      lines: { type: "string", short: "n" },
    },
    Infinity,
  );
  if (values.help) return help("logs");
  const [path, name] = positionals;
  if (path === undefined || name === undefined || positionals.length > 2) usage("logs");
  const linesText = values.lines as string | undefined;
  if (linesText !== undefined && !/^\d+$/.test(linesText)) {
    throw new UsageError(`Invalid --lines "${linesText}": expected a whole number`);
  }
  const { config, pool } = await setUp(values, path);
  await using router = newRouter(values);
  signal.addEventListener("abort", () => void router.close(), { once: true });
  const options = { ...pool, ...(linesText === undefined ? {} : { lines: Number(linesText) }) };
  // A component's log is remote text: shown escaped on a terminal, as it is into a pipe.
  const tty = Deno.stdout.isTerminal();
  const out = (text: string) =>
    Deno.stdout.writeSync(new TextEncoder().encode(tty ? escapeControls(text) : text));
  if (!values.follow) {
    out(await readLogs(router, config, name, options));
    return ExitCode.ok;
  }
  for await (const chunk of followLogs(router, config, name, { ...options, signal })) out(chunk);
  return ExitCode.ok;
}

/** `mitoctl down`. */
export async function down(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(
    argv,
    { ...CONFIG_FLAGS, grace: { type: "string" } },
    Infinity,
  );
  if (values.help) return help("down");
  const [path, ...names] = positionals;
  if (path === undefined) usage("down");
  const { config, pool } = await setUp(values, path);
  const grace = seconds("grace", values.grace as string | undefined);
  await using router = newRouter(values);
  signal.addEventListener("abort", () => void router.close(), { once: true });
  const results = await downComponents(router, config, {
    ...pool,
    ...(names.length ? { names } : {}),
    ...(grace === undefined ? {} : { grace }),
  });
  for (const r of results) {
    if (values.json) printLine(toJson(r));
    else if (!r.wasRunning) {
      printLine(oneLine(`removed "${r.name}" on "${r.host}": it was not running`));
    } else {
      const how = r.killed ? "killed after the grace" : "stopped";
      const left = r.survivors ? `; ${r.survivors} of its processes are still alive` : "";
      printLine(oneLine(`${how} "${r.name}" on "${r.host}"${left}`));
    }
  }
  if (!results.length && !values.json) printLine("nothing to stop");
  return results.some((r) => r.survivors > 0) ? ExitCode.remote : ExitCode.ok;
}
