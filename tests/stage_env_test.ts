/**
 * The stage's own environment (Deno's cache settings, the descriptors Deno hands a child) stays
 * the stage's: user code, and the programs it starts, see the login's environment.
 */
import { deepStrictEqual } from "node:assert/strict";
import { type Context, Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

/** Variables only the stage's start needs. */
const STAGE_ONLY = /^(DENO_DIR|DENO_EMIT_CACHE_MODE|DENO_EXTRA_STDIO_FDS|MITOCTL_W)=/;

/** The stage-only variables user code in `ctx` sees, and those a program it starts sees. */
async function stageVariables(ctx: Context): Promise<{ own: string[]; child: string[] }> {
  const own = await ctx.eval(
    (pattern: string) =>
      Object.entries(process.env).map(([k, v]) => `${k}=${v}`).filter((line) =>
        new RegExp(pattern).test(line)
      ),
    STAGE_ONLY.source,
  );
  const out = await ctx.call<Uint8Array>("node:child_process", "execFileSync", "env");
  const child = new TextDecoder().decode(out).split("\n").filter((l) => STAGE_ONLY.test(l));
  return { own, child };
}

Deno.test("user code and what it starts see the login's environment, not the stage's", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    await t.step(`${rt.name} over ssh`, async () => {
      const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
      deepStrictEqual(await stageVariables(ctx), { own: [], child: [] });
      await ctx.close();
    });
    await t.step(`${rt.name} locally`, async () => {
      const ctx = await router.local({ runtime: rt.path });
      deepStrictEqual(await stageVariables(ctx), { own: [], child: [] });
      await ctx.close();
    });
  }
});
