/**
 * The frames' descriptor of a Deno stage, written by two processes: the router, and the call host
 * (bootstrap/call_host.ts), which writes its replies there itself, so that a reply does not wake
 * the router on its way out, and a large one is not copied through a socket to the router first.
 * What `shared_frames.ts` does for Node's worker thread, across a process boundary, through the C
 * library (FFI, which `deno eval` allows):
 * - each process opens the pipe again through `/proc`, a description of its own, and writes with a
 *   blocking `write(2)`, so a frame reaches the pipe whole whatever the other did to its flags;
 * - every frame is written under `flock(2)` on the pipe: the router waits for the lock, the host
 *   only tries it and hands its frame to the router when it is taken; the kernel drops the lock
 *   of a process that dies, and the router takes it before it stops a host and keeps it until that
 *   host has exited, so no host is stopped halfway through a frame;
 * - the host writes only once the router has handled everything the host handed it, so a reply
 *   never overtakes what its call printed, and tells the router which calls it answered: the
 *   counts of shared_frames.ts, in a page of memory both processes map (a memfd the router makes
 *   and the host opens again through `/proc`), so the router learns of them without a message.
 *
 * @module
 */

import { openLibc } from "../libc.ts";
import { COUNTS_BYTES, DirectWriter, NestedLock } from "./shared_frames.ts";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  memfd_create: { parameters: ["buffer", "u32"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  mmap: { parameters: ["pointer", "usize", "i32", "i32", "i32", "i64"], result: "pointer" },
  munmap: { parameters: ["pointer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  flock: { parameters: ["i32", "i32"], result: "i32" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let libc: Libc | undefined;

/** The C library's calls, opened once for the whole stage; undefined where FFI is refused. */
function c(): Libc | undefined {
  try {
    return libc ??= openLibc(SYMBOLS, "Writing frames from two processes").symbols;
  } catch {
    return undefined;
  }
}

/**
 * Makes `fds` close-on-exec through the C library's `fcntl` (Deno has no API for it), with the
 * stage's one handle on it. False where FFI is refused or no C library is found.
 */
export function closeOnExec(fds: readonly number[]): boolean {
  const lib = c();
  if (!lib) return false;
  // F_SETFD, FD_CLOEXEC.
  for (const fd of fds) lib.fcntl(fd, 2, 1);
  return true;
}

/** Linux's values of the flags and error numbers used here. */
const { O_WRONLY, O_RDWR, O_CLOEXEC, LOCK_EX, LOCK_NB, LOCK_UN, EINTR, EAGAIN, POLLOUT } = {
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CLOEXEC: 0o2000000,
  LOCK_EX: 2,
  LOCK_NB: 4,
  LOCK_UN: 8,
  EINTR: 4,
  EAGAIN: 11,
  POLLOUT: 4,
};

/** One process's description of the frames' pipe (made once the C library opened). */
export class DenoFrames {
  readonly #fd: number;
  /** A `struct pollfd` waiting for room in the pipe. */
  readonly #poll = new Int32Array(2);

  private constructor(fd: number) {
    this.#fd = fd;
    this.#poll[0] = fd;
    new Int16Array(this.#poll.buffer)[2] = POLLOUT;
  }

  /** The pipe at `path` (`/proc/<pid>/fd/<n>`), opened again; undefined where that is refused. */
  static open(path: string): DenoFrames | undefined {
    const l = c();
    const fd = l ? l.open(cPath(path), O_WRONLY | O_CLOEXEC) : -1;
    return fd < 0 ? undefined : new DenoFrames(fd);
  }

  #errno(): number {
    return new Deno.UnsafePointerView(libc!.__errno_location()!).getInt32();
  }

  /** Writes all of `bytes`; where the other end is gone they are lost with it. */
  writeAll(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length;) {
      const n = Number(libc!.write(this.#fd, bytes.subarray(at), BigInt(bytes.length - at)));
      if (n > 0) {
        at += n;
        continue;
      }
      const errno = n < 0 ? this.#errno() : 0;
      if (errno === EINTR) continue;
      if (errno !== EAGAIN) return;
      // Not expected of a description opened here (blocking): wait for room if it happens.
      libc!.poll(this.#poll, 1n, -1);
    }
  }

  /** Takes the lock if no one holds it. */
  tryLock(): boolean {
    return libc!.flock(this.#fd, LOCK_EX | LOCK_NB) === 0;
  }

  /** Waits for the lock. */
  lock(): void {
    while (libc!.flock(this.#fd, LOCK_EX) !== 0 && this.#errno() === EINTR);
  }

  unlock(): void {
    libc!.flock(this.#fd, LOCK_UN);
  }

  close(): void {
    libc!.close(this.#fd);
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

/** `path` as a C string. */
function cPath(path: string): Uint8Array {
  return new TextEncoder().encode(`${path}\0`);
}

/**
 * A page of memory two processes share, holding a call host's counts (shared_frames.ts): the
 * router makes it and keeps its descriptor, the host maps it again through `/proc`. Whoever
 * holds `words` must stop touching them before `close()`, which unmaps them.
 */
export class SharedPage {
  /** The router's descriptor of the page (for the host's path), or -1 in the host. */
  readonly fd: number;
  readonly words: Int32Array;
  readonly #at: Deno.PointerObject;

  private constructor(fd: number, at: Deno.PointerObject) {
    this.fd = fd;
    this.#at = at;
    this.words = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(at, COUNTS_BYTES));
  }

  /** A new page, zeroed; undefined where the C library cannot make one. */
  static create(): SharedPage | undefined {
    const l = c();
    // MFD_CLOEXEC: no child started later inherits it.
    const fd = l ? l.memfd_create(cPath("mitoctl-counts"), 1) : -1;
    if (fd < 0) return undefined;
    const at = l!.ftruncate(fd, BigInt(COUNTS_BYTES)) === 0 ? map(l!, fd) : undefined;
    if (!at) l!.close(fd);
    return at && new SharedPage(fd, at);
  }

  /** The page the router made, from `path` (`/proc/<pid>/fd/<n>`); undefined where refused. */
  static open(path: string): SharedPage | undefined {
    const l = c();
    const fd = l ? l.open(cPath(path), O_RDWR | O_CLOEXEC) : -1;
    if (fd < 0) return undefined;
    const at = map(l!, fd);
    // The mapping stays when its descriptor goes.
    l!.close(fd);
    return at && new SharedPage(-1, at);
  }

  /** Unmaps the page and closes its descriptor. */
  close(): void {
    libc!.munmap(this.#at, BigInt(COUNTS_BYTES));
    if (this.fd >= 0) libc!.close(this.fd);
  }
}

/** Maps the counts' bytes of `fd`, shared, for reading and writing; undefined if refused. */
function map(l: Libc, fd: number): Deno.PointerObject | undefined {
  // PROT_READ | PROT_WRITE, MAP_SHARED.
  const at = l.mmap(null, BigInt(COUNTS_BYTES), 3, 1, fd, 0n);
  // MAP_FAILED is (void *) -1.
  return at && BigInt.asIntN(64, BigInt(Deno.UnsafePointer.value(at))) !== -1n ? at : undefined;
}

/**
 * The host's side: writes a frame under the lock on the pipe, the counts in a shared page. Large
 * frames too: handing one to the router would copy it through a socket, and the router writes it
 * only once all of it came.
 */
export class HostWriter extends DirectWriter {
  readonly largest = Infinity;
  readonly #frames: DenoFrames;

  constructor(frames: DenoFrames, counts: Int32Array) {
    super(counts);
    this.#frames = frames;
  }

  protected tryLock(): boolean {
    return this.#frames.tryLock();
  }

  protected writeAll(frame: Uint8Array): void {
    this.#frames.writeAll(frame);
  }

  protected unlock(): void {
    this.#frames.unlock();
  }
}
