import assert from "node:assert/strict";
import { countSyscalls, parseStraceSummary } from "./strace.ts";

const SUMMARY = `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 95.41    0.076534          69      1109           clock_nanosleep
  2.74    0.002199           2       814           getpid
  1.85    0.001480           9       149        27 futex
------ ----------- ----------- --------- --------- ----------------
100.00    0.080213          38      2072        27 total
`;

Deno.test("parseStraceSummary() reads each system call's count, with or without errors", () => {
  assert.deepEqual(parseStraceSummary(SUMMARY), {
    total: 2072,
    calls: [["clock_nanosleep", 1109], ["getpid", 814], ["futex", 149]],
  });
});

Deno.test("parseStraceSummary() refuses output without a total", () => {
  assert.throws(() => parseStraceSummary("strace: attach: ptrace(PTRACE_SEIZE, 1): EPERM\n"), {
    name: "Error",
    message: /^Cannot read strace's summary: "strace: attach/,
  });
});

Deno.test("countSyscalls() counts what a running process does while the work runs", async () => {
  const cat = new Deno.Command("cat", { stdin: "piped", stdout: "piped" }).spawn();
  const writer = cat.stdin.getWriter();
  const reader = cat.stdout.getReader();
  const echoes = 20;
  try {
    const [count] = await countSyscalls([cat.pid], async () => {
      for (let i = 0; i < echoes; i++) {
        await writer.write(new Uint8Array([0x61]));
        await reader.read();
      }
    });
    const calls = new Map(count!.calls);
    // cat reads each byte and writes it back; nothing else was asked of it. The read it was
    // blocked in when strace attached may go uncounted.
    assert.ok(calls.get("read")! >= echoes - 1, JSON.stringify(count));
    assert.ok(calls.get("write")! >= echoes, JSON.stringify(count));
    // The same uncounted read may be missing from the total.
    assert.ok(count!.total >= 2 * echoes - 1, JSON.stringify(count));
  } finally {
    await writer.close();
    reader.releaseLock();
    await cat.stdout.cancel();
    await cat.status;
  }
});

Deno.test("countSyscalls() says why it could not attach", async () => {
  await assert.rejects(countSyscalls([2 ** 30], () => Promise.resolve()), {
    name: "Error",
    message: /^strace did not attach: .*No such process/s,
  });
});
