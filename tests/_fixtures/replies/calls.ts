/** Remote side of the tests of replies the call worker writes itself. */

interface End<T> extends AsyncIterable<T> {
  send(value: unknown): void;
  close(): void;
}

/** Prints `count` lines tagged `tag`, then returns `count` at once. */
export function printThenReturn(tag: string, count: number): number {
  for (let i = 0; i < count; i++) console.log(`${tag} ${i}`);
  return count;
}

/** Sends `count` numbers on `ch`, then returns at once, its end still open. */
export function sendThenReturn(ch: End<unknown>, count: number): number {
  for (let i = 0; i < count; i++) ch.send(i);
  return count;
}

/** A string of `size` bytes that starts with `tag`, after `ms` milliseconds. */
export async function text(tag: string, size: number, ms = 0): Promise<string> {
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  return tag + "x".repeat(Math.max(0, size - tag.length));
}

/** Yields `count` strings of `size` bytes, each starting with its index. */
export function* items(count: number, size: number): Generator<string> {
  for (let i = 0; i < count; i++) yield `${i}:`.padEnd(size, "y");
}

let counted = 0;

/** How many times this was called since the module was loaded: its state, in the call worker. */
export function count(): number {
  return ++counted;
}
