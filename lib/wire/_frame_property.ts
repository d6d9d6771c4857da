/**
 * The frame layer's ownership promise as a property, runnable on any runtime (the remote stage
 * runs the same reader on Node): random frame sequences, cut into chunks at random boundaries by
 * a transport that reuses its read buffer, read by consumers that keep each frame across
 * microtasks and timers before looking at it.
 *
 * @module
 */

import fc from "fast-check";
import { encodeFrame, type Frame, FrameReader } from "./frame.ts";

/** How a consumer holds a frame before it reads it. */
type Hold = "now" | "microtask" | "timer";

const hold = (how: Hold): Promise<void> =>
  how === "now"
    ? Promise.resolve()
    : how === "microtask"
    ? new Promise((r) => queueMicrotask(r))
    : new Promise((r) => setTimeout(r, 0));

function concat(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) all.set(p, at), at += p.length;
  return all;
}

/** Frames whose bodies range from empty to a few hundred KiB, as calls and file chunks are. */
const framesArb = fc.array(
  fc.record({
    dst: fc.nat(),
    src: fc.nat(),
    body: fc.oneof(
      { weight: 6, arbitrary: fc.uint8Array({ maxLength: 300 }) },
      { weight: 3, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 70_000 }) },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 65_536, max: 400_000 }).map((n) =>
          new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff)
        ),
      },
    ),
  }),
  { maxLength: 12 },
);

/**
 * Checks that every frame arrives whole and stays intact while held, whatever the chunking.
 * Throws (fast-check's report) when a counterexample is found.
 */
export async function checkFrameOwnership(numRuns = 150): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      framesArb,
      fc.array(fc.integer({ min: 1, max: 90_000 }), { minLength: 1, maxLength: 30 }),
      fc.array(fc.constantFrom<Hold>("now", "microtask", "timer"), { minLength: 1 }),
      async (frames, cuts, holds) => {
        const encoded = frames.map((f) => encodeFrame(f.dst, f.src, f.body));
        const stream = concat(encoded);
        const reader = new FrameReader();
        const checks: Promise<void>[] = [];
        let seen = 0;
        const onFrame = (frame: Frame) => {
          const i = seen++;
          checks.push(
            hold(holds[i % holds.length]!).then(() => {
              const want = frames[i]!;
              if (frame.dst !== want.dst || frame.src !== want.src) {
                throw new Error(`frame ${i}: addresses ${frame.dst}/${frame.src}`);
              }
              if (!equal(frame.body, want.body)) throw new Error(`frame ${i}: body changed`);
              if (!equal(frame.bytes, encoded[i]!)) throw new Error(`frame ${i}: bytes changed`);
              if (frame.bytes.length !== frame.bytes.buffer.byteLength) {
                throw new Error(`frame ${i}: shares its buffer`);
              }
            }),
          );
        };
        // A transport that reads into one buffer again and again, as Node's and Deno's may.
        const scratch = new Uint8Array(90_000);
        let at = 0;
        for (let c = 0; at < stream.length; c++) {
          const n = Math.min(cuts[c % cuts.length]!, stream.length - at);
          scratch.set(stream.subarray(at, at + n));
          reader.push(scratch.subarray(0, n), onFrame);
          scratch.fill(0xee, 0, n);
          at += n;
          // Let held consumers run between chunks, as they would between reads.
          if (c % 3 === 0) await Promise.resolve();
        }
        await Promise.all(checks);
        if (seen !== frames.length) throw new Error(`${seen} of ${frames.length} frames arrived`);
        if (reader.pending !== 0) throw new Error(`${reader.pending} bytes left over`);
      },
    ),
    { numRuns },
  );
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
