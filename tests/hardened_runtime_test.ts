/**
 * A runtime that refuses to evaluate strings (`--disallow-code-generation-from-strings`, which
 * hardened hosts put in `NODE_OPTIONS` or `DENO_V8_FLAGS`) still runs a stage: stage 1 then imports
 * stage 2 as a module instead of evaluating it, and the call worker and Deno's call host start the
 * same way. Every test runtime, the flag set by the environment the runtime starts in.
 */

import { strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);
const FLAG = "--disallow-code-generation-from-strings";

Deno.test("a runtime that refuses to evaluate strings still runs facts, calls and evals", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hardened-" });
  try {
    for (const rt of runtimes) {
      await t.step(rt.name, async () => {
        // Named after its kind, as a runtime path is judged (deno-… or node-…).
        const wrapper = `${dir}/${rt.kind}-hardened-${rt.name}`;
        const env = rt.kind === "deno" ? "DENO_V8_FLAGS" : "NODE_OPTIONS";
        await Deno.writeTextFile(wrapper, `#!/bin/sh\n${env}=${FLAG} exec ${rt.path} "$@"\n`);
        await Deno.chmod(wrapper, 0o755);
        await using router = new Router();
        const ctx = await router.local({ runtime: wrapper });
        // The flag holds where user code runs (Node's worker thread, Deno's call host).
        const refused = await ctx.eval(() => {
          try {
            (0, eval)("1");
            return "evaluated";
          } catch (e) {
            return (e as Error).name;
          }
        });
        strictEqual(refused, "EvalError");
        strictEqual(typeof await ctx.call("node:os", "hostname"), "string");
        strictEqual(await ctx.call("node:process", "cwd"), Deno.cwd());
        const echoed = await ctx.call(targets, "echo", "a", 1);
        strictEqual(JSON.stringify(echoed), '["a",1]');
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
