/** Generators for the `mitoctl stream` tests. */

import { writeFileSync } from "node:fs";

/** Ticks until stopped; writes `<marker>.started` after the first item and `<marker>` when its
 *  finally block runs. */
export async function* ticks(marker: string): AsyncGenerator<number> {
  try {
    for (let i = 0;; i++) {
      yield i;
      if (i === 0) writeFileSync(`${marker}.started`, "");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    writeFileSync(marker, "stopped");
  }
}

/** Values of the kinds JSON lacks, then a string. */
export async function* kinds(): AsyncGenerator<unknown> {
  yield 12n;
  yield new Map([["a", 1]]);
  yield new Uint8Array([1, 2, 3]);
  yield new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
  yield "two\nlines";
}
