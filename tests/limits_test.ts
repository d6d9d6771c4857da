import { ok, rejects, strictEqual } from "node:assert/strict";
import { MAX_FRAME_SIZE, RemoteError, Router } from "../mod.ts";
import { testNode } from "./_fixtures/runtimes.ts";

Deno.test("a result over the frame limit fails its call; the context and other calls live on", async () => {
  await using router = new Router();
  for (const runtime of ["deno", (await testNode()).path]) {
    const ctx = await router.local({ runtime });
    const other = ctx.call("node:timers/promises", "setTimeout", 500, "other ok");
    await rejects(
      ctx.eval((n: number) => new Uint8Array(n), MAX_FRAME_SIZE + 1024),
      (e) =>
        e instanceof RemoteError && e.remoteName === "RangeError" &&
        /^Message of \d+ bytes exceeds the frame limit of 67108864 bytes$/.test(e.remote.message),
    );
    strictEqual(await other, "other ok");
    strictEqual(ctx.closed, false);
    ok(await ctx.call("node:os", "hostname"));
  }
});
