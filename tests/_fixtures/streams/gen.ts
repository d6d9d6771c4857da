/** Remote generators for the stream tests. State is per worker: one module instance per context. */

let produced = 0;
let finallyRan = 0;

/** Counts up to `n`, noting how far it got and whether its finally block ran. */
export async function* count(n: number): AsyncGenerator<number, string> {
  produced = 0;
  try {
    for (let i = 0; i < n; i++) {
      produced++;
      yield i;
    }
    return "counted";
  } finally {
    finallyRan++;
    console.error(`count stopped after ${produced}`);
  }
}

/** How many values `count` produced, and how many times its finally block ran. */
export function progress(): { produced: number; finallyRan: number } {
  return { produced, finallyRan };
}

/** A plain generator. */
export function* doubles(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i * 2;
}

/** Yields once, then throws. */
export async function* failing(): AsyncGenerator<number> {
  yield 1;
  throw new RangeError("failed after one item");
}

/** `n` chunks of `size` bytes. */
export async function* chunks(n: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size).fill(i % 256);
}

/** Never ends until stopped. */
export async function* forever(): AsyncGenerator<number> {
  for (let i = 0;; i++) {
    await new Promise((r) => setTimeout(r, 5));
    yield i;
  }
}

/** Writes to the console and to process.stdout, including bytes that look like a frame. */
export function chatty(): string {
  console.log("to the console");
  console.warn("a warning");
  process.stdout.write(new Uint8Array([0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1, 0xc1]));
  process.stdout.write("\nplain stdout\n");
  return "still fine";
}

/** Not an iterable. */
export function plain(): number {
  return 42;
}
