/**
 * Shapes of the values a remote sends that the master acts on (a hello, a log line, a process
 * event, a component's status): each field's type and range, checked before use. A value a remote
 * decoded from msgpack is plain data (no getters, no functions), so checking its fields is
 * enough; what does not fit is refused with a message that names the field.
 *
 * @module
 */

import { RefusedValueError } from "../errors.ts";

/** Longest text field of a remote's facts and names (host, user, version, names), in chars. */
export const MAX_REMOTE_NAME = 256;

/** Longest free text a remote's value may carry (an error, a reason, a path), in chars. */
export const MAX_REMOTE_TEXT = 64 * 1024;

/** A field's rule: a description (for messages) and a test. */
export interface Rule {
  /** What the field must be, as a message says it: `a string of at most 256 characters`. */
  readonly want: string;
  /** Whether `value` fits. */
  test(value: unknown): boolean;
}

/** Rules to build shapes from. */
export const is = {
  /** A string of any length (a frame's size bounds it). */
  string: { want: "a string", test: (v) => typeof v === "string" } as Rule,
  /** A string of at most `max` characters. */
  text: (max: number = MAX_REMOTE_TEXT): Rule => ({
    want: `a string of at most ${max} characters`,
    test: (v) => typeof v === "string" && v.length <= max,
  }),
  /** A safe integer in `min..max`. */
  int: (min = 0, max: number = Number.MAX_SAFE_INTEGER): Rule => ({
    want: `a whole number from ${min} to ${max}`,
    test: (v) => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max,
  }),
  /** A finite number. */
  number: { want: "a finite number", test: (v) => Number.isFinite(v) } as Rule,
  /** true or false. */
  boolean: { want: "true or false", test: (v) => typeof v === "boolean" } as Rule,
  /** Bytes. */
  bytes: { want: "bytes", test: (v) => v instanceof Uint8Array } as Rule,
  /** One of `values`. */
  oneOf: (...values: unknown[]): Rule => ({
    want: `one of ${values.map((v) => JSON.stringify(v)).join(", ")}`,
    test: (v) => values.includes(v),
  }),
  /** A string matching `pattern`, described as `want`. */
  matching: (pattern: RegExp, want: string): Rule => ({
    want,
    test: (v) => typeof v === "string" && v.length <= MAX_REMOTE_TEXT && pattern.test(v),
  }),
  /** `rule`, or null. */
  nullable: (rule: Rule): Rule => ({
    want: `${rule.want}, or null`,
    test: (v) => v === null || rule.test(v),
  }),
  /** `rule`, or absent. */
  optional: (rule: Rule): Rule => ({
    want: `${rule.want}, or absent`,
    test: (v) => v === undefined || rule.test(v),
  }),
};

/** A value's fields and their rules. */
export type Shape = Readonly<Record<string, Rule>>;

/**
 * Why `value` does not have `shape` (an object whose fields follow their rules; other fields
 * are ignored), or undefined when it does.
 */
export function misfit(value: unknown, shape: Shape): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return "not an object";
  for (const [key, rule] of Object.entries(shape)) {
    const v = (value as Record<string, unknown>)[key];
    if (!rule.test(v)) return `its field "${key}" is not ${rule.want}`;
  }
  return undefined;
}

/**
 * Returns `value` when it has `shape`; else throws a {@linkcode RefusedValueError}:
 * `Refused <what> from "<context>": its field "pid" is not a whole number from 1 to …`.
 */
export function checkShape<T>(value: unknown, shape: Shape, what: string, context: string): T {
  const why = misfit(value, shape);
  if (why) throw new RefusedValueError(`Refused ${what} from "${context}": ${why}`);
  return value as T;
}

/** Returns `value` when it is an array of values with `shape`, as {@linkcode checkShape}. */
export function checkList<T>(value: unknown, shape: Shape, what: string, context: string): T[] {
  if (!Array.isArray(value)) {
    throw new RefusedValueError(`Refused ${what} from "${context}": not a list`);
  }
  value.forEach((item, i) => checkShape(item, shape, `${what} (item ${i})`, context));
  return value as T[];
}
