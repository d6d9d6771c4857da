import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { stripTypes } from "./module_strip.ts";
import { ModuleError } from "./module_error.ts";

const URL_ = "file:///app/mod.ts";

/** Asserts that `code` has the line structure of `source`. */
function sameLines(code: string, source: string): void {
  assert.equal(code.split("\n").length, source.split("\n").length);
}

Deno.test("stripTypes() blanks types in place", () => {
  const source = 'import type { T } from "./t.ts";\nconst n: number = 1;\nexport { n };\n';
  const { code, lineStable } = stripTypes(source, URL_);
  assert.equal(lineStable, true);
  assert.equal(code.length, source.length);
  assert.equal(code.split("\n")[1], "const n         = 1;");
  assert.doesNotMatch(code, /t\.ts/);
});

Deno.test("stripTypes() drops imports whose bindings are only used as types", () => {
  const source = [
    'import { Shape, make } from "./shapes.ts";',
    'import { Unused } from "./unused.ts";',
    'import "./side.ts";',
    "export const s: Shape = make();",
    "",
  ].join("\n");
  const { code, lineStable } = stripTypes(source, URL_);
  assert.equal(lineStable, true);
  sameLines(code, source);
  const lines = code.split("\n");
  assert.equal(lines[0], 'import { make } from "./shapes.ts";');
  assert.match(lines[1]!, /^ *;$/);
  assert.equal(lines[2], 'import "./side.ts";');
  assert.equal(lines[3], "export const s        = make();");
});

Deno.test("stripTypes() drops a local interface from an export clause", () => {
  const source =
    "interface Options { a: number }\nconst x = 1;\nexport { Options, x, Options as O2 };\n";
  const { code } = stripTypes(source, URL_);
  assert.match(code.split("\n")[2]!, /^export \{ +x, +\};$/);
  // Still valid JavaScript.
  assert.doesNotThrow(() => new Function(code.replace(/^export .*$/m, "")));
});

Deno.test("stripTypes() keeps export * and type-free re-exports as written", () => {
  const source =
    'export * from "./a.ts";\nexport { b } from "./b.ts";\nexport { type C } from "./c.ts";\n';
  const { code } = stripTypes(source, URL_);
  const lines = code.split("\n");
  assert.equal(lines[0], 'export * from "./a.ts";');
  assert.equal(lines[1], 'export { b } from "./b.ts";');
  assert.match(lines[2]!, /^ *;$/);
});

Deno.test("stripTypes() keeps a used JSON import on its lines", () => {
  const source =
    'import data from "./d.json" with {\n  type: "json",\n};\nexport const n: number = data.n;\n';
  const { code } = stripTypes(source, URL_);
  sameLines(code, source);
  assert.match(code, /^import data from "\.\/d\.json" with \{\n {2}type: "json",\n\};/);
});

Deno.test("stripTypes() transforms enums with a source map to the master URL", () => {
  const { code, lineStable } = stripTypes("export enum E { A, B }\n", URL_);
  assert.equal(lineStable, false);
  assert.doesNotMatch(code, /enum/);
  const map = /base64,([A-Za-z0-9+/=]+)/.exec(code)?.[1] ?? "";
  const decoded = JSON.parse(Buffer.from(map, "base64").toString("utf8"));
  assert.deepEqual(decoded.sources, [URL_]);
  assert.equal(decoded.sourcesContent, undefined);
});

Deno.test("stripTypes() names path:line:column of a syntax error", () => {
  assert.throws(
    () => stripTypes("const a = 1;\nconst b: = 2;\n", URL_),
    (error: unknown) =>
      error instanceof ModuleError &&
      /^Cannot load "\/app\/mod\.ts": syntax error at \/app\/mod\.ts:2:\d+: /.test(error.message),
  );
});
