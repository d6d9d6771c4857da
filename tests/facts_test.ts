/**
 * Machine facts (`node:os` functions called with no arguments, bootstrap/facts.ts) are answered
 * by the stage's router: before the call worker is up and while user code keeps it busy. Any
 * other call, a fact with arguments included, still waits for the worker. Every test runtime,
 * over a real sshd.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { FACTS } from "../bootstrap/facts.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);

/** Ms from now until `p` settles, and its value. */
async function timed<T>(p: Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const value = await p;
  return [performance.now() - start, value];
}

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

      // User code that never yields holds the worker for 1.5 s; its module is loaded first, so
      // the spin starts as soon as the worker takes the call.
      await ctx.call(targets, "spin", 0);
      const busy = ctx.call(targets, "spin", 1500);
      for (const fn of ["hostname", "cpus", "loadavg", "networkInterfaces", "totalmem"]) {
        const [ms, value] = await timed(ctx.call("node:os", fn));
        ok(ms < 500, `node:os#${fn} took ${ms.toFixed(0)} ms while the worker was busy`);
        ok(value !== undefined && value !== null, `node:os#${fn} gave ${value}`);
      }
      // Not facts, so they wait for the spin: a builtin that is not one, and a fact called with
      // an argument.
      const [[cwdMs], [argMs]] = await Promise.all([
        timed(ctx.call("node:process", "cwd")),
        timed(ctx.call("node:os", "hostname", "x")),
      ]);
      ok(cwdMs > 500, `node:process#cwd answered in ${cwdMs.toFixed(0)} ms, before the spin ended`);
      ok(
        argMs > 500,
        `node:os#hostname("x") answered in ${argMs.toFixed(0)} ms, before the spin ended`,
      );
      ok((await busy as number) >= 1500);
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
