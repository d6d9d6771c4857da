/**
 * Machine facts (`node:os` functions called with no arguments, bootstrap/facts.ts) are answered
 * by the stage's router: before the call worker is up and while user code keeps it busy. Any
 * other call, a fact with arguments included, still waits for the worker, which starts by itself
 * once the stage's first frames are handled. Every test runtime, over a real sshd.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { FACTS } from "../bootstrap/facts.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);

Deno.test("machine facts are answered by the router, not behind the call worker", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const ctx = router.open("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
      // Written behind the bootstrap together: the fact does not wait for the worker to start.
      const order: string[] = [];
      const cwd = ctx.call("node:process", "cwd").then((v) => (order.push("cwd"), v));
      const host = ctx.call("node:os", "hostname").then((v) => (order.push("fact"), v));
      await Promise.all([cwd, host]);
      deepStrictEqual(order, ["fact", "cwd"]);
      strictEqual(await host, ctx.info!.host);

      // User code that never yields holds the worker for 1.5 s. The worker answers in the order
      // it ran the calls, so what comes back before the spin's reply did not wait for it.
      await ctx.call(targets, "spin", 0);
      const answered: string[] = [];
      const track = (what: string, p: Promise<unknown>) => p.then((v) => (answered.push(what), v));
      const busy = track("spin", ctx.call(targets, "spin", 1500));
      const facts = ["hostname", "cpus", "loadavg", "networkInterfaces", "totalmem"];
      for (const fn of facts) {
        const value = await track(fn, ctx.call("node:os", fn));
        ok(value !== undefined && value !== null, `node:os#${fn} gave ${value}`);
      }
      // Sent once the spin runs (five round trips later): not facts, so they wait for it. A
      // builtin that is not one, and a fact called with an argument.
      const waiting = [
        track("cwd", ctx.call("node:process", "cwd")),
        track("hostname(x)", ctx.call("node:os", "hostname", "x")),
      ];
      await Promise.all([busy, ...waiting]);
      deepStrictEqual(answered, [...facts, "spin", "cwd", "hostname(x)"]);
    });
  }
});

Deno.test("every fact the router answers exists on every runtime and gives the worker's answer", async (t) => {
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const ctx = await router.local({ runtime: rt.path });
      for (
        const fn of ["arch", "endianness", "hostname", "machine", "platform", "release", "type"]
      ) {
        ok(FACTS.has(fn));
        // With an argument the call goes to the worker; these functions ignore it.
        strictEqual(await ctx.call("node:os", fn), await ctx.call("node:os", fn, 0), fn);
      }
      for (const fn of FACTS) {
        const value = await ctx.call("node:os", fn);
        ok(value !== undefined && value !== null, `node:os#${fn} gave ${value} on ${rt.name}`);
      }
    });
  }
});

/**
 * What of stage `pid` waits for events: its threads in an epoll wait (the main thread, the call
 * worker's thread on Node, the runtime's own) and its child processes (the call host on Deno).
 * The call worker adds one.
 */
function waiters(pid: number): number {
  let n = 0;
  for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
    const syscall = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/syscall`).split(" ")[0];
    // epoll_wait, epoll_pwait, epoll_pwait2 on x86-64.
    if (["232", "281", "441"].includes(syscall!)) n++;
  }
  for (const e of Deno.readDirSync("/proc")) {
    try {
      const stat = /^\d+$/.test(e.name) && Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (stat && stat.split(") ")[1]!.split(" ")[1] === `${pid}`) n++;
    } catch { /* Gone meanwhile. */ }
  }
  return n;
}

Deno.test("the call worker starts by itself after the hello, before any call needs it", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const options = { sshConfig: sshd.sshConfig, runtime: rt.path };
      // The count with the worker surely up: a call it runs was answered. A builtin: a module of
      // the master's would add Node 20's loader hooks thread.
      const used = await router.connect("mito", { ...options, name: "used" });
      await used.call("node:process", "cwd");
      await new Promise((r) => setTimeout(r, 200));
      const up = waiters(used.info!.pid);
      // A context no call has reached gets there too.
      const ctx = await router.connect("mito", { ...options, name: "idle" });
      const deadline = Date.now() + 10_000;
      while (waiters(ctx.info!.pid) < up && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      strictEqual(waiters(ctx.info!.pid), up, `no call worker started on ${rt.name} within 10 s`);
    });
  }
});
