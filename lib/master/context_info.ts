/**
 * What a context says about itself, as `ctx.info` holds it: the documented fields of the remote's
 * hello and nothing else it may have sent.
 *
 * @module
 */

import type { Hello } from "../wire/protocol.ts";

/** The remote's runtime and where it runs. */
export interface ContextInfo {
  /** `"deno"` or `"node"`. */
  runtime: "deno" | "node";
  /** The runtime's version, e.g. `"22.23.3"`. */
  version: string;
  /** Process id of the remote stage. */
  pid: number;
  /** Host name of the remote machine. */
  host: string;
  /** User the remote stage runs as. */
  user: string;
}

/** The documented fields of `hello`, in a new object. */
export function contextInfo(hello: Hello): ContextInfo {
  const { runtime, version, pid, host, user } = hello;
  return { runtime, version, pid, host, user };
}
