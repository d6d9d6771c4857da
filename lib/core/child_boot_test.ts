import assert from "node:assert/strict";
import {
  type BootClock,
  type BootFailure,
  ChildBoot,
  type ChildBootOptions,
} from "./child_boot.ts";
import { CLOSE_GRACE, MAX_PREAMBLE_NOISE } from "../limits.ts";
import type { LoginGuard, SpawnSpec } from "../methods/method.ts";
import { encodeFrame, type Frame } from "../wire/frame.ts";
import { PREAMBLE } from "../wire/protocol.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), at += p.length;
  return out;
};

/** A login like sudo's: its own prompt, a ready line on stdout. */
const SUDO = { prompt: "[mitoctl] password:", ready: "mitoctl-ready-x1", password: "pw" };
const SSH: SpawnSpec = {
  argv: ["ssh", "--", "web1"],
  label: "web1",
  exits: { program: "ssh", codes: { 255: "" } },
  runtime: "auto",
};
const HELLO = encodeFrame(0, 1, enc("hello"));
const INIT = encodeFrame(1, 0, enc("init"));

/** A clock whose timers fire when the test says. */
class TestClock implements BootClock {
  readonly timers = new Map<number, { ms: number; fn: () => void }>();
  #next = 0;
  after(ms: number, fn: () => void): () => void {
    const id = this.#next++;
    this.timers.set(id, { ms, fn });
    return () => this.timers.delete(id);
  }
  /** Fires the timers set for `ms`. */
  fire(ms: number): void {
    for (const [id, t] of this.timers) if (t.ms === ms) this.timers.delete(id), t.fn();
  }
  get running(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }
}

/** A boot started on a recording child. */
function started(spec: SpawnSpec, options: Partial<ChildBootOptions> = {}) {
  const clock = new TestClock();
  const frames: Frame[] = [];
  const failures: BootFailure[] = [];
  const exits: (BootFailure | undefined)[] = [];
  const io = {
    pid: 4242,
    written: [] as string[],
    closed: 0,
    killed: 0,
    send(bytes: Uint8Array) {
      this.written.push(dec(bytes));
    },
    close() {
      this.closed++;
    },
    kill() {
      this.killed++;
    },
  };
  const boot = new ChildBoot(spec, {
    onFrame: (f) => frames.push(f),
    onFail: (f) => failures.push(f),
    onExit: (f) => exits.push(f),
    connectTimeout: 2000,
    clock,
    ...options,
  });
  boot.start(io, [enc("stage2"), INIT]);
  return { boot, io, clock, frames, failures, exits };
}

/** A guard that records what it was told. */
function recordingGuard(verdict?: { message: string; kind: "auth" | "connect" }) {
  const calls: string[] = [];
  let fail: ((message: string, kind: "auth" | "connect") => void) | undefined;
  const guard: LoginGuard = {
    prepare: () => (calls.push("prepare"), { ASKPASS: "yes" }),
    started: (pid, f) => (calls.push(`started ${pid}`), fail = f),
    explain: () => (calls.push("explain"), verdict),
    close: () => void calls.push("close"),
  };
  return { guard, calls, fail: (m: string, k: "auth" | "connect") => fail!(m, k) };
}

Deno.test("ChildBoot writes the boot at once and passes frames on after the preamble", () => {
  const t = started(SSH);
  assert.deepEqual(t.io.written, ["stage2", dec(INIT)]);
  t.boot.stdout(join(enc(`Welcome!\n${PREAMBLE}`), HELLO));
  assert.deepEqual(t.frames.map((f) => dec(f.body)), ["hello"]);
  t.boot.send(enc("call"));
  assert.deepEqual(t.io.written.at(-1), "call");
});

Deno.test("ChildBoot finds the preamble and the frame after it, split anywhere", () => {
  const all = join(enc(`banner\n${PREAMBLE}`), HELLO, encodeFrame(0, 1, enc("log")));
  for (let cut = 0; cut <= all.length; cut++) {
    for (const second of [cut, Math.min(all.length, cut + 3)]) {
      const t = started(SSH);
      t.boot.stdout(all.subarray(0, cut));
      t.boot.stdout(all.subarray(cut, second));
      t.boot.stdout(all.subarray(second));
      assert.deepEqual(t.frames.map((f) => dec(f.body)), ["hello", "log"], `cut at ${cut}`);
      assert.deepEqual(t.failures, []);
    }
  }
});

Deno.test("ChildBoot answers a login prompt split across chunks once, holding frames until ready", () => {
  const t = started({ ...SSH, label: "sudo:root", prompting: SUDO });
  t.boot.send(enc("call"));
  assert.deepEqual(t.io.written, [], "nothing reaches stdin before the login started the command");
  t.boot.stderr(enc("[mitoctl] pass"));
  assert.deepEqual(t.io.written, []);
  t.boot.stderr(enc("word:"));
  assert.deepEqual(t.io.written, ["pw\n"]);
  assert.deepEqual(t.boot.waiting().map(dec), ["call"], "the boot itself is not carried over");
  t.boot.stdout(enc(`\nmitoctl-ready`));
  assert.deepEqual(t.io.written, ["pw\n"]);
  t.boot.stdout(join(enc(`-x1\n${PREAMBLE}`), HELLO));
  assert.deepEqual(t.io.written, ["pw\n", "stage2", dec(INIT), "call"]);
  assert.deepEqual(t.frames.map((f) => dec(f.body)), ["hello"]);
  assert.deepEqual(t.boot.waiting(), []);
});

Deno.test("ChildBoot fails a login asked twice as refused, in the login's own words", () => {
  const t = started({ ...SSH, label: "sudo:root", prompting: SUDO });
  t.boot.stderr(enc("[mitoctl] password:"));
  t.boot.stderr(enc("\n[mitoctl] password:"));
  const refused = { message: "sudo:root refused the password", kind: "auth", login: true };
  assert.deepEqual(t.failures, [refused]);
  assert.equal(t.io.killed, 1);
  t.boot.exited(1, null);
  assert.deepEqual(t.exits, [refused], "the exit keeps the first failure");
});

Deno.test("ChildBoot refuses endless noise before the preamble as a protocol error", () => {
  const t = started(SSH);
  t.boot.stdout(new Uint8Array(MAX_PREAMBLE_NOISE).fill(65));
  assert.equal(t.failures.length, 0, "the limit itself is allowed");
  t.boot.stdout(enc("AB"));
  assert.equal(t.failures.length, 1);
  assert.equal(t.failures[0]!.kind, "protocol");
  assert.match(
    t.failures[0]!.message,
    /^"web1" printed 65538 bytes of output before the remote stage started; is a login script/,
  );
  assert.equal(t.io.killed, 1);
  t.boot.stdout(join(enc(PREAMBLE), HELLO));
  assert.deepEqual(t.frames, [], "nothing is read after a failure");
});

Deno.test("ChildBoot reports a child that ended in the middle of a frame", () => {
  const t = started(SSH);
  t.boot.stdout(join(enc(PREAMBLE), HELLO, encodeFrame(0, 1, enc("0123456789")).subarray(0, 15)));
  t.boot.exited(0, null);
  const failure = {
    message: 'Closed the connection to "web1": it ended in the middle of a frame ' +
      "(15 bytes of it arrived)",
    kind: "protocol",
  };
  assert.deepEqual(t.failures, [failure]);
  assert.deepEqual(t.exits, [failure]);
});

Deno.test("ChildBoot closes on a bad frame, naming what was wrong with it", () => {
  const t = started(SSH, {
    onFrame: () => {
      throw new Error("a hello without a pid");
    },
  });
  t.boot.stdout(join(enc(PREAMBLE), HELLO));
  assert.deepEqual(t.failures, [{
    message: 'Closed the connection to "web1": it sent a bad frame (a hello without a pid)',
    kind: "protocol",
  }]);
  assert.equal(t.io.killed, 1);
});

Deno.test("ChildBoot times out with the tail of stderr, and kills the child", () => {
  const t = started(SSH);
  assert.deepEqual(t.clock.running, [2000]);
  t.boot.stderr(enc("one\ntwo\nthree\nWarning: still "));
  t.boot.stderr(enc("trying\n"));
  t.clock.fire(2000);
  assert.deepEqual(t.failures, [{
    message: 'Timed out after 2 s waiting for "web1" to start: two | three | Warning: still trying',
    kind: "timeout",
  }]);
  assert.equal(t.io.killed, 1);
});

Deno.test("ChildBoot's timeout quotes what a login on a terminal said on stdout", () => {
  const t = started({ ...SSH, prompting: { ready: "go" } });
  t.boot.stdout(enc("\r\nwaiting for the terminal\r\n"));
  t.clock.fire(2000);
  assert.equal(
    t.failures[0]!.message,
    'Timed out after 2 s waiting for "web1" to start: waiting for the terminal',
  );
});

Deno.test("ChildBoot's first frame stops the timer and lets the guard go", () => {
  const g = recordingGuard();
  const t = started({ ...SSH, guard: g.guard });
  assert.deepEqual(g.calls, ["started 4242"]);
  t.boot.stdout(enc(PREAMBLE));
  assert.deepEqual(t.clock.running, [2000], "the preamble alone is not a stage that is up");
  t.boot.stdout(HELLO);
  assert.deepEqual(t.clock.running, []);
  assert.deepEqual(g.calls, ["started 4242", "close"]);
  t.boot.exited(0, null);
  assert.deepEqual(g.calls, ["started 4242", "close"], "the guard is let go once");
  assert.deepEqual(t.exits, [{
    message: 'Lost "web1": the connection exited with code 0',
    kind: "connect",
  }]);
});

Deno.test("ChildBoot takes the guard's word for a child that ended before its stage", () => {
  const denied = {
    message: 'Cannot connect to "web1": the password was refused',
    kind: "auth",
  } as const;
  const g = recordingGuard(denied);
  const t = started({ ...SSH, guard: g.guard });
  t.boot.stderr(enc("Permission denied (password).\n"));
  t.boot.exited(255, null);
  assert.deepEqual(t.exits, [denied]);
  assert.deepEqual(g.calls, ["started 4242", "explain", "close"]);
});

Deno.test("ChildBoot fails at once on the guard's say, with its kind", () => {
  const g = recordingGuard();
  const t = started({ ...SSH, guard: g.guard });
  g.fail('Cannot connect to "web1": ssh asked "Enter passphrase"', "auth");
  assert.deepEqual(t.failures, [{
    message: 'Cannot connect to "web1": ssh asked "Enter passphrase"',
    kind: "auth",
  }]);
  assert.deepEqual(t.clock.running, []);
  assert.equal(t.io.killed, 1);
});

Deno.test("ChildBoot explains an exit before the stage started from the program's codes", () => {
  const t = started(SSH);
  t.boot.stderr(enc("u@web1: Permission denied (publickey).\n"));
  t.boot.exited(255, null);
  const failure = {
    message:
      'Cannot connect to "web1": ssh exited with code 255: u@web1: Permission denied (publickey).',
    kind: "connect",
  };
  assert.deepEqual(t.failures, [failure]);
  assert.deepEqual(t.exits, [failure]);
  assert.equal(t.io.killed, 0, "a child that is gone is not killed");
});

Deno.test("ChildBoot closed on purpose after its stage started ends without a failure", () => {
  const t = started(SSH);
  t.boot.stdout(join(enc(PREAMBLE), HELLO));
  t.boot.close();
  t.boot.close();
  assert.equal(t.io.closed, 1);
  assert.deepEqual(t.clock.running, [CLOSE_GRACE]);
  t.boot.send(enc("late"));
  assert.equal(t.io.written.includes("late"), false, "nothing is written once closing");
  t.boot.exited(0, null);
  assert.deepEqual(t.exits, [undefined]);
  assert.deepEqual(t.clock.running, [], "the kill after the grace is called off");
});

Deno.test("ChildBoot kills a closed child that lingers past the grace", () => {
  const t = started(SSH);
  t.boot.stdout(join(enc(PREAMBLE), HELLO));
  t.boot.close();
  t.clock.fire(CLOSE_GRACE);
  assert.equal(t.io.killed, 1);
});

Deno.test("ChildBoot closed before its stage started still says why the child ended", () => {
  const t = started(SSH);
  t.boot.close();
  t.boot.exited(1, null);
  assert.deepEqual(t.exits, [{
    message: 'The remote stage on "web1" exited with code 1 before it started',
    kind: "connect",
  }]);
});

Deno.test("ChildBoot.env() adds the guard's environment, and says why a guard cannot start", () => {
  const g = recordingGuard();
  const boot = new ChildBoot({ ...SSH, env: { A: "1" }, guard: g.guard }, {
    onFrame: () => {},
    onExit: () => {},
    connectTimeout: 1000,
  });
  assert.deepEqual(boot.env(), { A: "1", ASKPASS: "yes" });
  const broken = new ChildBoot({
    ...SSH,
    guard: {
      ...g.guard,
      prepare: () => {
        throw new Error("no abstract sockets here");
      },
    },
  }, { onFrame: () => {}, onExit: () => {}, connectTimeout: 1000 });
  assert.throws(() => broken.env(), {
    name: "Error",
    message: 'Cannot connect to "web1": no abstract sockets here',
  });
  broken.abandon();
  assert.deepEqual(g.calls.at(-1), "close");
});

Deno.test("ChildBoot names a program that could not be run, in the same words everywhere", () => {
  const spawnError = (code: string | undefined, message: string) =>
    Object.assign(new Error(message), code === undefined ? {} : { code });
  const cases: [Error, string][] = [
    [spawnError("ENOENT", "spawn ssh ENOENT"), `Cannot connect to "web1": "ssh" was not found`],
    [
      spawnError("EACCES", "spawn ssh EACCES"),
      `Cannot connect to "web1": "ssh" may not be run (permission denied)`,
    ],
    [
      spawnError(undefined, "out of file descriptors"),
      `Cannot connect to "web1": out of file descriptors`,
    ],
  ];
  for (const [error, message] of cases) {
    const { boot, failures, io } = started(SSH);
    boot.notStarted(error);
    assert.deepEqual(failures, [{ message, kind: "connect" }]);
    assert.equal(io.killed, 1);
  }
});
