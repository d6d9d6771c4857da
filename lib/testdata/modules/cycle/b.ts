import { ping } from "./a.ts";

/** The other half of the cycle. */
export function pong(n: number): number {
  return n <= 0 ? 0 : ping(n - 1) + 1;
}
