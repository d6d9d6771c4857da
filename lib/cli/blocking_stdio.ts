/**
 * Makes this process's stdin and stdout blocking. Tools that run an ssh program may hand it
 * non-blocking descriptors (rsync gives it a non-blocking socket for stdout, expecting the
 * poll loop ssh has); Deno's stdio then fails with "Resource temporarily unavailable" instead
 * of waiting. Deno performs stdio on threads of its own, so blocking ones stall nothing else.
 * The descriptors are this process's own ends: the caller's ends keep their mode.
 *
 * @module
 */

import { openLibc } from "../libc.ts";

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;

/** Clears O_NONBLOCK on `fds` (default stdin and stdout) where it is set. */
export function makeBlocking(fds: readonly number[] = [0, 1]): void {
  const libc = openLibc(
    { fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" } },
    "Passing a non-blocking stdin or stdout",
  );
  try {
    for (const fd of fds) {
      const flags = libc.symbols.fcntl(fd, F_GETFL, 0);
      if (flags >= 0 && flags & O_NONBLOCK) libc.symbols.fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
  } finally {
    libc.close();
  }
}
