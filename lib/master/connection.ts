/**
 * A connection: one child process (ssh, a local runtime, sudo …) whose stdin and stdout carry
 * frames to and from a remote stage, over a Deno child-process transport. It boots the remote (stage 2 plus the first frames in one
 * write), skips shell noise before the preamble, turns the byte stream into messages, and turns
 * every way the child can fail into one clear {@linkcode ConnectionError}.
 *
 * @module
 */

import { AuthenticationError, ConnectionError, ProtocolError, TimeoutError } from "../errors.ts";
import { type Frame, FrameReader } from "../wire/frame.ts";
import { CLOSE_GRACE, MAX_FRAME_SIZE, STDERR_TAIL } from "../limits.ts";
import { explainExit, PreambleScanner, stderrSuffix } from "../core/boot.ts";
import { type LoginStep, LoginWatch } from "../methods/login.ts";
import type { SpawnSpec } from "../methods/method.ts";
import type { Hello } from "../wire/protocol.ts";
import { spawnDenoChild } from "../transport/deno_child.ts";
import type { ChildTransport } from "../transport/transport.ts";

export type { LoginGuard, SpawnSpec } from "../methods/method.ts";

/** The error for a {@linkcode LoginGuard}'s verdict. */
export function guardError(verdict: { message: string; kind: "auth" | "connect" }): Error {
  return verdict.kind === "auth"
    ? new AuthenticationError(verdict.message)
    : new ConnectionError(verdict.message);
}

/** Options for {@linkcode Connection}. */
export interface ConnectionOptions {
  /**
   * Called with every frame that arrives (from it or the contexts behind it). What it throws
   * closes the connection as a protocol error: the frame was bad.
   */
  onFrame: (frame: Frame) => void;
  /** Called once when the connection ends; `error` is set unless it was closed on purpose. */
  onClose: (error?: Error) => void;
  /** Live stderr lines of the child, when the user asked to see them. */
  onStderr?: (line: string) => void;
  /** How long to wait for hello, in ms. */
  connectTimeout: number;
  /** Largest frame accepted; default MAX_FRAME_SIZE. */
  maxFrameSize?: number;
}

/** A running child process that speaks frames. */
export class Connection {
  /** Resolves with the remote's hello; rejects with the reason it never came. */
  readonly hello: Promise<Hello>;
  readonly #spec: SpawnSpec;
  readonly #options: ConnectionOptions;
  readonly #child: ChildTransport;
  readonly #reader: FrameReader;
  #stderr = "";
  readonly #scanner = new PreambleScanner();
  /** A login that prompts (sudo as a first hop): watched until its ready line. */
  readonly #login: LoginWatch | undefined;
  /** Frames held back until the login let the stage start. */
  #pending: Uint8Array[] | undefined;
  #closing = false;
  #closed = false;
  #error: Error | undefined;
  #resolveHello!: (h: Hello) => void;
  #rejectHello!: (e: Error) => void;
  readonly #exited = Promise.withResolvers<void>();

  /** Starts `spec`'s process and writes `boot` (stage 2 and the first frames) to it at once. */
  constructor(spec: SpawnSpec, boot: Uint8Array[], options: ConnectionOptions) {
    this.#spec = spec;
    this.#options = options;
    this.#reader = new FrameReader({ maxSize: options.maxFrameSize ?? MAX_FRAME_SIZE });
    this.hello = new Promise((resolve, reject) => {
      this.#resolveHello = resolve;
      this.#rejectHello = reject;
    });
    this.hello.catch(() => {});
    const cmd = spec.argv[0];
    let env = spec.env ?? {};
    try {
      if (spec.guard) env = { ...env, ...spec.guard.prepare() };
    } catch (e) {
      throw new ConnectionError(`Cannot connect to "${spec.label}": ${(e as Error).message}`);
    }
    if (spec.prompting) {
      this.#login = new LoginWatch(spec.prompting, spec.label);
      this.#pending = [];
    }
    const stderr = new TextDecoder();
    let line = "";
    try {
      this.#child = spawnDenoChild({ argv: spec.argv, env }, {
        receive: (chunk) => {
          if (this.#error) return;
          if (this.#login && !this.#login.done) {
            // Before the ready line, stdout is the login's business; after it, ours.
            const rest = this.#loginStep(this.#login.stdout(chunk));
            if (!rest?.length || this.#error) return;
            chunk = rest;
          }
          if (this.#scanner.found) this.#frames(chunk);
          else this.#preamble(chunk);
        },
        stderr: (chunk) => {
          if (this.#login && !this.#login.done) this.#loginStep(this.#login.stderr(chunk));
          const text = stderr.decode(chunk, { stream: true });
          this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
          if (!options.onStderr) return;
          const lines = (line + text).split("\n");
          line = lines.pop()!;
          for (const l of lines) options.onStderr(l);
        },
        error: (e) => {
          this.#fail(new ConnectionError(`Reading from "${this.#spec.label}" failed: ${e}`));
        },
        closed: (code, signal) => {
          if (line && options.onStderr) options.onStderr(line);
          this.#onExit(code, signal);
        },
      });
    } catch (e) {
      spec.guard?.close();
      const why = e instanceof Deno.errors.NotFound ? `"${cmd}" was not found` : String(e);
      throw new ConnectionError(`Cannot connect to "${spec.label}": ${why}`);
    }
    spec.guard?.started(this.#child.pid, (message, kind) => {
      this.#fail(guardError({ message, kind }));
    });
    this.hello.then(() => spec.guard?.close(), () => spec.guard?.close());
    for (const chunk of boot) this.send(chunk);
    const timer = setTimeout(() => {
      this.#fail(
        new TimeoutError(
          `Timed out after ${
            options.connectTimeout / 1000
          } s waiting for "${spec.label}" to start` +
            stderrSuffix(this.#stderr),
        ),
      );
    }, options.connectTimeout);
    this.hello.then(() => clearTimeout(timer), () => clearTimeout(timer));
  }

  /** The remote said hello: it is up. */
  up(hello: Hello): void {
    this.#resolveHello(hello);
  }

  /** Process id of the local child (ssh, or the runtime for local contexts). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The last bytes the child wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr;
  }

  /** Queues one frame; frames are written in order. Fails silently once closed. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    if (this.#pending) this.#pending.push(frame);
    else this.#child.send(frame);
  }

  /** Does what the login watch says; returns stdout bytes that follow the ready line. */
  #loginStep(step: LoginStep): Uint8Array | undefined {
    if (step.do === "type") this.#child.send(new TextEncoder().encode(step.text));
    else if (step.do === "fail") {
      const message = `Cannot start "${this.#spec.label}": ${step.message}`;
      this.#fail(step.auth ? new AuthenticationError(message) : new ConnectionError(message));
    } else if (step.do === "ready") {
      const held = this.#pending ?? [];
      this.#pending = undefined;
      for (const frame of held) this.send(frame);
      return step.rest;
    }
    return undefined;
  }

  /** Ends the connection: closes stdin (the remote exits), then kills the child if it lingers. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#child.close();
      const timer = setTimeout(() => this.#child.kill(), CLOSE_GRACE);
      await this.#exited.promise;
      clearTimeout(timer);
    }
    await this.#exited.promise;
  }

  /** Ends the connection with `error`: rejects hello, reports once, kills the child. */
  #fail(error: Error): void {
    if (this.#error || this.#closed) return;
    this.#error = error;
    this.#rejectHello(error);
    this.#closing = true;
    this.#child.kill();
  }

  /** Skips what a login shell printed before the remote stage's preamble. */
  #preamble(chunk: Uint8Array): void {
    try {
      const rest = this.#scanner.push(chunk, this.#spec.label);
      if (rest) this.#frames(rest);
    } catch (e) {
      this.#fail(new ProtocolError((e as Error).message));
    }
  }

  #frames(chunk: Uint8Array): void {
    try {
      this.#reader.push(chunk, this.#options.onFrame);
    } catch (e) {
      this.#fail(
        new ProtocolError(
          `Closed the connection to "${this.#spec.label}": it sent a bad frame (${
            (e as Error).message
          })`,
        ),
      );
    }
  }

  /** The child exited: explain why, unless we asked for it. */
  #onExit(code: number | null, signal: string | null): void {
    this.#closed = true;
    let error = this.#error;
    if (!error && this.#reader.pending > 0) {
      error = new ProtocolError(
        `Closed the connection to "${this.#spec.label}": it ended in the middle of a frame ` +
          `(${this.#reader.pending} bytes of it arrived)`,
      );
    }
    if (!error && (!this.#closing || !this.#scanner.found)) error = this.#explain(code, signal);
    if (error) this.#rejectHello(error);
    this.#exited.resolve();
    this.#options.onClose(error);
  }

  #explain(code: number | null, signal: string | null): Error {
    const known = this.#scanner.found ? undefined : this.#spec.guard?.explain(this.#stderr);
    if (known) return guardError(known);
    return new ConnectionError(explainExit({
      label: this.#spec.label,
      exits: this.#spec.exits,
      runtime: this.#spec.runtime,
      started: this.#scanner.found,
      noise: this.#scanner.noise,
      // Under a pseudo-terminal a login's refusal came on stdout, before any ready line.
      stderr: this.#login && !this.#login.done ? this.#login.said : this.#stderr,
      code,
      signal,
    }));
  }
}
