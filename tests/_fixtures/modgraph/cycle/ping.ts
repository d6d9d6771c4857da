/**
 * One half of an import cycle.
 *
 * @module
 */

import { pong } from "./pong.ts";

/** Alternates with `pong` until `n` reaches zero; names who stopped. */
export function ping(n: number): string {
  return n <= 0 ? "ping" : pong(n - 1);
}
