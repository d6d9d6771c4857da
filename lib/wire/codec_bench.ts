// Encode + decode throughput of lib/wire/codec.ts against @msgpack/msgpack: `deno bench lib/wire/codec_bench.ts`.
import * as reference from "@msgpack/msgpack";
import { decode, encode } from "./codec.ts";

const call = { t: "call", id: 7, mod: "node:os", fn: "hostname", args: [] };

/** About 1 MB of records shaped like typical call results. */
function objectHeavy(): unknown[] {
  const rows = [];
  for (let i = 0; rows.length * 100 < 1_000_000; i++) {
    rows.push({
      id: i,
      name: `host-${i}.example.com`,
      up: i % 3 !== 0,
      load: [i / 7, i / 11, 0.5],
      tags: ["web", "eu-west", i % 2 ? "canary" : "stable"],
      owner: { user: "root", uid: 0, gid: i * 31 },
    });
  }
  return rows;
}

const cases: [string, unknown][] = [
  ["call message", call],
  ["1 MB of objects", objectHeavy()],
  ["4 MiB Uint8Array", new Uint8Array(4 << 20).map((_, i) => i)],
];

for (const [name, value] of cases) {
  const mine = encode(value);
  const theirs = reference.encode(value);
  Deno.bench(`codec: ${name}`, { group: name, baseline: true }, () => {
    decode(encode(value));
  });
  Deno.bench(`@msgpack/msgpack: ${name}`, { group: name }, () => {
    reference.decode(reference.encode(value));
  });
  Deno.bench(`codec encode: ${name} (${mine.length} bytes)`, { group: `${name}, encode` }, () => {
    encode(value);
  });
  Deno.bench(`@msgpack/msgpack encode: ${name} (${theirs.length} bytes)`, {
    group: `${name}, encode`,
  }, () => {
    reference.encode(value);
  });
  Deno.bench(`codec decode: ${name}`, { group: `${name}, decode` }, () => {
    decode(mine);
  });
  Deno.bench(`@msgpack/msgpack decode: ${name}`, { group: `${name}, decode` }, () => {
    reference.decode(theirs);
  });
}
