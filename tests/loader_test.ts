/**
 * The module loader on every runtime a remote stage runs on: a bundled harness starts a worker
 * that installs the loader and imports a graph that lives only in memory, under master URLs that
 * do not exist on this machine.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import type { Outcome, Report, Scenario } from "./_fixtures/loader_harness.ts";
import { denoPath, repoRoot, type Runtime, testRuntimes } from "./_fixtures/runtimes.ts";

const P = "file:///master/proj/";

const pushed: ModuleEntry[] = [
  {
    url: `${P}main.ts`,
    source: [
      'import { walk } from "./lib/walk.js";',
      'import config from "./data/config.json" with { type: "json" };',
      'import { ping } from "./cycle/a.ts";',
      'import { platform } from "node:os";',
      'import { seven } from "data:text/javascript,export const seven = 7";',
      "export function run() {",
      "  return {",
      "    url: import.meta.url,",
      '    data: new URL("./data.txt", import.meta.url).href,',
      '    resolved: import.meta.resolve("./lib/walk.js"),',
      "    walk: walk(),",
      "    config: config.name,",
      "    ping: ping(3),",
      "    builtin: typeof platform(),",
      "    seven,",
      "  };",
      "}",
    ].join("\n"),
  },
  {
    url: `${P}lib/walk.js`,
    source: 'import { helper } from "../util/helper.ts";\n' +
      "export function walk() { return helper() + 1; }",
  },
  {
    // Read as TypeScript, `y < 2 > (3)` would be the call `y<2>(3)`: proof that no one
    // transpiles a `.ts` URL again.
    url: `${P}util/helper.ts`,
    source: "let y = 1;\nexport function helper() { return y < 2 > (3) === false ? 41 : -1; }",
  },
  { url: `${P}data/config.json`, source: '{ "name": "from memory" }', json: true },
  {
    url: `${P}cycle/a.ts`,
    source: 'import { pong } from "./b.ts";\n' +
      'export function ping(n) { return n <= 0 ? "a" : pong(n - 1); }',
  },
  {
    url: `${P}cycle/b.ts`,
    source: 'import { ping } from "./a.ts";\n' +
      'export function pong(n) { return n <= 0 ? "b" : ping(n - 1); }',
  },
  { url: `${P}counter.ts`, source: "let count = 0;\nexport function run() { return ++count; }" },
  { url: `${P}throws.ts`, source: 'export const a = 1;\nthrow new Error("thrown at evaluation");' },
  { url: `${P}stack.ts`, source: 'export function run() {\n  return new Error("here").stack;\n}' },
  { url: `${P}syntax.ts`, source: "let x = 1;\nlet x = 2;\nexport { x };" },
  {
    // As the master sends a module whose lines moved when its types were stripped: generated
    // line n is line n + 5 of the master's file.
    url: `${P}mapped.ts`,
    source: 'export function run() {\n  return new Error("mapped").stack;\n}\n' +
      "//# sourceMappingURL=data:application/json;base64," +
      btoa(JSON.stringify({
        version: 3,
        sources: [`${P}mapped.ts`],
        names: [],
        mappings: "AAKA;AACA;AACA",
      })) + "\n",
  },
  {
    url: `${P}lazy.ts`,
    source: 'export async function run() {\n  const name = ["la", "zy"].join("");\n' +
      "  return (await import(`./more/${name}.ts`)).value;\n}",
  },
];

const served: ModuleEntry[] = [
  { url: `${P}more/lazy.ts`, source: 'export const value = "fetched on demand";' },
  { url: `${P}more/shared.ts`, source: "export default Math.random();" },
];

/** Runs the scenario's steps; returns the report and the path of a file that exists on disk. */
async function runHarness(runtime: Runtime, harness: string, dir: string): Promise<Report> {
  const onDisk = `file://${dir}/on_disk.mjs`;
  const scenario: Scenario = {
    pushed,
    served,
    refused: { [`${P}secret.ts`]: 'Module "file:///master/proj/secret.ts" was not called' },
    steps: [
      { url: `${P}main.ts` },
      { url: `${P}counter.ts` },
      { url: `${P}counter.ts`, times: 2 },
      { url: `${P}data/config.json`, json: true },
      { url: `${P}throws.ts` },
      { url: `${P}stack.ts` },
      { url: `${P}syntax.ts` },
      { url: `${P}lazy.ts` },
      { url: `${P}more/shared.ts`, times: 3 },
      { url: `${P}missing.ts` },
      { url: `${P}secret.ts` },
      { url: onDisk },
      { url: `${P}mapped.ts` },
    ],
  };
  await Deno.writeTextFile(`${dir}/on_disk.mjs`, 'export default "read from disk";\n');
  const file = `${dir}/scenario-${runtime.name}.json`;
  await Deno.writeTextFile(file, JSON.stringify(scenario));
  const args = runtime.kind === "deno"
    ? ["run", "-A", "--no-config", harness, file]
    : [harness, file];
  const output = await new Deno.Command(runtime.path, {
    args,
    cwd: dir,
    env: { DENO_DIR: "/dev/null" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(20_000),
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `${runtime.name} harness failed (${output.code}): ${stderr}${stdout}`);
  return JSON.parse(stdout) as Report;
}

function failed(outcome: Outcome | undefined): Outcome & { message: string; stack: string } {
  assert.ok(outcome && !outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome as Outcome & { message: string; stack: string };
}

function value(outcome: Outcome | undefined): { value: unknown; same: boolean } {
  assert.ok(outcome?.ok, `expected success, got ${JSON.stringify(outcome)}`);
  return outcome.value as { value: unknown; same: boolean };
}

const runtimes = await testRuntimes();
const dir = await Deno.makeTempDir({ prefix: "mitoctl-loader-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const harness = `${dir}/harness.mjs`;
const bundled = await new Deno.Command(denoPath(), {
  args: [
    "bundle",
    "--quiet",
    "--minify",
    "--format",
    "esm",
    "-o",
    harness,
    "tests/_fixtures/loader_harness.ts",
  ],
  cwd: repoRoot(),
  stderr: "piped",
}).output();
assert.ok(bundled.success, new TextDecoder().decode(bundled.stderr));

for (const runtime of runtimes) {
  Deno.test(`loader serves an in-memory module graph on ${runtime.name} ${runtime.version}`, async (t) => {
    const report = await runHarness(runtime, harness, dir);
    const [
      main,
      counter1,
      counter2,
      json,
      throws,
      stack,
      syntax,
      lazy,
      shared,
      missing,
      secret,
      disk,
      mapped,
    ] = report.outcomes;

    await t.step("relative imports, a cycle, JSON, a .ts URL, builtins and import.meta", () => {
      assert.deepEqual(value(main).value, {
        url: `${P}main.ts`,
        data: `${P}data.txt`,
        resolved: `${P}lib/walk.js`,
        walk: 42,
        config: "from memory",
        ping: "b",
        builtin: "string",
        seven: 7,
      });
      assert.deepEqual(value(json).value, { name: "from memory" });
    });

    await t.step("one URL is one module instance", () => {
      assert.equal(value(counter1).value, 1);
      assert.deepEqual(value(counter2), { value: 2, same: true });
    });

    await t.step("errors name the master URL", () => {
      assert.match(failed(throws).message, /thrown at evaluation/);
      assert.match(failed(throws).stack, /file:\/\/\/master\/proj\/throws\.ts:2/);
      assert.match(String(value(stack).value), /file:\/\/\/master\/proj\/stack\.ts:2/);
      const error = failed(syntax);
      assert.equal(error.name, "SyntaxError");
      assert.match(`${error.message}\n${error.stack}`, /file:\/\/\/master\/proj\/syntax\.ts:2/);
    });

    await t.step("stack traces follow a module's inline source map", () => {
      // Node prints the mapped place as a path, Deno as a URL.
      assert.match(String(value(mapped).value), /(file:\/\/)?\/master\/proj\/mapped\.ts:7:/);
    });

    await t.step("a computed import() is fetched from the master once", () => {
      assert.equal(value(lazy).value, "fetched on demand");
      assert.equal(value(shared).same, true);
      assert.equal(report.fetched.filter((u) => u === `${P}more/shared.ts`).length, 1);
    });

    await t.step("missing and refused modules fail with the URL, and disk is never read", () => {
      assert.match(
        failed(missing).message,
        /Cannot find module "file:\/\/\/master\/proj\/missing\.ts" on the master/,
      );
      assert.match(failed(secret).message, /secret\.ts" was not called/);
      assert.match(
        failed(disk).message,
        /Cannot find module "file:\/\/\/.*on_disk\.mjs" on the master/,
      );
      assert.ok(report.held.every(Boolean), "has() is true for every module added");
      assert.deepEqual(report.fetched.map((u) => u.replace(/^file:\/\/\/tmp\/.*\//, "")), [
        `${P}more/lazy.ts`,
        `${P}more/shared.ts`,
        `${P}missing.ts`,
        `${P}secret.ts`,
        "on_disk.mjs",
      ]);
    });
    console.log(
      `${runtime.name}: worker start to loader installed ${report.readyMs.toFixed(1)} ms, ` +
        `to first imported call ${report.firstCallMs.toFixed(1)} ms, ` +
        `all steps ${report.allMs.toFixed(1)} ms`,
    );
  });
}
