/**
 * What `/proc` says about the processes a context is made of: the process tree of an ssh session
 * (the remote stage or Mitogen's Python, and anything they started), its resident memory, and the
 * CPU time and wake-ups of every thread of a process. The sshd the bench measures against runs on
 * this machine, so the remote's processes are readable here (the bench runs as root).
 *
 * @module
 */

/** One process as `/proc/<pid>/stat` names it. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Command name (`comm`), at most 15 characters: `"sshd"`, `"deno"`. */
  comm: string;
}

/** Parses `/proc/<pid>/stat`; the command name may hold spaces and parentheses. */
export function parseStat(text: string): ProcessEntry {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const pid = Number(text.slice(0, open).trim());
  // Fields after the command name: state, ppid, …
  const ppid = Number(text.slice(close + 2).split(" ")[1]);
  if (open < 0 || close < open || !Number.isInteger(pid) || !Number.isInteger(ppid)) {
    throw new Error(`Cannot parse process status ${JSON.stringify(text.slice(0, 80))}`);
  }
  return { pid, ppid, comm: text.slice(open + 1, close) };
}

/** Every process on the machine, by pid; those that end while being read are left out. */
export async function processTable(): Promise<Map<number, ProcessEntry>> {
  const table = new Map<number, ProcessEntry>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const text = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    if (text !== "") table.set(Number(entry.name), parseStat(text));
  }
  return table;
}

/**
 * The processes of the ssh session `pid` runs in: from the topmost ancestor below the session's
 * `sshd` (or `sshd-session`: a login shell that did not `exec`, or `pid` itself) down to every descendant (a worker
 * process, a spawned command). Without an `sshd` above, `pid` and its descendants.
 */
export function sessionPids(table: ReadonlyMap<number, ProcessEntry>, pid: number): number[] {
  let root = pid;
  for (let up = table.get(root); up !== undefined;) {
    const parent = table.get(up.ppid);
    if (parent === undefined || parent.comm.startsWith("sshd") || parent.pid <= 1) break;
    root = parent.pid;
    up = parent;
  }
  const children = new Map<number, number[]>();
  for (const { pid: child, ppid } of table.values()) {
    children.set(ppid, [...children.get(ppid) ?? [], child]);
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) found.push(...children.get(found[i]!) ?? []);
  return found;
}

/** Bytes resident in memory (`VmRSS`) of `pids` together; a pid that is gone counts 0. */
export async function residentBytes(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) {
    const status = await Deno.readTextFile(`/proc/${pid}/status`).catch(() => "");
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
    if (kib !== undefined) total += Number(kib) * 1024;
  }
  return total;
}

/** Resident bytes of the whole ssh session `pid` belongs to (see {@linkcode sessionPids}). */
export async function sessionResidentBytes(pid: number): Promise<number> {
  return await residentBytes(sessionPids(await processTable(), pid));
}

/** CPU time and wake-ups of a process, summed over its threads. */
export interface CpuUse {
  /** Milliseconds on a CPU (`se.sum_exec_runtime`, to the nanosecond). */
  cpuMs: number;
  /** Times a thread gave up the CPU to wait (`nr_voluntary_switches`): its wake-ups. */
  wakeups: number;
}

/**
 * {@linkcode CpuUse} of every thread `pid` has now, from `/proc/<pid>/task/<tid>/sched`. Threads
 * that ended earlier are not counted: compare two readings of a process whose threads live on.
 */
export async function cpuUse(pid: number): Promise<CpuUse> {
  let cpuMs = 0;
  let wakeups = 0;
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const sched = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/sched`).catch(() => "");
    cpuMs += schedField(sched, "se.sum_exec_runtime");
    wakeups += schedField(sched, "nr_voluntary_switches");
  }
  return { cpuMs, wakeups };
}

/** `later` minus `earlier`. */
export function cpuSince(earlier: CpuUse, later: CpuUse): CpuUse {
  return { cpuMs: later.cpuMs - earlier.cpuMs, wakeups: later.wakeups - earlier.wakeups };
}

function schedField(sched: string, name: string): number {
  const value = new RegExp(`^${name.replaceAll(".", "\\.")}\\s*:\\s*([\\d.]+)$`, "m").exec(sched);
  return value ? Number(value[1]) : 0;
}
