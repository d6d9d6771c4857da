import assert from "node:assert/strict";
import { chunks } from "./stream_source.ts";
import { CHUNK_BYTES } from "./stream.ts";
import { TRANSFER_BYTES } from "./transfer.ts";

Deno.test("a stream moves the bulk transfer's bytes in whole items", () => {
  // streamMs() asks for TRANSFER_BYTES / CHUNK_BYTES items and checks every byte arrived.
  assert.equal(TRANSFER_BYTES % CHUNK_BYTES, 0);
});

Deno.test("chunks() yields n fresh items of the size asked", async () => {
  const items: Uint8Array[] = [];
  for await (const item of chunks(3, 4)) items.push(item);
  assert.deepEqual(items, [
    new Uint8Array(4),
    new Uint8Array(4).fill(1),
    new Uint8Array(4).fill(2),
  ]);
});
