import assert from "node:assert/strict";
import { classifySpecifier, parseModule, position, type SpecifierTarget } from "./module_parse.ts";

Deno.test("parseModule() lists static, dynamic and template imports with their spans", () => {
  const source = [
    'import { a } from "./a.ts";',
    "export * from './b.js';",
    'const c = await import("./c.ts");',
    "const d = await import(`./plugins/${c}.ts`);",
    "const e = await import(d);",
    "",
  ].join("\n");
  const parsed = parseModule("file:///app/main.js", source);
  assert.deepEqual(
    parsed.imports.map((i) => [i.kind, i.specifier, source.slice(i.start, i.end)]),
    [
      ["static", "./a.ts", "./a.ts"],
      ["static", "./b.js", "./b.js"],
      ["dynamic", "./c.ts", "./c.ts"],
      ["pattern", "./plugins/*.ts", "./plugins/${c}.ts"],
    ],
  );
  assert.equal(parsed.source, source);
  assert.equal(parsed.moduleSyntax, true);
});

Deno.test("parseModule() strips TypeScript before lexing", () => {
  const parsed = parseModule(
    "file:///app/main.ts",
    'import type { T } from "./t.ts";\nimport { u } from "./u.ts";\nexport const v: T = u;\n',
  );
  assert.deepEqual(parsed.imports.map((i) => i.specifier), ["./u.ts"]);
  assert.equal(parsed.lineStable, true);
});

Deno.test("parseModule() serves JSON text and checks it", () => {
  const parsed = parseModule("file:///app/d.json", '{"a": 1}');
  assert.equal(parsed.json, true);
  assert.equal(parsed.source, '{"a": 1}');
  assert.throws(() => parseModule("file:///app/bad.json", "{"), {
    name: "ModuleError",
    message: /^Cannot load "\/app\/bad\.json": invalid JSON: /,
  });
});

Deno.test("parseModule() refuses JSX, CommonJS and unknown file types", () => {
  assert.throws(() => parseModule("file:///app/v.tsx", ""), {
    name: "ModuleError",
    message: 'Cannot load "/app/v.tsx": JSX is not supported',
  });
  assert.throws(() => parseModule("file:///app/c.cjs", ""), {
    name: "ModuleError",
    message: 'Cannot load "/app/c.cjs": it is CommonJS; only ES modules can be served from memory',
  });
  assert.throws(() => parseModule("file:///app/notes", ""), {
    name: "ModuleError",
    message: 'Cannot load "/app/notes": unsupported file type "(none)"; ' +
      "expected .ts, .mts, .js, .mjs or .json",
  });
});

Deno.test("parseModule() reports where the lexer gave up", () => {
  assert.throws(
    () => parseModule("file:///app/x.js", "const a = 1;\nimport('a', b, c)}"),
    {
      name: "ModuleError",
      message: /^Cannot load "\/app\/x\.js": syntax error at \/app\/x\.js:2:\d+$/,
    },
  );
});

Deno.test("classifySpecifier() resolves paths and file URLs as written", () => {
  const from = "file:///app/src/main.ts";
  const cases: [string, string][] = [
    ["./a.ts", "file:///app/src/a.ts"],
    ["../b", "file:///app/b"],
    ["/etc/c.ts", "file:///etc/c.ts"],
    ["file:///x/d.ts", "file:///x/d.ts"],
  ];
  for (const [specifier, url] of cases) {
    assert.deepEqual(classifySpecifier(specifier, from), { type: "file", url });
  }
});

Deno.test("classifySpecifier() tells builtins, packages, imports and remote URLs apart", () => {
  const cases: [string, SpecifierTarget][] = [
    ["node:fs", { type: "builtin" }],
    ["fs/promises", { type: "builtin" }],
    ["lodash-es/map.js", { type: "package", name: "lodash-es", subpath: "./map.js" }],
    ["npm:@scope/pkg@^2.1.0/sub", { type: "package", name: "@scope/pkg", subpath: "./sub" }],
    ["npm:pkg", { type: "package", name: "pkg", subpath: "." }],
    ["#internal/x.js", { type: "imports", specifier: "#internal/x.js" }],
    ["https://deno.land/x/y.ts", { type: "remote" }],
    ["jsr:@std/path", { type: "remote" }],
  ];
  for (const [specifier, target] of cases) {
    assert.deepEqual(classifySpecifier(specifier, "file:///app/main.ts"), target, specifier);
  }
});

Deno.test("position() counts lines and columns from 1", () => {
  assert.equal(position("ab\ncd", 0), "1:1");
  assert.equal(position("ab\ncd", 4), "2:2");
});
