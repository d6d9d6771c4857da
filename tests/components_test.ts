import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { configKey, loadConfig } from "../lib/components/load.ts";
import { down, logs, status, type StatusRow } from "../lib/components/control.ts";
import { up } from "../lib/components/up.ts";
import { type CliResult, runCli } from "./_fixtures/cli.ts";
import { describePids, isAlive, waitGone } from "./_fixtures/processes.ts";
import { repoRoot, testRuntimes } from "./_fixtures/runtimes.ts";
import { passwdEntry } from "./_fixtures/_test_users.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const FIXTURES = "tests/_fixtures/components";

/** The `start <ns>` line each fixture component logs first, as nanoseconds. */
function startedAt(log: string): bigint {
  const m = /out start (\d+)/.exec(log);
  ok(m, `no start line in:\n${log}`);
  return BigInt(m[1]!);
}

function rowsOf(r: CliResult): StatusRow[] {
  strictEqual(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").map((l) => JSON.parse(l) as StatusRow);
}

/** Where a config's components keep their state on the remote user's side. */
async function stateDirOf(home: string, config: string): Promise<string> {
  const key = await configKey(await Deno.realPath(`${repoRoot()}/${config}`));
  return `${home}/.mitoctl/components/.state/${key}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Base directories under the components root whose name starts with one of `names`. */
async function baseDirs(home: string, names: string[]): Promise<string[]> {
  const found: string[] = [];
  // The root exists once anything has started: a missing one fails the test, not passes it.
  for await (const e of Deno.readDir(`${home}/.mitoctl/components`)) {
    if (names.some((n) => e.name.startsWith(`${n}-`))) found.push(e.name);
  }
  return found;
}

Deno.test("components start in order, outlive the master and are found again by later runs", async (t) => {
  await using sshd = await startSshd();
  const home = (await passwdEntry(sshd.users.full))!.home;
  const flags = ["-F", sshd.sshConfig, "--hosts", "mito"];
  const order = `${FIXTURES}/order.ts`;
  const names = ["first@mito", "second-a", "second-b", "third"];
  let supervisors: number[] = [];
  let pids: number[] = [];
  try {
    await t.step("up starts every component in start-index order and exits", async () => {
      const r = await runCli(["up", order, "--set", "greeting=hi", ...flags]);
      strictEqual(r.code, 0, r.stderr);
      for (const name of names) {
        match(r.stdout, new RegExp(`started "${name}" on "mito": pid \\d+`));
      }
    });

    await t.step("a later process sees them running, with pids that live", async () => {
      const rows = rowsOf(await runCli(["status", order, "--json", ...flags]));
      deepStrictEqual(
        rows.map((r) => [r.name, r.host, r.state]),
        names.map((n) => [n, "mito", "running"]),
      );
      pids = rows.map((r) => r.pid!);
      supervisors = rows.map((r) => r.supervisorPid!);
      ok([...pids, ...supervisors].every(isAlive), describePids([...pids, ...supervisors]));
      const table = await runCli(["status", order, ...flags]);
      match(table.stdout, /^COMPONENT\s+HOST\s+PID\s+STATE\s+UPTIME\n/);
      match(table.stdout, new RegExp(`third\\s+mito\\s+${pids[3]}\\s+running\\s+\\d+s`));
    });

    await t.step("logs show the order of starts, tagged output, env and --set", async () => {
      const logs = await Promise.all(names.map((n) => runCli(["logs", order, n, ...flags])));
      for (const l of logs) strictEqual(l.code, 0, l.stderr);
      const [first, a, b, third] = logs.map((l) => startedAt(l.stdout));
      // Index 2 waits until index 1 has been alive for its grace (300 ms).
      ok(a! - first! >= 250_000_000n && b! - first! >= 250_000_000n, `${first} ${a} ${b}`);
      ok(third! > a! && third! > b!, `${a} ${b} ${third}`);
      match(logs[0]!.stdout, /Z out start \d+ first hi\n/);
      match(logs[0]!.stdout, /Z err to stderr\n/);
      match(logs[3]!.stdout, /Z out hello hi\n.*Z out listening\n/s);
      const tail = await runCli(["logs", order, "third", "-n", "1", ...flags]);
      match(tail.stdout, /^\S+ out listening\n$/);
    });

    await t.step("up --keep leaves running components as they are", async () => {
      const r = await runCli(["up", order, "--keep", ...flags]);
      strictEqual(r.code, 0, r.stderr);
      for (const name of names) match(r.stdout, new RegExp(`kept "${name}" on "mito"`));
      const rows = rowsOf(await runCli(["status", order, "--json", ...flags]));
      deepStrictEqual(rows.map((r) => r.pid), pids);
    });

    await t.step("logs -f follows a component until down ends it", async () => {
      const root = repoRoot();
      const follow = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${root}/main.ts`, "logs", "-f", order, "first@mito", ...flags],
        cwd: root,
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = follow.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      // The lines logged so far come first; then the follower is in place.
      while (!/out start \d+ first hi\n/.test(out)) {
        const { value, done } = await reader.read();
        ok(!done, `logs -f ended early: ${out}`);
        out += value;
      }
      const stop = await runCli(["down", order, "first@mito", "--grace", "3", ...flags]);
      strictEqual(stop.code, 0, stop.stderr);
      strictEqual(stop.stdout, `stopped "first@mito" on "mito"\n`);
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        out += value;
      }
      strictEqual((await follow.status).code, 0);
      match(out, /sup received SIGTERM\n.*out got TERM\n.*sup exited with code 0\n$/s);
    });

    await t.step("down stops the rest and leaves no process, state or base directory", async () => {
      strictEqual(
        (await baseDirs(home, names)).length,
        3,
        "one base directory per running component",
      );
      const r = await runCli(["down", order, ...flags]);
      strictEqual(r.code, 0, r.stderr);
      strictEqual(r.stdout.trim().split("\n").length, 3, r.stdout);
      const left = await waitGone([...pids, ...supervisors], 2000);
      deepStrictEqual(left, [], describePids(left));
      strictEqual(await exists(await stateDirOf(home, order)), false);
      deepStrictEqual(await baseDirs(home, names), []);
      const rows = rowsOf(await runCli(["status", order, "--json", ...flags]));
      deepStrictEqual(rows.map((r) => r.state), ["absent", "absent", "absent", "absent"]);
    });
  } finally {
    const live = [...pids, ...supervisors].filter(isAlive);
    for (const pid of live) Deno.kill(pid, "SIGKILL");
  }
});

Deno.test("components that cannot start are reported with their last log lines", async (t) => {
  await using sshd = await startSshd();
  const home = (await passwdEntry(sshd.users.full))!.home;
  const flags = ["-F", sshd.sshConfig, "--hosts", "mito", "--runtime", "node"];
  const broken = `${FIXTURES}/broken.ts`;
  try {
    await t.step(
      "a component that exits at once fails up; later indices do not start",
      async () => {
        const r = await runCli(["up", broken, ...flags]);
        strictEqual(r.code, 1, r.stderr);
        match(r.stdout, /^started "steady" on "mito": pid \d+\n$/);
        match(
          r.stderr,
          /^failed "crash" on "mito": it exited with code 3\n {2}\S+ sup started pid \d+: .*\n {2}\S+ out about to fail\n/,
        );
        match(r.stderr, / {2}\S+ err bad config\n {2}\S+ sup exited with code 3\n/);
        match(r.stderr, /not started "later" on "mito": an earlier start failed\n$/);
        deepStrictEqual(await baseDirs(home, ["later"]), []);
        const rows = rowsOf(await runCli(["status", broken, "--json", ...flags]));
        deepStrictEqual(
          rows.map((r) => [r.name, r.state, r.code]),
          [["steady", "running", null], ["crash", "exited", 3], ["later", "absent", null]],
        );
      },
    );

    await t.step("a missing executable fails up naming its path", async () => {
      const r = await runCli(["up", broken, "--set", "case=missing", ...flags]);
      strictEqual(r.code, 1, r.stderr);
      match(r.stdout, /^stopped "steady" on "mito" \(previous run\)\n$/);
      match(
        r.stderr,
        /^failed "ghost" on "mito": Cannot start "ghost": executable "\/.*\/ghost-[0-9a-z-]+\/bin\/no-such-program" does not exist\n$/,
      );
      deepStrictEqual(await baseDirs(home, ["ghost", "steady", "crash"]), []);
    });
  } finally {
    await runCli(["down", broken, ...flags]);
    strictEqual(await exists(await stateDirOf(home, broken)), false);
  }

  await t.step("a config that throws is a usage error with its file and line", async () => {
    const r = await runCli(["up", `${FIXTURES}/throws.ts`, ...flags]);
    strictEqual(r.code, 2);
    strictEqual(
      r.stderr,
      `mitoctl: Config "${FIXTURES}/throws.ts" failed at ${FIXTURES}/throws.ts:6:11: ` +
        `Error: port is not set\n`,
    );
  });
});

Deno.test("supervisors run on every remote runtime and down ends them", async () => {
  await using sshd = await startSshd();
  const runtimes = await testRuntimes();
  await using router = new Router();
  for (const runtime of runtimes) {
    const config = await loadConfig(`${repoRoot()}/${FIXTURES}/runtime.ts`, {
      args: { runtime: runtime.name },
      hosts: ["mito"],
    });
    const connect = { sshConfig: sshd.sshConfig, runtime: runtime.path };
    const result = await up(router, config, { connect });
    ok(result.ok, `${runtime.name}: ${JSON.stringify(result.events)}`);
    const [row] = await status(router, config, { connect });
    strictEqual(row?.state, "running", runtime.name);
    match(await logs(router, config, `probe-${runtime.name}`, { connect }), /out ready\n/);
    try {
      const [stopped] = await down(router, config, { connect });
      deepStrictEqual(stopped, {
        name: `probe-${runtime.name}`,
        host: "mito",
        wasRunning: true,
        killed: false,
        survivors: 0,
      });
      deepStrictEqual(await waitGone([row!.pid!, row!.supervisorPid!], 2000), []);
    } finally {
      for (const pid of [row!.pid!, row!.supervisorPid!].filter(isAlive)) Deno.kill(pid, "SIGKILL");
    }
  }
});
