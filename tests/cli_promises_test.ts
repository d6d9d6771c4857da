/** Promises of the README's command-line section that no other test holds to. */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { PREAMBLE } from "../lib/wire/protocol.ts";
import { remoteCommand } from "../lib/stage/stage1.ts";
import { STAGE1_LIMIT } from "../lib/limits.ts";
import { stage2Bytes } from "../lib/stage/stage2_bytes.ts";
import { runCli } from "./_fixtures/cli.ts";
import { startSshd, UNKNOWN_HOST } from "./_fixtures/sshd.ts";

const COMMANDS = [
  "call",
  "run",
  "push",
  "pull",
  "up",
  "status",
  "down",
  "logs",
  "ping",
  "bootstrap",
  "inventory",
  "rsh",
];

Deno.test("--help shows each command's own usage and exits 0", async () => {
  const firsts = new Set<string>();
  for (const command of COMMANDS) {
    const r = await runCli([command, "--help"]);
    strictEqual(r.code, ExitCode.ok, `${command}: ${r.stderr}`);
    strictEqual(r.stderr, "", command);
    const first = r.stdout.split("\n")[0]!;
    ok(first.startsWith(`Usage: mitoctl ${command} `), `${command}: ${first}`);
    firsts.add(first);
  }
  strictEqual(firsts.size, COMMANDS.length, "two commands share a usage line");
});

Deno.test("bootstrap --print shows the exact ssh argv and both sizes, connecting nowhere", async (t) => {
  const print = async (...args: string[]) => {
    const r = await runCli(["bootstrap", "--print", ...args]);
    strictEqual(r.code, ExitCode.ok, r.stderr);
    strictEqual(r.stderr, "");
    const [argv, stage1, stage2, ...rest] = r.stdout.split("\n");
    deepStrictEqual(rest, [""]);
    return { argv: JSON.parse(argv!.replace(/^argv: +/, "")) as string[], stage1, stage2 };
  };

  await t.step("a host that does not resolve is printed, not reached", async () => {
    const size = stage2Bytes().length;
    const { argv, stage1, stage2 } = await print(UNKNOWN_HOST);
    strictEqual(argv[0], "ssh");
    strictEqual(argv.at(-2), UNKNOWN_HOST);
    strictEqual(argv.at(-1), remoteCommand("auto", size, 30_000));
    strictEqual(stage1, `stage 1: ${argv.at(-1)!.length} bytes (last argument)`);
    ok(argv.at(-1)!.length <= STAGE1_LIMIT, stage1);
    strictEqual(stage2, `stage 2: ${size} bytes brotli, sent on stdin`);
  });

  await t.step("-o comes before mitoctl's defaults, so ssh takes it", async () => {
    const { argv } = await print("-o", "BatchMode=no", UNKNOWN_HOST);
    const mine = argv.indexOf("BatchMode=no");
    const ours = argv.indexOf("BatchMode=yes");
    ok(mine > 0 && ours > mine, JSON.stringify(argv));
    strictEqual(argv[mine - 1], "-o");
  });

  await t.step("the printed argv, fed stage 2, starts the remote stage", async () => {
    await using sshd = await startSshd();
    const { argv } = await print("-F", sshd.sshConfig, "mito");
    const child = new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(stage2Bytes());
    let seen = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      seen += decoder.decode(chunk, { stream: true });
      if (seen.includes(PREAMBLE)) break;
    }
    ok(seen.includes(PREAMBLE), `no preamble in ${JSON.stringify(seen)}`);
    // Closing its stdin is how a remote stage learns that its master is gone.
    await writer.close();
    await child.status;
    await child.stderr.cancel();
  });
});

Deno.test("--connect-timeout is 30 s unless given", async () => {
  // A port that accepts connections and never says a word: ssh waits for a banner.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const port = String(listener.addr.port);
    const flags = ["-o", `Port=${port}`, "-o", "StrictHostKeyChecking=no"];
    const r = await runCli(["call", ...flags, "127.0.0.1", "node:os#hostname"], {
      killAfterMs: 90_000,
    });
    strictEqual(r.code, ExitCode.timeout, r.stderr);
    strictEqual(r.stderr, 'mitoctl: Timed out after 30 s waiting for "127.0.0.1" to start\n');
    ok(r.ms >= 29_000, `gave up after ${r.ms.toFixed(0)} ms`);
    const given = await runCli([
      "call",
      "--connect-timeout",
      "1",
      ...flags,
      "127.0.0.1",
      "node:os#hostname",
    ]);
    strictEqual(given.code, ExitCode.timeout, given.stderr);
    match(given.stderr, /Timed out after 1 s waiting for "127\.0\.0\.1" to start/);
  } finally {
    listener.close();
    await accepting.catch((e) => {
      if (!(e instanceof Deno.errors.BadResource)) throw e;
    });
    for (const conn of held) conn.close();
  }
});

Deno.test("-v shows the ssh argv and ssh's own stderr; without it, neither shows", async () => {
  await using sshd = await startSshd();
  // LogLevel=VERBOSE makes ssh say "Authenticated to …" on its stderr, which -v passes on.
  const base = ["-F", sshd.sshConfig, "-o", "LogLevel=VERBOSE", "mito", "node:path#join", "a", "b"];
  const quiet = await runCli(["call", ...base]);
  strictEqual(quiet.code, ExitCode.ok, quiet.stderr);
  strictEqual(quiet.stdout, '"a/b"\n');
  ok(!quiet.stderr.includes("Authenticated to"), quiet.stderr);
  ok(!quiet.stderr.includes('"ssh"'), quiet.stderr);
  const verbose = await runCli(["call", "-v", ...base]);
  strictEqual(verbose.code, ExitCode.ok, verbose.stderr);
  strictEqual(verbose.stdout, '"a/b"\n');
  match(verbose.stderr, /Authenticated to /);
  match(verbose.stderr, /\["ssh",.*"LogLevel=VERBOSE"/);
});
