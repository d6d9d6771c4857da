/**
 * Results of many calls in the order they finish, each tagged with what it ran on. A failure is
 * a result like any other: nothing short-circuits, and no rejection is ever left unhandled, even
 * when the consumer stops early.
 *
 * @module
 */

/** One finished piece of work: its item, its position in the input, and how it ended. */
export type Settled<K, T> =
  | { item: K; index: number; ok: true; value: T }
  | { item: K; index: number; ok: false; error: unknown };

/** Options of {@linkcode settleEach}. */
export interface SettleOptions {
  /** With a function: at most this many calls of it in flight at once; default unbounded. */
  concurrency?: number;
  /** Aborting starts nothing more and makes the generator throw the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Yields the outcome of each piece of work as it settles.
 *
 * - `settleEach(pairs)`: `pairs` holds `[item, promise]`; promises already run.
 * - `settleEach(items, fn)`: `fn(item, index)` is called lazily, at most `concurrency` at a time,
 *   so `items` may be a generator. A synchronous throw of `fn` counts as that item's failure.
 */
export function settleEach<K, T>(
  pairs: Iterable<readonly [K, PromiseLike<T> | T]>,
  options?: SettleOptions,
): AsyncGenerator<Settled<K, T>, void, undefined>;
export function settleEach<K, T>(
  items: Iterable<K>,
  fn: (item: K, index: number) => PromiseLike<T> | T,
  options?: SettleOptions,
): AsyncGenerator<Settled<K, T>, void, undefined>;
export function settleEach<K, T>(
  input: Iterable<unknown>,
  fnOrOptions?: ((item: K, index: number) => PromiseLike<T> | T) | SettleOptions,
  maybeOptions?: SettleOptions,
): AsyncGenerator<Settled<K, T>, void, undefined> {
  if (typeof fnOrOptions === "function") {
    return run(input as Iterable<K>, fnOrOptions, maybeOptions);
  }
  const pairs = [...input as Iterable<readonly [K, PromiseLike<T> | T]>];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError("settleEach() takes [item, promise] pairs, or items and a function");
    }
  }
  const items = pairs.map(([item]) => item);
  return run(items, (_item, index) => pairs[index]![1], { ...fnOrOptions, concurrency: Infinity });
}

async function* run<K, T>(
  items: Iterable<K>,
  fn: (item: K, index: number) => PromiseLike<T> | T,
  options: SettleOptions = {},
): AsyncGenerator<Settled<K, T>, void, undefined> {
  const limit = options.concurrency ?? Infinity;
  if (!(limit >= 1)) throw new RangeError(`Invalid concurrency "${limit}": expected 1 or more`);
  const { signal } = options;
  const iterator = items[Symbol.iterator]();
  const ready: Settled<K, T>[] = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let next = 0;
  let exhausted = false;
  const settle = (result: Settled<K, T>) => {
    running--;
    ready.push(result);
    wake?.();
  };
  const startMore = () => {
    while (!exhausted && running < limit && !signal?.aborted) {
      const step = iterator.next();
      if (step.done) {
        exhausted = true;
        break;
      }
      const item = step.value;
      const index = next++;
      running++;
      let promise: PromiseLike<T> | T;
      try {
        promise = fn(item, index);
      } catch (error) {
        settle({ item, index, ok: false, error });
        continue;
      }
      // Handlers go on at once so a rejection is handled even if the consumer stops early.
      Promise.resolve(promise).then(
        (value) => settle({ item, index, ok: true, value }),
        (error: unknown) => settle({ item, index, ok: false, error }),
      );
    }
  };
  const onAbort = () => wake?.();
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      startMore();
      if (ready.length) {
        yield ready.shift()!;
        continue;
      }
      if (running === 0 && exhausted) return;
      await new Promise<void>((resolve) => wake = resolve);
      wake = undefined;
    }
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

/** How one context's call ended, from {@linkcode gather}. */
export type GatherResult<T, C = unknown> =
  | { ctx: C; index: number; ok: true; value: T }
  | { ctx: C; index: number; ok: false; error: Error };

/**
 * {@linkcode settleEach} with the item called `ctx` and failures as `Error`s: what
 * `Router.gather()` returns. See there for the two ways to call it.
 */
export function gather<C, T>(
  calls: Iterable<readonly [C, PromiseLike<T> | T]>,
  options?: SettleOptions,
): AsyncGenerator<GatherResult<T, C>, void, undefined>;
export function gather<C, T>(
  contexts: Iterable<C>,
  fn: (ctx: C, index: number) => PromiseLike<T> | T,
  options?: SettleOptions,
): AsyncGenerator<GatherResult<T, C>, void, undefined>;
export function gather<C, T>(
  input: Iterable<unknown>,
  fnOrOptions?: ((ctx: C, index: number) => PromiseLike<T> | T) | SettleOptions,
  maybeOptions?: SettleOptions,
): AsyncGenerator<GatherResult<T, C>, void, undefined> {
  const settled = typeof fnOrOptions === "function"
    ? settleEach(input as Iterable<C>, fnOrOptions, maybeOptions)
    : settleEach(input as Iterable<readonly [C, PromiseLike<T> | T]>, fnOrOptions);
  return tagged(settled);
}

async function* tagged<C, T>(
  settled: AsyncGenerator<Settled<C, T>, void, undefined>,
): AsyncGenerator<GatherResult<T, C>, void, undefined> {
  for await (const r of settled) {
    if (r.ok) yield { ctx: r.item, index: r.index, ok: true, value: r.value };
    else yield { ctx: r.item, index: r.index, ok: false, error: asError(r.error) };
  }
}

/** `error` itself when it is an Error, else an Error quoting it. */
export function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(`Non-error thrown: ${String(error)}`, { cause: error });
}
