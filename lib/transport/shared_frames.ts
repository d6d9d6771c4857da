/**
 * The frames' descriptor of a Node stage, written by two threads: the router, and the call
 * worker, which writes its small replies there itself, so that a reply does not wake the router
 * on its way out (one thread hop fewer per call). A frame must reach the descriptor whole, so
 * every write is made under a lock in memory both threads share:
 * - the router waits for the lock; the worker holds it only while its one write is in the kernel;
 * - the worker only tries the lock, and hands its frame to the router as before when it is taken,
 *   so the worker never waits for the router;
 * - the router takes the lock before it stops a worker and keeps it until that worker has
 *   exited, so no worker is ever stopped holding it (a new worker hands its frames over
 *   meanwhile).
 * Messages the worker handed to the router (console lines, channel values, calls into other
 * contexts, large replies) are never overtaken by a frame the worker writes itself: the worker
 * writes only once the router has handled every one of them, which it counts in shared memory.
 * Calls whose reply the worker wrote are told to the router through shared memory too, under the
 * same hold of the lock as the reply's write, and the router reads them when a frame or message
 * next wakes it: a call wakes the router once, when it comes in.
 * The router's nesting of its holds ({@linkcode NestedLock}) and the counts
 * ({@linkcode DirectWriter}, {@linkcode WorkerCounts}) are shared with Deno's counterpart,
 * deno_frames.ts, where the worker is a process and the counts live in a page both map.
 *
 * @module
 */

/** Replies up to this many bytes are written by a worker thread; larger ones by the router, which
 *  takes them without a copy (a transferred buffer), so that the worker makes the next while the
 *  router writes. */
export const DIRECT_MAX = 1 << 16;

/** The lock's states. Only the router ever waits, so only its waiting is announced. */
const FREE = 0;
const TAKEN = 1;
const WAITED = 2;

/** Ended calls the worker can tell before the router reads them; it posts a message when full. */
const RING = 256;

/** Words of a worker's own shared memory: messages the router handled, then the ended calls:
 *  how many the worker put in, how many the router took out, and a ring of their ids. */
const HANDLED = 0;
const PUT = 1;
const TAKEN_OUT = 2;
const RING_AT = 3;

/** Bytes of a worker's counts. */
export const COUNTS_BYTES = (RING_AT + RING) * 4;

/** What a call worker is given to write frames itself (structured-cloneable). */
export interface WorkerFrames {
  /** The frames' descriptor, shared by every thread of the process. */
  fd: number;
  /** The lock: one 32-bit word. */
  lock: SharedArrayBuffer;
  /** This worker's counts and ended calls (the words above). */
  counts: SharedArrayBuffer;
}

/**
 * The router's side of a lock taken around every frame written: holds nest (the router's own
 * writes go on while it holds the lock for a stopping worker), the first takes the lock and the
 * last gives it back. Here for Node's worker thread, and in deno_frames.ts for Deno's call host.
 */
export abstract class NestedLock {
  #holds = 0;

  /** Waits for the lock, while the other writer has it. */
  protected abstract take(): void;
  protected abstract giveBack(): void;

  /** Runs `write` (synchronous) holding the lock, after the worker's write, if one is under way. */
  with(write: () => void): void {
    const release = this.hold();
    try {
      write();
    } finally {
      release();
    }
  }

  /** Takes the lock until the function it returns is called (once is enough; later calls do
   *  nothing). */
  hold(): () => void {
    if (this.#holds++ === 0) this.take();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#holds === 0) this.giveBack();
    };
  }
}

/** The router's side of the frames' descriptor. */
export class FramesLock extends NestedLock {
  /** The descriptor the worker writes to. */
  readonly fd: number;
  /** The shared word, for workers. */
  readonly buffer = new SharedArrayBuffer(4);
  readonly #word = new Int32Array(this.buffer);

  constructor(fd: number) {
    super();
    this.fd = fd;
  }

  protected take(): void {
    const word = this.#word;
    while (Atomics.compareExchange(word, 0, FREE, TAKEN) !== FREE) {
      // The worker is writing: say we wait, then sleep until it is done (or it already is).
      Atomics.compareExchange(word, 0, TAKEN, WAITED);
      Atomics.wait(word, 0, WAITED);
    }
  }

  protected giveBack(): void {
    // No worker waits for the lock, so none needs waking.
    Atomics.store(this.#word, 0, FREE);
  }

  /** What a new worker needs to write frames itself, with a count of its messages of its own. */
  forWorker(): WorkerFrames {
    const counts = new SharedArrayBuffer(COUNTS_BYTES);
    return { fd: this.fd, lock: this.buffer, counts };
  }
}

/**
 * The writing side of a worker's counts: writes a frame itself when the router has handled
 * everything handed to it, under the frames' lock, which it only tries. Node's worker thread and
 * Deno's call host (deno_frames.ts) differ in the lock and the write alone.
 */
export abstract class DirectWriter {
  readonly #counts: Int32Array;
  /** Messages this worker handed to the router. */
  #posted = 0;

  /** `counts`: the words above, in memory the router reads too. */
  constructor(counts: Int32Array) {
    this.#counts = counts;
  }

  /** Largest frame written here; a larger one goes through the router. */
  abstract readonly largest: number;
  /** Takes the frames' lock if no one holds it. */
  protected abstract tryLock(): boolean;
  /** Writes all of `frame`; where the other end is gone it is lost with it. */
  protected abstract writeAll(frame: Uint8Array): void;
  protected abstract unlock(): void;

  /** Counts a message handed to the router. */
  posted(): void {
    // Wraps as the shared count does (a 32-bit word).
    this.#posted = (this.#posted + 1) | 0;
  }

  /**
   * Writes `frame` whole, if nothing handed to the router is still on its way and the router is
   * not writing; false when the frame should go through the router instead. `ends` (the id of the
   * call `frame` answers last) is told ended under the same hold of the lock, so a router that
   * holds the lock sees both the reply written and its call ended, or neither; "tell" when there
   * was no room to tell it, which a message must then say.
   */
  write(frame: Uint8Array, ends?: number): boolean | "tell" {
    if (Atomics.load(this.#counts, HANDLED) !== this.#posted || !this.tryLock()) return false;
    try {
      this.writeAll(frame);
      return ends === undefined || this.ended(ends) || "tell";
    } finally {
      this.unlock();
    }
  }

  /** Tells the router that call `id` ended, its reply written; false when the ring is full. */
  ended(id: number): boolean {
    const counts = this.#counts;
    const put = counts[PUT]!;
    if (((put - Atomics.load(counts, TAKEN_OUT)) | 0) >= RING) return false;
    counts[RING_AT + (put & (RING - 1))] = id;
    Atomics.store(counts, PUT, (put + 1) | 0);
    return true;
  }
}

/** A worker thread's side: the lock is a word of shared memory, the write Node's own. */
export class WorkerWriter extends DirectWriter {
  readonly largest = DIRECT_MAX;
  readonly #fd: number;
  readonly #lock: Int32Array;
  readonly #writeSync = process.getBuiltinModule("node:fs").writeSync;

  constructor(frames: WorkerFrames) {
    super(new Int32Array(frames.counts));
    this.#fd = frames.fd;
    this.#lock = new Int32Array(frames.lock);
  }

  protected tryLock(): boolean {
    return Atomics.compareExchange(this.#lock, 0, FREE, TAKEN) === FREE;
  }

  protected writeAll(frame: Uint8Array): void {
    try {
      // The router keeps the descriptor blocking: each write takes what it can, the rest follows.
      for (let at = 0; at < frame.length;) at += this.#writeSync(this.#fd, frame, at);
    } catch {
      // The other end is gone: the frame is lost with it, and the router quits on its own.
    }
  }

  protected unlock(): void {
    if (Atomics.exchange(this.#lock, 0, FREE) === WAITED) Atomics.notify(this.#lock, 0, 1);
  }
}

/** The router's side of a worker's counts. */
export class WorkerCounts {
  readonly #counts: Int32Array;

  /** `counts`: the words the worker's {@linkcode DirectWriter} writes. */
  constructor(counts: Int32Array) {
    this.#counts = counts;
  }

  /** Counts a message of the worker the router has handled (and written what it led to). */
  handled(): void {
    Atomics.add(this.#counts, HANDLED, 1);
  }

  /** Calls `each` with the id of every call whose reply the worker wrote, since the last time. */
  ended(each: (id: number) => void): void {
    const counts = this.#counts;
    const put = Atomics.load(counts, PUT);
    let taken = counts[TAKEN_OUT]!;
    for (; taken !== put; taken = (taken + 1) | 0) each(counts[RING_AT + (taken & (RING - 1))]!);
    Atomics.store(counts, TAKEN_OUT, taken);
  }
}
