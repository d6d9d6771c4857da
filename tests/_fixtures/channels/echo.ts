/** Remote side of the channel tests. */

interface End<T> extends AsyncIterable<T> {
  send(value: unknown): void;
  close(): void;
}

/** Answers each value with `{ echo, n }` until the master closes; returns how many it saw. */
export async function serve(ch: End<unknown>): Promise<number> {
  let n = 0;
  for await (const value of ch) ch.send({ echo: value, n: ++n });
  ch.close();
  return n;
}

/** Sends `count` numbers, then closes its end, without waiting for anything. */
export function produce(ch: End<unknown>, count: number): string {
  for (let i = 0; i < count; i++) ch.send(i);
  ch.close();
  return "sent";
}

/** Waits for one value, then never returns. */
export async function hang(ch: End<unknown>): Promise<void> {
  for await (const _ of ch) break;
  ch.send("ready");
  await new Promise(() => {});
}
