/**
 * The `exports` and `imports` fields of a package.json, read as Node reads them: subpath keys
 * (with `*` patterns) and nested condition objects, first matching condition in the object's own
 * key order. Pure: no file is read here.
 *
 * @module
 */

/** Conditions a package entry is chosen by, in the order the master's runtime prefers them. */
export const PACKAGE_CONDITIONS: readonly string[] = ["deno", "node", "import", "default"];

/**
 * The target of `subpath` (`"."`, `"./feature"`, or `"#name"` for the `imports` field) in
 * `field`, as a package-relative path (`"./dist/index.js"`) or, for `imports`, possibly a package
 * specifier. Returns undefined when the field does not map `subpath`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSubpath } from "./module_exports.ts";
 * const exports = { ".": { import: "./esm/index.js", require: "./cjs/index.js" } };
 * assert.equal(resolveSubpath(exports, "."), "./esm/index.js");
 * ```
 */
export function resolveSubpath(
  field: unknown,
  subpath: string,
  conditions: readonly string[] = PACKAGE_CONDITIONS,
): string | undefined {
  const map = subpathMap(field);
  if (!map) return undefined;
  const exact = map[subpath];
  if (exact !== undefined && !subpath.includes("*")) {
    return target(exact, undefined, conditions) ?? undefined;
  }
  // The longest pattern prefix wins, as in Node.
  let best: { key: string; match: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0 || key.indexOf("*", star + 1) >= 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (
      subpath.length >= key.length && subpath.startsWith(prefix) && subpath.endsWith(suffix) &&
      (!best || prefix.length > best.key.indexOf("*"))
    ) {
      best = { key, match: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  if (!best) return undefined;
  return target(map[best.key], best.match, conditions) ?? undefined;
}

/** The field as a map of subpath keys; a bare target or condition object means `"."`. */
function subpathMap(field: unknown): Record<string, unknown> | undefined {
  if (typeof field === "string" || Array.isArray(field)) return { ".": field };
  if (typeof field !== "object" || field === null) return undefined;
  const keys = Object.keys(field);
  if (keys.length > 0 && keys.every((k) => !k.startsWith(".") && !k.startsWith("#"))) {
    return { ".": field };
  }
  return field as Record<string, unknown>;
}

/**
 * One target: a string (with `*` replaced by `match`), the first resolvable entry of an array,
 * or the first matching condition of an object. Null means "explicitly not exported".
 */
function target(
  value: unknown,
  match: string | undefined,
  conditions: readonly string[],
): string | null | undefined {
  if (value === null) return null;
  if (typeof value === "string") {
    if (match === undefined) return value;
    // A pattern match may not climb out of the package or into its node_modules.
    if (match.split(/[\\/]/).some((part) => part === ".." || part === "node_modules")) return null;
    return value.replaceAll("*", match);
  }
  if (Array.isArray(value)) {
    for (const entry of value) {
      const resolved = target(entry, match, conditions);
      if (resolved !== undefined && resolved !== null) return resolved;
    }
    return undefined;
  }
  if (typeof value === "object") {
    for (const [key, entry] of Object.entries(value)) {
      if (key !== "default" && !conditions.includes(key)) continue;
      const resolved = target(entry, match, conditions);
      if (resolved !== undefined) return resolved;
    }
  }
  return undefined;
}
