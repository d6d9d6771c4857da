import { ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli, startCli } from "./_fixtures/cli.ts";
import { isAlive, waitFor } from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const node = runtimes.find((r) => r.kind === "node")!;
const script = new URL("./_fixtures/signals/on_sigint.mjs", import.meta.url).pathname;

/** Starts `on_sigint.mjs` through `mitoctl run` and waits until its SIGINT handler is in place. */
async function startHandler(cfg: string[], runtime: string, mode: "handle" | "ignore") {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-sigint-" });
  await Deno.chmod(dir, 0o777);
  const ready = `${dir}/ready`;
  const cli = startCli([
    "run",
    ...cfg,
    "--runtime",
    runtime,
    "mito",
    "--",
    node.path,
    script,
    ready,
    mode,
  ]);
  const pid = await waitFor(() => {
    try {
      return Number(Deno.readTextFileSync(ready)) || undefined;
    } catch {
      return undefined;
    }
  }, 15_000);
  ok(pid !== undefined, "the remote command never started");
  return { cli, pid, cleanup: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("mitoctl run: Ctrl-C and --timeout stop the remote command", async (t) => {
  await using sshd = await startSshd();
  const cfg = ["-F", sshd.sshConfig];
  for (const rt of runtimes) {
    await t.step(
      `${rt.name}: Ctrl-C reaches the command's SIGINT handler, then exits 130`,
      async () => {
        const { cli, pid, cleanup } = await startHandler(cfg, rt.path, "handle");
        cli.child.kill("SIGINT");
        const r = await cli.done;
        await cleanup();
        strictEqual(r.code, 130, r.stderr);
        strictEqual(r.stdout, "caught SIGINT\n");
        ok(!isAlive(pid), "the remote command outlived Ctrl-C");
      },
    );

    await t.step(`${rt.name}: --timeout stops the command and exits 4`, async () => {
      const marker = `${30 + Math.random()}`.slice(0, 10);
      const r = await runCli([
        "run",
        ...cfg,
        "--runtime",
        rt.path,
        "--timeout",
        "1",
        "mito",
        "--",
        "sleep",
        marker,
      ]);
      strictEqual(r.code, ExitCode.timeout, r.stderr);
      strictEqual(r.stderr, `mitoctl: Command "sleep ${marker}" on "mito" timed out after 1 s\n`);
      ok(r.ms < 15_000, `took ${r.ms} ms`);
    });
  }

  await t.step("a command that ignores SIGINT gets SIGKILL after the grace", async () => {
    const { cli, pid, cleanup } = await startHandler(cfg, runtimes[0]!.path, "ignore");
    cli.child.kill("SIGINT");
    const r = await cli.done;
    await cleanup();
    strictEqual(r.code, 130, r.stderr);
    strictEqual(r.stderr, "");
    strictEqual(r.stdout, "");
    ok(!isAlive(pid), "the remote command outlived SIGKILL");
  });
});
