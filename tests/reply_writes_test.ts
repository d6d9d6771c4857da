/**
 * The call worker writes replies to the frames' stream itself, beside the router: on Node the
 * small ones, from its thread (lib/transport/shared_frames.ts), on Deno all of them, from the call
 * host process (lib/transport/deno_frames.ts). These tests look at what could go wrong with two
 * writers: frames cut into each other, a reply overtaking what its call printed, and a worker
 * stopped while it could hold the lock.
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type Context, type LogLine, Router, TimeoutError } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const calls = new URL("./_fixtures/replies/calls.ts", import.meta.url);

/** Reply sizes on both sides of what the worker writes itself (64 KiB). */
const SIZES = [10, 5_000, 65_000, 70_000, 300_000];

/** A test of `body` on an ssh context of each runtime, given the log lines the master got. */
function overSsh(name: string, body: (ctx: Context, lines: LogLine[]) => Promise<void>): void {
  Deno.test(name, async (t) => {
    await using sshd = await startSshd();
    for (const rt of runtimes) {
      await t.step(rt.name, async () => {
        const lines: LogLine[] = [];
        await using router = new Router({ onLog: (l) => lines.push(l) });
        await body(
          await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path }),
          lines,
        );
      });
    }
  });
}

overSsh("what a call printed before it returned arrives before its result", async (ctx, lines) => {
  for (let round = 0; round < 5; round++) {
    const tag = `round${round}`;
    strictEqual(await ctx.call(calls, "printThenReturn", tag, 300), 300);
    // Counted as soon as the call is done: every line came before the result.
    strictEqual(lines.filter((l) => l.text.startsWith(`${tag} `)).length, 300, tag);
  }
});

overSsh(
  "many calls in flight with small and large replies keep every frame whole",
  async (ctx, lines) => {
    const texts = Array.from({ length: 240 }, (_, i) => {
      const size = SIZES[i % SIZES.length]!;
      return ctx.call<string>(calls, "text", `t${i}:`, size, i % 7).then((s) => {
        ok(s.startsWith(`t${i}:x`) && s.length === size, `reply ${i}: ${s.slice(0, 20)}`);
      });
    });
    const printed = Array.from(
      { length: 20 },
      (_, i) => ctx.call(calls, "printThenReturn", `p${i}`, 20),
    );
    const big = ctx.call<string>(calls, "text", "big:", 4 << 20);
    const small = Array.fromAsync(ctx.stream<string>(calls, "items", 200, 100));
    const large = Array.fromAsync(ctx.stream<string>(calls, "items", 40, 100_000));
    await Promise.all(texts);
    deepStrictEqual(await Promise.all(printed), Array(20).fill(20));
    strictEqual((await big).length, 4 << 20);
    for (
      const [got, count, size] of [[await small, 200, 100], [await large, 40, 100_000]] as const
    ) {
      strictEqual(got.length, count);
      got.forEach((item, i) => ok(item.startsWith(`${i}:y`) && item.length === size, `item ${i}`));
    }
    strictEqual(lines.filter((l) => /^p\d+ \d+$/.test(l.text)).length, 400);
  },
);

overSsh("a call stopped while stuck in native code leaves the next calls working", async (ctx) => {
  strictEqual(await ctx.call(calls, "text", "warm:", 10), "warm:xxxxx");
  // The worker cannot stop before `sleep` ends: meanwhile a new one serves calls.
  const started = Date.now();
  await rejects(
    ctx.callWith({ timeout: 300 }, "node:child_process", "execSync", "sleep 3"),
    TimeoutError,
  );
  const during = await Promise.all(
    Array.from({ length: 50 }, (_, i) => ctx.call(calls, "text", `d${i}:`, SIZES[i % 5]!)),
  );
  ok(Date.now() - started < 2500, `calls during the sleep took ${Date.now() - started} ms`);
  during.forEach((s, i) => ok((s as string).startsWith(`d${i}:x`), `reply ${i}`));
  // Once the old worker is gone, replies go on as before.
  await new Promise((r) => setTimeout(r, Math.max(0, started + 3500 - Date.now())));
  const after = await Promise.all(
    Array.from({ length: 50 }, (_, i) => ctx.call(calls, "text", `a${i}:`, SIZES[i % 5]!)),
  );
  after.forEach((s, i) => ok((s as string).startsWith(`a${i}:x`), `reply ${i}`));
});

overSsh("a cancel that comes after the reply cancels nothing: the worker lives on", async (ctx) => {
  const first = await ctx.call<number>(calls, "count");
  // The call's frame leaves at once; its reply comes after 300 ms, while this process, blocked,
  // reads nothing; the cancel follows 1.3 s later, when the reply has long been written.
  const abort = new AbortController();
  const call = ctx.callWith({ signal: abort.signal }, calls, "text", "late:", 10, 300);
  const settled = call.then(() => "resolved", (e: Error) => e.message);
  await new Promise((r) => setTimeout(r, 100));
  for (const end = Date.now() + 1500; Date.now() < end;) { /* blocked */ }
  abort.abort(new Error("stopped here"));
  strictEqual(await settled, "stopped here");
  // A restarted worker would count from 1 again.
  strictEqual(await ctx.call<number>(calls, "count"), first + 1);
});

Deno.test("frames a stage forwards from below and its own replies do not cut into each other", async (t) => {
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const parent = await router.local({ runtime: rt.path, name: "parent" });
      const child = await router.sudo({ via: parent, user: "root", name: "child" });
      // Large frames the parent's router writes on its own, while its worker writes its replies
      // (on Deno, large ones too; on Node, the router writes those).
      const forwarded = Array.from(
        { length: 24 },
        (_, i) =>
          child.call<string>(calls, "text", `c${i}:`, i % 2 ? 4 << 20 : 300_000).then((s) => {
            ok(s.startsWith(`c${i}:x`) && s.length === (i % 2 ? 4 << 20 : 300_000), `child ${i}`);
          }),
      );
      const own = Array.from(
        { length: 600 },
        (_, i) =>
          parent.call<string>(calls, "text", `o${i}:`, SIZES[i % 5]!, i % 7).then((s) => {
            ok(s.startsWith(`o${i}:x`) && s.length === SIZES[i % 5], `parent ${i}`);
          }),
      );
      await Promise.all([...forwarded, ...own]);
    });
  }
});

Deno.test("a no-op call wakes the stage's threads about twice: once in, once out", async (t) => {
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const ctx = await router.local({ runtime: rt.path });
      const { pid } = ctx.info!;
      // Each time a thread sleeps and is woken counts as a voluntary switch. Deno's calls run in
      // a process of its own, not counted here.
      const switches = async () => {
        let total = 0;
        for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
          const status = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/status`);
          total += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]);
        }
        return total;
      };
      for (let i = 0; i < 50; i++) await ctx.call("node:process", "cwd");
      // A busy machine (tests run in parallel) adds wake-ups, never removes them: the quietest of
      // three rounds shows what each call costs by design.
      const rounds: number[] = [];
      for (let round = 0; round < 3; round++) {
        const before = await switches();
        for (let i = 0; i < 300; i++) await ctx.call("node:process", "cwd");
        rounds.push((await switches() - before) / 300);
      }
      const perCall = Math.min(...rounds);
      // The main thread wakes for the call; the worker (on Deno the call host, not counted here)
      // runs it and writes the reply; V8's helper threads wake now and then (1.9-2.3 a call
      // here). Before: 3.3 on Node (the reply went through the main thread), 5 on Deno (stdin was
      // read on a thread of its own).
      const most = rt.kind === "deno" ? 3.5 : 2.6;
      ok(
        perCall < most,
        `${rounds.map((r) => r.toFixed(2)).join(", ")} wake-ups of the stage's threads per call`,
      );
    });
  }
});

Deno.test("call hosts stopped one after another leave no shared page or descriptor behind", async () => {
  const deno = runtimes.find((rt) => rt.kind === "deno")!;
  await using router = new Router();
  const ctx = await router.local({ runtime: deno.path });
  const { pid } = ctx.info!;
  // Each call host's counts live in a memfd page of its own (lib/transport/deno_frames.ts).
  const held = async () => ({
    pages: (await Deno.readTextFile(`/proc/${pid}/maps`)).split("\n")
      .filter((l) => l.includes("mitoctl-counts")).length,
    fds: (await Array.fromAsync(Deno.readDir(`/proc/${pid}/fd`))).length,
  });
  strictEqual(await ctx.call(calls, "count"), 1);
  const before = await held();
  strictEqual(before.pages, 1);
  // Every timeout stops the host and starts another.
  for (let i = 0; i < 20; i++) {
    await rejects(ctx.callWith({ timeout: 50 }, calls, "text", "t", 10, 1000), TimeoutError);
  }
  strictEqual(await ctx.call(calls, "count"), 1, "a new host");
  // The last host stopped may take a moment to exit, and its page goes when it has.
  let after = await held();
  for (const end = Date.now() + 3000; after.pages > 1 && Date.now() < end;) {
    await new Promise((r) => setTimeout(r, 50));
    after = await held();
  }
  strictEqual(after.pages, 1);
  ok(after.fds <= before.fds + 3, `descriptors: ${before.fds} before, ${after.fds} after`);
});

Deno.test("a large reply leaves the stage without the router reading it", async (t) => {
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      await using router = new Router();
      const ctx = await router.local({ runtime: rt.path });
      const { pid } = ctx.info!;
      // Bytes the router's process read (on Node the worker is a thread of it, whose replies
      // reach the router as moved buffers; on Deno the call host is a process of its own, which
      // writes them to the frames' pipe itself instead of handing them over a socket).
      const read = async () =>
        Number(/rchar:\s+(\d+)/.exec(await Deno.readTextFile(`/proc/${pid}/io`))![1]);
      const size = 8 << 20;
      strictEqual((await ctx.call<string>(calls, "text", "warm:", size)).length, size);
      const before = await read();
      for (let i = 0; i < 3; i++) {
        strictEqual((await ctx.call<string>(calls, "text", `big${i}:`, size)).length, size);
      }
      const got = await read() - before;
      ok(got < 1 << 20, `the router read ${got} bytes for 3 replies of ${size}`);
      // Replies of every size after the large ones still arrive whole.
      for (const s of SIZES) {
        strictEqual((await ctx.call<string>(calls, "text", "s:", s)).length, s);
      }
    });
  }
});
