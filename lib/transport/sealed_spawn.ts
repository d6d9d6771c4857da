/**
 * `spawn` for every process a remote stage or its call host starts: the child gets a pipe of its
 * own on each descriptor above stderr that the starting process uses for mitoctl (the stage's frame
 * channel on {@linkcode FRAMES_FD}; the call host's two pipes to its stage, fds 3 and 4). What it
 * writes there is dropped, and it reads an end of file. Deno cannot make an inherited descriptor
 * close-on-exec, so without this a child would hold them: a command writing to its fd 3 would
 * write into the protocol, and a child context's first process (su, a container CLI, the watchdog
 * shell) would hold its parent's link to the master. Also the words for a program that did not
 * start ({@linkcode spawnFailure}), which every part that starts one on a user's behalf uses.
 *
 * @module
 */

import type { ChildProcess, SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { FRAMES_FD } from "../wire/protocol.ts";

/**
 * Why `program` did not start in `cwd` (default: this process's), in words, from the error `spawn`
 * reported: `"x" was not found`, `"x" may not be run (permission denied)`, else the error's own
 * message. Every place that starts a program on a user's behalf (a context's first process, a
 * remote command) says it this way.
 */
export function spawnFailure(program: string, error: Error, cwd?: string): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") {
    // The kernel says ENOENT too for a working directory that is missing, and for a script whose
    // interpreter (its `#!` line) is.
    if (cwd !== undefined && !existsSync(cwd)) {
      return `the working directory "${cwd}" was not found`;
    }
    return program.includes("/") && existsSync(resolve(cwd ?? ".", program))
      ? `the interpreter named on the first line of "${program}" was not found`
      : `"${program}" was not found`;
  }
  if (code === "EACCES") return `"${program}" may not be run (permission denied)`;
  return error.message;
}

/** The highest descriptor a stage process or its call host uses for mitoctl. */
const LAST_SEALED_FD = 4;

/** The parent's end of a sealed pipe. */
interface Sealed {
  on(event: "error", listener: () => void): unknown;
  resume(): unknown;
  end(): unknown;
  unref?(): unknown;
}

/** What a child's fds 0 to 2 are, as `node:child_process` takes them. */
export type Stdio3 = [
  "pipe" | "ignore" | "inherit" | number,
  "pipe" | "ignore" | "inherit" | number,
  "pipe" | "ignore" | "inherit" | number,
];

/** Starts `file` with `args` as `spawn` does, `stdio` for fds 0 to 2 and sealed pipes above.
 *  (A descriptor number, such as `/dev/null` opened here, is no use: Deno's `node:fs` numbers are
 *  not the process's descriptors.) */
export function spawnSealed(
  file: string,
  args: readonly string[],
  options: Omit<SpawnOptions, "stdio"> & { stdio: Stdio3 },
): ChildProcess {
  const { spawn } = process.getBuiltinModule("node:child_process");
  const sealed = Array.from({ length: LAST_SEALED_FD - FRAMES_FD + 1 }, () => "pipe" as const);
  const child = spawn(file, args, { ...options, stdio: [...options.stdio, ...sealed] });
  for (let fd = FRAMES_FD; fd <= LAST_SEALED_FD; fd++) {
    const pipe = child.stdio[fd] as Sealed | null | undefined;
    if (!pipe) continue;
    pipe.on("error", () => {});
    pipe.resume();
    pipe.end();
    // A child that outlives the call (a component's supervisor) keeps no one waiting on it.
    pipe.unref?.();
  }
  return child;
}
