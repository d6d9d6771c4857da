/**
 * Builtin calls the router answers itself: facts about the machine from `node:os`, called with no
 * arguments. Each is a quick system call or a read of `/proc`, touches nothing user code can
 * change (no environment, working directory or user database), and cannot hang, so answering it
 * on the routing thread keeps the rule that user code never runs there. They are answered
 * before the call worker is up and while user code keeps it busy. Every other call goes to the
 * worker.
 *
 * @module
 */

import type { Call } from "../lib/wire/protocol.ts";
import { os } from "./runtime.ts";

/** The `node:os` functions answered here. */
export const FACTS: ReadonlySet<string> = new Set([
  "arch",
  "availableParallelism",
  "cpus",
  "endianness",
  "freemem",
  "hostname",
  "loadavg",
  "machine",
  "networkInterfaces",
  "platform",
  "release",
  "totalmem",
  "type",
  "uptime",
  "version",
]);

/** msgpack of `[]`: the arguments of a call that passes none. */
const NO_ARGS = 0x90;

/**
 * The function that answers `call` here, or undefined when the worker must: a fact this runtime
 * has, called with no arguments, as a plain call (not a stream, bringing no modules).
 */
export function factFor(call: Call): (() => unknown) | undefined {
  if (call.mod !== "node:os" || !FACTS.has(call.fn) || call.credit !== undefined) return;
  if (call.modules || call.need !== undefined) return;
  if (call.args.length !== 1 || call.args[0] !== NO_ARGS) return;
  const fn = (os as unknown as Record<string, unknown>)[call.fn];
  return typeof fn === "function" ? () => fn.call(os) : undefined;
}
