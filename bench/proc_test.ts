import assert from "node:assert/strict";
import {
  cpuSince,
  cpuUse,
  parseStat,
  type ProcessEntry,
  processTable,
  residentBytes,
  sessionPids,
} from "./proc.ts";

Deno.test("parseStat() reads a command name holding spaces and parentheses", () => {
  const stat = "4242 (a (b) c) S 17 4242 4242 0 -1 4194560 0 0 0 0 3 1 0 0 20 0 1 0";
  assert.deepEqual(parseStat(stat), { pid: 4242, ppid: 17, comm: "a (b) c" });
});

Deno.test("parseStat() refuses what is not a status line", () => {
  assert.throws(() => parseStat("garbage"), {
    name: "Error",
    message: 'Cannot parse process status "garbage"',
  });
});

function table(...entries: [number, number, string][]): Map<number, ProcessEntry> {
  return new Map(entries.map(([pid, ppid, comm]) => [pid, { pid, ppid, comm }]));
}

Deno.test("sessionPids() climbs to the session's top below sshd and takes every descendant", () => {
  const procs = table(
    [1, 0, "systemd"],
    [100, 1, "sshd"],
    [200, 100, "sshd"],
    [300, 200, "bash"],
    [400, 300, "python3"],
    [500, 400, "true"],
    [600, 500, "sleep"],
    [700, 200, "other"],
  );
  assert.deepEqual(sessionPids(procs, 400), [300, 400, 500, 600]);
});

Deno.test("sessionPids() stops below init when no sshd is above", () => {
  const procs = table([1, 0, "init"], [10, 1, "deno"], [11, 10, "node"]);
  assert.deepEqual(sessionPids(procs, 11), [10, 11]);
});

Deno.test("processTable() and residentBytes() see this process and ignore one that is gone", async () => {
  const procs = await processTable();
  assert.equal(procs.get(Deno.pid)?.ppid, Deno.ppid);
  const own = await residentBytes([Deno.pid]);
  assert.ok(own > 1 << 20, `${own} B`);
  assert.equal(await residentBytes([2 ** 30]), 0);
});

Deno.test("cpuUse() counts the CPU this process spends between two readings", async () => {
  const before = await cpuUse(Deno.pid);
  // Busy until the runtime's own counter says 30 ms of CPU went by, however loaded the machine.
  const start = process.cpuUsage();
  const spentMs = () => {
    const { user, system } = process.cpuUsage(start);
    return (user + system) / 1000;
  };
  while (spentMs() < 30) crypto.getRandomValues(new Uint8Array(1024));
  const spent = cpuSince(before, await cpuUse(Deno.pid));
  assert.ok(spent.cpuMs >= 20, `${spent.cpuMs} ms`);
  assert.ok(spent.wakeups >= 0);
});
