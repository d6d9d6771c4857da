/**
 * Values as a person reads them: JSON where the value is JSON data, JavaScript notation for what
 * JSON cannot say (`12n`, `Map(1) {"a" => 1}`, `Uint8Array(3) [1,2,3]`, `Date("…")`, `NaN`,
 * `undefined`), so nothing looks like something it is not.
 *
 * @module
 */

/** `value` in one line: JSON for JSON data, JavaScript notation for the other values a call
 *  can return. */
export function showValue(value: unknown): string {
  return show(value, new Set());
}

function show(v: unknown, seen: Set<object>): string {
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "bigint":
      return `${v}n`;
    case "number":
      return Object.is(v, -0) ? "-0" : Number.isFinite(v) ? JSON.stringify(v) : String(v);
    case "string":
      return quote(v);
    case "boolean":
      return String(v);
    case "function":
      return `[Function ${v.name || "(anonymous)"}]`;
    case "symbol":
      return v.toString();
  }
  if (v === null) return "null";
  const o = v as object;
  if (seen.has(o)) return "[Circular]";
  seen.add(o);
  try {
    return showObject(o, seen);
  } finally {
    seen.delete(o);
  }
}

function showObject(o: object, seen: Set<object>): string {
  const inner = (x: unknown) => show(x, seen);
  if (Array.isArray(o)) return `[${o.map(inner).join(",")}]`;
  if (o instanceof Uint8Array) return `Uint8Array(${o.length}) [${o.join(",")}]`;
  if (o instanceof Date) {
    return Number.isNaN(o.getTime()) ? "Date(NaN)" : `Date("${o.toISOString()}")`;
  }
  if (o instanceof Map) {
    const entries = [...o].map(([k, x]) => `${inner(k)} => ${inner(x)}`);
    return `Map(${o.size}) {${entries.join(", ")}}`;
  }
  if (o instanceof Set) return `Set(${o.size}) {${[...o].map(inner).join(", ")}}`;
  if (o instanceof Error) {
    const fields = Object.keys(o).filter((k) => k !== "stack" && k !== "message");
    const extra = fields.length
      ? ` ${showFields(o as unknown as Record<string, unknown>, fields, seen)}`
      : "";
    return `${o.name}(${quote(o.message)})${extra}`;
  }
  const proto = Object.getPrototypeOf(o);
  const fields = Object.keys(o);
  const body = showFields(o as Record<string, unknown>, fields, seen);
  if (proto === Object.prototype || proto === null) return body;
  return `${o.constructor?.name ?? "Object"} ${body}`;
}

function showFields(o: Record<string, unknown>, keys: string[], seen: Set<object>): string {
  return `{${keys.map((k) => `${quote(k)}:${show(o[k], seen)}`).join(",")}}`;
}

/** A JSON string literal that also spells out an invisible byte-order mark. */
function quote(s: string): string {
  return JSON.stringify(s).replaceAll("\ufeff", "\\ufeff");
}
