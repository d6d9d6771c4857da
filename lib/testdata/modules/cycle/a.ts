import { pong } from "./b.ts";

/** Half of a cycle: calls into b.ts, which calls back. */
export function ping(n: number): number {
  return n <= 0 ? 0 : pong(n - 1) + 1;
}
