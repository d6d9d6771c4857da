import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type LogLine, Router } from "../mod.ts";
import { CLOSE_GRACE } from "../lib/limits.ts";
import { waitFor } from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);

Deno.test("what user code writes to its stdout never reaches the frames", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(`${rt.name}: fd 1 and a child sharing it come back as stderr lines`, async () => {
      const lines: LogLine[] = [];
      await using router = new Router({ onLog: (l) => lines.push(l) });
      for (
        const ctx of [
          await router.local({ runtime: rt.path }),
          await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path }),
        ]
      ) {
        const text = `from ${rt.name} on ${ctx.name}`;
        strictEqual(await ctx.call(targets, "writeFds", text), "written");
        deepStrictEqual(await ctx.call(targets, "echo", "after"), ["after"]);
        const want = ["fd 1", "fd 2", "child 1", "child 2"].map((tag) => `${tag}: ${text}`);
        const seen = () =>
          lines.filter((l) => l.context === ctx.name && want.includes(l.text)).map((l) => l.text);
        await waitFor(() => seen().length === want.length || undefined, 5000).catch(() => {});
        deepStrictEqual(seen().sort(), [...want].sort());
      }
    });

    await t.step(
      `${rt.name}: a command using fds 3 and 4 reaches nothing of mitoctl's`,
      async () => {
        await using router = new Router();
        const ctx = await router.local({ runtime: rt.path });
        const result = await ctx.exec([
          "sh",
          "-c",
          "echo garbage >&3; echo garbage >&4; read x <&3; read y <&4; echo ok",
        ], { timeout: 10_000 });
        deepStrictEqual([result.stdout, result.code], ["ok\n", 0]);
        deepStrictEqual(await ctx.call(targets, "echo", "after"), ["after"]);
      },
    );

    await t.step(
      `${rt.name}: a child user code starts on its own holds nothing of mitoctl's`,
      async () => {
        await using router = new Router();
        const ctx = await router.local({ runtime: rt.path });
        // Not through `run` or `exec`: user code's own child_process call, as any library's.
        const spawnOwn = () =>
          process.getBuiltinModule("node:child_process").execFileSync("sh", [
            "-c",
            "for fd in 3 4; do [ -e /proc/self/fd/$fd ] && echo open $fd; " +
            "echo garbage 2>/dev/null >&$fd; done; echo ok",
          ], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
        strictEqual(await ctx.eval(spawnOwn), "ok\n");
        deepStrictEqual(await ctx.call(targets, "echo", "after"), ["after"]);
      },
    );

    await t.step(
      `${rt.name}: a process user code leaves behind does not hold ssh open`,
      async () => {
        await using router = new Router();
        const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
        const pid = await ctx.call<number>(targets, "leaveBehind", 30);
        try {
          const started = performance.now();
          await ctx.close();
          // A session held open ends only when the master kills ssh, CLOSE_GRACE after it asked.
          const took = performance.now() - started;
          ok(took < CLOSE_GRACE, `closing took ${took.toFixed(0)} ms`);
        } finally {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch { /* gone already */ }
        }
      },
    );
  }
});

Deno.test("a child a Deno stage starts does not inherit the stage's frame channel", async () => {
  // Deno cannot make an inherited descriptor close-on-exec, so the stage's fd 3 stays open in it;
  // a child context's first process (su, a container CLI, the watchdog shell) must not get it.
  const fixture = new URL("./_fixtures/child_frames_fd.ts", import.meta.url).pathname;
  const out = await new Deno.Command("sh", {
    args: ["-c", 'exec "$@" 3>&1 >&2', "sh", Deno.execPath(), "run", "-A", fixture],
    stdout: "null",
    stderr: "piped",
  }).output();
  strictEqual(new TextDecoder().decode(out.stderr), "own\n");
  strictEqual(out.code, 0);
});
