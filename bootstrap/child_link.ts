/**
 * A remote stage's link to a context it started (ssh to the next host, sudo): the remote side's
 * counterpart of the master's Connection, on Node APIs. Frames pass through undecoded.
 *
 * @module
 */

import type { LoginGuard, SpawnSpec } from "../lib/connection.ts";
import { type Frame, FrameReader } from "../lib/frame.ts";
import { CLOSE_GRACE, STDERR_TAIL } from "../lib/limits.ts";
import { explainExit, PreambleScanner } from "../lib/link.ts";
import type { Prompting } from "../lib/methods/sudo.ts";

/** What sudo and su print when a password is wrong. */
const REFUSED = /Sorry, try again|Authentication failure|incorrect password/;

/** Options for {@linkcode ChildLink}. */
export interface ChildLinkOptions {
  /** Every frame the child sends. */
  onFrame: (frame: Frame) => void;
  /** The child ended; `error` says why unless it was closed on purpose. */
  onGone: (error?: string, kind?: "auth" | "timeout") => void;
  connectTimeout: number;
  /** Largest frame body the child may send; default MAX_FRAME_SIZE. */
  maxFrame?: number | undefined;
}

/** A child process speaking frames, started by a remote stage. */
export class ChildLink {
  readonly #child: import("node:child_process").ChildProcess;
  readonly #guard: LoginGuard | undefined;
  readonly #reader: FrameReader;
  readonly #scanner = new PreambleScanner();
  #stderr = "";
  #error: string | undefined;
  #kind: "auth" | "timeout" | undefined;
  #closing = false;
  #pending: Uint8Array[] | undefined;
  #boot = 0;

  /** Spawns `spec` and writes `boot` (stage 2, init) once the child may read it. */
  constructor(
    spec: SpawnSpec & { prompting?: Prompting },
    boot: Uint8Array[],
    options: ChildLinkOptions,
  ) {
    this.#reader = new FrameReader({ maxSize: options.maxFrame });
    const { spawn } = process.getBuiltinModule("node:child_process");
    const [cmd, ...args] = spec.argv;
    const guard = this.#guard = spec.guard;
    let guardEnv: Record<string, string> = {};
    try {
      guardEnv = guard?.prepare() ?? {};
    } catch (e) {
      throw new Error(`Cannot connect to "${spec.label}": ${(e as Error).message}`);
    }
    const child = this.#child = spawn(cmd!, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...spec.env, ...guardEnv },
    });
    guard?.started(child.pid ?? -1, (message, kind) => {
      this.#fail(message, kind === "auth" ? "auth" : undefined);
    });
    const prompting = spec.prompting;
    // With sudo, nothing may reach stdin before sudo has started the command.
    this.#pending = prompting ? [] : undefined;
    this.#boot = boot.length;
    for (const b of boot) this.send(b);
    let typed = 0;
    // What the child printed before its ready line, on both streams: its login's prompts and
    // messages (under a pty, everything comes on stdout). latin1 keeps one char per byte.
    let before = "";
    let out = "";
    const latin1 = new TextDecoder("latin1");
    const timer = setTimeout(() => {
      this.#fail(
        `Timed out after ${options.connectTimeout / 1000} s waiting for "${spec.label}" to start`,
        "timeout",
      );
    }, options.connectTimeout);
    /** Answers password prompts; returns where the ready line starts in `out`, or -1. */
    const watch = (): number => {
      if (!prompting) return -1;
      const asked = before.split(prompting.prompt).length - 1;
      if (REFUSED.test(before)) this.#fail(`${spec.label} refused the password`, "auth");
      else if (asked > typed) {
        if (prompting.password === undefined) {
          this.#fail(`${spec.label} asked for a password and none was given`, "auth");
        } else if (typed > 0) this.#fail(`${spec.label} refused the password`, "auth");
        else {
          typed = asked;
          child.stdin!.write(`${prompting.password}\n`);
        }
      }
      return out.indexOf(`${prompting.ready}\n`);
    };
    child.stdin!.on("error", () => {});
    child.stderr!.on("data", (d: Uint8Array) => {
      const text = new TextDecoder().decode(d);
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
      if (this.#pending === undefined) return;
      before += text;
      watch();
    });
    child.stdout!.on("data", (chunk: Uint8Array) => {
      if (this.#error) return;
      if (this.#pending && prompting) {
        // Before the ready line, stdout is sudo's or su's business; after it, ours.
        const start = out.length;
        const text = latin1.decode(chunk);
        out += text;
        before += text;
        const at = watch();
        if (at < 0 || this.#error) return;
        const queued = this.#pending;
        this.#pending = undefined;
        for (const b of queued) child.stdin!.write(b);
        const rest = chunk.subarray(Math.max(0, at + prompting.ready.length + 1 - start));
        if (rest.length) this.#stdout(rest, spec.label, timer);
        return;
      }
      this.#stdout(chunk, spec.label, timer);
    });
    child.on(
      "error",
      (e: Error) => this.#fail(`Cannot start "${cmd}" for "${spec.label}": ${e.message}`),
    );
    child.on("close", (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      guard?.close();
      if (this.#error) return options.onGone(this.#error, this.#kind);
      if (this.#closing && this.#scanner.found) return options.onGone();
      const known = this.#scanner.found ? undefined : guard?.explain(this.#stderr);
      if (known) return options.onGone(known.message, known.kind === "auth" ? "auth" : undefined);
      options.onGone(
        explainExit({
          label: spec.label,
          transport: spec.transport,
          runtime: spec.runtime,
          started: this.#scanner.found,
          noise: this.#scanner.noise,
          stderr: this.#stderr,
          code,
          signal,
        }),
      );
    });
    this.#onFrame = options.onFrame;
  }

  readonly #onFrame: (frame: Frame) => void;

  #stdout(chunk: Uint8Array, label: string, timer: ReturnType<typeof setTimeout>): void {
    try {
      if (!this.#scanner.found) {
        const rest = this.#scanner.push(chunk, label);
        if (!rest) return;
        clearTimeout(timer);
        this.#guard?.close();
        chunk = rest;
      }
      this.#reader.push(chunk, this.#onFrame);
    } catch (e) {
      this.#fail(`Closed the link to "${label}": ${(e as Error).message}`);
    }
  }

  /** Frames still waiting for the child to start, beyond those it was started with. */
  waiting(): Uint8Array[] {
    return this.#pending?.slice(this.#boot) ?? [];
  }

  /** Writes one frame (queued until sudo lets the command start). */
  send(frame: Uint8Array): void {
    if (this.#pending) this.#pending.push(frame);
    else if (!this.#closing) this.#child.stdin!.write(frame);
  }

  #fail(error: string, kind?: "auth" | "timeout"): void {
    if (this.#error) return;
    this.#error = error;
    if (kind) this.#kind = kind;
    this.#child.kill("SIGKILL");
  }

  /** Ends the child: closes its stdin, kills it if it lingers. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#child.stdin!.end();
    setTimeout(() => this.#child.kill("SIGKILL"), CLOSE_GRACE).unref();
  }
}
