import assert from "node:assert/strict";
import { checkFrameOwnership } from "./_frame_property.ts";
import { encodeFrame, type Frame, frameInPlace, FrameReader, HEADER_SIZE } from "./frame.ts";

function collect(reader: FrameReader, ...chunks: Uint8Array[]): Frame[] {
  const out: Frame[] = [];
  for (const c of chunks) reader.push(c, (f) => out.push(f));
  return out;
}

Deno.test("encodeFrame() writes length, dst and src big-endian before the body", () => {
  const f = encodeFrame(7, 0x01020304, new Uint8Array([9, 8]));
  assert.deepEqual([...f], [0, 0, 0, 10, 0, 0, 0, 7, 1, 2, 3, 4, 9, 8]);
});

Deno.test("encodeFrame() refuses a body over the limit", () => {
  assert.throws(
    () => encodeFrame(1, 0, new Uint8Array(11), 10),
    { name: "RangeError", message: "Message of 11 bytes exceeds the frame limit of 10 bytes" },
  );
});

Deno.test("frameInPlace() writes the header into the room before the body, uncopied", () => {
  const bytes = new Uint8Array(HEADER_SIZE + 2);
  bytes.set([9, 8], HEADER_SIZE);
  const f = frameInPlace(bytes, 7, 0x01020304);
  assert.equal(f, bytes);
  assert.deepEqual(f, encodeFrame(7, 0x01020304, new Uint8Array([9, 8])));
  assert.throws(
    () => frameInPlace(new Uint8Array(HEADER_SIZE + 11), 1, 0, 10),
    { name: "RangeError", message: "Message of 11 bytes exceeds the frame limit of 10 bytes" },
  );
});

Deno.test("FrameReader yields frames split at every byte boundary", () => {
  const a = encodeFrame(1, 2, new Uint8Array([1, 2, 3]));
  const b = encodeFrame(3, 4, new Uint8Array(0));
  const all = new Uint8Array([...a, ...b]);
  for (let cut = 0; cut <= all.length; cut++) {
    const frames = collect(new FrameReader(), all.subarray(0, cut), all.subarray(cut));
    assert.equal(frames.length, 2, `cut at ${cut}`);
    assert.deepEqual([...frames[0]!.body], [1, 2, 3]);
    assert.equal(frames[1]!.dst, 3);
    assert.equal(frames[1]!.src, 4);
  }
});

Deno.test("FrameReader handles many frames in one chunk and large bodies across chunks", () => {
  const big = new Uint8Array(300_000).map((_, i) => i & 0xff);
  const parts = [encodeFrame(1, 0, big), encodeFrame(2, 0, new Uint8Array([5]))];
  const all = new Uint8Array(parts[0]!.length + parts[1]!.length);
  all.set(parts[0]!);
  all.set(parts[1]!, parts[0]!.length);
  const reader = new FrameReader();
  const chunks = [];
  for (let i = 0; i < all.length; i += 4096) chunks.push(all.subarray(i, i + 4096));
  const frames = collect(reader, ...chunks);
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0]!.body, big);
  assert.equal(reader.pending, 0);
});

Deno.test("FrameReader rejects a length over the limit before buffering it", () => {
  const reader = new FrameReader({ maxSize: 100 });
  const header = new Uint8Array(HEADER_SIZE);
  new DataView(header.buffer).setUint32(0, 8 + 101);
  assert.throws(() => reader.push(header, () => {}), {
    name: "FrameError",
    message: "Frame of 101 bytes exceeds the frame limit of 100 bytes",
  });
});

Deno.test("FrameReader rejects a length shorter than the header", () => {
  const header = new Uint8Array(HEADER_SIZE);
  new DataView(header.buffer).setUint32(0, 3);
  assert.throws(() => new FrameReader().push(header, () => {}), {
    name: "FrameError",
    message: "Frame length 3 is shorter than its header",
  });
});

Deno.test("FrameReader hands out frames that own their bytes, however the stream is cut", async () => {
  await checkFrameOwnership();
});

Deno.test("FrameReader copies out of a chunk the caller reuses at once", () => {
  const frame = encodeFrame(5, 6, new Uint8Array([1, 2, 3, 4]));
  const chunk = frame.slice();
  const got: Frame[] = [];
  const reader = new FrameReader();
  reader.push(chunk.subarray(0, 14), (f) => got.push(f));
  chunk.fill(0);
  chunk.set(frame.subarray(14), 14);
  reader.push(chunk.subarray(14), (f) => got.push(f));
  chunk.fill(0xff);
  assert.equal(got.length, 1);
  assert.deepEqual([...got[0]!.body], [1, 2, 3, 4]);
  assert.deepEqual([...got[0]!.bytes], [...frame]);
});
