/**
 * A remote stage's link to a context it started (ssh to the next host, sudo): the remote side's
 * counterpart of the master's Connection, on Node APIs. Frames pass through undecoded.
 *
 * @module
 */

import type { SpawnSpec } from "../lib/connection.ts";
import { type Frame, FrameReader } from "../lib/frame.ts";
import { CLOSE_GRACE, STDERR_TAIL } from "../lib/limits.ts";
import { explainExit, PreambleScanner } from "../lib/link.ts";
import type { Prompting } from "../lib/methods/sudo.ts";

/** Options for {@linkcode ChildLink}. */
export interface ChildLinkOptions {
  /** Every frame the child sends. */
  onFrame: (frame: Frame) => void;
  /** The child ended; `error` says why unless it was closed on purpose. */
  onGone: (error?: string, kind?: "auth" | "timeout") => void;
  connectTimeout: number;
}

/** A child process speaking frames, started by a remote stage. */
export class ChildLink {
  readonly #child: import("node:child_process").ChildProcess;
  readonly #reader = new FrameReader();
  readonly #scanner = new PreambleScanner();
  #stderr = "";
  #error: string | undefined;
  #kind: "auth" | "timeout" | undefined;
  #closing = false;
  #pending: Uint8Array[] | undefined;

  /** Spawns `spec` and writes `boot` (stage 2, init) once the child may read it. */
  constructor(
    spec: SpawnSpec & { prompting?: Prompting },
    boot: Uint8Array[],
    options: ChildLinkOptions,
  ) {
    const { spawn } = process.getBuiltinModule("node:child_process");
    const [cmd, ...args] = spec.argv;
    const child = this.#child = spawn(cmd!, args, {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...spec.env },
    });
    const prompting = spec.prompting;
    // With sudo, nothing may reach stdin before sudo has started the command.
    this.#pending = prompting ? [] : undefined;
    for (const b of boot) this.send(b);
    let typed = false;
    let readyText = "";
    const timer = setTimeout(() => {
      this.#fail(
        `Timed out after ${options.connectTimeout / 1000} s waiting for "${spec.label}" to start`,
        "timeout",
      );
    }, options.connectTimeout);
    child.stdin!.on("error", () => {});
    child.stderr!.on("data", (d: Uint8Array) => {
      const text = new TextDecoder().decode(d);
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
      if (!prompting || this.#pending === undefined) return;
      if (this.#stderr.includes(prompting.prompt)) {
        this.#stderr = this.#stderr.split(prompting.prompt).join("");
        if (prompting.password === undefined) {
          this.#fail(`${spec.label} asked for a password and none was given`, "auth");
        } else if (typed) {
          this.#fail(`${spec.label} refused the password`, "auth");
        } else {
          typed = true;
          child.stdin!.write(`${prompting.password}\n`);
        }
      }
    });
    child.stdout!.on("data", (chunk: Uint8Array) => {
      if (this.#error) return;
      if (this.#pending && prompting) {
        // Before the ready line, stdout is sudo's business; look for the line, pass the rest on.
        readyText += new TextDecoder().decode(chunk);
        const at = readyText.indexOf(`${prompting.ready}\n`);
        if (at < 0) return;
        const queued = this.#pending;
        this.#pending = undefined;
        for (const b of queued) child.stdin!.write(b);
        const rest = new TextEncoder().encode(readyText.slice(at + prompting.ready.length + 1));
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
      if (this.#error) return options.onGone(this.#error, this.#kind);
      if (this.#closing && this.#scanner.found) return options.onGone();
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
        chunk = rest;
      }
      this.#reader.push(chunk, this.#onFrame);
    } catch (e) {
      this.#fail(`Closed the link to "${label}": ${(e as Error).message}`);
    }
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
