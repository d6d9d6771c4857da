/**
 * System calls counted with `strace -c -f -p <pid>` (every thread of a running process) while
 * some work runs, for the profile of a no-op call. strace slows what it traces many times over,
 * so its counts are taken in a pass of their own, never beside a timing.
 *
 * @module
 */

import { lines } from "./lines.ts";

/** What `strace -c` counted: calls in all and per system call, most called first. */
export interface SyscallCount {
  total: number;
  /** `[name, calls]`, most calls first. */
  calls: [string, number][];
}

/** What to install where strace is missing. */
export const STRACE_INSTALL = "apt-get install strace";

/** Why strace cannot count here, or undefined when it can. */
export async function straceMissing(): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("strace", { args: ["-V"], stdout: "null" }).output();
    return output.success ? undefined : `"strace -V" failed with code ${output.code}`;
  } catch {
    return `strace is not installed (${STRACE_INSTALL})`;
  }
}

/**
 * Parses the table `strace -c` writes at its end: `% time seconds usecs/call calls [errors]
 * syscall` rows between dashed rules, then a `total` row.
 */
export function parseStraceSummary(text: string): SyscallCount {
  const calls: [string, number][] = [];
  let total: number | undefined;
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 5 || !/^[\d.]+$/.test(fields[0]!)) continue;
    const name = fields.at(-1)!;
    const count = Number(fields[3]);
    if (!Number.isInteger(count)) continue;
    if (name === "total") total = count;
    else calls.push([name, count]);
  }
  if (total === undefined) {
    throw new Error(`Cannot read strace's summary: ${JSON.stringify(text.slice(0, 200))}`);
  }
  calls.sort((a, b) => b[1] - a[1]);
  return { total, calls };
}

/**
 * Counts the system calls of every thread of each of `pids` while `during` runs: one
 * `strace -c -f -p` per pid, attached before `during` starts and stopped once it settles.
 */
export async function countSyscalls(
  pids: readonly number[],
  during: () => Promise<unknown>,
): Promise<SyscallCount[]> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-bench-strace-" });
  const traces: { child: Deno.ChildProcess; out: string; log: Promise<string> }[] = [];
  try {
    for (const pid of pids) {
      const out = `${dir}/${pid}.txt`;
      const child = new Deno.Command("strace", {
        args: ["-c", "-f", "-p", `${pid}`, "-o", out],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const { attached, log } = watchAttach(child);
      traces.push({ child, out, log });
      await attached;
    }
    await during();
  } finally {
    for (const { child } of traces) {
      try {
        // SIGINT makes strace detach and write its summary.
        child.kill("SIGINT");
      } catch {
        // It ended already (it could not attach).
      }
    }
    for (const { child } of traces) await child.status;
  }
  try {
    const counts: SyscallCount[] = [];
    for (const { out, log } of traces) {
      const summary = await Deno.readTextFile(out).catch(() => "");
      if (summary === "") throw new Error(`strace wrote no summary: ${(await log).trim()}`);
      counts.push(parseStraceSummary(summary));
    }
    return counts;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Resolves once strace says it attached (rejects if it ends first); `log` is all it said. */
function watchAttach(child: Deno.ChildProcess): { attached: Promise<void>; log: Promise<string> } {
  let said = "";
  const { promise: attached, resolve, reject } = Promise.withResolvers<void>();
  const log = (async () => {
    for await (const line of lines(child.stderr)) {
      said += `${line}\n`;
      if (/ attached/.test(line)) resolve();
    }
    reject(new Error(`strace did not attach: ${said.trim()}`));
    return said;
  })();
  return { attached, log };
}
