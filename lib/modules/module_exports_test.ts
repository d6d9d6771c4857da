import assert from "node:assert/strict";
import { PACKAGE_CONDITIONS, resolveSubpath } from "./module_exports.ts";

Deno.test("resolveSubpath() reads a string or condition object as the package root", () => {
  assert.equal(resolveSubpath("./index.js", "."), "./index.js");
  assert.equal(resolveSubpath({ import: "./esm.js", require: "./cjs.js" }, "."), "./esm.js");
  assert.equal(resolveSubpath("./index.js", "./other"), undefined);
});

Deno.test("resolveSubpath() takes the first matching condition in the object's order", () => {
  const exports = {
    ".": {
      types: "./x.d.ts",
      require: "./x.cjs",
      node: { import: "./node.mjs" },
      default: "./x.js",
    },
  };
  assert.equal(resolveSubpath(exports, "."), "./node.mjs");
  assert.equal(resolveSubpath(exports, ".", ["browser"]), "./x.js");
  assert.deepEqual(PACKAGE_CONDITIONS, ["deno", "node", "import", "default"]);
});

Deno.test("resolveSubpath() matches the longest pattern and substitutes it", () => {
  const exports = {
    "./*": "./lib/*.js",
    "./features/*.js": "./src/features/*.js",
    "./features/private/*": null,
  };
  assert.equal(resolveSubpath(exports, "./a"), "./lib/a.js");
  assert.equal(resolveSubpath(exports, "./features/x.js"), "./src/features/x.js");
  assert.equal(resolveSubpath(exports, "./features/private/y"), undefined);
  assert.equal(resolveSubpath(exports, "./../../etc/passwd"), undefined);
});

Deno.test("resolveSubpath() tries array entries in turn", () => {
  assert.equal(resolveSubpath({ ".": [{ worker: "./w.js" }, "./main.js"] }, "."), "./main.js");
});

Deno.test("resolveSubpath() reads an imports field, including package targets", () => {
  const imports = { "#dep": "other-pkg", "#internal/*": { import: "./src/internal/*.js" } };
  assert.equal(resolveSubpath(imports, "#dep"), "other-pkg");
  assert.equal(resolveSubpath(imports, "#internal/a"), "./src/internal/a.js");
  assert.equal(resolveSubpath(imports, "#missing"), undefined);
});
