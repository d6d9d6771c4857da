import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
import { Window } from "./window.ts";

Deno.test("Window runs at most its size of tasks at once", async () => {
  const window = new Window(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  // The first task holds its place until a second runs beside it: two at once is an event.
  const pair = Promise.withResolvers<void>();
  for (let i = 0; i < 6; i++) {
    await window.start(async () => {
      running++;
      most = Math.max(most, running);
      if (running === 2) pair.resolve();
      await (i === 0 ? pair.promise : Promise.resolve());
      running--;
      order.push(i);
    });
    strictEqual(window.running <= 2, true);
  }
  await window.drain();
  strictEqual(most, 2);
  deepStrictEqual(order.sort(), [0, 1, 2, 3, 4, 5]);
  strictEqual(window.running, 0);
});

Deno.test("Window.start() hands back a failed task's error and frees its place", async () => {
  const window = new Window(1);
  const failed = await window.start(() => Promise.reject(new Error("boom")));
  await rejects(failed.done, /boom/);
  const next = await window.start(() => Promise.resolve(7));
  strictEqual(await next.done, 7);
  await window.drain();
});

Deno.test("Window refuses a size below 1", () => {
  throws(() => new Window(0), {
    name: "RangeError",
    message: "Window size must be at least 1, got 0",
  });
});
