/**
 * URL patterns for dynamic imports with a computed part: `import(\`./plugins/${name}.ts\`)`
 * allows `file:///…/plugins/*.ts`, where `*` stands for one path segment or part of one.
 *
 * @module
 */

/**
 * Whether `url` matches `pattern`. Each `*` matches any run of characters except `/`, so a
 * pattern never reaches into another folder. Both are compared as normalized URLs, in which
 * `..` segments are already resolved, so `plugins/../../etc/passwd` cannot match.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { matchesPattern } from "./module_pattern.ts";
 * assert.ok(matchesPattern("file:///app/plugins/a.ts", "file:///app/plugins/*.ts"));
 * assert.ok(!matchesPattern("file:///app/plugins/x/a.ts", "file:///app/plugins/*.ts"));
 * ```
 */
export function matchesPattern(url: string, pattern: string): boolean {
  const parts = pattern.split("*");
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (!url.startsWith(first) || !url.endsWith(last) || url.length < first.length + last.length) {
    return false;
  }
  // Encoded separators would let a segment reach elsewhere once turned into a path.
  if (/%2f|%5c/i.test(url)) return false;
  const body = parts.map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*");
  return new RegExp(`^${body}$`).test(url);
}
