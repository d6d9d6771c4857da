import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type Context, type LogLine, RemoteError, Router } from "../mod.ts";
import { startSshd } from "./_fixtures/sshd.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const gen = new URL("./_fixtures/streams/gen.ts", import.meta.url);
const runtimes = await testRuntimes();

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}

async function streamChecks(t: Deno.TestContext, ctx: Context, logs: LogLine[], label: string) {
  await t.step(`${label}: values come in order and the return ends the loop`, async () => {
    deepStrictEqual(await Array.fromAsync(ctx.stream(gen, "count", 50)), [...Array(50).keys()]);
    deepStrictEqual(await Array.fromAsync(ctx.stream(gen, "doubles", 4)), [0, 2, 4, 6]);
  });

  await t.step(`${label}: a slow consumer holds the producer back`, async () => {
    const window = 8;
    let seen = 0;
    for await (const _ of ctx.streamWith({ window }, gen, "count", 10_000)) {
      if (++seen === 20) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const { produced } = await ctx.call<{ produced: number }>(gen, "progress");
    ok(produced <= seen + window + 1, `produced ${produced} for ${seen} consumed`);
  });

  await t.step(`${label}: break stops the remote generator and runs its finally`, async () => {
    const before = (await ctx.call<{ finallyRan: number }>(gen, "progress")).finallyRan;
    const stopped = () => logs.filter((l) => l.text.startsWith("count stopped after"));
    const earlier = stopped().length;
    for await (const v of ctx.stream<number>(gen, "count", 1_000_000)) if (v === 3) break;
    // The line this generator's finally logs, not one from an earlier stream.
    await waitFor(() => stopped().length > earlier);
    const after = await ctx.call<{ produced: number; finallyRan: number }>(gen, "progress");
    strictEqual(after.finallyRan, before + 1);
    ok(after.produced < 100, `kept producing: ${after.produced}`);
    const line = stopped().at(-1)!;
    strictEqual(line.stream, "stderr");
    strictEqual(line.context, ctx.name);
  });

  await t.step(`${label}: a remote throw ends the loop with a RemoteError`, async () => {
    const got: number[] = [];
    await rejects(async () => {
      for await (const v of ctx.stream<number>(gen, "failing")) got.push(v);
    }, (e) => e instanceof RemoteError && e.remoteName === "RangeError");
    deepStrictEqual(got, [1]);
  });

  await t.step(`${label}: an abort signal ends an endless stream`, async () => {
    const abort = new AbortController();
    const got: number[] = [];
    await rejects(async () => {
      for await (const v of ctx.streamWith<number>({ signal: abort.signal }, gen, "forever")) {
        got.push(v);
        if (v === 5) abort.abort(new Error("enough"));
      }
    }, /enough/);
    strictEqual(got.length, 6);
    strictEqual(await ctx.call("node:path", "join", "still", "up"), "still/up");
  });

  await t.step(`${label}: call() and stream() refuse the wrong kind of function`, async () => {
    await rejects(
      ctx.call(gen, "count", 1),
      (e) =>
        e instanceof RemoteError && e.message.endsWith(
          "returned an async iterable: use " +
            "stream(), not call()",
        ),
    );
    await rejects(
      Array.fromAsync(ctx.stream(gen, "plain")),
      (e) =>
        e instanceof RemoteError && e.message.endsWith(
          "returned a number, not an iterable: " +
            "use call(), not stream()",
        ),
    );
  });

  await t.step(
    `${label}: user output comes back as tagged lines, never into the protocol`,
    async () => {
      strictEqual(await ctx.call(gen, "chatty"), "still fine");
      await waitFor(() => logs.some((l) => l.text === "plain stdout"));
      const mine = logs.filter((l) => l.context === ctx.name && l.stream);
      ok(
        mine.some((l) => l.text === "to the console" && l.stream === "stdout"),
        JSON.stringify(mine),
      );
      ok(mine.some((l) => l.text === "a warning" && l.stream === "stderr"), JSON.stringify(mine));
      ok(
        mine.some((l) => l.text === "plain stdout" && l.stream === "stdout"),
        JSON.stringify(mine),
      );
      strictEqual(await ctx.call("node:path", "join", "a", "b"), "a/b");
    },
  );
}

Deno.test("streams from remote generators over ssh, on every runtime", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    const logs: LogLine[] = [];
    await using router = new Router({ onLog: (l) => logs.push(l) });
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
    await streamChecks(t, ctx, logs, `${rt.name} over ssh`);
  }
});

Deno.test("streams and output through a context started by another", async (t) => {
  const logs: LogLine[] = [];
  await using router = new Router({ onLog: (l) => logs.push(l) });
  const parent = await router.local({ name: "parent" });
  const child = await router.sudo({ via: parent, user: "root", name: "parent/sudo" });
  await streamChecks(t, child, logs, "one hop down");
  await t.step("bulk: 32 MiB in 64 KiB chunks arrive whole", async () => {
    let bytes = 0;
    for await (const c of child.stream<Uint8Array>(gen, "chunks", 512, 65536)) {
      bytes += c.length;
    }
    strictEqual(bytes, 512 * 65536);
  });
});
