/**
 * A connection: one child process (ssh, a local runtime, sudo …) whose stdin and stdout carry
 * frames to and from a remote stage, over a child-process transport. The boot itself (login,
 * preamble, frames, timer, the explanation of an exit) is {@linkcode ChildBoot}'s, shared with the
 * remote stage; this file spawns the child and turns the boot's failures into the errors users
 * catch.
 *
 * @module
 */

import { AuthenticationError, ConnectionError, ProtocolError, TimeoutError } from "../errors.ts";
import type { Frame } from "../wire/frame.ts";
import { type BootFailure, ChildBoot } from "../core/child_boot.ts";
import type { SpawnSpec } from "../methods/method.ts";
import type { Hello } from "../wire/protocol.ts";
import { spawnNodeChild } from "../transport/node_child.ts";
import type { ChildTransport } from "../transport/transport.ts";

export type { LoginGuard, SpawnSpec } from "../methods/method.ts";

/** The error users catch for a boot's failure of the child `label`. */
function bootError(failure: BootFailure, label: string): Error {
  const message = failure.login ? `Cannot start "${label}": ${failure.message}` : failure.message;
  switch (failure.kind) {
    case "auth":
      return new AuthenticationError(message);
    case "timeout":
      return new TimeoutError(message);
    case "protocol":
      return new ProtocolError(message);
    default:
      return new ConnectionError(message);
  }
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
  /**
   * A second try, once: given why the child failed before its stage started, the process to
   * start instead (sudo on a terminal after its `requiretty` refusal), or undefined for none.
   */
  retry?: (message: string) => SpawnSpec | undefined;
}

/** A running child process that speaks frames. */
export class Connection {
  /** Resolves with the remote's hello; rejects with the reason it never came. */
  readonly hello: Promise<Hello>;
  #boot: ChildBoot;
  readonly #options: ConnectionOptions;
  /** Stage 2 and the first frames: what every try starts with. */
  readonly #frames: Uint8Array[];
  #retry: ConnectionOptions["retry"];
  #closed = false;
  #error: Error | undefined;
  readonly #hello = Promise.withResolvers<Hello>();
  readonly #exited = Promise.withResolvers<void>();

  /** Starts `spec`'s process and writes `boot` (stage 2 and the first frames) to it at once. */
  constructor(spec: SpawnSpec, boot: Uint8Array[], options: ConnectionOptions) {
    this.hello = this.#hello.promise;
    this.hello.catch(() => {});
    this.#options = options;
    this.#frames = boot;
    this.#retry = options.retry;
    this.#boot = this.#begin(spec, boot);
  }

  /** Spawns `spec` and starts its boot with `frames`; throws a ConnectionError if it cannot. */
  #begin(spec: SpawnSpec, frames: Uint8Array[]): ChildBoot {
    const options = this.#options;
    const failed = (failure: BootFailure) => this.#error ??= bootError(failure, spec.label);
    // Once this try has handed over to another, what it reports is no longer the connection's.
    let over = false;
    const boot: ChildBoot = new ChildBoot(spec, {
      onFrame: options.onFrame,
      onFail: (failure) => {
        over ||= this.#tryAgain(boot, failure);
        if (over) return;
        this.#hello.reject(failed(failure));
      },
      onExit: (failure) => {
        over ||= failure !== undefined && this.#tryAgain(boot, failure);
        if (over) return;
        const error = failure && failed(failure);
        if (error) this.#hello.reject(error);
        this.#exited.resolve();
        options.onClose(error);
      },
      connectTimeout: options.connectTimeout,
      maxFrameSize: options.maxFrameSize,
    });
    let env: Record<string, string>;
    try {
      env = boot.env();
    } catch (e) {
      throw new ConnectionError((e as Error).message);
    }
    // Live stderr lines, for a user who asked to see them.
    const stderr = new TextDecoder();
    let line = "";
    let child: ChildTransport;
    try {
      // In a session of its own: Ctrl-C reaches the master alone, which closes contexts in order.
      child = spawnNodeChild({ argv: spec.argv, env, detached: true }, {
        receive: (chunk) => boot.stdout(chunk),
        stderr: (chunk) => {
          boot.stderr(chunk);
          if (!options.onStderr) return;
          const lines = (line + stderr.decode(chunk, { stream: true })).split("\n");
          line = lines.pop()!;
          for (const l of lines) options.onStderr(l);
        },
        error: (e) => boot.notStarted(e),
        closed: (code, signal) => {
          if (line) options.onStderr?.(line);
          boot.exited(code, signal);
        },
      });
    } catch (e) {
      boot.abandon();
      throw new ConnectionError(`Cannot connect to "${spec.label}": ${(e as Error).message}`);
    }
    boot.start(child, frames);
    return boot;
  }

  /**
   * Starts the second try that {@linkcode ConnectionOptions.retry} asks for after `failure` of
   * `boot`, carrying the frames that waited for it; false when there is none to start.
   */
  #tryAgain(boot: ChildBoot, failure: BootFailure): boolean {
    const spec = this.#closed ? undefined : this.#retry?.(failure.message);
    this.#retry = undefined;
    if (!spec) return false;
    try {
      this.#boot = this.#begin(spec, [...this.#frames, ...boot.waiting()]);
    } catch (e) {
      this.#error ??= e as Error;
      this.#hello.reject(this.#error);
      this.#exited.resolve();
      this.#options.onClose(this.#error);
    }
    return true;
  }

  /** The remote said hello: it is up. */
  up(hello: Hello): void {
    this.#hello.resolve(hello);
  }

  /** Queues one frame; frames are written in order. Fails silently once closed. */
  send(frame: Uint8Array, written?: () => void): void {
    this.#boot.send(frame, written);
  }

  /** Ends the connection: closes stdin (the remote exits), then kills the child if it lingers. */
  close(): Promise<void> {
    this.#closed = true;
    this.#boot.close();
    return this.#exited.promise;
  }
}
