/**
 * What user code writes to `process.stdout` and `process.stderr` reaches the master as lines, as
 * written: nothing for an empty write, a character split across writes whole, a string in the
 * encoding it was written in, and a write's callback called.
 */
import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type Context, type LogLine, Router } from "../mod.ts";
import { waitFor } from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const printing = new URL("./_fixtures/streams/printing.ts", import.meta.url);

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

      await t.step(
        `${rt.name} on ${ctx.name}: lines printed in a loop go out together`,
        async () => {
          const n = 10_000;
          const before = ctx.stats.framesReceived;
          const from = lines.length;
          strictEqual(await ctx.call(printing, "lines", n), n);
          // Every line, in order, before the reply; in far fewer messages than lines.
          const got = lines.slice(from).filter((l) => l.context === ctx.name && l.stream);
          deepStrictEqual(got.map((l) => l.text), Array.from({ length: n }, (_, i) => `line ${i}`));
          ok(ctx.stats.framesReceived - before < n / 20, `${ctx.stats.framesReceived - before}`);
        },
      );

      await t.step(
        `${rt.name} on ${ctx.name}: a line before a busy stretch goes out at once`,
        async () => {
          let seen = 0;
          const from = lines.length;
          const watch = setInterval(() => {
            if (!seen && lines.slice(from).some((l) => l.text === "started")) seen = Date.now();
          }, 20);
          try {
            strictEqual(await ctx.call(printing, "busy", 2000), "done");
          } finally {
            clearInterval(watch);
          }
          ok(
            seen && Date.now() - seen > 1000,
            `seen ${seen ? Date.now() - seen : "never"} ms before`,
          );
        },
      );

      await t.step(`${rt.name} on ${ctx.name}: stdout and stderr keep their order`, async () => {
        const from = lines.length;
        strictEqual(await ctx.call(printing, "mixed"), "mixed");
        const got = lines.slice(from).filter((l) => l.context === ctx.name && l.stream);
        deepStrictEqual(got.map((l) => `${l.stream} ${l.text}`), [
          "stdout one",
          "stderr two",
          "stdout three",
          "stderr four",
        ]);
      });

      await t.step(
        `${rt.name} on ${ctx.name}: what is printed before a fatal error arrives`,
        async () => {
          const from = lines.length;
          await rejects(ctx.callWith({ timeout: 10_000 }, printing, "crash"), /boom/);
          await waitFor(() => mine().some((l) => l.text === "last words") || undefined, 5000)
            .catch(() => {});
          deepStrictEqual(
            lines.slice(from).filter((l) => l.context === ctx.name && l.stream).map((l) => l.text),
            ["first words", "last words"],
          );
        },
      );

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
