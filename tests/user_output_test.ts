/**
 * What user code writes to `process.stdout` and `process.stderr` reaches the master as lines, as
 * written: nothing for an empty write, a character split across writes whole, a string in the
 * encoding it was written in, and a write's callback called.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { type Context, type LogLine, Router } from "../mod.ts";
import { waitFor } from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

Deno.test("user code's writes reach the master as written", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    const lines: LogLine[] = [];
    await using router = new Router({ onLog: (l) => lines.push(l) });
    const contexts: Context[] = [
      await router.local({ runtime: rt.path }),
      await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path }),
    ];
    for (const ctx of contexts) {
      const mine = () => lines.filter((l) => l.context === ctx.name && l.stream);

      await t.step(`${rt.name} on ${ctx.name}: a spawning call sends its reply alone`, async () => {
        // execFileSync writes its child's stderr after every run, here empty.
        await ctx.call("node:child_process", "execFileSync", "/bin/true");
        const before = ctx.stats.framesReceived;
        await ctx.call("node:child_process", "execFileSync", "/bin/true");
        strictEqual(ctx.stats.framesReceived - before, 1);
      });

      await t.step(`${rt.name} on ${ctx.name}: a character split across writes`, async () => {
        await ctx.eval(() => {
          const e = new TextEncoder().encode("split é here\n");
          const at = e.indexOf(0xc3) + 1;
          process.stdout.write(e.subarray(0, at));
          process.stdout.write(e.subarray(at));
        });
        await waitFor(() => mine().some((l) => l.text.startsWith("split")) || undefined, 5000)
          .catch(() => {});
        deepStrictEqual(mine().filter((l) => l.text.startsWith("split")).map((l) => l.text), [
          "split é here",
        ]);
      });

      await t.step(`${rt.name} on ${ctx.name}: a string written in an encoding`, async () => {
        await ctx.eval(() => {
          process.stdout.write("68657820", "hex");
          process.stdout.write("ZGVjb2RlZAo=", "base64");
        });
        await waitFor(() => mine().some((l) => l.text.startsWith("hex")) || undefined, 5000)
          .catch(() => {});
        deepStrictEqual(mine().filter((l) => l.text.startsWith("hex")).map((l) => l.text), [
          "hex decoded",
        ]);
      });

      await t.step(`${rt.name} on ${ctx.name}: a write's callback is called`, async () => {
        const written = await ctx.callWith(
          { timeout: 10_000 },
          "data:text/javascript,export const w=()=>new Promise((r)=>process.stderr.write(" +
            '"flushed\\n",()=>r("called")))',
          "w",
        );
        strictEqual(written, "called");
      });
    }
  }
});
