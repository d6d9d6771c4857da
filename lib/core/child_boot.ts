/**
 * The boot of one child context, the same whichever side starts it: the master's `Connection` (a
 * Deno child) and a remote stage's `ChildLink` (a Node child) feed it what their child writes and
 * how it ended, and map the one failure it reports to their own errors. It holds the login guard's
 * life, a prompting login watched until its ready line (frames held back until then), the shell
 * noise skipped up to the preamble, the frames read, the stderr tail, the connect timer (stopped by
 * the stage's first frame, its hello) and the explanation of an exit. No I/O of its own: the child
 * is written to and killed through the transport it is handed, and time comes from a clock.
 *
 * @module
 */

import { CLOSE_GRACE, MAX_FRAME_SIZE, STDERR_TAIL } from "../limits.ts";
import { type Frame, FrameReader } from "../wire/frame.ts";
import { type LoginStep, LoginWatch } from "../methods/login.ts";
import type { LoginGuard, SpawnSpec } from "../methods/method.ts";
import { spawnFailure } from "../transport/sealed_spawn.ts";
import type { ChildTransport } from "../transport/transport.ts";
import { explainExit, PreambleScanner, stderrSuffix } from "./boot.ts";

/** How a child failed: its login was refused (`auth`), it never came up, or it broke the protocol. */
export type BootFailureKind = "auth" | "connect" | "timeout" | "protocol";

/** Why a child failed, in one sentence. */
export interface BootFailure {
  message: string;
  kind: BootFailureKind;
  /**
   * The message is the words of a login that prompts (`sudo:root refused the password`): it
   * belongs after the name of the context that could not start.
   */
  login?: boolean;
}

/** Time for the connect timer and the grace before a kill. */
export interface BootClock {
  /** Calls `fn` after `ms` milliseconds; returns what cancels it. */
  after(ms: number, fn: () => void): () => void;
}

/** The clock of the running program: `setTimeout`. */
export const TIMERS: BootClock = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};

/** What a boot writes to and does with its child: the transport it was started with. */
export type ChildIo = Pick<ChildTransport, "pid" | "send" | "close" | "kill">;

/** Options for {@linkcode ChildBoot}. */
export interface ChildBootOptions {
  /** Every frame the child sends. What it throws closes the link: the frame was bad. */
  onFrame: (frame: Frame) => void;
  /** The first failure, as it happens (the child is being killed). Called at most once. */
  onFail?: (failure: BootFailure) => void;
  /** The child exited; `failure` is set unless it was closed on purpose after it had started. */
  onExit: (failure?: BootFailure) => void;
  /** How long the child may take to send its first frame, in ms. */
  connectTimeout: number;
  /** Largest frame body the child may send; default MAX_FRAME_SIZE. */
  maxFrameSize?: number | undefined;
  /** Default {@linkcode TIMERS}. */
  clock?: BootClock;
}

/** The state of one child from its spawn to its exit. */
export class ChildBoot {
  readonly #spec: SpawnSpec;
  readonly #options: ChildBootOptions;
  readonly #clock: BootClock;
  readonly #reader: FrameReader;
  readonly #scanner = new PreambleScanner();
  /** A login that prompts (sudo, su, doas): watched until its ready line. */
  readonly #login: LoginWatch | undefined;
  /** The guard until it is let go (the stage is up, or the child failed or exited). */
  #guard: LoginGuard | undefined;
  #io: ChildIo | undefined;
  /** Frames held back until the login let the stage start. */
  #pending: Uint8Array[] | undefined;
  /** How many of the held frames were the boot itself. */
  #booted = 0;
  #stderr = "";
  readonly #decoder = new TextDecoder();
  #stopTimer: (() => void) | undefined;
  #stopGrace: (() => void) | undefined;
  #failure: BootFailure | undefined;
  #closing = false;
  #exited = false;

  /** A boot for the child `spec` describes; nothing runs until {@linkcode ChildBoot.start}. */
  constructor(spec: SpawnSpec, options: ChildBootOptions) {
    this.#spec = spec;
    this.#options = options;
    this.#clock = options.clock ?? TIMERS;
    this.#reader = new FrameReader({ maxSize: options.maxFrameSize ?? MAX_FRAME_SIZE });
    this.#guard = spec.guard;
    if (spec.prompting) {
      this.#login = new LoginWatch(spec.prompting, spec.label);
      // Nothing may reach stdin before the login has started the command.
      this.#pending = [];
    }
  }

  /**
   * The environment to start the child with: the spec's and what its guard needs. Throws an
   * Error saying why the guard cannot watch this child.
   */
  env(): Record<string, string> {
    try {
      return { ...this.#spec.env, ...this.#guard?.prepare() };
    } catch (e) {
      throw new Error(`Cannot connect to "${this.#spec.label}": ${(e as Error).message}`);
    }
  }

  /** The child could not be started: lets the guard go. */
  abandon(): void {
    this.#letGuardGo();
  }

  /** The child runs on `io`: the guard watches it, the timer runs, `boot` is written (or held). */
  start(io: ChildIo, boot: Uint8Array[]): void {
    this.#io = io;
    this.#guard?.started(io.pid, (message, kind) => this.fail(message, kind));
    const { connectTimeout } = this.#options;
    this.#stopTimer = this.#clock.after(connectTimeout, () => {
      this.fail(
        `Timed out after ${connectTimeout / 1000} s waiting for "${this.#spec.label}" to start` +
          stderrSuffix(this.#said()),
        "timeout",
      );
    });
    for (const frame of boot) this.send(frame);
    this.#booted = this.#pending?.length ?? 0;
  }

  /**
   * Writes one frame, or holds it until the login lets the stage start. Dropped once the child
   * is closing, failed or gone.
   */
  send(frame: Uint8Array, written?: () => void): void {
    if (this.#closing || this.#failure || this.#exited) return;
    if (this.#pending) this.#pending.push(frame);
    else this.#io?.send(frame, written);
  }

  /** Frames still held for the login, beyond the boot: to carry over to another try. */
  waiting(): Uint8Array[] {
    return this.#pending?.slice(this.#booted) ?? [];
  }

  /** Takes a chunk of the child's stdout. */
  stdout(chunk: Uint8Array): void {
    if (this.#failure || this.#exited) return;
    if (this.#login && !this.#login.done) {
      // Before the ready line, stdout is the login's business; after it, the stage's.
      const rest = this.#loginStep(this.#login.stdout(chunk));
      if (!rest?.length || this.#failure) return;
      chunk = rest;
    }
    if (!this.#scanner.found) {
      let rest: Uint8Array | undefined;
      try {
        rest = this.#scanner.push(chunk, this.#spec.label);
      } catch (e) {
        return this.fail((e as Error).message, "protocol");
      }
      if (!rest) return;
      chunk = rest;
    }
    try {
      this.#reader.push(chunk, this.#frame);
    } catch (e) {
      this.fail(
        `Closed the connection to "${this.#spec.label}": it sent a bad frame (${
          (e as Error).message
        })`,
        "protocol",
      );
    }
  }

  /** Takes a chunk of the child's stderr. */
  stderr(chunk: Uint8Array): void {
    const text = this.#decoder.decode(chunk, { stream: true });
    this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
    if (this.#login && !this.#login.done && !this.#failure) {
      this.#loginStep(this.#login.stderr(chunk));
    }
  }

  /** Fails the child with `message`: reports it once and kills the child. */
  fail(message: string, kind: BootFailureKind): void {
    this.#fail({ message, kind });
  }

  /**
   * The child's program could not be run (the spawn's error): fails the boot in the words the
   * master and a remote stage both give, naming the program.
   */
  notStarted(error: Error): void {
    const why = spawnFailure(this.#spec.argv[0]!, error);
    this.fail(`Cannot connect to "${this.#spec.label}": ${why}`, "connect");
  }

  /** Ends the child on purpose: closes its stdin (the stage exits), kills it if it lingers. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#exited) return;
    this.#io?.close();
    this.#stopGrace = this.#clock.after(CLOSE_GRACE, () => this.#io?.kill());
  }

  /** The child exited (its stdout was read to the end): reports why, if it was not asked to. */
  exited(code: number | null, signal: string | null): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#stopTimer?.();
    this.#stopGrace?.();
    if (!this.#failure) {
      const pending = this.#reader.pending;
      if (pending > 0) {
        this.#report({
          message: `Closed the connection to "${this.#spec.label}": it ended in the middle of a ` +
            `frame (${pending} bytes of it arrived)`,
          kind: "protocol",
        });
      } else if (!this.#closing || !this.#scanner.found) {
        this.#report(this.#explain(code, signal));
      }
    }
    this.#letGuardGo();
    this.#options.onExit(this.#failure);
  }

  /** A whole frame: the first one (the stage's hello) ends the wait for the child to start. */
  readonly #frame = (frame: Frame): void => {
    if (this.#stopTimer) {
      this.#stopTimer();
      this.#stopTimer = undefined;
      this.#letGuardGo();
    }
    this.#options.onFrame(frame);
  };

  /** Does what the login watch says; returns the stdout bytes that follow the ready line. */
  #loginStep(step: LoginStep): Uint8Array | undefined {
    if (step.do === "type") this.#io?.send(new TextEncoder().encode(step.text));
    else if (step.do === "fail") {
      this.#fail({ message: step.message, kind: step.auth ? "auth" : "connect", login: true });
    } else if (step.do === "ready") {
      const held = this.#pending ?? [];
      this.#pending = undefined;
      for (const frame of held) this.#io?.send(frame);
      return step.rest;
    }
    return undefined;
  }

  #fail(failure: BootFailure): void {
    if (this.#failure || this.#exited) return;
    this.#report(failure);
    this.#stopTimer?.();
    this.#stopTimer = undefined;
    this.#letGuardGo();
    this.#io?.kill();
  }

  #report(failure: BootFailure): void {
    this.#failure = failure;
    this.#options.onFail?.(failure);
  }

  #letGuardGo(): void {
    const guard = this.#guard;
    this.#guard = undefined;
    guard?.close();
  }

  /** What the child said before its stage started: under a pty a login's refusal is on stdout. */
  #said(): string {
    return this.#login && !this.#login.done ? this.#login.said : this.#stderr;
  }

  #explain(code: number | null, signal: string | null): BootFailure {
    const { label, exits, runtime, guard } = this.#spec;
    const started = this.#scanner.found;
    const known = started ? undefined : guard?.explain(this.#stderr);
    if (known) return known;
    return {
      message: explainExit({
        label,
        exits,
        runtime,
        started,
        noise: this.#scanner.noise,
        stderr: this.#said(),
        code,
        signal,
      }),
      kind: "connect",
    };
  }
}
