import { match, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Sshd, startSshd } from "./_fixtures/sshd.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function ssh(sshd: Sshd, host: string, command: string): Promise<Result> {
  const output = await new Deno.Command("ssh", {
    args: ["-F", sshd.sshConfig, "--", host, command],
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("startSshd() serves the mito alias as the full user", async () => {
  await using sshd = await startSshd();
  const result = await ssh(sshd, "mito", "echo hi; id -un");
  strictEqual(result.code, 0, `${result.stderr}\n${await sshd.log()}`);
  strictEqual(result.stdout, `hi\n${sshd.users.full}\n`);
  strictEqual(sshd.host, "127.0.0.1");
});

Deno.test("the full user finds deno and node on its PATH", async () => {
  await using sshd = await startSshd();
  const result = await ssh(sshd, "mito", "deno --version && node --version");
  strictEqual(result.code, 0, `${result.stderr}\n${await sshd.log()}`);
  match(result.stdout, /^deno \d+\.\d+\.\d+/);
  match(result.stdout, /^v\d+\.\d+\.\d+$/m);
});

Deno.test("the bare user finds neither node nor deno but runs sh and coreutils", async () => {
  await using sshd = await startSshd();
  for (const runtime of ["node", "deno"]) {
    const result = await ssh(sshd, "mito-bare", `command -v ${runtime}`);
    notStrictEqual(result.code, 0, `"${runtime}" was found at ${JSON.stringify(result.stdout)}`);
  }
  const result = await ssh(sshd, "mito-bare", "sh -c true && id -un && echo a,b | cut -d, -f2");
  strictEqual(result.code, 0, `${result.stderr}\n${await sshd.log()}`);
  strictEqual(result.stdout, `${sshd.users.bare}\nb\n`);
});

Deno.test("the mito-badkey alias is refused with Permission denied and exit 255", async () => {
  await using sshd = await startSshd();
  const result = await ssh(sshd, "mito-badkey", "true");
  strictEqual(result.code, 255);
  match(result.stderr, /Permission denied/);
});

Deno.test("the mito-unknown alias fails to resolve with exit 255", async () => {
  await using sshd = await startSshd();
  const result = await ssh(sshd, "mito-unknown", "true");
  strictEqual(result.code, 255);
  match(result.stderr, /Could not resolve hostname mitoctl-no-such-host\.invalid/);
});

Deno.test("the known_hosts file trusts the host key without prompting", async () => {
  await using sshd = await startSshd();
  const knownHosts = await Deno.readTextFile(sshd.knownHosts);
  match(knownHosts, new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port}\\b.* ssh-ed25519 `));
  const result = await ssh(sshd, "mito", "true");
  strictEqual(result.code, 0, result.stderr);
  strictEqual(result.stderr, "");
});

Deno.test("dispose kills sshd and its sessions and removes the directory", async () => {
  let pid = 0;
  let dir = "";
  let session: Deno.ChildProcess | undefined;
  {
    await using sshd = await startSshd();
    pid = sshd.pid;
    dir = sshd.dir;
    ok(await exists(`/proc/${pid}`));
    strictEqual(Number(await Deno.readTextFile(`${dir}/sshd.pid`)), pid);
    session = new Deno.Command("ssh", {
      args: ["-F", sshd.sshConfig, "mito", "echo started; exec sleep 600"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // Wait until the remote command runs, so dispose has a live session to end.
    const reader = session.stdout.getReader();
    const first = await reader.read();
    strictEqual(new TextDecoder().decode(first.value), "started\n");
    reader.releaseLock();
    await session.stdout.cancel();
  }
  ok(!await exists(`/proc/${pid}`), `sshd pid ${pid} is still running`);
  ok(!await exists(dir), `"${dir}" still exists`);
  const status = await session.status;
  strictEqual(status.code, 255, "the ssh client saw its session end");
});

Deno.test("stop() may be called twice", async () => {
  const sshd = await startSshd();
  await sshd.stop();
  await sshd.stop();
  ok(!await exists(sshd.dir));
});

Deno.test("startSshd() applies maxStartups and extraConfig", async () => {
  await using sshd = await startSshd({ maxStartups: 7, extraConfig: ["LogLevel VERBOSE"] });
  // The listener's title reports its MaxStartups, e.g. "[listener] 0 of 7-7 startups".
  const title = await Deno.readTextFile(`/proc/${sshd.pid}/cmdline`);
  match(title, /0 of 7-7 startups/);
  const result = await ssh(sshd, "mito", "true");
  strictEqual(result.code, 0, result.stderr);
  // sshd logs incoming connections at VERBOSE, not at the fixture's INFO.
  match(await sshd.log(), /Connection from 127\.0\.0\.1 port \d+/);
});

Deno.test("startSshd() runs several servers at once on distinct ports", async () => {
  const servers = await Promise.all([startSshd(), startSshd(), startSshd()]);
  try {
    strictEqual(new Set(servers.map((sshd) => sshd.port)).size, servers.length);
    const results = await Promise.all(servers.map((sshd) => ssh(sshd, "mito", "echo ok")));
    for (const result of results) strictEqual(result.stdout, "ok\n", result.stderr);
  } finally {
    await Promise.all(servers.map((sshd) => sshd.stop()));
  }
});

Deno.test("each test runtime prints its version through ssh as the full user", async () => {
  const runtimes = await testRuntimes();
  ok(runtimes.some((runtime) => runtime.kind === "deno"));
  ok(runtimes.some((runtime) => runtime.kind === "node"));
  await using sshd = await startSshd();
  for (const runtime of runtimes) {
    const result = await ssh(sshd, "mito", `'${runtime.path}' --version`);
    strictEqual(result.code, 0, `${runtime.name}: ${result.stderr}`);
    const expected = runtime.kind === "deno" ? `deno ${runtime.version} ` : `v${runtime.version}\n`;
    ok(result.stdout.startsWith(expected), `${runtime.name}: ${JSON.stringify(result.stdout)}`);
    console.log(`${runtime.name}: ${runtime.version} (${runtime.path})`);
  }
});
