/**
 * fast-check arbitraries for every kind of value a call can carry, with the strings that are easy
 * to get wrong: a leading U+FEFF, lone surrogates, astral characters.
 *
 * @module
 */

import fc from "npm:fast-check@4.11.0";

/** One UTF-16 code unit (a lone surrogate included), a whole code point, or a byte-order mark. */
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  fc.constant("\ufeff"),
  fc.constantFrom("\ud800", "\udfff", "a", "é"),
);

/** Strings made of {@linkcode unit}s: well-formed or not. */
export const anyString: fc.Arbitrary<string> = fc.string({ unit, maxLength: 40 });

/** Every leaf a call can carry. */
const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.boolean(),
  fc.double(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt(),
  anyString,
  fc.uint8Array({ maxLength: 40 }),
  fc.date({ noInvalidDate: false }),
);

/** Any value a call can carry: nested arrays, plain objects, Maps and Sets of {@linkcode leaf}s. */
export const anyValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(anyString, tie("value"), { maxKeys: 5, noNullPrototype: true }),
    fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 }).map((kv) => new Map(kv)),
    fc.array(tie("value"), { maxLength: 4 }).map((items) => new Set(items)),
  ),
})).value;
