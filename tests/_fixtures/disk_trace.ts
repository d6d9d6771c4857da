/**
 * Watching a remote stage for disk writes: its runtime runs under `strace -f`, which follows
 * everything it starts (ssh, an askpass), and the calls that create, write, rename or remove
 * files are read back, minus those that hold no data.
 *
 * @module
 */

import { ok } from "node:assert/strict";
import { waitFor } from "./processes.ts";
import type { Runtime } from "./runtimes.ts";

/** System calls that create, write, rename or remove files. */
export const TRACED = [
  "open",
  "openat",
  "openat2",
  "creat",
  "mkdir",
  "mkdirat",
  "mknod",
  "mknodat",
  "rename",
  "renameat",
  "renameat2",
  "unlink",
  "unlinkat",
  "rmdir",
  "link",
  "linkat",
  "symlink",
  "symlinkat",
  "truncate",
];

/**
 * Paths a remote stage may open for writing: they hold no data. `/proc/<pid>/…` covers Node's
 * and Deno's own process tuning files.
 */
export const ALLOWED_WRITES = [
  /^\/dev\/null$/,
  /^\/dev\/tty$/,
  /^\/dev\/pts\/\d+$/,
  /^\/proc\/(self|thread-self|\d+)\//,
];

/**
 * Where a write may be attempted as long as it fails: with `DENO_DIR=/dev/null` Deno's caches
 * live under a path that cannot be a directory, so every write there fails with ENOTDIR.
 */
export const DOOMED_WRITES = /^\/dev\/null\//;

/** How long strace may take to finish its logs once the context is closed, in ms. */
export const TRACE_SETTLE_MS = 5_000;

/** One traced system call. */
export interface Syscall {
  tid: number;
  line: string;
  name: string;
  paths: string[];
  failed: boolean;
}

/** Whether `call` creates, writes, renames or removes something. */
function writes(call: Syscall): boolean {
  if (call.name === "open" || call.name === "openat" || call.name === "openat2") {
    return /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/.test(call.line);
  }
  return true;
}

/** Parses the `<prefix>.<tid>` files strace `-ff` wrote. */
export async function readTrace(dir: string): Promise<Syscall[]> {
  const calls: Syscall[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const tid = Number(entry.name.split(".").at(-1));
    for (const line of (await Deno.readTextFile(`${dir}/${entry.name}`)).split("\n")) {
      const match = /^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)/.exec(line);
      if (!match) continue;
      const paths = [...match[2]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!);
      calls.push({ tid, line, name: match[1]!, paths, failed: match[3]!.startsWith("-") });
    }
  }
  return calls;
}

/** Lines of `calls` that wrote to disk outside what {@linkcode ALLOWED_WRITES} allows. */
export function diskWrites(calls: Syscall[]): string[] {
  return calls.filter((c) =>
    writes(c) &&
    !c.paths.every((p) => ALLOWED_WRITES.some((allowed) => allowed.test(p))) &&
    !(c.failed && c.paths.every((p) => DOOMED_WRITES.test(p)))
  ).map((c) => c.line);
}

/** Waits until strace has logged the exit of `pid`; its other threads are done by then. */
export async function waitExit(logs: string, pid: number): Promise<void> {
  const exited = await waitFor(() => {
    let text = "";
    try {
      text = Deno.readTextFileSync(`${logs}/trace.${pid}`);
    } catch { /* not written yet */ }
    return /\+\+\+ (exited|killed)/.test(text) || undefined;
  }, TRACE_SETTLE_MS);
  ok(exited, `strace did not see pid ${pid} exit`);
}

/** Writes a `runtime` wrapper that runs `rt` under strace, logging into `logs`. */
export async function tracedRuntime(dir: string, rt: Runtime, logs: string): Promise<string> {
  // A name with "deno" in it makes the master start the wrapper the way it starts Deno.
  const path = `${dir}/${rt.kind === "deno" ? "deno" : rt.name}-traced`;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec strace -f -ff -q -o '${logs}/trace' -e trace=${TRACED.join(",")} ` +
      `'${rt.path}' "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}
