import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import fc from "npm:fast-check@4.11.0";
import { decode, encode } from "../lib/wire/codec.ts";
import { RemoteError, Router } from "../mod.ts";
import { anyString, anyValue } from "./_fixtures/values/arbitrary.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);

/** Calls per runtime in the property run through a real context. */
const CONTEXT_RUNS = 150;

function units(s: string): number[] {
  return [...Array(s.length).keys()].map((i) => s.charCodeAt(i));
}

Deno.test("the codec round-trips any value exactly", () => {
  fc.assert(
    fc.property(anyValue, (value) => deepStrictEqual(decode(encode(value)), value)),
    { numRuns: 2000 },
  );
});

Deno.test("the codec keeps a leading U+FEFF and lone surrogates, in values and keys", () => {
  for (const s of ["\ufeff", "\ufeffx", "a\ud800b", "\udfff", "x".repeat(60) + "\ud83d"]) {
    deepStrictEqual(units(decode(encode(s)) as string), units(s));
    const keyed = decode(encode({ [s]: 1 })) as Record<string, number>;
    deepStrictEqual(Object.keys(keyed).map(units), [units(s)]);
  }
  // A well-formed string is plain msgpack str, readable by any msgpack decoder.
  strictEqual(encode("\ufeffok")[0], 0xa0 | 5);
});

Deno.test("a malformed UTF-16 extension is refused with its size", () => {
  // ext8, 3 bytes, type 6: an odd number of bytes cannot be UTF-16 code units.
  const bytes = new Uint8Array([0xc7, 3, 6, 0x41, 0, 0x42]);
  let error: unknown;
  try {
    decode(bytes);
  } catch (e) {
    error = e;
  }
  ok(error instanceof TypeError, `${error}`);
  strictEqual(error.message, "Malformed UTF-16 string of 3 bytes");
});

Deno.test("values cross a real context exactly, both ways, on every runtime", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    const ctx = await router.connect("mito", {
      sshConfig: sshd.sshConfig,
      runtime: rt.path,
      name: rt.name,
      // A reply lost to a mix-up of buffers fails its step rather than waiting for ever.
      timeout: 30_000,
    });
    await t.step(`${rt.name}: any value comes back as it was sent`, async () => {
      await fc.assert(
        fc.asyncProperty(anyValue, async (value) => {
          deepStrictEqual(await ctx.call(targets, "echo", value), [value]);
        }),
        { numRuns: CONTEXT_RUNS },
      );
    });

    await t.step(`${rt.name}: the remote sees the string's exact code units`, async () => {
      await fc.assert(
        fc.asyncProperty(anyString, async (s) => {
          deepStrictEqual(await ctx.call(targets, "codeUnits", s), units(s));
        }),
        { numRuns: CONTEXT_RUNS },
      );
      deepStrictEqual(await ctx.call(targets, "codeUnits", "\ufeffa\ud800"), [0xfeff, 97, 0xd800]);
    });

    await t.step(
      `${rt.name}: a large byte reply is a view of its frame, a small one a copy`,
      async () => {
        const [big] = await ctx.call(targets, "echo", new Uint8Array(1 << 20).fill(9)) as [
          Uint8Array,
        ];
        strictEqual(big.length, 1 << 20);
        ok(big.every((b) => b === 9));
        // The frame's header and message around it share the buffer.
        ok(big.byteOffset > 0 && big.buffer.byteLength > big.length, `${big.byteOffset}`);
        const [small, other] = await ctx.call(
          targets,
          "echo",
          new Uint8Array([1, 2]),
          "x".repeat(64),
        ) as [
          Uint8Array,
          string,
        ];
        deepStrictEqual([...small], [1, 2]);
        strictEqual(other.length, 64);
        strictEqual(small.buffer.byteLength, 2);
      },
    );

    await t.step(
      `${rt.name}: large replies in a row and at once each keep their own bytes`,
      async () => {
        // Their buffers are reused for the next large reply once written: no reply may see
        // another's bytes, whether they follow each other or are all in flight at once.
        const fill = (n: number, size: number) => {
          return new Uint8Array(size).fill(n);
        };
        const check = (got: Uint8Array, n: number, size: number) => {
          strictEqual(got.length, size);
          ok(got.every((b) => b === n), `reply ${n} holds another's bytes`);
        };
        for (let n = 1; n <= 4; n++) {
          check(await ctx.eval(fill, n, 3 << 20) as Uint8Array, n, 3 << 20);
        }
        // Smaller after larger: written into the larger buffer while it fills half of it.
        check(await ctx.eval(fill, 5, 2 << 20) as Uint8Array, 5, 2 << 20);
        const many = await Promise.all(
          [6, 7, 8, 9, 10, 11].map((n) => ctx.eval(fill, n, (2 + n % 3) << 20)),
        );
        many.forEach((got, i) => check(got as Uint8Array, i + 6, (2 + (i + 6) % 3) << 20));
      },
    );

    await t.step(
      `${rt.name}: large arguments in a row and at once each arrive with their own bytes`,
      async () => {
        // Down the other way: the master reuses a large argument's buffer, and a frame's once
        // written, for the next large message. The remote answers with what it got: the length
        // and the values it saw, so a call that read another's bytes shows them.
        const seen = (bytes: Uint8Array) => [bytes.length, [...new Set(bytes)]];
        const fill = (n: number, size: number) => new Uint8Array(size).fill(n);
        for (let n = 1; n <= 4; n++) {
          deepStrictEqual(await ctx.eval(seen, fill(n, 3 << 20)), [3 << 20, [n]]);
        }
        deepStrictEqual(await ctx.eval(seen, fill(5, 2 << 20)), [2 << 20, [5]]);
        const sizes = [6, 7, 8, 9, 10, 11, 12, 13].map((n) => (2 + n % 3) << 20);
        const many = await Promise.all(sizes.map((size, i) => ctx.eval(seen, fill(i + 6, size))));
        deepStrictEqual(many, sizes.map((size, i) => [size, [i + 6]]));
      },
    );

    await t.step(`${rt.name}: a thrown non-error keeps its fields`, async () => {
      await rejects(ctx.call(targets, "throwValue", { code: "E", n: 1n }), (e) => {
        ok(e instanceof RemoteError, `${e}`);
        strictEqual(e.message, `Error on "${rt.name}": Non-error thrown: {"code":"E","n":1n}`);
        deepStrictEqual(e.thrown, { code: "E", n: 1n });
        strictEqual((e.remote as Error & { code?: string }).code, "E");
        return true;
      });
      await rejects(ctx.call(targets, "throwValue", 42), (e) => {
        ok(e instanceof RemoteError, `${e}`);
        strictEqual(e.thrown, 42);
        strictEqual(e.message, `Error on "${rt.name}": Non-error thrown: 42`);
        return true;
      });
    });
  }
});
