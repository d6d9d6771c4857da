import { ok, rejects, strictEqual } from "node:assert/strict";
import { RemoteError, Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const tools = new URL("./_fixtures/classes/tools.ts", import.meta.url);

Deno.test("ctx.eval() refuses captured variables; ctx.call() reaches static methods", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });

    await t.step(
      `${rt.name}: a function using outer variables is refused before sending`,
      async () => {
        const outer = 41;
        const limit = { max: 2 };
        const sent = ctx.stats.framesSent;
        let pending: Promise<unknown> | undefined;
        // Never a synchronous throw: the refusal is a rejection.
        const start = () => pending = ctx.eval((a: number) => a + outer + limit.max, 1);
        start();
        ok(pending instanceof Promise);
        await rejects(pending, {
          name: "TypeError",
          message: "eval() cannot send a function that uses variables from its enclosing scope: " +
            '"limit", "outer" (pass them as arguments)',
        });
        await rejects(ctx.eval(42 as unknown as () => void), {
          name: "TypeError",
          message: "eval() takes a function",
        });
        strictEqual(ctx.stats.framesSent, sent, "something was sent");
      },
    );

    await t.step(`${rt.name}: globals, arguments and local names are fine`, async () => {
      const value = await ctx.eval(
        async (a: number, b: number) => {
          const { hostname } = await import("node:os");
          const pick = (x: number, y: number) => Math.max(x, y);
          return [pick(a, b), JSON.stringify({ a }), typeof hostname(), typeof process.pid];
        },
        1,
        2,
      );
      strictEqual(JSON.stringify(value), '[2,"{\\"a\\":1}","string","number"]');
    });

    await t.step(
      `${rt.name}: "Class.method" calls a static method, inherited ones too`,
      async () => {
        strictEqual(await ctx.call(tools, "Tools.greet", "ann"), "hello ann from Tools");
        strictEqual(await ctx.call(tools, "More.greet", "bob"), "hello bob from More");
        await rejects(ctx.call(tools, "Tools.bind"), (e) => {
          ok(e instanceof RemoteError, `${e}`);
          strictEqual(
            e.message,
            `TypeError on "mito": Module "${tools.href}" has no export or static method "Tools.bind"`,
          );
          return true;
        });
        await rejects(ctx.call(tools, "settings.greet"), {
          message: `TypeError on "mito": Module "${tools.href}" has no export or static method ` +
            `"settings.greet"`,
        });
        await rejects(ctx.call(tools, "Nope.greet"), {
          message: `TypeError on "mito": Module "${tools.href}" has no export or static method ` +
            `"Nope.greet"`,
        });
      },
    );
  }
});
