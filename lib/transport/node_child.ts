/**
 * A {@linkcode ChildTransport} on `node:child_process`, for a remote stage starting a context of
 * its own (ssh to the next host, sudo): the same code runs under Node and Deno.
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
  });
  let ended = false;
  child.stdin!.on("error", () => {});
  child.stdout!.on("data", (chunk: Uint8Array) => events.receive(chunk));
  child.stderr!.on("data", (chunk: Uint8Array) => events.stderr?.(chunk));
  child.on("error", (e: Error) => events.error?.(e));
  child.on("close", (code: number | null, signal: string | null) => events.closed(code, signal));
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
