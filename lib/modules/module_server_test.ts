import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ModuleError, type ModuleRecord, ModuleServer } from "./module_server.ts";

const FIXTURES = new URL("../testdata/modules/", import.meta.url);
const fixture = (path: string) => new URL(path, FIXTURES).href;
const short = (url: string) => url.slice(FIXTURES.href.length);

/** A temporary folder holding `files`, removed again by `await using`. */
async function tree(files: Record<string, string>): Promise<AsyncDisposable & { dir: string }> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "module_server_" }));
  await write(dir, files);
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

async function write(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeTextFile(join(dir, path), text);
  }
}

/** The fixture tree copied into a temporary folder. */
async function fixtureCopy(): Promise<AsyncDisposable & { dir: string }> {
  const files: Record<string, string> = {};
  const root = fileURLToPath(FIXTURES);
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else files[path.slice(root.length)] = await Deno.readTextFile(path);
    }
  };
  await walk(root);
  return await tree(files);
}

/** Evaluates a served graph in a worker whose module hooks read only from `records`. */
async function evaluate(
  records: ModuleRecord[],
  call: string,
  ...args: unknown[]
): Promise<unknown> {
  await using scratch = await tree({
    "worker.js": `import { registerHooks } from "node:module";
self.onmessage = async ({ data: { records, root, call, args } }) => {
  const served = new Map(records.map((r) => [r.url, r]));
  const format = (url) => served.get(url).json ? "json" : "module";
  registerHooks({
    resolve(specifier, context, next) {
      const url = URL.canParse(specifier) ? specifier : new URL(specifier, context.parentURL).href;
      if (served.has(url)) return { url, format: format(url), shortCircuit: true };
      return next(specifier, context);
    },
    load(url, context, next) {
      if (!served.has(url)) return next(url, context);
      return { format: format(url), source: served.get(url).source, shortCircuit: true };
    },
  });
  try {
    self.postMessage({ value: await (await import(root))[call](...args) });
  } catch (error) {
    self.postMessage({ error: String(error.stack) });
  }
};`,
  });
  const worker = new Worker(pathToFileURL(join(scratch.dir, "worker.js")), { type: "module" });
  try {
    const reply = await new Promise<{ value?: unknown; error?: string }>((resolve) => {
      worker.onmessage = (event) => resolve(event.data);
      worker.postMessage({
        records: records.map((r) => ({ ...r })),
        root: records.at(-1)?.url,
        call,
        args,
      });
    });
    if (reply.error !== undefined) throw new Error(reply.error);
    return reply.value;
  } finally {
    worker.terminate();
  }
}

Deno.test("closure() lists a graph across folders with dependencies first", async () => {
  const graph = await new ModuleServer().closure(fixture("main.ts"));
  const urls = graph.map((r) => short(r.url));
  assert.deepEqual(
    new Set(urls),
    new Set([
      "main.ts",
      "util/strings.ts",
      "util/numbers.ts",
      "shapes/point.ts",
      "shapes/color.ts",
      "cycle/a.ts",
      "cycle/b.ts",
      "data/config.json",
    ]),
  );
  assert.equal(urls.length, 8);
  assert.equal(urls.at(-1), "main.ts");
  for (const [index, record] of graph.entries()) {
    for (const dep of record.deps) {
      // Only the edge that closes the cycle may point forward.
      if (short(record.url) === "cycle/b.ts") continue;
      assert.ok(
        urls.indexOf(short(dep)) < index,
        `${short(dep)} comes before ${short(record.url)}`,
      );
    }
  }
});

Deno.test("closure() serves a cycle once, in evaluation order", async () => {
  const graph = await new ModuleServer().closure(fixture("cycle/a.ts"));
  assert.deepEqual(graph.map((r) => short(r.url)), ["cycle/b.ts", "cycle/a.ts"]);
  assert.deepEqual(graph[0]?.deps, [fixture("cycle/a.ts")]);
});

Deno.test("load() drops type-only imports and keeps every line in place", async () => {
  const record = await new ModuleServer().load(fixture("shapes/point.ts"));
  const original = await Deno.readTextFile(new URL("shapes/point.ts", FIXTURES));
  assert.deepEqual(record.deps, []);
  assert.equal(record.lineStable, true);
  assert.doesNotMatch(record.source, /types\.ts|: number/);
  const lines = record.source.split("\n");
  assert.equal(lines.length, original.split("\n").length);
  assert.equal(lines.findIndex((l) => l.includes("throw new Error")), 28);
});

Deno.test("load() transforms enums and parameter properties", async () => {
  const record = await new ModuleServer().load(fixture("shapes/color.ts"));
  assert.doesNotMatch(record.source, /enum Color|public color/);
  assert.equal(record.lineStable, false);
  assert.match(record.source, /sourceMappingURL=data:application\/json;base64,/);
});

Deno.test("load() serves JSON as a json record", async () => {
  const record = await new ModuleServer().load(fixture("data/config.json"));
  assert.equal(record.json, true);
  assert.deepEqual(JSON.parse(record.source), { name: "fixture", size: 3 });
  assert.deepEqual(record.deps, []);
});

Deno.test("load() lists literal dynamic imports as lazy and templates as patterns", async () => {
  const record = await new ModuleServer().load(fixture("main.ts"));
  assert.deepEqual(record.lazy, [fixture("lazy/report.ts")]);
  assert.deepEqual(record.patterns, [fixture("plugins/") + "*.ts"]);
  assert.ok(!record.deps.includes(fixture("shapes/types.ts")));
  assert.match(record.hash, /^[0-9a-f]{64}$/);
});

Deno.test("closure() output runs from memory with the master's line numbers", async () => {
  await using copy = await fixtureCopy();
  const server = new ModuleServer();
  const main = await server.closure(join(copy.dir, "main.ts"));
  const point = await server.closure(join(copy.dir, "shapes/point.ts"));
  // Gone from disk: whatever runs now was served.
  await Deno.remove(copy.dir, { recursive: true });
  await Deno.mkdir(copy.dir);
  assert.equal(
    await evaluate(main, "describe", { name: "sq" }),
    "SQ 2.23606797749979 RED 1 FIXTURE (66)",
  );
  await assert.rejects(evaluate(point, "fail"), /point failed[\s\S]*point\.ts:29:9/);
});

Deno.test("load() names the path, line and column of a syntax error", async () => {
  await using t = await tree({ "bad.ts": "const a = 1;\n\nconst b: number = (;\n" });
  await assert.rejects(
    new ModuleServer().load(join(t.dir, "bad.ts")),
    (error: unknown) =>
      error instanceof ModuleError &&
      error.message.startsWith(`Cannot load "${t.dir}/bad.ts": syntax error at ${t.dir}/bad.ts:3:`),
  );
});

Deno.test("closure() names a missing file and the module importing it", async () => {
  await using t = await tree({ "main.ts": 'import "./gone.ts";\n' });
  await assert.rejects(
    new ModuleServer().closure(join(t.dir, "main.ts")),
    {
      name: "ModuleError",
      message: `Cannot load "${t.dir}/gone.ts": file not found (imported from "${t.dir}/main.ts")`,
    },
  );
});

Deno.test("closure() sees a file changed on disk between two calls", async () => {
  await using t = await tree({
    "main.ts": 'import { v } from "./v.ts";\nexport const x = v;\n',
    "v.ts": "export const v = 1;\n",
    "w.ts": "export const w = 2;\n",
  });
  const server = new ModuleServer();
  const first = await server.closure(join(t.dir, "main.ts"));
  assert.equal(first.length, 2);
  // Same size, same moment: only the content differs.
  await Deno.writeTextFile(join(t.dir, "v.ts"), "export const v = 7;\n");
  await Deno.writeTextFile(
    join(t.dir, "main.ts"),
    'import { w } from "./w.ts";\nexport const x = w;\n',
  );
  const second = await server.closure(join(t.dir, "main.ts"));
  assert.deepEqual(second.map((r) => r.url.slice(t.dir.length + 8)), ["w.ts", "main.ts"]);
  const v = await server.load(join(t.dir, "v.ts"));
  assert.match(v.source, /= 7/);
  assert.notEqual(v.hash, first[0]?.hash);
});

Deno.test("closure() served again sees a module changed or removed outside the racy window", async () => {
  await using t = await tree({
    "main.ts": 'import { v } from "./v.ts";\nexport const x = v;\n',
    "v.ts": "export const v = 1;\n",
    "w.ts": "export const w = 2;\n",
  });
  const file = (name: string) => join(t.dir, name);
  // Each state is dated well before the racy window, so mtime and size alone decide.
  let age = 600_000;
  const backdate = async (name: string) => {
    const old = new Date(Date.now() - (age -= 60_000));
    await Deno.utime(file(name), old, old);
  };
  for (const name of ["main.ts", "v.ts", "w.ts"]) await backdate(name);
  const server = new ModuleServer();
  const names = async () =>
    (await server.closure(file("main.ts"))).map((r) => r.url.slice(t.dir.length + 8));
  assert.deepEqual(await names(), ["v.ts", "main.ts"]);
  assert.deepEqual(await names(), ["v.ts", "main.ts"]);
  // A dependency rewritten: another size and mtime.
  await Deno.writeTextFile(file("v.ts"), "export const v = 1234;\n");
  await backdate("v.ts");
  const [v] = await server.closure(file("main.ts"));
  assert.match(v!.source, /= 1234/);
  // The root now imports another module.
  await Deno.writeTextFile(
    file("main.ts"),
    'import { w } from "./w.ts";\nexport const x = w + 1;\n',
  );
  await backdate("main.ts");
  assert.deepEqual(await names(), ["w.ts", "main.ts"]);
  // A dependency gone.
  await Deno.remove(file("w.ts"));
  await assert.rejects(server.closure(file("main.ts")), {
    name: "ModuleError",
    message: `Cannot load "${file("w.ts")}": file not found (imported from "${file("main.ts")}")`,
  });
});

Deno.test("load() reuses the cached record while a file is unchanged", async () => {
  const server = new ModuleServer();
  const a = await server.load(fixture("util/numbers.ts"));
  assert.equal(await server.load(fixture("util/numbers.ts")), a);
});

Deno.test("load() joins concurrent loads of one URL", () => {
  const server = new ModuleServer();
  const a = server.load(fixture("util/strings.ts"));
  const b = server.load(new URL(fixture("util/strings.ts")));
  assert.equal(a, b);
  return a.then(() => {});
});

const PACKAGES: Record<string, string> = {
  "node_modules/esm-pkg/package.json": JSON.stringify({
    name: "esm-pkg",
    type: "module",
    imports: { "#helper": "./src/helper.js" },
    exports: {
      ".": { types: "./index.d.ts", require: "./cjs/index.cjs", import: "./src/index.js" },
      "./extra": "./src/extra.js",
    },
  }),
  "node_modules/esm-pkg/src/index.js":
    'import { helper } from "#helper";\nimport dep from "dep-pkg";\nexport const greet = () => helper() + dep;\n',
  "node_modules/esm-pkg/src/helper.js": 'export const helper = () => "hello ";\n',
  "node_modules/esm-pkg/src/extra.js": 'export const extra = "!";\n',
  // A `module` entry in a package without "type": "module": ESM by its syntax.
  "node_modules/dep-pkg/package.json": JSON.stringify({
    name: "dep-pkg",
    main: "./cjs.js",
    module: "./esm.js",
  }),
  "node_modules/dep-pkg/esm.js": 'export default "world";\n',
  "node_modules/dep-pkg/cjs.js": 'module.exports = "world";\n',
  "node_modules/cjs-pkg/package.json": JSON.stringify({ name: "cjs-pkg", main: "index.js" }),
  "node_modules/cjs-pkg/index.js": "module.exports = { answer: 42 };\n",
  "node_modules/native-pkg/package.json": JSON.stringify({ name: "native-pkg", main: "index.js" }),
  "node_modules/native-pkg/binding.gyp": "{}\n",
  "node_modules/native-pkg/index.js": "export default 1;\n",
};

Deno.test("closure() forwards an ES module package and rewrites its specifiers", async () => {
  await using t = await tree({
    ...PACKAGES,
    "app/main.ts": 'import { greet } from "esm-pkg";\n' +
      'import { extra } from "npm:esm-pkg@^1.0.0/extra";\n' +
      "export const run = (): string => greet() + extra;\n" +
      "export const later = () => import('esm-pkg/extra');\n" +
      "export const maybe = () => import('optional-not-installed').catch(() => null);\n",
  });
  const graph = await new ModuleServer().closure(join(t.dir, "app/main.ts"));
  const pkg = pathToFileURL(join(t.dir, "node_modules")).href;
  assert.deepEqual(graph.map((r) => r.url), [
    `${pkg}/esm-pkg/src/helper.js`,
    `${pkg}/dep-pkg/esm.js`,
    `${pkg}/esm-pkg/src/index.js`,
    `${pkg}/esm-pkg/src/extra.js`,
    pathToFileURL(join(t.dir, "app/main.ts")).href,
  ]);
  const main = graph.at(-1)!;
  const lines = main.source.split("\n");
  assert.equal(lines[0], `import { greet } from "${pkg}/esm-pkg/src/index.js";`);
  assert.equal(lines[1], `import { extra } from "${pkg}/esm-pkg/src/extra.js";`);
  assert.match(graph[2]!.source, new RegExp(`from "${pkg}/dep-pkg/esm\\.js"`));
  assert.match(graph[2]!.source, new RegExp(`from "${pkg}/esm-pkg/src/helper\\.js"`));
  assert.equal(await evaluate(graph, "run"), "hello world!");
  assert.deepEqual(main.lazy, [`${pkg}/esm-pkg/src/extra.js`]);
  assert.equal(lines[3], `export const later = () => import('${pkg}/esm-pkg/src/extra.js');`);
  assert.match(lines[4]!, /import\('optional-not-installed'\)/);
});

Deno.test("closure() refuses a CommonJS package", async () => {
  await using t = await tree({
    ...PACKAGES,
    "main.ts": 'import cjs from "cjs-pkg";\nexport { cjs };\n',
  });
  await assert.rejects(
    new ModuleServer().closure(join(t.dir, "main.ts")),
    {
      name: "ModuleError",
      message:
        `Cannot forward "cjs-pkg": it is CommonJS (${t.dir}/node_modules/cjs-pkg/index.js); ` +
        "only ES module packages can be served from memory " +
        `(imported from "${t.dir}/main.ts")`,
    },
  );
});

Deno.test("closure() refuses a package with native addons", async () => {
  await using t = await tree({ ...PACKAGES, "main.ts": 'import "native-pkg";\n' });
  await assert.rejects(
    new ModuleServer().closure(join(t.dir, "main.ts")),
    {
      name: "ModuleError",
      message: new RegExp(
        `^Cannot forward "native-pkg": it has native addons \\(${t.dir}/node_modules/native-pkg/binding\\.gyp\\); `,
      ),
    },
  );
});

Deno.test("closure() names a package that is not installed", async () => {
  await using t = await tree({ "main.ts": 'import "left-pad";\n' });
  await assert.rejects(
    new ModuleServer().closure(join(t.dir, "main.ts")),
    {
      name: "ModuleError",
      message:
        `Cannot resolve "left-pad" from "${t.dir}/main.ts": package "left-pad" is not in any ` +
        "node_modules folder above it",
    },
  );
});

Deno.test("closure() refuses remote URL imports and keeps node: builtins out", async () => {
  await using t = await tree({
    "remote.ts": 'import "https://example.com/mod.ts";\n',
    "builtin.ts": 'import { join } from "node:path";\nimport fs from "fs";\nexport { fs, join };\n',
  });
  const server = new ModuleServer();
  await assert.rejects(
    server.closure(join(t.dir, "remote.ts")),
    { name: "ModuleError", message: /^Cannot resolve "https:\/\/example\.com\/mod\.ts" from "/ },
  );
  await assert.rejects(server.load("https://example.com/mod.ts"), {
    name: "ModuleError",
    message: /https:\/\/example\.com\/mod\.ts/,
  });
  const builtin = await server.closure(join(t.dir, "builtin.ts"));
  assert.equal(builtin.length, 1);
  assert.deepEqual(builtin[0]?.deps, []);
});

Deno.test("load() refuses a module larger than the limit", async () => {
  await using t = await tree({ "big.ts": `export const s = "${"x".repeat(2000)}";\n` });
  await assert.rejects(
    new ModuleServer({ maxModuleSize: 1024 }).load(join(t.dir, "big.ts")),
    {
      name: "ModuleError",
      message: `Cannot load "${t.dir}/big.ts": it is 2021 bytes, more than the limit of 1024 bytes`,
    },
  );
  assert.throws(() => new ModuleServer({ maxModuleSize: 0 }), {
    name: "RangeError",
    message: 'Module size limit must be a positive integer, got "0"',
  });
});

Deno.test("isAllowed() refuses files outside the graph", async () => {
  const server = new ModuleServer();
  const roots = [fixture("main.ts")];
  const home = Deno.env.get("HOME") ?? "/root";
  for (
    const url of [
      "file:///etc/passwd",
      pathToFileURL(join(home, ".ssh/id_ed25519")).href,
      fixture("sibling.ts"),
      fixture("shapes/types.ts"),
      fixture("plugins/nested/gamma.ts"),
      fixture("plugins/../sibling.ts"),
      fixture("plugins/..%2Fsibling.ts"),
      fixture("plugins/alpha.js"),
      "https://example.com/main.ts",
      "not a url",
    ]
  ) {
    assert.equal(await server.isAllowed(url, roots), false, url);
  }
  assert.equal(await server.isAllowed(fixture("lazy/report.ts"), []), false);
});

Deno.test("isAllowed() accepts closure members, lazy imports and pattern matches", async () => {
  const server = new ModuleServer();
  const roots = [fixture("main.ts")];
  for (
    const path of [
      "main.ts",
      "cycle/b.ts",
      "data/config.json",
      "lazy/report.ts",
      "lazy/settle.ts",
      "plugins/alpha.ts",
      "plugins/not-written-yet.ts",
    ]
  ) {
    assert.equal(await server.isAllowed(fixture(path), roots), true, path);
  }
});

Deno.test("closure() loads a 150-module graph of about 1.7 MB and serves it again from cache, unread", async () => {
  const files: Record<string, string> = {};
  const count = 150;
  for (let i = 0; i < count; i++) {
    const deps = [i + 1, i + 2, 2 * i + 3].filter((d) => d < count);
    const lines = deps.map((d) => `import { f${d} } from "./m${d}.ts";`);
    // Every module also imports the root, closing a cycle.
    if (i > 0) lines.push('import { f0 } from "./m0.ts";');
    if (i % 10 === 0) lines.push(`export enum Kind${i} { A, B }`);
    for (let k = 0; k < 43; k++) {
      lines.push(
        `/** Helper ${k}. */`,
        `export function h${k}(items: Array<{ id: number; name: string }>, n: number = ${k}): Map<number, string> {`,
        "  const out = new Map<number, string>();",
        "  for (const item of items) out.set(item.id * n, item.name.repeat(n % 3) as string);",
        "  return out;",
        "}",
      );
    }
    const calls = deps.map((d) => `f${d}(0)`).join(" + ") || "0";
    lines.push(`export function f${i}(n: number): number {`);
    lines.push(`  return n + ${calls}${i > 0 ? " + 0 * Number(typeof f0)" : ""};`, "}", "");
    files[`m${i}.ts`] = lines.join("\n");
  }
  await using t = await tree(files);
  // Files older than the racy window are trusted by mtime and size alone.
  const old = new Date(Date.now() - 60_000);
  for (const name of Object.keys(files)) await Deno.utime(join(t.dir, name), old, old);
  const server = new ModuleServer();
  const cold = await server.closure(join(t.dir, "m0.ts"));
  assert.equal(cold.length, count);
  assert.equal(cold.at(-1)?.url, pathToFileURL(join(t.dir, "m0.ts")).href);
  // Same size, same mtime, other bytes: only a read of the file could notice.
  const last = join(t.dir, `m${count - 1}.ts`);
  const text = await Deno.readTextFile(last);
  await Deno.writeTextFile(last, text.replace(`f${count - 1}(`, `g${count - 1}(`));
  await Deno.utime(last, old, old);
  const warm = await server.closure(join(t.dir, "m0.ts"));
  assert.equal(warm.length, count);
  for (const [i, record] of warm.entries()) assert.equal(record, cold[i], record.url);
  assert.match(
    warm.find((r) => r.url.endsWith(`/m${count - 1}.ts`))!.source,
    new RegExp(`function f${count - 1}\\(`),
  );
});
