/** Promises of the README's library section that no other test holds to, on local contexts. */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { processInput, Router, type RunEvent, runProcess } from "../mod.ts";

const decoder = new TextDecoder();
const gen = new URL("./_fixtures/streams/gen.ts", import.meta.url);
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);

/** Everything a process printed on fd 1, and how it ended. */
async function collect(events: AsyncIterable<RunEvent>, onStart?: (handle: number) => unknown) {
  let out = "";
  let exit: Extract<RunEvent, { t: "exit" }> | undefined;
  for await (const e of events) {
    if (e.t === "start") await onStart?.(e.handle);
    else if (e.t === "out" && e.fd === 1) out += decoder.decode(e.data);
    else if (e.t === "exit") exit = e;
  }
  return { out, exit };
}

Deno.test("runProcess() takes shell, cwd, env and stdin; processInput() feeds and closes it", async (t) => {
  await using router = new Router();
  const ctx = await router.local();
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "mitoctl-run-" }));
  try {
    await t.step("shell, cwd and env", async () => {
      const { out, exit } = await collect(
        runProcess(ctx, ['echo "$GREETING" "$(pwd)" | tr a-z A-Z'], {
          shell: true,
          cwd: dir,
          env: { GREETING: "hello" },
        }),
      );
      strictEqual(out, `HELLO ${dir.toUpperCase()}\n`);
      deepStrictEqual(exit, { t: "exit", code: 0, signal: null });
    });

    await t.step("without shell, the argv is not a shell string", async () => {
      const { out } = await collect(
        runProcess(ctx, ["echo", "$GREETING"], { env: { GREETING: "x" } }),
      );
      strictEqual(out, "$GREETING\n");
    });

    await t.step("stdin stays open for processInput(), and no data closes it", async () => {
      const { out, exit } = await collect(
        runProcess(ctx, ["sh", "-c", "cat; echo end"], { stdin: true }),
        async (handle) => {
          await processInput(ctx, handle, new TextEncoder().encode("one\n"));
          await processInput(ctx, handle, new TextEncoder().encode("two\n"));
          await processInput(ctx, handle);
        },
      );
      strictEqual(out, "one\ntwo\nend\n");
      strictEqual(exit?.code, 0);
    });

    await t.step("without stdin: true, stdin is /dev/null", async () => {
      const { out } = await collect(runProcess(ctx, ["sh", "-c", "cat; echo done"]));
      strictEqual(out, "done\n");
    });

    await t.step("aborting sends SIGINT; what the handler prints still comes", async () => {
      const abort = new AbortController();
      const reason = new Error("enough");
      let out = "";
      const script = 'trap "echo bye; exit 3" INT; echo up; while :; do sleep 0.05; done';
      await rejects(
        (async () => {
          for await (const e of runProcess(ctx, ["sh", "-c", script], { signal: abort.signal })) {
            if (e.t !== "out") continue;
            out += decoder.decode(e.data);
            if (out === "up\n") abort.abort(reason);
          }
        })(),
        (e) => e === reason,
      );
      strictEqual(out, "up\nbye\n");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ctx.push() and ctx.pull() copy a tree and report what they sent", async () => {
  await using router = new Router();
  const ctx = await router.local();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-ctx-push-" });
  try {
    await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/a.txt`, "aa");
    await Deno.writeTextFile(`${dir}/src/sub/b.txt`, "bbb");
    const pushed = await ctx.push(`${dir}/src`, `${dir}/remote`);
    strictEqual(pushed.target, "local");
    deepStrictEqual([pushed.sent, pushed.skipped, pushed.bytes], [2, 0, 5]);
    strictEqual(await Deno.readTextFile(`${dir}/remote/sub/b.txt`), "bbb");
    const again = await ctx.push(`${dir}/src`, `${dir}/remote`);
    deepStrictEqual([again.sent, again.skipped], [0, 2]);
    await Deno.writeTextFile(`${dir}/remote/sub/c.txt`, "c");
    const pulled = await ctx.pull(`${dir}/remote`, `${dir}/back`);
    deepStrictEqual([pulled.sent, pulled.bytes], [3, 6]);
    strictEqual(await Deno.readTextFile(`${dir}/back/sub/c.txt`), "c");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stream runs at most 64 items ahead of its consumer by default", async () => {
  await using router = new Router();
  const ctx = await router.local();
  const progress = async () => (await ctx.call<{ produced: number }>(gen, "progress")).produced;
  const items = ctx.stream<number>(gen, "count", 10_000)[Symbol.asyncIterator]();
  strictEqual((await items.next()).value, 0);
  // The producer fills the window, an event each poll sees; then it waits for the consumer.
  const deadline = Date.now() + 10_000;
  while (await progress() < 64 && Date.now() < deadline) { /* poll again */ }
  const filled = await progress();
  for (let i = 0; i < 5; i++) await progress();
  const later = await progress();
  // The item consumed and the window of 64 behind it.
  ok(filled >= 64 && later <= 65, `produced ${filled}, then ${later}, for one item consumed`);
  await items.return?.(undefined);
});

Deno.test("on Node, a timed-out call in a busy loop stops using the CPU", async () => {
  await using router = new Router();
  // Deno may keep such a loop running (the README says so, and mitoctl warns): Node only.
  const ctx = await router.local({ runtime: "node" });
  const pid = ctx.info!.pid;
  /** CPU time of the context's process so far, in clock ticks (1/100 s). */
  const ticks = async () => {
    const fields = (await Deno.readTextFile(`/proc/${pid}/stat`)).split(") ")[1]!.split(" ");
    return Number(fields[11]) + Number(fields[12]);
  };
  await rejects(ctx.callWith({ timeout: 200 }, targets, "spin", 5000), {
    name: "TimeoutError",
    message: `Call ${targets.href}#spin on "local" timed out after 0.2 s`,
  });
  strictEqual(await ctx.call("node:path", "join", "a", "b"), "a/b");
  const before = await ticks();
  // A second of wall time, counted by the remote's own clock: a loop still spinning would
  // take all of it on one core.
  await ctx.call("node:timers/promises", "setTimeout", 1000);
  const used = await ticks() - before;
  ok(used < 50, `${used} ticks of CPU in the second after the timeout`);
});
