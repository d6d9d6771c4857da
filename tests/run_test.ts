import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ExitCode, Router } from "../mod.ts";
import { runProcess } from "../lib/master/run_process.ts";
import { runCli, startCli } from "./_fixtures/cli.ts";
import { commandLine, waitFor } from "./_fixtures/processes.ts";
import { repoRoot } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

/** Live pids running `sleep <arg>` (Deno spawns it by full path, Node by name). */
function sleepPids(arg: string): number[] {
  const found: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    const line = /^\d+$/.test(entry.name) ? commandLine(Number(entry.name)) : undefined;
    if (line === `sleep ${arg}` || line === `/usr/bin/sleep ${arg}`) found.push(Number(entry.name));
  }
  return found;
}

Deno.test("mitoctl run streams a remote command's output, exit code and input", async (t) => {
  await using sshd = await startSshd();
  const cfg = ["-F", sshd.sshConfig];

  await t.step("stdout and stderr stay apart and the exit code is the command's", async () => {
    const r = await runCli([
      "run",
      ...cfg,
      "mito",
      "--",
      "sh",
      "-c",
      "echo out; echo err >&2; exit 7",
    ]);
    strictEqual(r.code, 7, r.stderr);
    strictEqual(r.stdout, "out\n");
    strictEqual(r.stderr, "err\n");
  });

  await t.step("a command killed by signal n exits 128 + n", async () => {
    for (const [signal, n] of [["TERM", 15], ["KILL", 9]] as const) {
      const r = await runCli(["run", ...cfg, "mito", "--", "sh", "-c", `kill -${signal} $$`]);
      strictEqual(r.code, 128 + n, `SIG${signal}: ${r.stderr}`);
      strictEqual(r.stdout, "");
    }
  });

  await t.step("arguments travel as an argv, never through a shell", async () => {
    const r = await runCli(["run", ...cfg, "mito", "--", "printf", "%s|", "a b", "$HOME", "'q'"]);
    strictEqual(r.code, 0, r.stderr);
    strictEqual(r.stdout, "a b|$HOME|'q'|");
    const shell = await runCli(["run", ...cfg, "--shell", "mito", "--", "echo $((6*7))"]);
    strictEqual(shell.stdout, "42\n");
  });

  await t.step("piped stdin reaches the remote command", async () => {
    const root = repoRoot();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}/main.ts`, "run", ...cfg, "mito", "--", "wc", "-c"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new Uint8Array(300_000).fill(65));
    await writer.close();
    const out = await child.output();
    strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
    strictEqual(new TextDecoder().decode(out.stdout).trim(), "300000");
  });

  await t.step("a command that cannot start fails with exit 1 naming it", async () => {
    const r = await runCli(["run", ...cfg, "mito", "--", "/nonexistent/tool"]);
    strictEqual(r.code, ExitCode.remote);
    strictEqual(
      r.stderr,
      `mitoctl: Error on "mito": Cannot run the command: "/nonexistent/tool" was not found\n`,
    );
  });

  // A file the test user can read, run as the command: what mitoctl says of it.
  const runFile = async (text: string, mode: number, why: (path: string) => string) => {
    const path = `/tmp/mitoctl-run-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.writeTextFile(path, text, { mode });
    try {
      const r = await runCli(["run", ...cfg, "mito", "--", path]);
      strictEqual(r.code, ExitCode.remote);
      strictEqual(r.stderr, `mitoctl: Error on "mito": Cannot run the command: ${why(path)}\n`);
    } finally {
      await Deno.remove(path);
    }
  };

  await t.step("a script whose interpreter is missing says so", async () => {
    await runFile(
      "#!/nonexistent/interpreter\n",
      0o755,
      (path) => `the interpreter named on the first line of "${path}" was not found`,
    );
  });

  await t.step("a command that may not be run says so", async () => {
    await runFile("echo no\n", 0o644, (path) => `"${path}" may not be run (permission denied)`);
  });

  await t.step("several targets: prefixed lines, a summary, the worst exit code", async () => {
    const codes = await runCli(["run", "local,local/sudo:mitoctl-t1", "--", "sh", "-c", "exit 6"]);
    strictEqual(codes.code, 6, codes.stderr);
    ok(
      /^0 ok, 2 failed, 2 hosts in [\d.]+ s; failed: local, local\/sudo:mitoctl-t1$/m.test(
        codes.stderr,
      ),
      codes.stderr,
    );
    ok(/^ {2}failed {2}local +exit 6$/m.test(codes.stderr), codes.stderr);
    // The summary keeps the targets' order, not the order they finished in: the first ends last.
    const late = await runCli([
      "run",
      "local/sudo:mitoctl-t1,local",
      "--",
      "sh",
      "-c",
      '[ "$(id -un)" = mitoctl-t1 ] && sleep 1; exit 6',
    ]);
    ok(/; failed: local\/sudo:mitoctl-t1, local$/m.test(late.stderr), late.stderr);
    const r = await runCli([
      "run",
      ...cfg,
      // A refused key fails at once; an unknown host would wait on DNS.
      "mito,local,mito-badkey",
      "--",
      "sh",
      "-c",
      "echo hi",
    ]);
    strictEqual(r.code, ExitCode.connection, r.stderr);
    deepStrictEqual(r.stdout.split("\n").filter(Boolean).sort(), ["local: hi", "mito: hi"]);
    ok(/^ {2}ok {6}mito +\d/m.test(r.stderr), r.stderr);
    ok(/^ {2}ok {6}local +\d/m.test(r.stderr), r.stderr);
    ok(/^ {2}failed {2}mito-badkey {2}Cannot connect to "mito-badkey"/m.test(r.stderr), r.stderr);
    ok(/^2 ok, 1 failed, 3 hosts in [\d.]+ s; failed: mito-badkey$/m.test(r.stderr), r.stderr);
  });

  await t.step("Ctrl-C stops the remote command and exits 130", async () => {
    const marker = `${Date.now() % 100000}.${Math.floor(Math.random() * 1000)}`;
    const cli = startCli(["run", ...cfg, "mito", "--", "sleep", marker]);
    // As long as a connect may take: other test files start a hundred contexts meanwhile.
    const remote = await waitFor(() => sleepPids(marker)[0], 30_000);
    ok(remote !== undefined, "the remote sleep never started");
    cli.child.kill("SIGINT");
    const r = await cli.done;
    strictEqual(r.code, 130, r.stderr);
    const left = await waitFor(
      () => sleepPids(marker).length === 0 ? true : undefined,
      3000,
    );
    ok(left, `the remote sleep outlived Ctrl-C`);
  });

  await t.step("remote code's console output shows on stderr, tagged, without -v", async () => {
    const gen = new URL("./_fixtures/streams/gen.ts", import.meta.url).pathname;
    const r = await runCli(["call", ...cfg, "mito", `${gen}#chatty`]);
    strictEqual(r.code, 0, r.stderr);
    strictEqual(r.stdout, '"still fine"\n');
    for (const line of ["[mito] to the console", "[mito] a warning", "[mito] plain stdout"]) {
      ok(r.stderr.split("\n").includes(line), r.stderr);
    }
    ok(!r.stderr.includes("starting:"), "diagnostics need -v");
  });

  await t.step("through a sudo hop", async () => {
    const r = await runCli(["run", "local/sudo:mitoctl-t1", "--", "id", "-un"]);
    strictEqual(r.code, 0, r.stderr);
    strictEqual(r.stdout, "mitoctl-t1\n");
  });

  await t.step("the library: a missing working directory is named as such", async () => {
    await using router = new Router();
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig });
    await rejects(
      Array.fromAsync(runProcess(ctx, ["ls"], { cwd: "/nonexistent/dir" })),
      {
        message:
          'Error on "mito": Cannot run the command: the working directory "/nonexistent/dir" was ' +
          "not found",
      },
    );
  });

  await t.step("the library: start, output and exit as events", async () => {
    await using router = new Router();
    const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig });
    const events = await Array.fromAsync(runProcess(ctx, ["sh", "-c", "printf x; exit 3"]));
    strictEqual(events[0]!.t, "start");
    deepStrictEqual(
      events.slice(1).map((e) => e.t === "out" ? new TextDecoder().decode(e.data) : e),
      [
        "x",
        { t: "exit", code: 3, signal: null },
      ],
    );
  });
});
