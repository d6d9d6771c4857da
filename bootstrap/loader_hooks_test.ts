import assert from "node:assert/strict";
import type { LoadHookContext, ResolveFnOutput, ResolveHookContext } from "node:module";
import { MessageChannel } from "node:worker_threads";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import { memoryHooks } from "./loader_hooks.ts";

const PARENT = "file:///master/proj/main.ts";
const resolveContext: ResolveHookContext = {
  conditions: [],
  importAttributes: {},
  parentURL: PARENT,
};
const loadContext: LoadHookContext = { conditions: [], format: undefined, importAttributes: {} };

/** The hooks over `held`, a `next` that records what reached the runtime, and their ports. */
function setup(held = new Map<string, ModuleEntry>()) {
  const asks = new MessageChannel();
  const adds = new MessageChannel();
  const hooks = memoryHooks(asks.port2, held, adds.port2);
  const passed: string[] = [];
  const nextResolve = (specifier: string): ResolveFnOutput => {
    passed.push(specifier);
    return { url: `native:${specifier}` };
  };
  const nextLoad = (url: string) => {
    passed.push(url);
    return { format: "builtin", source: undefined };
  };
  const close = () => [asks.port1, asks.port2, adds.port1, adds.port2].forEach((p) => p.close());
  return { hooks, held, passed, nextResolve, nextLoad, adds: adds.port1, close };
}

Deno.test("memoryHooks() resolves paths and file URLs against the parent's master URL", () => {
  const { hooks, passed, nextResolve, close } = setup();
  const resolve = (s: string, parentURL = PARENT) =>
    hooks.resolve(s, { ...resolveContext, parentURL }, nextResolve).url;
  assert.equal(resolve("./lib/walk.js"), "file:///master/proj/lib/walk.js");
  assert.equal(resolve("../shared/util.ts"), "file:///master/shared/util.ts");
  assert.equal(resolve("/etc/x.ts"), "file:///etc/x.ts");
  assert.equal(resolve("file:///elsewhere/y.ts"), "file:///elsewhere/y.ts");
  assert.equal(resolve("./x.ts?v=2#h"), "file:///master/proj/x.ts?v=2#h");
  assert.deepEqual(passed, []);
  close();
});

Deno.test("memoryHooks() leaves builtins, bare names and other URLs to the runtime", () => {
  const { hooks, passed, nextResolve, close } = setup();
  for (const s of ["node:fs", "fs", "pkg/sub", "data:text/javascript,1", "https://x.test/m.js"]) {
    assert.equal(hooks.resolve(s, resolveContext, nextResolve).url, `native:${s}`);
  }
  // A relative path with nothing to resolve it against: the runtime words the error.
  hooks.resolve("./x.ts", { ...resolveContext, parentURL: "data:text/javascript,1" }, nextResolve);
  assert.deepEqual(passed, [
    "node:fs",
    "fs",
    "pkg/sub",
    "data:text/javascript,1",
    "https://x.test/m.js",
    "./x.ts",
  ]);
  close();
});

Deno.test("memoryHooks() loads held modules as JavaScript or JSON whatever their extension", () => {
  const held = new Map<string, ModuleEntry>([
    [PARENT, { url: PARENT, source: "export const a = 1;" }],
    ["file:///master/c.json", { url: "file:///master/c.json", source: "{}", json: true }],
  ]);
  const { hooks, nextLoad, close } = setup(held);
  assert.deepEqual(hooks.load(PARENT, loadContext, nextLoad), {
    format: "module",
    source: "export const a = 1;",
    shortCircuit: true,
  });
  assert.equal(hooks.load("file:///master/c.json", loadContext, nextLoad).format, "json");
  close();
});

Deno.test("memoryHooks() sees modules posted on `adds` before the load", () => {
  const { hooks, held, nextLoad, adds, close } = setup();
  adds.postMessage([{ url: PARENT, source: "export const v = 1;" }]);
  adds.postMessage([{ url: PARENT, source: "export const v = 2;" }]);
  assert.equal(hooks.load(PARENT, loadContext, nextLoad).source, "export const v = 2;");
  assert.equal(held.size, 1);
  close();
});

Deno.test("memoryHooks() decodes data: modules and passes builtins through", () => {
  const { hooks, passed, nextLoad, close } = setup();
  const load = (url: string) => hooks.load(url, loadContext, nextLoad);
  assert.deepEqual(load("data:text/javascript,export%20default%201"), {
    format: "module",
    source: "export default 1",
    shortCircuit: true,
  });
  assert.equal(
    load(`data:text/javascript;base64,${btoa("export default 2")}`).source,
    "export default 2",
  );
  assert.equal(load("data:application/json,%7B%7D").format, "json");
  assert.equal(load("node:fs").format, "builtin");
  assert.deepEqual(passed, ["node:fs"]);
  close();
});
