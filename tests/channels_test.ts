import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
import { Channel, ConnectionError, Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const echo = new URL("./_fixtures/channels/echo.ts", import.meta.url);
const runtimes = await testRuntimes();

Deno.test("channels carry values both ways between the master and remote code", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await using router = new Router();
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });

    await t.step(
      `${rt.name}: a request and reply exchange, values sent early included`,
      async () => {
        const ch = new Channel<{ echo: unknown; n: number }, unknown>();
        ch.send("early");
        const done = ctx.call<number>(echo, "serve", ch);
        const got: unknown[] = [];
        for await (const reply of ch) {
          got.push(reply);
          if (got.length < 3) ch.send({ n: got.length, when: new Date(0) });
          else ch.close();
        }
        deepStrictEqual(got, [
          { echo: "early", n: 1 },
          { echo: { n: 1, when: new Date(0) }, n: 2 },
          { echo: { n: 2, when: new Date(0) }, n: 3 },
        ]);
        strictEqual(await done, 3);
      },
    );

    await t.step(`${rt.name}: the remote end closing ends the master's loop`, async () => {
      const ch = new Channel<number>();
      strictEqual(await ctx.call(echo, "produce", ch, 100), "sent");
      deepStrictEqual(await Array.fromAsync(ch), [...Array(100).keys()]);
    });
  }
});

Deno.test("a channel fails when its context is lost, and binds to one context", async () => {
  await using router = new Router();
  const a = await router.local({ name: "a" });
  const b = await router.local({ name: "b" });
  const ch = new Channel<string, string>();
  const call = a.call(echo, "hang", ch).then(() => "returned", (e: unknown) => e);
  ch.send("go");
  const first = await ch[Symbol.asyncIterator]().next();
  strictEqual(first.value, "ready");
  await rejects(b.call(echo, "hang", ch), {
    name: "TypeError",
    message: /^Cannot send the arguments of .*: A channel connects the master and one context/,
  });
  await a.close();
  strictEqual((await call) instanceof ConnectionError, true);
  await rejects(Array.fromAsync(ch), {
    name: "ConnectionError",
    message: 'Context "a" was closed',
  });
  throws(() => ch.send("late"), { name: "ConnectionError", message: 'Context "a" was closed' });
});
