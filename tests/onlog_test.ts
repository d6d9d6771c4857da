import { deepStrictEqual, ok } from "node:assert/strict";
import { type LogLine, Router } from "../mod.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const chatty = new URL("./_fixtures/streams/gen.ts", import.meta.url);

Deno.test("onLog gets debug lines only when asked", async (t) => {
  await using sshd = await startSshd();
  for (const debug of [false, true]) {
    await t.step(`debug: ${debug}`, async () => {
      const lines: LogLine[] = [];
      {
        await using router = new Router({ debug, onLog: (l) => lines.push(l) });
        const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig });
        await ctx.call(chatty, "chatty");
      }
      const starting = lines.filter((l) => l.level === "debug" && l.text.startsWith("starting: "));
      deepStrictEqual(starting.length, debug ? 1 : 0, JSON.stringify(lines));
      if (!debug) deepStrictEqual(lines.filter((l) => l.level === "debug"), []);
      // What remote code printed arrives either way.
      ok(lines.some((l) => l.stream && l.text === "to the console"), JSON.stringify(lines));
    });
  }
});
