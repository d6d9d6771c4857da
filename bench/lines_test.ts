import assert from "node:assert/strict";
import { lines } from "./lines.ts";

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((chunk) => encoder.encode(chunk)));
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines(stream)) out.push(line);
  return out;
}

Deno.test("lines() joins a line split across chunks and splits chunks holding several", async () => {
  assert.deepEqual(await collect(streamOf('{"a":', '1}\n{"b":2}\n{"c"', ":3}\n")), [
    '{"a":1}',
    '{"b":2}',
    '{"c":3}',
  ]);
});

Deno.test("lines() yields a last unterminated piece and keeps empty lines", async () => {
  assert.deepEqual(await collect(streamOf("1\n\n2")), ["1", "", "2"]);
});

Deno.test("lines() decodes a character split between chunks", async () => {
  const bytes = new TextEncoder().encode("µs\n");
  const stream = ReadableStream.from([bytes.subarray(0, 1), bytes.subarray(1)]);
  assert.deepEqual(await collect(stream), ["µs"]);
});
