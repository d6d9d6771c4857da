/**
 * Runs on the remote, sent by the module forwarder: starts a process and streams its output as
 * events, for `mitoctl run` and `ctx.run()`. Only `node:` builtins, so it runs on Deno and Node.
 *
 * @module
 */

import type { ChildProcess } from "node:child_process";
import { spawnFailure, spawnSealed } from "../transport/sealed_spawn.ts";
import { readdirSync, readFileSync } from "node:fs";

/** How to start the process. */
export interface RunOptions {
  /** Run `argv[0]` through `/bin/sh -c` instead of as an argv. */
  shell?: boolean;
  /** Working directory; default the remote stage's. */
  cwd?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Keep stdin open for {@linkcode input}; default: stdin is /dev/null. */
  stdin?: boolean;
}

/** What {@linkcode run} yields, in order: `start`, then output, then `exit`. */
export type RunEvent =
  | { t: "start"; pid: number; handle: number }
  | { t: "out"; fd: 1 | 2; data: Uint8Array }
  | { t: "exit"; code: number | null; signal: string | null };

/** Output held before the consumer takes it: past this, the process's pipes are paused. */
const HIGH_WATER = 1 << 20;

/** How long a process may take to end after SIGINT before it is killed, in ms (the master waits
 *  as long when it stops a process). */
export const KILL_AFTER_MS = 2000;

// Running processes by handle, for input() calls that arrive while run() streams.
const running = new Map<number, ChildProcess>();
let nextHandle = 1;

/**
 * Starts `argv` and yields its output as it comes, stdout and stderr kept apart, then its exit.
 * Stopping the stream early (the master's Ctrl-C) sends SIGINT, then SIGKILL.
 */
export async function* run(argv: string[], options: RunOptions = {}): AsyncGenerator<RunEvent> {
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== "string")) {
    throw new TypeError("run() needs a command: a non-empty array of strings");
  }
  const [cmd, ...args] = options.shell ? ["/bin/sh", "-c", argv.join(" ")] : argv;
  const child = spawnSealed(cmd!, args, {
    cwd: options.cwd,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  });
  const queue: RunEvent[] = [];
  let held = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  let exit: RunEvent | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const push = (fd: 1 | 2) => (data: Uint8Array) => {
    queue.push({ t: "out", fd, data: new Uint8Array(data) });
    held += data.length;
    if (held > HIGH_WATER) {
      child.stdout!.pause();
      child.stderr!.pause();
    }
    notify();
  };
  // A process that exits or closes its stdin while input is on its way: not this stage's failure.
  child.stdin?.on("error", () => {});
  child.stdout!.on("data", push(1));
  child.stderr!.on("data", push(2));
  child.on("error", (e) => (failure = e, notify()));
  child.on("close", (code, signal) => (exit = { t: "exit", code, signal }, notify()));
  const handle = nextHandle++;
  running.set(handle, child);
  try {
    await new Promise<void>((resolve) => {
      child.once("spawn", resolve);
      child.once("error", () => resolve());
    });
    if (failure) {
      throw new Error(`Cannot run the command: ${spawnFailure(cmd!, failure, options.cwd)}`);
    }
    yield { t: "start", pid: child.pid!, handle };
    for (;;) {
      const event = queue.shift();
      if (event) {
        if (event.t === "out") {
          held -= event.data.length;
          if (held <= HIGH_WATER / 2) {
            child.stdout!.resume();
            child.stderr!.resume();
          }
        }
        yield event;
        continue;
      }
      if (exit) {
        yield exit;
        return;
      }
      await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    running.delete(handle);
    if (!exit && child.exitCode === null && child.signalCode === null) {
      killTree(child, "SIGINT");
      const timer = setTimeout(() => killTree(child, "SIGKILL"), KILL_AFTER_MS);
      child.once("close", () => clearTimeout(timer));
    }
  }
}

/** Writes `data` to the stdin of the process `handle`; with no data, closes its stdin. */
export async function input(handle: number, data?: Uint8Array): Promise<void> {
  const child = running.get(handle);
  if (!child?.stdin) return;
  if (data === undefined) {
    child.stdin.end();
    return;
  }
  if (!child.stdin.write(data)) {
    await new Promise<void>((resolve) => {
      child.stdin!.once("drain", resolve);
      child.stdin!.once("error", () => resolve());
      child.once("close", () => resolve());
    });
  }
}

/** Sends `signal` to the process `handle`. */
export function signal(handle: number, name: NodeJS.Signals): void {
  const child = running.get(handle);
  if (child) killTree(child, name);
}

/**
 * Sends `name` to the process and everything it started (a shell's commands too), found through
 * /proc where there is one; elsewhere to the process alone.
 */
function killTree(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  // process.kill, not child.kill: Deno's child.kill() does nothing once it sent one signal, so a
  // SIGKILL after SIGINT would never leave.
  for (const pid of [child.pid, ...descendants(child.pid)]) {
    try {
      process.kill(pid, name);
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Pids of the processes below `root`, children first found first. */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The parent pid is the 4th field, after the command name in parentheses.
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...children.get(ppid) ?? [], Number(name)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) out.push(...children.get(i < 0 ? root : out[i]!) ?? []);
  return out;
}
