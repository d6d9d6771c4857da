/**
 * A {@linkcode ChildTransport} on `node:child_process`, for the master starting a context (ssh, a
 * local runtime, sudo) and for a remote stage starting one of its own: the same code runs under
 * Node and Deno. On Deno it is also the faster of the two process APIs for frames: a small frame's
 * round trip through a child is 1.5–1.9× faster than through `Deno.Command`'s Web Streams, whose
 * every read takes a fresh 64 KiB buffer through the byte-stream machinery (`child_bench.ts`).
 *
 * @module
 */

import { spawnSealed } from "./sealed_spawn.ts";
import type { ChildOptions, ChildTransport, TransportEvents } from "./transport.ts";

/** Starts `options.argv`; a child that cannot start is reported to `events.error`. */
export function spawnNodeChild(options: ChildOptions, events: TransportEvents): ChildTransport {
  const [cmd, ...args] = options.argv;
  const child = spawnSealed(cmd!, args, {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    detached: options.detached ?? false,
  });
  let ended = false;
  child.stdin!.on("error", () => {});
  child.stdout!.on("data", (chunk: Uint8Array) => events.receive(chunk));
  child.stderr!.on("data", (chunk: Uint8Array) => events.stderr?.(chunk));
  child.on("error", (e: Error) => events.error?.(e));
  // Gone once it exited (or never started) and its stdout and stderr were read to the end. Not
  // `close`, which also waits for the sealed pipes above stderr: a process the child left behind
  // (what `script` started, for one) may hold those for good.
  let left = 3;
  let status: [number | null, string | null] = [null, null];
  const one = () => void (--left === 0 && events.closed(...status));
  child.once("exit", (code: number | null, signal: string | null) => {
    status = [code, signal];
    one();
  });
  child.once("error", () => child.pid === undefined && one());
  child.stdout!.once("close", one);
  child.stderr!.once("close", one);
  return {
    pid: child.pid ?? -1,
    send(bytes, written) {
      if (!ended) child.stdin!.write(bytes, written && (() => written()));
    },
    close() {
      ended = true;
      child.stdin!.end();
    },
    kill() {
      child.kill("SIGKILL");
    },
  };
}
