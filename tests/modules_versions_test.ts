/**
 * A context holds one version of each module, the first it was sent, for its whole life: a new
 * root that shares a module changed since, and a call worker started after a timeout stopped the
 * one that imported it, run that version; a context started later (here, by the first one) gets
 * the changed file without replacing what its parent holds.
 */
import { rejects, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const runtimes = await testRuntimes();

const shared = (n: number) => `export const version: number = ${n};\n`;
const root = (name: string) =>
  `import { version } from "./shared.ts";\n` +
  `export function ${name}(): number {\n  return version;\n}\n` +
  `export function spin(): void {\n  for (;;);\n}\n`;

Deno.test("a context holds one version of each module, across roots and restarted workers", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-versions-" });
  try {
    for (const rt of runtimes) {
      await t.step(rt.name, async () => {
        const at = `${dir}/${rt.name}`;
        await Deno.mkdir(at);
        await Deno.writeTextFile(`${at}/shared.ts`, shared(1));
        await Deno.writeTextFile(`${at}/a.ts`, root("a"));
        await Deno.writeTextFile(`${at}/c.ts`, root("c"));
        const [a, c] = [`${at}/a.ts`, `${at}/c.ts`];
        await using router = new Router();
        const parent = await router.local({ runtime: rt.path, name: "parent" });
        strictEqual(await parent.call(a, "a"), 1);
        await Deno.writeTextFile(`${at}/shared.ts`, shared(2));
        strictEqual(await parent.call(c, "c"), 1, "a new root shares the version held");
        const child = await router.sudo({ via: parent, user: "root", runtime: rt.path });
        strictEqual(await child.call(c, "c"), 2, "a new context gets the changed file");
        await rejects(parent.callWith({ timeout: 500 }, a, "spin"), { name: "TimeoutError" });
        strictEqual(await parent.call(a, "a"), 1, "the new call worker imports what was held");
        strictEqual(await parent.call(c, "c"), 1);
        await rejects(child.callWith({ timeout: 500 }, c, "spin"), { name: "TimeoutError" });
        strictEqual(await child.call(c, "c"), 2, "the child keeps its own version too");
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
