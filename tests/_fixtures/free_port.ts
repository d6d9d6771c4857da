/**
 * A TCP port that was free a moment ago.
 *
 * @module
 */

/**
 * Returns a port the kernel handed out for `hostname` and released again. Another process may
 * take it before the caller binds it, so callers retry with a new port when binding fails.
 *
 * @example
 * ```ts
 * import { freePort } from "./free_port.ts";
 * const port = freePort();
 * ```
 */
export function freePort(hostname = "127.0.0.1"): number {
  const listener = Deno.listen({ hostname, port: 0, transport: "tcp" });
  try {
    return listener.addr.port;
  } finally {
    listener.close();
  }
}
