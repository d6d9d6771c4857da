/**
 * A remote stage's link to a context it started (ssh to the next host, sudo): the remote side's
 * counterpart of the master's Connection, over a Node child-process transport. Frames pass
 * through undecoded.
 *
 * @module
 */

import { type Frame, FrameReader } from "../lib/wire/frame.ts";
import { CLOSE_GRACE, STDERR_TAIL } from "../lib/limits.ts";
import { explainExit, PreambleScanner } from "../lib/core/boot.ts";
import { type LoginStep, LoginWatch } from "../lib/methods/login.ts";
import type { LoginGuard, SpawnSpec } from "../lib/methods/method.ts";
import { spawnNodeChild } from "../lib/transport/node_child.ts";
import type { ChildTransport } from "../lib/transport/transport.ts";

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
  readonly #child: ChildTransport;
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
    spec: SpawnSpec,
    boot: Uint8Array[],
    options: ChildLinkOptions,
  ) {
    this.#reader = new FrameReader({ maxSize: options.maxFrame });
    const cmd = spec.argv[0];
    const guard = this.#guard = spec.guard;
    let guardEnv: Record<string, string> = {};
    try {
      guardEnv = guard?.prepare() ?? {};
    } catch (e) {
      throw new Error(`Cannot connect to "${spec.label}": ${(e as Error).message}`);
    }
    // With a login that prompts, nothing may reach stdin before it has started the command.
    const login = spec.prompting ? new LoginWatch(spec.prompting, spec.label) : undefined;
    this.#pending = login ? [] : undefined;
    this.#boot = boot.length;
    const timer = setTimeout(() => {
      this.#fail(
        `Timed out after ${options.connectTimeout / 1000} s waiting for "${spec.label}" to start`,
        "timeout",
      );
    }, options.connectTimeout);
    /** Does what the login watch says; returns stdout bytes after the ready line. */
    const step = (next: LoginStep): Uint8Array | undefined => {
      if (next.do === "type") child.send(new TextEncoder().encode(next.text));
      else if (next.do === "fail") this.#fail(next.message, next.auth ? "auth" : undefined);
      else if (next.do === "ready") {
        const queued = this.#pending ?? [];
        this.#pending = undefined;
        for (const b of queued) child.send(b);
        return next.rest;
      }
      return undefined;
    };
    const stderr = (d: Uint8Array) => {
      const text = new TextDecoder().decode(d);
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
      if (login && !login.done) step(login.stderr(d));
    };
    const receive = (chunk: Uint8Array) => {
      if (this.#error) return;
      if (login && !login.done) {
        // Before the ready line, stdout is the login's business; after it, ours.
        const rest = step(login.stdout(chunk));
        if (rest?.length && !this.#error) this.#stdout(rest, spec.label, timer);
        return;
      }
      this.#stdout(chunk, spec.label, timer);
    };
    const error = (e: Error) =>
      this.#fail(`Cannot start "${cmd}" for "${spec.label}": ${e.message}`);
    const closed = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      guard?.close();
      if (this.#error) return options.onGone(this.#error, this.#kind);
      if (this.#closing && this.#scanner.found) return options.onGone();
      const known = this.#scanner.found ? undefined : guard?.explain(this.#stderr);
      if (known) return options.onGone(known.message, known.kind === "auth" ? "auth" : undefined);
      options.onGone(
        explainExit({
          label: spec.label,
          exits: spec.exits,
          runtime: spec.runtime,
          started: this.#scanner.found,
          noise: this.#scanner.noise,
          // Under a pseudo-terminal a login's refusal came on stdout, before any ready line.
          stderr: login && !login.done ? login.said : this.#stderr,
          code,
          signal,
        }),
      );
    };
    this.#onFrame = options.onFrame;
    const child = this.#child = spawnNodeChild(
      { argv: spec.argv, env: { ...spec.env, ...guardEnv } },
      { receive, stderr, error, closed },
    );
    guard?.started(child.pid, (message, kind) => {
      this.#fail(message, kind === "auth" ? "auth" : undefined);
    });
    for (const b of boot) this.send(b);
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
    else if (!this.#closing) this.#child.send(frame);
  }

  #fail(error: string, kind?: "auth" | "timeout"): void {
    if (this.#error) return;
    this.#error = error;
    if (kind) this.#kind = kind;
    this.#child.kill();
  }

  /** Ends the child: closes its stdin, kills it if it lingers. */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#child.close();
    setTimeout(() => this.#child.kill(), CLOSE_GRACE).unref();
  }
}
