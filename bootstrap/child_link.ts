/**
 * A remote stage's link to a context it started (ssh to the next host, sudo), over a Node
 * child-process transport. The boot is {@linkcode ChildBoot}'s, the same as the master's
 * Connection; this file spawns the child and reports how it ended upward. Frames pass through
 * undecoded.
 *
 * @module
 */

import type { Frame } from "../lib/wire/frame.ts";
import { type BootFailure, ChildBoot } from "../lib/core/child_boot.ts";
import type { SpawnSpec } from "../lib/methods/method.ts";
import type { Gone } from "../lib/wire/protocol.ts";
import { spawnNodeChild } from "../lib/transport/node_child.ts";
import type { ChildTransport } from "../lib/transport/transport.ts";

/** Options for {@linkcode ChildLink}. */
export interface ChildLinkOptions {
  /** Every frame the child sends. */
  onFrame: (frame: Frame) => void;
  /**
   * The child ended; `error` says why unless it was closed on purpose, and `boot` is set when
   * those are the words of its failed boot, which name the hop (a login's words do not).
   */
  onGone: (error?: string, kind?: Gone["kind"], boot?: boolean) => void;
  connectTimeout: number;
  /** Largest frame body the child may send; default MAX_FRAME_SIZE. */
  maxFrame?: number | undefined;
}

/** What the master is told of a failure: `gone` carries the kinds it turns into their own errors. */
function goneKind(failure: BootFailure): Gone["kind"] {
  return failure.kind === "connect" ? undefined : failure.kind;
}

/** A child process speaking frames, started by a remote stage. */
export class ChildLink {
  readonly #boot: ChildBoot;

  /** Spawns `spec` and writes `boot` (stage 2, init) once the child may read it. */
  constructor(spec: SpawnSpec, boot: Uint8Array[], options: ChildLinkOptions) {
    const b = this.#boot = new ChildBoot(spec, {
      onFrame: options.onFrame,
      onExit: (failure) => {
        if (failure) options.onGone(failure.message, goneKind(failure), !failure.login);
        else options.onGone();
      },
      connectTimeout: options.connectTimeout,
      maxFrameSize: options.maxFrame,
    });
    const env = b.env();
    let child: ChildTransport;
    try {
      child = spawnNodeChild({ argv: spec.argv, env }, {
        receive: (chunk) => b.stdout(chunk),
        stderr: (chunk) => b.stderr(chunk),
        error: (e) => b.notStarted(e),
        closed: (code, signal) => b.exited(code, signal),
      });
    } catch (e) {
      b.abandon();
      throw e;
    }
    b.start(child, boot);
  }

  /** Frames still waiting for the child to start, beyond those it was started with. */
  waiting(): Uint8Array[] {
    return this.#boot.waiting();
  }

  /** Writes one frame (queued until sudo lets the command start). */
  send(frame: Uint8Array): void {
    this.#boot.send(frame);
  }

  /** Ends the child: closes its stdin, kills it if it lingers. */
  close(): void {
    this.#boot.close();
  }
}
