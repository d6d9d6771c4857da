import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { CommandError, Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

Deno.test("ctx.exec() runs a command to its end and returns its output", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });

    await t.step(`${rt.name}: stdout, stderr, code and signal`, async () => {
      deepStrictEqual(
        await ctx.exec(["sh", "-c", "printf 'out\\n'; printf err >&2; exit 3"]),
        { stdout: "out\n", stderr: "err", code: 3, signal: null },
      );
      deepStrictEqual(
        await ctx.exec(["sh", "-c", "kill -TERM $$"]),
        { stdout: "", stderr: "", code: null, signal: "SIGTERM" },
      );
      const wide = await ctx.exec(["printf", "%s", "\ufeffé😀"]);
      strictEqual(wide.stdout, "\ufeffé😀");
    });

    await t.step(`${rt.name}: stdin, cwd and env`, async () => {
      const r = await ctx.exec(["sh", "-c", 'wc -c; pwd; echo "$GREETING"'], {
        stdin: "hello",
        cwd: "/tmp",
        env: { GREETING: "hi" },
      });
      strictEqual(r.stdout, "5\n/tmp\nhi\n");
    });

    await t.step(
      `${rt.name}: check: true rejects a non-zero exit with a CommandError`,
      async () => {
        await rejects(ctx.exec(["sh", "-c", "echo bad >&2; exit 4"], { check: true }), (e) => {
          ok(e instanceof CommandError, `${e}`);
          strictEqual(
            e.message,
            'Command "sh -c echo bad >&2; exit 4" on "mito" exited with code 4: bad',
          );
          strictEqual(e.exitCode, 4);
          deepStrictEqual(e.result, { stdout: "", stderr: "bad\n", code: 4, signal: null });
          return true;
        });
        strictEqual((await ctx.exec(["true"], { check: true })).code, 0);
      },
    );

    await t.step(`${rt.name}: timeout and output limit stop the command`, async () => {
      await rejects(ctx.exec(["sleep", "30"], { timeout: 500 }), {
        name: "TimeoutError",
        message: 'Command "sleep 30" on "mito" timed out after 0.5 s',
      });
      await rejects(ctx.exec(["head", "-c", "100000", "/dev/zero"], { maxOutput: 100 }), {
        name: "RangeError",
        message: 'Command "head -c 100000 /dev/zero" on "mito" printed more than 100 bytes',
      });
    });

    await t.step(`${rt.name}: ctx.info holds the documented fields only`, () => {
      deepStrictEqual(Object.keys(ctx.info!), ["runtime", "version", "pid", "host", "user"]);
      strictEqual(ctx.info!.version, rt.version);
    });
  }
});
