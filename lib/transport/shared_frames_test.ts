import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { FramesLock, WorkerCounts, WorkerWriter } from "./shared_frames.ts";

/** Both sides over one temporary file, as the router and a worker would share the frames' fd. */
function sides() {
  const path = Deno.makeTempFileSync({ prefix: "mitoctl-frames-" });
  const fd = openSync(path, "w");
  const lock = new FramesLock(fd);
  const frames = lock.forWorker();
  return {
    lock,
    frames,
    writer: new WorkerWriter(frames),
    counts: new WorkerCounts(new Int32Array(frames.counts)),
    written: () => readFileSync(path),
    [Symbol.dispose]: () => (closeSync(fd), Deno.removeSync(path)),
  };
}

Deno.test("the worker writes only with the lock free and nothing handed over unwritten", () => {
  using s = sides();
  strictEqual(s.writer.write(new Uint8Array([1])), true);
  // The router holds the lock (writing, or stopping a worker): the frame goes to the router.
  const release = s.lock.hold();
  strictEqual(s.writer.write(new Uint8Array([2])), false);
  release();
  release();
  strictEqual(s.writer.write(new Uint8Array([3])), true);
  // A message handed to the router and not yet handled: nothing may overtake it.
  s.writer.posted();
  strictEqual(s.writer.write(new Uint8Array([4])), false);
  s.counts.handled();
  strictEqual(s.writer.write(new Uint8Array([5])), true);
  deepStrictEqual([...s.written()], [1, 3, 5]);
});

Deno.test("holds nest: the lock is free only when the last one ends", () => {
  using s = sides();
  const outer = s.lock.hold();
  s.lock.with(() => {});
  const inner = s.lock.hold();
  outer();
  strictEqual(s.writer.write(new Uint8Array([1])), false);
  inner();
  strictEqual(s.writer.write(new Uint8Array([1])), true);
});

Deno.test("ended calls reach the router in order; a full ring says so", () => {
  using s = sides();
  const taken: number[] = [];
  for (let round = 0; round < 3; round++) {
    const ids = Array.from({ length: 256 }, (_, i) => round * 1000 + i);
    for (const id of ids) strictEqual(s.writer.ended(id), true);
    strictEqual(s.writer.ended(-1), false);
    s.counts.ended((id) => taken.push(id));
    deepStrictEqual(taken.splice(0), ids);
  }
  s.counts.ended((id) => taken.push(id));
  deepStrictEqual(taken, []);
});

Deno.test("the ring's counts wrap past 2^31 without losing an id", () => {
  using s = sides();
  const words = new Int32Array(s.frames.counts);
  // Both counts just below the largest 32-bit integer.
  words[1] = words[2] = 2 ** 31 - 3;
  const taken: number[] = [];
  for (let id = 1; id <= 300; id++) {
    if (!s.writer.ended(id)) {
      s.counts.ended((i) => taken.push(i));
      strictEqual(s.writer.ended(id), true);
    }
  }
  s.counts.ended((i) => taken.push(i));
  deepStrictEqual(taken, Array.from({ length: 300 }, (_, i) => i + 1));
});

Deno.test("a reply's write and its call's end are one step to a router that holds the lock", () => {
  using s = sides();
  const taken: number[] = [];
  strictEqual(s.writer.write(new Uint8Array([1]), 7), true);
  s.counts.ended((id) => taken.push(id));
  deepStrictEqual(taken.splice(0), [7]);
  // Holding the lock (as before a cancel), the router sees neither a write nor an end.
  const release = s.lock.hold();
  strictEqual(s.writer.write(new Uint8Array([2]), 8), false);
  s.counts.ended((id) => taken.push(id));
  deepStrictEqual(taken, []);
  release();
  // A full ring: the reply is written, and the caller must say the call ended by message.
  for (let id = 0; id < 256; id++) strictEqual(s.writer.ended(id), true);
  strictEqual(s.writer.write(new Uint8Array([3]), 9), "tell");
  deepStrictEqual([...s.written()], [1, 3]);
});
