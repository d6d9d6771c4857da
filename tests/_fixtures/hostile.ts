/**
 * Fake runtimes for a local context: small shell scripts that stand where `node` or `deno` would
 * and misbehave on purpose (garbage after the preamble, a truncated frame, a login banner before
 * the real runtime). Point `router.local({ runtime })` at one to see how the master copes.
 *
 * ```ts ignore
 * await using fakes = await FakeRuntimes.create();
 * const path = await fakes.add("garbage", { output: [PREAMBLE_BYTES, new Uint8Array([0, 0, 0, 3])] });
 * await router.local({ runtime: path }); // rejects with a ProtocolError
 * ```
 *
 * @module
 */

import { encode } from "../../lib/wire/codec.ts";
import { encodeFrame } from "../../lib/wire/frame.ts";
import { FRAMES_FD, type Hello, MASTER_ID, PREAMBLE } from "../../lib/wire/protocol.ts";

/** The preamble a remote stage writes before its first frame, as bytes. */
export const PREAMBLE_BYTES: Uint8Array = new TextEncoder().encode(PREAMBLE);

/** What a fake runtime does, in order. */
export interface FakeRuntimeOptions {
  /** Bytes written first on the frame channel (fd 3, as a real stage's), concatenated.
   *  Default: none. */
  output?: Uint8Array[];
  /** Seconds to sleep after `output`, before `more`. Default: 0. */
  pause?: number;
  /** Bytes written after the pause. Default: none. */
  more?: Uint8Array[];
  /**
   * What happens next: `"wait"` reads stdin until the master closes it (like a live remote),
   * `"exit"` exits at once with code 0, or an absolute path of a real runtime to `exec` with the
   * script's own arguments. Default: `"wait"`.
   */
  then?: "wait" | "exit" | string;
}

/**
 * A frame holding a `hello` from a remote that claims to be Node, sent as context `src` (the id
 * the router gave the fake's context: the master drops frames from any other).
 */
export function helloFrame(pid: number = 1, src: number = 1): Uint8Array {
  const hello: Hello = {
    t: "hello",
    runtime: "node",
    version: "0.0.0",
    pid,
    host: "fake",
    user: "fake",
  };
  return encodeFrame(MASTER_ID, src, encode(hello));
}

/** A directory of fake runtimes; `await using` removes it. */
export class FakeRuntimes implements AsyncDisposable {
  /** Directory holding the scripts. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Makes an empty directory for fake runtimes. */
  static async create(): Promise<FakeRuntimes> {
    // The runtime path must be plain characters: no spaces or quotes.
    return new FakeRuntimes(await Deno.makeTempDir({ prefix: "mitoctl-fake-runtime-" }));
  }

  /**
   * Writes the fake runtime `name` and returns its absolute path. A name containing "deno" makes
   * the master start it the way it starts Deno (`env DENO_DIR=/dev/null <path> eval …`).
   */
  async add(name: string, options: FakeRuntimeOptions = {}): Promise<string> {
    if (!/^[a-z0-9-]+$/.test(name)) throw new TypeError(`Invalid fake runtime name "${name}"`);
    const path = `${this.dir}/${name}`;
    const lines = ["#!/bin/sh"];
    if (options.output?.length) {
      await Deno.writeFile(`${path}.out`, concat(options.output));
      lines.push(`cat "$0.out" >&${FRAMES_FD}`);
    }
    if (options.pause) lines.push(`sleep ${options.pause}`);
    if (options.more?.length) {
      await Deno.writeFile(`${path}.more`, concat(options.more));
      lines.push(`cat "$0.more" >&${FRAMES_FD}`);
    }
    const then = options.then ?? "wait";
    if (then === "wait") lines.push("exec cat >/dev/null");
    else if (then === "exit") lines.push("exit 0");
    else lines.push(`exec '${then}' "$@"`);
    await Deno.writeTextFile(path, `${lines.join("\n")}\n`, { mode: 0o755 });
    return path;
  }

  /** Removes the directory. */
  async [Symbol.asyncDispose](): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
