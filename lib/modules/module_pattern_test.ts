import assert from "node:assert/strict";
import { matchesPattern } from "./module_pattern.ts";

const PATTERN = "file:///app/plugins/*.ts";

Deno.test("matchesPattern() matches one path segment per star", () => {
  assert.equal(matchesPattern("file:///app/plugins/alpha.ts", PATTERN), true);
  assert.equal(matchesPattern("file:///app/plugins/.ts", PATTERN), true);
  assert.equal(matchesPattern("file:///app/plugins/a/b.ts", PATTERN), false);
  assert.equal(matchesPattern("file:///app/plugins/alpha.js", PATTERN), false);
  assert.equal(matchesPattern("file:///app/other/alpha.ts", PATTERN), false);
  assert.equal(
    matchesPattern("file:///app/locales/en/main.json", "file:///app/locales/*/*.json"),
    true,
  );
});

Deno.test("matchesPattern() refuses encoded separators", () => {
  assert.equal(matchesPattern("file:///app/plugins/..%2F..%2Fetc%2Fpasswd.ts", PATTERN), false);
  assert.equal(matchesPattern("file:///app/plugins/a%5Cb.ts", PATTERN), false);
});

Deno.test("matchesPattern() treats regular expression characters literally", () => {
  assert.equal(matchesPattern("file:///app/p(1)/x.ts", "file:///app/p(1)/*.ts"), true);
  assert.equal(matchesPattern("file:///app/pX1/x.ts", "file:///app/p.1/*.ts"), false);
});
