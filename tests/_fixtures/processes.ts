/**
 * Looks at processes through `/proc` (Linux): whether one is alive, its command line, its CPU
 * time, its children. Lifecycle tests use it to prove that what a context started has ended.
 *
 * @module
 */

/** How often {@linkcode waitGone} looks again, in milliseconds. */
export const POLL_INTERVAL_MS = 20;

/** Whether `pid` is a live process; a zombie counts as gone (it has exited, unreaped). */
export function isAlive(pid: number): boolean {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z" && state !== "X";
}

/** The command line of `pid` with NULs turned into spaces and trimmed, or undefined if gone. */
export function commandLine(pid: number): string | undefined {
  try {
    const raw = Deno.readFileSync(`/proc/${pid}/cmdline`);
    return new TextDecoder().decode(raw).replaceAll("\0", " ").trim();
  } catch {
    return undefined;
  }
}

/** User plus system CPU time of `pid` in clock ticks (1/100 s on Linux), or undefined if gone. */
export function cpuTicks(pid: number): number | undefined {
  const fields = statFields(pid);
  if (fields === undefined) return undefined;
  // Fields after the command name: state is 0, utime is 11, stime is 12.
  return Number(fields[11]) + Number(fields[12]);
}

/** Pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const fields = statFields(Number(entry.name));
    if (fields !== undefined && Number(fields[1]) === pid) found.push(Number(entry.name));
  }
  return found;
}

/** Live pids in session `sid` (a process started by `setsid` and all it started that stayed). */
export function sessionMembers(sid: number): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    // Fields after the command name: state is 0, session is 3.
    if (Number(statFields(pid)?.[3]) === sid && isAlive(pid)) found.push(pid);
  }
  return found;
}

/** `pid` and every process below it (a remote stage and what its calls started). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...childrenOf(out[i]!));
  return out;
}

/** Live pids whose command line (as {@linkcode commandLine} gives it) is exactly `line`. */
export function pidsWithCommandLine(line: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const pid = Number(entry.name);
    if (commandLine(pid) === line && isAlive(pid)) found.push(pid);
  }
  return found;
}

/** Sends SIGKILL to each of `pids` that is still alive. */
export function killAll(pids: number[]): void {
  for (const pid of pids.filter(isAlive)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}

/** Polls `check` until it returns a value other than undefined or `ms` have passed. */
export async function waitFor<T>(check: () => T | undefined, ms: number): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Waits until none of `pids` is alive or `ms` have passed; returns those still alive. */
export async function waitGone(pids: number[], ms: number): Promise<number[]> {
  await waitFor(() => pids.some(isAlive) ? undefined : true, ms);
  return pids.filter(isAlive);
}

/** Describes `pids` with their command lines, for assertion messages. */
export function describePids(pids: number[]): string {
  return pids.map((pid) => `${pid} ${JSON.stringify(commandLine(pid)?.slice(0, 120))}`)
    .join(", ");
}

/** `/proc/<pid>/stat` fields after the parenthesised command name, or undefined if gone. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}
