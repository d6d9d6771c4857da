/**
 * The other half of an import cycle.
 *
 * @module
 */

import { ping } from "./ping.ts";

/** Alternates with `ping` until `n` reaches zero; names who stopped. */
export function pong(n: number): string {
  return n <= 0 ? "pong" : ping(n - 1);
}
