/**
 * The frames' descriptor of a Deno stage, written by two processes: the router, and the call host
 * (bootstrap/call_host.ts), which writes its small replies there itself, so that a reply does not
 * wake the router on its way out. What `shared_frames.ts` does for Node's worker thread, across a
 * process boundary, through the C library (FFI, which `deno eval` allows):
 * - each process opens the pipe again through `/proc`, a description of its own, and writes with a
 *   blocking `write(2)`, so a frame reaches the pipe whole whatever the other did to its flags;
 * - every frame is written under `flock(2)` on the pipe: the router waits for the lock, the host
 *   only tries it and hands its frame to the router when it is taken; the kernel drops the lock
 *   of a process that dies, and the router takes it before it stops a host and keeps it until that
 *   host has exited, so no host is stopped halfway through a frame;
 * - the host writes only once the router has handled everything the host handed it (the router
 *   says how many with each call it passes on), so a reply never overtakes what its call printed.
 *
 * @module
 */

import { openLibc } from "../libc.ts";
import { NestedLock } from "./shared_frames.ts";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Linux's values of the flags and error numbers used here. */
const { O_WRONLY, O_CLOEXEC, LOCK_EX, LOCK_NB, LOCK_UN, EINTR, EAGAIN, POLLOUT } = {
  O_WRONLY: 1,
  O_CLOEXEC: 0o2000000,
  LOCK_EX: 2,
  LOCK_NB: 4,
  LOCK_UN: 8,
  EINTR: 4,
  EAGAIN: 11,
  POLLOUT: 4,
};

/** One process's description of the frames' pipe. */
export class DenoFrames {
  readonly #c: Libc;
  readonly #fd: number;
  /** A `struct pollfd` waiting for room in the pipe. */
  readonly #poll = new Int32Array(2);

  private constructor(c: Libc, fd: number) {
    this.#c = c;
    this.#fd = fd;
    this.#poll[0] = fd;
    new Int16Array(this.#poll.buffer)[2] = POLLOUT;
  }

  /** The pipe at `path` (`/proc/<pid>/fd/<n>`), opened again; undefined where that is refused. */
  static open(path: string): DenoFrames | undefined {
    let c: Libc;
    try {
      c = openLibc(SYMBOLS, "Writing frames from two processes").symbols;
    } catch {
      return undefined;
    }
    const fd = c.open(new TextEncoder().encode(`${path}\0`), O_WRONLY | O_CLOEXEC);
    return fd < 0 ? undefined : new DenoFrames(c, fd);
  }

  #errno(): number {
    return new Deno.UnsafePointerView(this.#c.__errno_location()!).getInt32();
  }

  /** Writes all of `bytes`; where the other end is gone they are lost with it. */
  writeAll(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) {
      const n = Number(this.#c.write(this.#fd, bytes.subarray(at), BigInt(bytes.length - at)));
      if (n > 0) {
        at += n;
        continue;
      }
      const errno = n < 0 ? this.#errno() : 0;
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) return;
      // Not expected of a description opened here (blocking): wait for room if it happens.
      this.#c.poll(this.#poll, 1n, -1);
    }
  }

  /** Takes the lock if no one holds it. */
  tryLock(): boolean {
    return this.#c.flock(this.#fd, LOCK_EX | LOCK_NB) === 0;
  }

  /** Waits for the lock. */
  lock(): void {
    while (this.#c.flock(this.#fd, LOCK_EX) !== 0 && this.#errno() === EINTR);
  }

  unlock(): void {
    this.#c.flock(this.#fd, LOCK_UN);
  }

  close(): void {
    this.#c.close(this.#fd);
  }
}

/** The router's side: the lock held around its writes (see {@linkcode NestedLock}). */
export class DenoFramesLock extends NestedLock {
  readonly frames: DenoFrames;

  constructor(frames: DenoFrames) {
    super();
    this.frames = frames;
  }

  protected take(): void {
    this.frames.lock();
  }

  protected giveBack(): void {
    this.frames.unlock();
  }
}

/** The host's side: writes a frame when the router has handled everything handed to it. */
export class HostWriter {
  readonly #frames: DenoFrames;
  /** Messages this host handed to the router, and how many the router said it handled. */
  #posted = 0;
  #handled = 0;

  constructor(frames: DenoFrames) {
    this.#frames = frames;
  }

  /** Counts a message handed to the router. */
  posted(): void {
    this.#posted++;
  }

  /** What the router said with the last call it passed on. */
  handled(count: number): void {
    this.#handled = count;
  }

  /** Writes `frame` whole, if nothing handed to the router is still on its way and the router is
   *  not writing; false when the frame should go through the router instead. */
  write(frame: Uint8Array): boolean {
    if (this.#handled !== this.#posted || !this.#frames.tryLock()) return false;
    try {
      this.#frames.writeAll(frame);
    } finally {
      this.#frames.unlock();
    }
    return true;
  }

  /** The router learns that a call ended from the message that says so. */
  ended(): boolean {
    return false;
  }
}
