/**
 * A bounded window of tasks in flight: the next task starts only when fewer than `size` run, so
 * a stream of chunk calls keeps the link busy while memory stays bounded.
 *
 * @module
 */

/** A started task; wrapped so awaiting the start does not also await the end. */
export interface Started<T> {
  /** Settles with the task. */
  done: Promise<T>;
}

/** Runs at most `size` tasks at once. */
export class Window {
  readonly #size: number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #all = new Set<Promise<unknown>>();

  /** A window of `size` tasks (at least 1). */
  constructor(size: number) {
    if (!(size >= 1)) throw new RangeError(`Window size must be at least 1, got ${size}`);
    this.#size = size;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** Waits for room, starts `task` and resolves once it has started. */
  async start<T>(task: () => Promise<T>): Promise<Started<T>> {
    while (this.#running >= this.#size) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    const done = (async () => await task())().finally(() => {
      this.#running--;
      this.#waiting.shift()?.();
    });
    const settled = done.then(() => {}, () => {});
    this.#all.add(settled);
    void settled.then(() => this.#all.delete(settled));
    return { done };
  }

  /** Resolves once every task started so far (and any they start) has settled. */
  async drain(): Promise<void> {
    while (this.#all.size > 0) await Promise.all([...this.#all]);
  }
}
