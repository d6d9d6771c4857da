import assert from "node:assert/strict";
import * as reference from "@msgpack/msgpack";
import { decode, dropSpare, encode, Packed, reuse, SerializationError } from "./codec.ts";

function roundTrip<T>(value: T): T {
  return decode(encode(value)) as T;
}

Deno.test("encode() and decode() round-trip integers at every format boundary", () => {
  const edges = [
    0,
    1,
    127,
    128,
    255,
    256,
    65535,
    65536,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53 - 1,
    -1,
    -32,
    -33,
    -128,
    -129,
    -32768,
    -32769,
    -(2 ** 31),
    -(2 ** 31) - 1,
    -(2 ** 53 - 1),
  ];
  for (const n of edges) assert.equal(roundTrip(n), n, `${n}`);
});

Deno.test("encode() keeps -0, NaN, infinities and fractions as float64", () => {
  assert.ok(Object.is(roundTrip(-0), -0));
  assert.ok(Number.isNaN(roundTrip(NaN)));
  assert.equal(roundTrip(Infinity), Infinity);
  assert.equal(roundTrip(-Infinity), -Infinity);
  assert.equal(roundTrip(0.1), 0.1);
  assert.equal(roundTrip(2 ** 60), 2 ** 60);
});

Deno.test("encode() round-trips strings: empty, multi-byte, 4-byte UTF-8, and long", () => {
  const cases = ["", "a", "é", "日本語", "😀x", "x".repeat(31), "é".repeat(20), "z".repeat(70_000)];
  cases.push("ü".repeat(40_000));
  for (const s of cases) assert.equal(roundTrip(s), s);
});

Deno.test("encode() picks the smallest string header for the real byte length", () => {
  assert.deepEqual([...encode("abc")], [0xa3, 0x61, 0x62, 0x63]);
  assert.equal(encode("é".repeat(20))[0], 0xd9);
  assert.equal(encode("é".repeat(10))[0], 0xb4);
});

Deno.test("decode() returns bin as a copy, not a view of the input", () => {
  const big = new Uint8Array(70_000).map((_, i) => i % 251);
  const bytes = encode({ a: big, b: new Uint8Array(0) });
  const out = decode(bytes) as { a: Uint8Array; b: Uint8Array };
  assert.deepEqual(out.a, big);
  assert.notEqual(out.a.buffer, bytes.buffer);
  assert.equal(out.b.length, 0);
});

Deno.test("encode() carries undefined, bigint, Date, Map, Set and nested structures", () => {
  const value = {
    u: undefined,
    list: [1, undefined, null, true, false],
    big: 12345678901234567890n,
    neg: -5n,
    when: new Date(1_700_000_000_123),
    early: new Date(-1),
    bad: new Date(NaN),
    map: new Map<unknown, unknown>([[1, "one"], [{ k: 1 }, [2]]]),
    set: new Set(["a", 1]),
    nested: { a: { b: { c: [[[]]] } } },
  };
  const out = roundTrip(value);
  assert.ok("u" in out);
  assert.deepEqual(out, value);
});

Deno.test("encode() carries errors with name, message, stack, cause and code", () => {
  const cause = new RangeError("inner");
  const e = Object.assign(new TypeError("outer", { cause }), { code: "E_X", extra: 7 });
  const out = roundTrip(e);
  assert.ok(out instanceof TypeError);
  assert.equal(out.message, "outer");
  assert.equal(out.stack, e.stack);
  assert.ok(out.cause instanceof RangeError);
  assert.equal((out as unknown as { code: string }).code, "E_X");
  assert.equal((out as unknown as { extra: number }).extra, 7);
  const custom = new Error("x");
  custom.name = "NotFound";
  assert.equal(roundTrip(custom).name, "NotFound");
  const agg = roundTrip(new AggregateError([new Error("a")], "many"));
  assert.ok(agg instanceof AggregateError);
  assert.equal(agg.errors[0].message, "a");
});

Deno.test("encode() uses toJSON() for class instances that have it", () => {
  assert.equal(roundTrip(new URL("https://example.com/x")), "https://example.com/x");
});

Deno.test("encode() names the path and the type of what cannot be sent", () => {
  class Handle {}
  const cases: [unknown, string][] = [
    [[1, { handler() {} }], "Cannot serialise value[1].handler: functions cannot be sent"],
    [{ "a b": Symbol("s") }, 'Cannot serialise value["a b"]: symbols cannot be sent'],
    [{ h: new Handle() }, "Cannot serialise value.h: a Handle cannot be sent (only plain data)"],
    [Promise.resolve(1), "Cannot serialise value: a Promise cannot be sent (await it first)"],
    [new Uint16Array(2), "Cannot serialise value: Uint16Array cannot be sent (use a Uint8Array)"],
    [new Map([["k", () => 1]]), 'Cannot serialise value.get("k"): functions cannot be sent'],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => encode(value), { name: "SerializationError", message });
  }
});

Deno.test("encode() stops cycles at the depth limit with a hint", () => {
  const a: Record<string, unknown> = {};
  a.self = a;
  assert.throws(() => encode(a), {
    name: "SerializationError",
    message: /nesting deeper than 100 \(is there a cycle\?\)$/,
  });
  assert.throws(() => encode([[[]]], { maxDepth: 2 }), {
    name: "SerializationError",
    message: "Cannot serialise value[0][0]: nesting deeper than 2 (is there a cycle?)",
  });
  assert.deepEqual(encode([[]], { maxDepth: 2 }), new Uint8Array([0x91, 0x90]));
});

Deno.test("replacer and reviver carry custom types as extensions 16..127", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const bytes = encode({ p: new Point(1, 2) }, {
    replacer: (v) => v instanceof Point ? [16, [v.x, v.y]] : undefined,
  });
  const out = decode(bytes, {
    reviver: (type, payload) => type === 16 ? new Point(...(payload as [number, number])) : null,
  }) as { p: Point };
  assert.ok(out.p instanceof Point);
  assert.equal(out.p.y, 2);
  assert.throws(() => decode(bytes), { message: "Unknown msgpack extension type 16" });
});

Deno.test("decode() does not let a __proto__ key change the prototype", () => {
  const out = decode(reference.encode(JSON.parse('{"__proto__": {"polluted": 1}}'))) as object;
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.deepEqual(Object.keys(out), ["__proto__"]);
});

Deno.test("the codec interoperates with @msgpack/msgpack on plain JSON data", () => {
  const value = {
    s: "héllo",
    n: [0, -1, 300, -70000, 2 ** 40, 1.5],
    o: { nested: [true, false, null] },
    long: "y".repeat(300),
    bin: new Uint8Array([1, 2, 3]),
    many: Array.from({ length: 40 }, (_, i) => ({ i })),
  };
  assert.deepEqual(decode(reference.encode(value)), value);
  assert.deepEqual(reference.decode(encode(value)), value);
  const when = new Date(1_700_000_000_500);
  assert.deepEqual(reference.decode(encode(when)), when);
});

Deno.test("decode() rejects truncated input at every cut point", () => {
  const bytes = encode({ a: [1, "two", 3.5, new Uint8Array(5)], b: new Map([[1, 2n]]) });
  for (let cut = 0; cut < bytes.length; cut++) {
    assert.throws(() => decode(bytes.subarray(0, cut)), {
      name: "SerializationError",
      message: /^Truncated msgpack: (\d+ bytes needed at offset \d+|(array|map) of \d+)$/,
    }, `cut at ${cut}`);
  }
});

Deno.test("decode() rejects trailing bytes, the reserved type byte and huge lengths", () => {
  assert.throws(() => decode(new Uint8Array([1, 2])), {
    message: "Trailing bytes after msgpack value: 1",
  });
  assert.throws(() => decode(new Uint8Array([0xc1])), {
    message: "Invalid msgpack type byte 0xc1 at offset 0",
  });
  assert.throws(() => decode(new Uint8Array([0xdd, 0xff, 0xff, 0xff, 0xff])), {
    name: "SerializationError",
    message: "Truncated msgpack: array of 4294967295",
  });
  assert.throws(() => decode(new Uint8Array([0xc6, 0xff, 0xff, 0xff, 0xff])), {
    name: "SerializationError",
    message: "Truncated msgpack: 4294967295 bytes needed at offset 5",
  });
});

Deno.test("decode() of random bytes only ever throws SerializationError", () => {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 5000; i++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 40)).map(() => Math.floor(rand() * 256));
    try {
      decode(bytes);
    } catch (e) {
      assert.ok(e instanceof SerializationError, `${e} for ${[...bytes]}`);
    }
  }
});

Deno.test("decode() with views returns bin as a view of the input", () => {
  const bytes = encode({ value: new Uint8Array([1, 2, 3]) });
  const { value } = decode(bytes, { views: true }) as { value: Uint8Array };
  assert.deepEqual([...value], [1, 2, 3]);
  assert.equal(value.buffer, bytes.buffer);
});

Deno.test('decode() with views: "large" views only bins that fill half the buffer or more', () => {
  const big = new Uint8Array(1000).fill(7);
  const small = new Uint8Array([1, 2, 3]);
  const bytes = encode({ big, small });
  const got = decode(bytes, { views: "large" }) as { big: Uint8Array; small: Uint8Array };
  assert.deepEqual(got.big, big);
  assert.deepEqual(got.small, small);
  // The big one shares the input's memory; the small one has its own, so it pins nothing.
  assert.equal(got.big.buffer, bytes.buffer);
  assert.notEqual(got.small.buffer, bytes.buffer);
  assert.equal(got.small.buffer.byteLength, 3);
  // Half of the buffer underneath counts, not half of the view decoded: a view of a larger
  // buffer (a value inside a frame) is measured against that whole frame.
  const frame = new Uint8Array(4 * bytes.length);
  frame.set(bytes, 8);
  const inside = decode(frame.subarray(8, 8 + bytes.length), { views: "large" }) as {
    big: Uint8Array;
  };
  assert.notEqual(inside.big.buffer, frame.buffer);
  assert.deepEqual(inside.big, big);
});

Deno.test("a Packed value is a bin holding its own msgpack, encoded with its options", () => {
  class Handle {
    constructor(readonly id: number) {}
  }
  const options = {
    replacer: (v: object): [number, unknown] | undefined =>
      v instanceof Handle ? [20, v.id] : undefined,
    reviver: (type: number, payload: unknown) => type === 20 ? new Handle(payload as number) : 0,
  };
  const value = { h: new Handle(7), list: [1, "two"] };
  const outer = decode(encode({ t: "ok", value: new Packed(value, options) })) as {
    t: string;
    value: Uint8Array;
  };
  assert.equal(outer.t, "ok");
  assert.deepEqual(outer.value, encode(value, options));
  assert.deepEqual(decode(outer.value, options), value);
  // The options apply inside the packed value only.
  assert.throws(() => encode({ h: new Handle(1), value: new Packed(1, options) }), {
    name: "SerializationError",
    message: /^Cannot serialise value\.h: a Handle cannot be sent/,
  });
  assert.throws(() => encode({ value: new Packed([() => 1]) }), {
    name: "SerializationError",
    message: "Cannot serialise value.value[0]: functions cannot be sent",
  });
});

Deno.test("encode() with room leaves that many bytes before the message", () => {
  const bytes = encode({ a: 1 }, { room: 12 });
  assert.equal(bytes.length, 12 + encode({ a: 1 }).length);
  assert.deepEqual(decode(bytes.subarray(12)), { a: 1 });
});

Deno.test("encode() hands out a large message in its scratch buffer, without a copy", () => {
  const big = new Uint8Array(3 << 20).fill(5);
  const bytes = encode({ t: "ok", value: big, after: [1, "two", { three: 3 }] });
  // Sized to the message and a little more (the fields after a big value fit without growing
  // again): the result is a view from the start of a buffer it owns, which it fills nearly whole.
  assert.equal(bytes.byteOffset, 0);
  assert.ok(bytes.buffer.byteLength - bytes.byteLength <= 4096, `${bytes.buffer.byteLength}`);
  assert.deepEqual(decode(bytes), { t: "ok", value: big, after: [1, "two", { three: 3 }] });
  // And the next small message does not share that buffer.
  const small = encode(1);
  assert.notEqual(small.buffer, bytes.buffer);
});

Deno.test("encode() writes the next large message into a buffer given back with reuse()", () => {
  const first = encode({ t: "ok", value: new Uint8Array(3 << 20).fill(1) });
  const under = first.buffer as ArrayBuffer;
  reuse(under);
  // A smaller large message goes into the same memory, as a view of it from its start.
  const second = encode({ t: "ok", value: new Uint8Array(2 << 20).fill(2) });
  assert.equal(second.buffer, under);
  assert.equal(second.byteOffset, 0);
  assert.deepEqual(decode(second), { t: "ok", value: new Uint8Array(2 << 20).fill(2) });
  // The buffer is lent once: the next large message gets memory of its own.
  const third = encode({ t: "ok", value: new Uint8Array(2 << 20).fill(3) });
  assert.notEqual(third.buffer, under);
  // One that does not fit is not written into it, and a small buffer is never held.
  reuse(under);
  const bigger = encode(new Uint8Array(4 << 20));
  assert.notEqual(bigger.buffer, under);
  reuse(new ArrayBuffer(1024));
  dropSpare();
  assert.notEqual(encode(new Uint8Array(2 << 20)).buffer, under);
  // Less than half of a lent buffer is copied out rather than pinning the rest.
  reuse(under);
  const quarter = encode(new Uint8Array(3 << 19));
  assert.notEqual(quarter.buffer, under);
  assert.equal(quarter.byteLength, quarter.buffer.byteLength);
});

Deno.test("reuse() holds a few large buffers and lends the smallest that a message fills half of", () => {
  dropSpare();
  const buffers = [2, 3, 5, 9, 17].map((mib) => new ArrayBuffer(mib << 20));
  for (const b of buffers) reuse(b);
  const lentFor = (mib: number) => encode(new Uint8Array(mib * (1 << 20))).buffer;
  // Four are held, the smallest dropped first: 2 MiB is gone, and 1.2 MiB fills half of none.
  const none = lentFor(1.2);
  assert.ok(!buffers.includes(none as ArrayBuffer));
  // Best fit: 2.5 MiB goes into the 3 MiB buffer, 4 MiB into the 5 MiB one; each is lent once.
  assert.equal(lentFor(2.5), buffers[1]);
  assert.equal(lentFor(4), buffers[2]);
  assert.notEqual(lentFor(4), buffers[2]);
  // 3 MiB would fill a third of 9 MiB: not lent; 4.5 MiB fills half of it: lent.
  assert.notEqual(lentFor(3), buffers[3]);
  assert.equal(lentFor(4.5), buffers[3]);
  // More than 64 MiB in several buffers is not held: the smallest go, the largest stays.
  const large = new ArrayBuffer(40 << 20);
  reuse(large);
  reuse(new ArrayBuffer(30 << 20));
  assert.notEqual(lentFor(16), buffers[4]);
  assert.equal(lentFor(21), large);
  dropSpare();
});
