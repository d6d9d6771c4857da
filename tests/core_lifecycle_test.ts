import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ConnectionError, type Context, Router } from "../mod.ts";
import { CLOSE_GRACE } from "../lib/limits.ts";
import { startCli } from "./_fixtures/cli.ts";
import type { HoldPlan } from "./_fixtures/hold_master.ts";
import {
  childrenOf,
  commandLine,
  cpuTicks,
  describePids,
  killAll,
  pidsWithCommandLine,
  processTree,
  waitFor,
  waitGone,
} from "./_fixtures/processes.ts";
import { repoRoot, type Runtime, testRuntimes } from "./_fixtures/runtimes.ts";
import { type Sshd, startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url).href;
/** How long every process a dead master leaves may take to end. */
const GONE_WITHIN_MS = 2000;
/** A call into builtins that blocks its worker in native code for 30 s. */
const BLOCKING: [string, string, ...unknown[]] = ["node:child_process", "execSync", "sleep 30"];

/** The title remote stages of master `pid` carry, built the way the spec states it. */
function titleOf(pid: number): string {
  return `mitoctl:${Deno.env.get("USER") ?? Deno.uid()}@${Deno.hostname()}:${pid}`;
}

/** Whether the {@linkcode BLOCKING} call of the stage `pid` has started its command. */
function blocked(pid: number): true | undefined {
  return processTree(pid).some((p) => commandLine(p)?.endsWith(BLOCKING[2] as string)) ||
    undefined;
}

/** Contexts on every runtime, over ssh and on this machine. */
function everywhere(sshd: Sshd): [string, (router: Router) => Promise<Context>][] {
  return runtimes.flatMap((rt): [string, (router: Router) => Promise<Context>][] => [
    [
      `ssh ${rt.name}`,
      (router) => router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path }),
    ],
    [`local ${rt.name}`, (router) => router.local({ runtime: rt.path })],
  ]);
}

Deno.test("remote stages carry the master's title and end on close()", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();

  for (const [where, start] of everywhere(sshd)) {
    await t.step(`${where}: ps shows mitoctl:<user>@<host>:<pid>; close() ends it`, async () => {
      const ctx = await start(router);
      const pid = ctx.info!.pid;
      // Frames arrive in order: once a call returns, init (which sets the title) was handled.
      await ctx.call("node:os", "hostname");
      strictEqual(commandLine(pid), titleOf(Deno.pid));
      // Its rejection is caught at once: it may come while close() is still running.
      const pending = ctx.call("node:timers/promises", "setTimeout", 10_000).then(
        () => undefined,
        (e: Error) => e,
      );
      await ctx.close();
      const failure = await pending;
      strictEqual(failure?.name, "ConnectionError");
      strictEqual(failure?.message, `Context "${ctx.name}" was closed`);
      await rejects(ctx.call("node:os", "hostname"), {
        name: "ConnectionError",
        message: `Context "${ctx.name}" was closed`,
      });
      ok(ctx.closed, "closed is false after close()");
      const left = await waitGone([pid], GONE_WITHIN_MS);
      killAll(left);
      deepStrictEqual(left, [], `still running after close(): ${describePids(left)}`);
    });
  }

  await t.step("router.close() ends every context it holds", async () => {
    const contexts = await Promise.all(
      everywhere(sshd).map(([, start]) => start(router)),
    );
    const pids = contexts.map((ctx) => ctx.info!.pid);
    await router.close();
    strictEqual(router.contexts.length, 0);
    const left = await waitGone(pids, GONE_WITHIN_MS);
    killAll(left);
    deepStrictEqual(left, [], `still running after router.close(): ${describePids(left)}`);
    await rejects(router.local(), { name: "TypeError", message: "Router is closed" });
  });
});

Deno.test("close() ends a remote whose call is blocked in native code", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(`ssh ${rt.name}: gone within the close grace of ${CLOSE_GRACE} ms`, async () => {
      await using router = new Router();
      const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
      const pid = ctx.info!.pid;
      const call = ctx.call(...BLOCKING).catch((e: Error) => e);
      const started = await waitFor(() => blocked(pid), 5000);
      ok(started, "the blocking call never started its child");
      const procs = processTree(pid);
      const closing = Date.now();
      await ctx.close();
      ok((await call) instanceof ConnectionError, "the pending call did not fail");
      const left = await waitGone([pid], CLOSE_GRACE + 1000 - (Date.now() - closing));
      killAll(procs);
      deepStrictEqual(left, [], `still running after close(): ${describePids(left)}`);
    });
  }
});

/** Starts hold_master.ts with `plan` and returns it once it printed its remote stage's pid. */
async function holdMaster(plan: HoldPlan): Promise<{ child: Deno.ChildProcess; pid: number }> {
  const root = repoRoot();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      `${root}/deno.json`,
      `${root}/tests/_fixtures/hold_master.ts`,
      JSON.stringify(plan),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let text = "";
  for await (const chunk of lines) {
    text += chunk;
    if (text.includes("\n")) break;
  }
  const pid = (JSON.parse(text.split("\n")[0] || "{}") as { pid?: number }).pid;
  if (pid === undefined) {
    child.kill("SIGKILL");
    await child.status;
    throw new Error(`hold_master.ts printed no pid: ${JSON.stringify(text)}`);
  }
  return { child, pid };
}

Deno.test("when the master is killed with SIGKILL, its remote processes end", async (t) => {
  await using sshd = await startSshd();
  const plans: [string, (rt: Runtime) => HoldPlan, (pid: number) => Promise<unknown>][] = [
    [
      "ssh, a call blocked in execSync",
      (rt) => ({
        target: "mito",
        sshConfig: sshd.sshConfig,
        runtime: rt.path,
        mod: BLOCKING[0],
        fn: BLOCKING[1],
        args: BLOCKING.slice(2),
      }),
      (pid) => waitFor(() => blocked(pid), 5000),
    ],
    [
      "local, a call spinning the CPU",
      (rt) => ({ target: "local", runtime: rt.path, mod: targets, fn: "spin", args: [60_000] }),
      async (pid) => {
        // The call may run in a process of its own below the stage (Deno).
        const ticks = () => processTree(pid).reduce((sum, p) => sum + (cpuTicks(p) ?? 0), 0);
        const before = ticks();
        return await waitFor(() => ticks() - before >= 20 ? true : undefined, 5000);
      },
    ],
  ];
  for (const rt of runtimes) {
    for (const [what, plan, busy] of plans) {
      await t.step(`${rt.name}, ${what}: ssh and the runtime are gone within 2 s`, async () => {
        const { child, pid } = await holdMaster(plan(rt));
        let procs = [pid];
        try {
          ok(await busy(pid), "the call never got busy");
          const spawned = childrenOf(child.pid).filter((p) => p !== pid);
          procs = [...spawned, ...processTree(pid)];
          child.kill("SIGKILL");
          await child.status;
          const left = await waitGone(procs, GONE_WITHIN_MS);
          deepStrictEqual(left, [], `still running 2 s after SIGKILL: ${describePids(left)}`);
        } finally {
          killAll([child.pid, ...procs]);
          await child.status;
          await child.stdout.cancel().catch(() => {});
        }
      });
    }
  }
});

Deno.test("SIGINT to the CLI during a call exits 130 and leaves nothing running", async (t) => {
  await using sshd = await startSshd();
  for (const rt of runtimes) {
    await t.step(`ssh ${rt.name}`, async () => {
      const cli = startCli([
        "call",
        "-F",
        sshd.sshConfig,
        "--runtime",
        rt.path,
        "mito",
        "node:timers/promises#setTimeout",
        "30000",
      ]);
      let procs: number[] = [];
      try {
        const title = titleOf(cli.child.pid);
        const remote = await waitFor(() => pidsWithCommandLine(title)[0], 10_000);
        ok(remote !== undefined, `no process titled ${title}`);
        procs = [...childrenOf(cli.child.pid), remote];
        cli.child.kill("SIGINT");
        const result = await cli.done;
        strictEqual(result.code, 130, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
        strictEqual(result.stdout, "");
        const left = await waitGone(procs, GONE_WITHIN_MS);
        deepStrictEqual(left, [], `still running after SIGINT: ${describePids(left)}`);
      } finally {
        killAll([cli.child.pid, ...procs]);
        await cli.done;
      }
    });
  }
});
