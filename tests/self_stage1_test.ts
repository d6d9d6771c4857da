/**
 * The compiled binary's own stage 1 (`--mitoctl-stage1`), run here as `deno run main.ts` with
 * that flag: the watchdog that the shell command starts beside it ends once the stage runs, and
 * still kills a runtime that hangs before it gets there.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { brotliCompressSync } from "node:zlib";
import { SELF_STAGE1_FLAG } from "../lib/stage/self.ts";
import { type SpawnFacts, stageCommand } from "../lib/methods/method.ts";
import { FRAMES_FD } from "../lib/wire/protocol.ts";
import {
  childrenOf,
  describePids,
  isAlive,
  sessionMembers,
  waitFor,
} from "./_fixtures/processes.ts";

const root = new URL("../", import.meta.url).pathname;

/** A stand-in stage 2, a function expression as the build makes stage 2: says it is up on its
 *  frame channel, with its pid and what it sees of `MITOCTL_W`, then holds until its stdin
 *  closes. */
const STAGE = '(function(){var p=process,f=p.getBuiltinModule("fs");' +
  `Deno.writeTextFileSync("/proc/self/fd/${FRAMES_FD}",` +
  '"up "+p.pid+" "+(p.env.MITOCTL_W||"-")+"\\n",{append:true});f.readSync(0,Buffer.alloc(1))})';

/** How long the watchdog may take to end once stopped, in ms: far below the connect timeout. */
const STOPPED_WITHIN_MS = 10_000;

/** Starts the shell command that `stageCommand` builds for `self`, in a session of its own (the
 *  watchdog kills its whole process group). */
function start(self: string[], size: number, connectTimeout: number): Deno.ChildProcess {
  const facts: SpawnFacts = { size, nonce: "n", pty: false, self, here: "", connectTimeout };
  return new Deno.Command("setsid", {
    args: ["sh", "-c", stageCommand(undefined, facts)],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
    cwd: root,
  }).spawn();
}

/** The compiled binary's argv for stage 1, as `deno run` gives it (with extra runtime flags). */
function selfArgv(size: number, flags: string[] = []): string[] {
  return [Deno.execPath(), "run", "-A", ...flags, `${root}main.ts`, SELF_STAGE1_FLAG, `${size}`];
}

Deno.test("the compiled binary's stage 1 stops the watchdog once the stage runs", async () => {
  await runsAndStopsTheWatchdog([]);
});

Deno.test("the compiled binary's stage 1 runs where the runtime refuses to evaluate strings", async () => {
  // Stage 2 is then imported as a module; the master's own code evaluates no string either.
  await runsAndStopsTheWatchdog(["--v8-flags=--disallow-code-generation-from-strings"]);
});

/** Starts the stand-in stage through the compiled binary's stage 1 (run with runtime `flags`)
 *  and checks that it came up and that its watchdog ended. */
async function runsAndStopsTheWatchdog(flags: string[]): Promise<void> {
  const stage = brotliCompressSync(Buffer.from(STAGE));
  const child = start(selfArgv(stage.length, flags), stage.length, 600_000);
  const writer = child.stdin.getWriter();
  await writer.write(stage);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  // A stage that never says it is up is killed, with its group, so the read below ends.
  const stuck = setTimeout(() => Deno.kill(-child.pid, "SIGKILL"), 30_000);
  let out = "";
  while (!out.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
  }
  clearTimeout(stuck);
  const up = /^up (\d+) (.*)\n$/.exec(out);
  assert.ok(up, `the stage did not start: ${JSON.stringify(out)}`);
  const runtime = Number(up[1]);
  // The stage's own environment no longer names the watchdog, so nothing it starts inherits it.
  assert.equal(up[2], "-");
  // The watchdog was the runtime's only child; it ends long before its 600 s are up (and stays a
  // zombie: the runtime never reaps a child the shell started).
  const watchdogs = () => childrenOf(runtime).filter(isAlive);
  const gone = await waitFor(() => watchdogs().length ? undefined : true, STOPPED_WITHIN_MS);
  assert.equal(gone, true, `still running: ${describePids(watchdogs())}`);
  assert.equal(childrenOf(runtime).length, 1, "no watchdog ran beside the stage");
  assert.ok(isAlive(runtime), "the stage itself was ended");
  await writer.close();
  await reader.cancel();
  assert.equal((await child.status).code, 0);
}

Deno.test("the compiled binary's stage 1 is still killed when its runtime hangs before it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-self-stage1-" });
  try {
    // Runs before main.ts and never returns: a runtime that hangs on its way to stage 1. It says
    // so on its frame channel first, so that its end below is known to be the watchdog's doing.
    const hang = `${dir}/hang.js`;
    await Deno.writeTextFile(
      hang,
      `Deno.writeTextFileSync("/proc/self/fd/${FRAMES_FD}","hanging\\n",{append:true});` +
        "Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0);\n",
    );
    // The watchdog counts from the start, and a cold `deno run` of main.ts on a busy machine may
    // take a while to reach the preload: 5 s leaves room for that.
    const child = start(selfArgv(10, ["--preload", hang]), 10, 5000);
    // Without a working watchdog nothing ends it: the test does, and fails below.
    const stuck = setTimeout(() => Deno.kill(-child.pid, "SIGTERM"), 30_000);
    const status = await child.status;
    clearTimeout(stuck);
    // SIGKILL reached the whole group at once; a busy machine may take a moment to end each one.
    const left = await waitFor(() => {
      const members = sessionMembers(child.pid);
      return members.length ? undefined : members;
    }, 5000);
    if (left === undefined) {
      const members = sessionMembers(child.pid);
      members.forEach((pid) => Deno.kill(pid, "SIGKILL"));
      assert.fail(`still running: ${describePids(members)}`);
    }
    // Nothing holds the pipe now, and the line stays in it: reading it races with nothing.
    const said = await new Response(child.stdout).text();
    assert.equal(said, "hanging\n", "the runtime never reached its hang");
    assert.equal(status.signal, "SIGKILL");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
