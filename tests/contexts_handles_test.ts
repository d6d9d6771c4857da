import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { encode } from "../lib/wire/codec.ts";
import { encodeFrame } from "../lib/wire/frame.ts";
import { masterPipes } from "./_fixtures/frames_channel.ts";
import { testNode } from "./_fixtures/runtimes.ts";

const FRAMES_CHANNEL = new URL("./_fixtures/frames_channel.ts", import.meta.url).href;

/** What remote code sees of a handle it was passed. */
interface Handle {
  readonly id: number;
  readonly name: string;
  call(mod: string, fn: string, ...args: unknown[]): Promise<unknown>;
}

Deno.test("a context handed to another as an argument can be called from there", async (t) => {
  const inherited = masterPipes();
  await using router = new Router();
  const a = await router.local({ name: "a" });
  const b = await router.local({ name: "b", runtime: (await testNode()).path });
  const c = await router.local({ name: "c" });

  await t.step("remote code calls the context it was given, across two links", async () => {
    const got = await a.eval(async (h: Handle) => {
      const info = await h.call("node:os", "userInfo") as { username: string };
      return [h.name, await h.call("node:path", "join", "x", "y"), info.username];
    }, b);
    deepStrictEqual(got, ["b", "x/y", "root"]);
  });

  await t.step("errors thrown in the called context reach the caller's code", async () => {
    const message = await a.eval(async (h: Handle) => {
      try {
        await h.call("node:fs", "readFileSync", "/nonexistent/mitoctl");
        return "no error";
      } catch (e) {
        return (e as Error).message;
      }
    }, b);
    ok(/ENOENT/.test(message), message);
  });

  await t.step("a handle returned to the master is the master's own context", async () => {
    strictEqual(await a.eval((h: Handle) => h, b), b);
  });

  await t.step("a handle forged for a context never handed over is refused there", async () => {
    const message = await a.eval(
      async (h: Handle, id: number) => {
        const Forged = h.constructor as new (id: number, name: string) => Handle;
        try {
          return await new Forged(id, "c").call("node:os", "hostname");
        } catch (e) {
          return String(e);
        }
      },
      b,
      c.id,
    );
    strictEqual(
      message,
      `Error: Context ${a.id} may not call into context ${c.id}: no grant, or it ended with ` +
        `the call that handed it over`,
    );
  });

  await t.step("a context handed another cannot push modules into it", async () => {
    const victim = new URL("./_fixtures/handles/victim.ts", import.meta.url).href;
    // What hostile code in `a` can write on its stage's frame channel: a call carrying its own
    // version of the module.
    const raw = encodeFrame(
      b.id,
      a.id,
      encode({
        t: "call",
        id: 999,
        mod: victim,
        fn: "f",
        args: encode([]),
        modules: [{ url: victim, source: "export function f() { return 'pushed by a'; }" }],
      }),
    );
    // The forged frame and a's own call through the handle leave on one pipe, in that order,
    // and reach b in that order: when b answers the second, it has already handled the first.
    const after = await a.call(
      FRAMES_CHANNEL,
      "writeThenCall",
      raw,
      a.info!.pid,
      masterPipes(inherited),
      b,
      victim,
      "f",
    );
    strictEqual(after, `Error: Context ${b.id} does not hold "${victim}"`);
    strictEqual(await b.call(victim, "f"), "the master's code");
    strictEqual(router.isSuspect(b), false);
  });

  await t.step("siblings behind one parent talk through it", async () => {
    const parent = await router.local({ name: "parent" });
    const s1 = await router.sudo({ via: parent, user: "root", name: "s1" });
    const s2 = await router.sudo({ via: parent, user: "mitoctl-t1", name: "s2" });
    const before = s1.stats.bytesReceived + s2.stats.bytesReceived;
    const user = await s1.eval(async (h: Handle) => {
      const info = await h.call("node:os", "userInfo") as { username: string };
      return info.username;
    }, s2);
    strictEqual(user, "mitoctl-t1");
    // Only the eval's own reply reached the master: the call itself stayed below the parent.
    ok(s2.stats.bytesReceived + s1.stats.bytesReceived - before < 200);
  });
});
