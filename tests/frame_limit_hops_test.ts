import { ok, rejects, strictEqual } from "node:assert/strict";
import { type Context, MAX_FRAME_SIZE, Router } from "../mod.ts";
import { namespacesUnavailableReason, startTestNetwork } from "./_fixtures/netns.ts";

// In CI a machine without namespaces fails these tests; elsewhere they are ignored, loudly.
const unavailable = await namespacesUnavailableReason();
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the tests of the frame limit through hops: ${unavailable}`);

/** The master's limit in these tests: 1 MiB. */
const LIMIT = 1024 * 1024;
const OVER = /^Message of \d+ bytes exceeds the frame limit of 1048576 bytes$/;

const make = (n: number) => new Uint8Array(n);
const measure = (bytes: Uint8Array) => bytes.length;

Deno.test({
  name: "the master's maxFrameSize holds at every depth: an oversized value fails its own call",
  ignore,
  sanitizeResources: false,
  sanitizeOps: false,
}, async (t) => {
  await using net = await startTestNetwork();
  await using router = new Router({ maxFrameSize: LIMIT });
  const connect = { sshConfig: net.sshConfig, identity: net.identity };
  const contexts: Context[] = [];
  for (const target of ["bastion", "bastion/web1", `bastion/web1/sudo:${net.sudoUser}`]) {
    await t.step(`${target}: a result or an argument over 1 MiB fails its call only`, async () => {
      const ctx = await router.connect(target, connect);
      contexts.push(ctx);
      const other = ctx.call("node:timers/promises", "setTimeout", 300, "other ok");
      await rejects(ctx.eval(make, 2 * LIMIT), (e) => {
        strictEqual((e as Error).name, "RemoteError");
        strictEqual((e as { remoteName: string }).remoteName, "RangeError");
        ok(OVER.test((e as { remote: Error }).remote.message), (e as Error).message);
        return true;
      });
      await rejects(ctx.eval(measure, make(2 * LIMIT)), { name: "RangeError", message: OVER });
      strictEqual(await other, "other ok");
      strictEqual((await ctx.eval(make, LIMIT - 1024)).length, LIMIT - 1024);
      strictEqual(await ctx.eval(measure, make(LIMIT - 1024)), LIMIT - 1024);
    });
  }
  await t.step("every context, and the links between them, live on", async () => {
    for (const ctx of contexts) {
      strictEqual(ctx.closed, false, ctx.name);
      ok(await ctx.call("node:os", "hostname"), ctx.name);
    }
  });
});

Deno.test("a maxFrameSize above the default reaches the remote's reader", async () => {
  await using router = new Router({ maxFrameSize: MAX_FRAME_SIZE + 1024 * 1024 });
  const ctx = await router.local({ runtime: Deno.execPath() });
  const size = MAX_FRAME_SIZE + 1024;
  // The master's own reader takes the limit it was given; the remote's must learn it.
  strictEqual(await ctx.eval(measure, make(size)), size);
});
