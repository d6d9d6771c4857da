/** Remote functions that print, for the output tests. */

/** Prints `n` numbered lines with console.log in one synchronous loop. */
export function lines(n: number): number {
  for (let i = 0; i < n; i++) console.log(`line ${i}`);
  return n;
}

/** Prints one line, then keeps the thread busy for `ms` without yielding. */
export function busy(ms: number): string {
  console.log("started");
  const end = Date.now() + ms;
  while (Date.now() < end) { /* spin */ }
  return "done";
}

/** Writes to stdout and stderr in turns. */
export function mixed(): string {
  process.stdout.write("one\n");
  process.stderr.write("two\n");
  process.stdout.write("three\n");
  process.stderr.write("four\n");
  return "mixed";
}

/** Prints two lines from a timer, then throws there: an error that ends the call worker. */
export function crash(): Promise<never> {
  setTimeout(() => {
    console.error("first words");
    console.error("last words");
    throw new Error("boom");
  }, 10);
  return new Promise(() => {});
}
