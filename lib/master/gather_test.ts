import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { asError, gather, settleEach } from "./gather.ts";

function after<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

function failAfter(ms: number, message: string): Promise<never> {
  return new Promise((_resolve, reject) => setTimeout(() => reject(new Error(message)), ms));
}

async function collect<T>(gen: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

Deno.test("gather() yields [ctx, promise] pairs in completion order", async () => {
  const results = await collect(gather([
    ["slow", after(60, 1)],
    ["fast", after(5, 2)],
    ["middle", after(30, 3)],
  ]));
  deepStrictEqual(results.map((r) => [r.ctx, r.index, r.ok && r.value]), [
    ["fast", 1, 2],
    ["middle", 2, 3],
    ["slow", 0, 1],
  ]);
});

Deno.test("gather() reports failures without short-circuiting", async () => {
  const results = await collect(gather([
    ["a", failAfter(5, "boom")],
    ["b", after(20, "fine")],
  ]));
  strictEqual(results.length, 2);
  const [first, second] = results;
  ok(first && !first.ok && first.error.message === "boom");
  ok(second && second.ok && second.value === "fine");
});

Deno.test("gather() accepts a Map of contexts to promises", async () => {
  const results = await collect(gather(new Map([["x", after(1, "X")]])));
  deepStrictEqual(results, [{ ctx: "x", index: 0, ok: true, value: "X" }]);
});

Deno.test("gather() with a function bounds how many run at once", async () => {
  let running = 0;
  let most = 0;
  const results = await collect(gather(["a", "b", "c", "d", "e"], async (ctx, index) => {
    running++;
    most = Math.max(most, running);
    await after(10 + index * 3, null);
    running--;
    return ctx.toUpperCase();
  }, { concurrency: 2 }));
  strictEqual(most, 2);
  deepStrictEqual(results.map((r) => r.ok && r.value).sort(), ["A", "B", "C", "D", "E"]);
});

Deno.test("gather() with a function counts a synchronous throw as that context's failure", async () => {
  const results = await collect(gather([1, 2], (n) => {
    if (n === 1) throw new TypeError("bad one");
    return n * 10;
  }));
  deepStrictEqual(results.map((r) => r.ok ? r.value : r.error.message), ["bad one", 20]);
});

Deno.test("gather() reads a generator of contexts lazily", async () => {
  const pulled: number[] = [];
  function* contexts() {
    for (let i = 0; i < 4; i++) {
      pulled.push(i);
      yield i;
    }
  }
  const gen = gather(contexts(), (n) => after(5, n), { concurrency: 1 });
  const first = await gen.next();
  ok(!first.done && first.value.ok && first.value.value === 0);
  ok(pulled.length <= 2, `pulled ${pulled}`);
  await gen.return();
});

Deno.test("gather() stopped early leaves no unhandled rejection", async () => {
  const gen = gather([["a", after(1, 1)], ["b", failAfter(5, "late")]]);
  for await (const r of gen) {
    strictEqual(r.ctx, "a");
    break;
  }
  // The rejection of "b" lands after the loop ended; the test fails if it goes unhandled.
  await after(20, null);
});

Deno.test("gather() throws the abort reason and starts nothing more", async () => {
  const abort = new AbortController();
  const started: number[] = [];
  const gen = gather([1, 2, 3], (n) => {
    started.push(n);
    return after(10, n);
  }, { concurrency: 1, signal: abort.signal });
  await gen.next();
  abort.abort(new Error("stop"));
  await rejects(gen.next(), /stop/);
  deepStrictEqual(started, [1, 2]);
});

Deno.test("gather() of nothing ends at once", async () => {
  deepStrictEqual(await collect(gather([])), []);
});

Deno.test("settleEach() refuses items that are not pairs", () => {
  throws(() => settleEach([1, 2] as unknown as [number, number][]), {
    name: "TypeError",
    message: "settleEach() takes [item, promise] pairs, or items and a function",
  });
});

Deno.test("settleEach() refuses a concurrency below one", async () => {
  await rejects(settleEach([1], (n) => n, { concurrency: 0 }).next(), {
    name: "RangeError",
    message: 'Invalid concurrency "0": expected 1 or more',
  });
});

Deno.test("asError() wraps what is not an Error", () => {
  strictEqual(asError("x").message, "Non-error thrown: x");
  const e = new RangeError("r");
  strictEqual(asError(e), e);
});
