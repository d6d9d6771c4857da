import { ok, rejects, strictEqual } from "node:assert/strict";
import { ExitCode, RemoteError, Router } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

/**
 * A copy of the throwing fixture in a directory only root can read: the remote user cannot see
 * it on disk, as on another machine, so all it has is what the master sent.
 */
async function privateCopy(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-stack-" });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/throws.ts`;
  await Deno.copyFile(new URL("./_fixtures/errors/throws.ts", import.meta.url), path);
  return { dir, path };
}

/** Where `throw` stands in throws.ts: line 13, column 23. */
const THROW_AT = "13:23";

Deno.test("a remote error shows where it happened, in the master's files", async (t) => {
  await using sshd = await startSshd();
  const { dir, path } = await privateCopy();
  try {
    for (const rt of runtimes) {
      await t.step(
        `${rt.name}: the CLI prints the remote frame as a master path and line`,
        async () => {
          const r = await runCli([
            "call",
            "-F",
            sshd.sshConfig,
            "--runtime",
            rt.path,
            "mito",
            `${path}#kaboom`,
          ]);
          strictEqual(r.code, ExitCode.remote, r.stderr);
          strictEqual(
            r.stderr,
            `mitoctl: Error on "mito": kaboom\n    at kaboom (${path}:${THROW_AT})\n`,
          );
        },
      );

      await t.step(`${rt.name}: RemoteError.stack shows the remote stack first`, async () => {
        await using router = new Router();
        const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
        await rejects(ctx.call(new URL(`file://${path}`), "kaboom"), (e) => {
          ok(e instanceof RemoteError, `${e}`);
          const lines = e.stack!.split("\n");
          strictEqual(lines[0], `RemoteError: Error on "mito": kaboom`);
          strictEqual(lines[1], `    at kaboom (file://${path}:${THROW_AT})`);
          ok(lines.includes("    --- on the master ---"), e.stack);
          return true;
        });
      });
    }

    await t.step("-v shows the remote stage's own frames too, cut short", async () => {
      const r = await runCli(["call", "-v", "-F", sshd.sshConfig, "mito", `${path}#kaboom`]);
      strictEqual(r.code, ExitCode.remote, r.stderr);
      const frames = r.stderr.split("\n").filter((l) => l.startsWith("    at "));
      strictEqual(frames[0], `    at kaboom (${path}:${THROW_AT})`);
      ok(frames.length > 1, r.stderr);
      ok(frames.every((l) => l.length < 200), r.stderr);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
