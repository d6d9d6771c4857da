/**
 * A stage that runs inside mitoctl's own program: the compiled binary runs a local context's stage
 * 1 itself (`--mitoctl-stage1`), and cannot run `deno eval`, so what that stage starts of mitoctl
 * (Deno's call host, child contexts) goes through the program too. Here the program is `main.ts`
 * run by `deno run` with the same flag, as tests/self_stage1_test.ts runs it; the binary itself is
 * tested by tests/compile_test.ts where `DENORT_BIN` is available.
 */
import { ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { SELF_HOST_FLAG, SELF_STAGE1_FLAG } from "../lib/stage/self.ts";
import { commandLine, processTree } from "./_fixtures/processes.ts";

const root = new URL("../", import.meta.url).pathname;

/** The command lines of `pid` and every process below it that hold `flag`. */
function linesWith(pid: number, flag: string): string[] {
  return processTree(pid).map((p) => commandLine(p) ?? "").filter((line) => line.includes(flag));
}

Deno.test("a stage inside mitoctl's own program starts its call host and children through it", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-self-" });
  try {
    // A "runtime" that the master starts as it starts Deno (its name says deno) and that runs
    // main.ts as stage 1 on the stage-2 size, the last argument, as the binary runs itself.
    const program = `${dir}/deno-self`;
    await Deno.writeTextFile(
      program,
      `#!/bin/sh\nfor last; do :; done\nexec '${Deno.execPath()}' run -A '${root}main.ts' ` +
        `${SELF_STAGE1_FLAG} "$last"\n`,
      { mode: 0o755 },
    );
    await using router = new Router();
    const ctx = await router.local({ runtime: program });
    const main = `${root}main.ts`;

    await t.step(
      "calls into user code run in a call host started through the program",
      async () => {
        strictEqual(await ctx.call("node:path", "basename", "/a/b"), "b");
        const tasks = new URL("_fixtures/modgraph/tasks.ts", import.meta.url).href;
        strictEqual(await ctx.call(tasks, "add", 2, 3), 5);
        const hosts = linesWith(ctx.info!.pid, SELF_HOST_FLAG);
        strictEqual(hosts.length, 1, "no call host runs through the program");
        ok(hosts[0]!.includes(main) && !hosts[0]!.includes(" eval "), hosts[0]);
      },
    );

    await t.step("a child context starts through the program", async () => {
      const child = await router.sudo({ via: ctx, user: "root" });
      strictEqual((await child.call<{ uid: number }>("node:os", "userInfo")).uid, 0);
      strictEqual(await child.call("node:path", "basename", "/c/d"), "d");
      // The child's own command line is its title by now; sudo's still shows what it ran, and
      // the child's call host runs through the program too.
      const sudo = linesWith(ctx.info!.pid, SELF_STAGE1_FLAG).filter((l) => l.includes("sudo"));
      strictEqual(sudo.length, 1, "sudo did not start the program as stage 1");
      ok(sudo[0]!.includes(main) && !sudo[0]!.includes("eval"), sudo[0]);
      strictEqual(linesWith(ctx.info!.pid, SELF_HOST_FLAG).length, 2);
      await child.close();
    });
    await ctx.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
