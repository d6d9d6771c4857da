import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type Context, type ContextStats, RemoteError, Router } from "../mod.ts";
import { ModuleError } from "../lib/modules/module_server.ts";
import { copyModGraph, type ModGraphCopy } from "./_fixtures/modgraph/_copy.ts";
import { type Runtime, testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

/** Modules of `tasks.ts`'s static graph, `shapes/types.ts` (types only) left out. */
const TASKS_CLOSURE = [
  "tasks.ts",
  "data/config.json",
  "cycle/ping.ts",
  "cycle/pong.ts",
  "shapes/swatch.ts",
  "state/counter.ts",
];

/** Bytes of a call frame that carries no module: id, names and a few arguments. */
const BARE_CALL_BYTES = 300;

/** How a scenario gets a fresh context. */
type Open = () => Promise<Context>;

/** What changed in `ctx.stats` while `work` ran. */
async function traffic<T>(
  ctx: Context,
  work: () => Promise<T>,
): Promise<{ value: T; delta: ContextStats }> {
  const before = { ...ctx.stats };
  const value = await work();
  const delta = { ...ctx.stats };
  for (const key of Object.keys(delta) as (keyof ContextStats)[]) delta[key] -= before[key];
  return { value, delta };
}

/** Runs `work`, expecting it to fail, and returns the error. */
async function failure(work: () => Promise<unknown>): Promise<Error> {
  const error = await work().then(() => undefined, (e: unknown) => e);
  ok(error instanceof Error, `expected a failure, got ${error}`);
  return error;
}

/** Asserts `error` is a remote SyntaxError whose message places it at `line` of `url`. */
function assertSyntaxErrorAt(error: Error, url: URL, line: number): void {
  ok(error instanceof RemoteError, `${error}`);
  strictEqual(error.remoteName, "SyntaxError");
  ok(error.message.includes(` at ${url.href}:${line}:`), error.message);
}

/**
 * The module forwarding scenario on one runtime: steps share one context in order (the stats
 * deltas depend on what earlier steps sent), except where a step says it opens its own.
 */
async function scenario(
  t: Deno.TestContext,
  rt: Runtime,
  graph: ModGraphCopy,
  open: Open,
  remoteCannotRead: boolean,
): Promise<void> {
  const tasks = graph.url("tasks.ts");
  await using ctx = await open();
  await t.step(`${rt.name}: a graph runs from the master's memory, sent once`, async () => {
    if (remoteCannotRead) {
      const denied = await failure(() =>
        ctx.call("node:fs", "readFileSync", graph.path("tasks.ts"))
      );
      ok(denied instanceof RemoteError, `${denied}`);
      strictEqual((denied.remote as Error & { code?: string }).code, "EACCES");
    }
    const first = await traffic(ctx, () => ctx.call(tasks, "describe"));
    deepStrictEqual(first.value, {
      url: tasks.href,
      swatchUrl: graph.url("shapes/swatch.ts").href,
      config: "modgraph config",
      cycle: "pong",
      shade: "Teal",
      painted: "swatch:Teal#2",
      weight: 3,
    });
    strictEqual(first.delta.modulesSent, TASKS_CLOSURE.length);
    strictEqual(first.delta.moduleRequests, 0);
    strictEqual(first.delta.framesSent, 1);
    ok(first.delta.bytesSent > first.delta.moduleBytesSent, JSON.stringify(first.delta));
    ok(first.delta.moduleBytesSent > 2 * BARE_CALL_BYTES, JSON.stringify(first.delta));

    const second = await traffic(ctx, () => ctx.call(tasks, "describe"));
    deepStrictEqual(second.value, first.value);
    strictEqual(second.delta.modulesSent, 0);
    strictEqual(second.delta.moduleBytesSent, 0);
    strictEqual(second.delta.moduleRequests, 0);
    ok(second.delta.bytesSent < BARE_CALL_BYTES, JSON.stringify(second.delta));
  });

  await t.step(`${rt.name}: two call targets share one instance of a module`, async () => {
    deepStrictEqual(await ctx.call(tasks, "bump"), { count: 1, by: ["tasks"] });
    // `other.ts` is the only module of its graph the context lacks.
    const other = await traffic(ctx, () => ctx.call(graph.url("other.ts"), "bump"));
    deepStrictEqual(other.value, { count: 2, by: ["tasks", "other"] });
    strictEqual(other.delta.modulesSent, 1);
    deepStrictEqual(await ctx.call(tasks, "bump"), { count: 3, by: ["tasks", "other", "tasks"] });
  });

  await t.step(
    `${rt.name}: dynamic imports are fetched when run, one round trip each`,
    async () => {
      const literal = await traffic(ctx, () => ctx.call(tasks, "literal"));
      strictEqual(literal.value, `literal at ${graph.url("plugins/literal.ts").href}`);
      strictEqual(literal.delta.moduleRequests, 1);
      strictEqual(literal.delta.modulesSent, 1);

      const alpha = await traffic(ctx, () => ctx.call(tasks, "plugin", "alpha"));
      strictEqual(alpha.value, `alpha at ${graph.url("plugins/alpha.ts").href}`);
      // The call and the module reply out, the request and the result back.
      deepStrictEqual(
        [alpha.delta.moduleRequests, alpha.delta.framesSent, alpha.delta.framesReceived],
        [1, 2, 2],
      );
      const again = await traffic(ctx, () => ctx.call(tasks, "plugin", "alpha"));
      strictEqual(again.value, alpha.value);
      strictEqual(again.delta.moduleRequests, 0);
      const beta = await traffic(ctx, () => ctx.call(tasks, "plugin", "beta"));
      strictEqual(beta.value, `beta at ${graph.url("plugins/beta.ts").href}`);
      strictEqual(beta.delta.moduleRequests, 1);
    },
  );

  await t.step(`${rt.name}: typed handles, eval() and an npm ES module package`, async () => {
    const handle = ctx.module<typeof import("./_fixtures/modgraph/tasks.ts")>(tasks);
    const sum: number = await handle.add(2, 3);
    strictEqual(sum, 5);
    strictEqual((await handle.describe()).url, tasks.href);

    const evaluated = await traffic(ctx, () => ctx.eval((a: number, b: number) => a * b, 6, 7));
    strictEqual(evaluated.value, 42);
    strictEqual(evaluated.delta.modulesSent, 0);
    strictEqual(
      await ctx.eval(async (a: string) => (await import("node:path")).posix.join(a, "b"), "a"),
      "a/b",
    );

    const npm = await traffic(ctx, () => ctx.call(graph.url("npm_user.ts"), "run", "ab"));
    deepStrictEqual(npm.value, {
      shouted: "ABAB",
      twice: "abab",
      where: graph.url("node_modules/tiny-esm/main.js").href,
    });
    // npm_user.ts, the package's main.js and lib/extra.js.
    strictEqual(npm.delta.modulesSent, 3);
  });

  await t.step(`${rt.name}: broken modules fail with errors naming the file`, async () => {
    const before = { ...ctx.stats };
    const cjs = await failure(() => ctx.call(graph.url("cjs_user.ts"), "run"));
    ok(cjs instanceof ModuleError, `${cjs}`);
    strictEqual(
      cjs.message,
      `Cannot forward "tiny-cjs": it is CommonJS (${graph.path("node_modules/tiny-cjs/index.js")}` +
        `); only ES module packages can be served from memory (imported from ` +
        `"${graph.path("cjs_user.ts")}")`,
    );
    const missing = await failure(() => ctx.call(graph.url("broken/missing_import.ts"), "run"));
    ok(missing instanceof ModuleError, `${missing}`);
    strictEqual(
      missing.message,
      `Cannot load "${graph.path("broken/nowhere.ts")}": file not found ` +
        `(imported from "${graph.path("broken/missing_import.ts")}")`,
    );
    const absent = await failure(() => ctx.call(graph.url("absent.ts"), "run"));
    strictEqual(absent.message, `Cannot load "${graph.path("absent.ts")}": file not found`);
    const typescript = await failure(() => ctx.call(graph.url("broken/syntax_error.ts"), "fine"));
    ok(typescript instanceof ModuleError, `${typescript}`);
    ok(
      typescript.message.startsWith(
        `Cannot load "${graph.path("broken/syntax_error.ts")}": syntax error at ` +
          `${graph.path("broken/syntax_error.ts")}:4:`,
      ),
      typescript.message,
    );
    // The master saw each of these failures coming: nothing went to the remote.
    strictEqual(ctx.stats.framesSent, before.framesSent);

    const javascript = await failure(() => ctx.call(graph.url("broken/syntax_error.js"), "fine"));
    assertSyntaxErrorAt(javascript, graph.url("broken/syntax_error.js"), 4);
    strictEqual(await ctx.call(tasks, "add", 1, 2), 3);
  });

  await t.step({
    name: `${rt.name}: a syntax error in a lazily imported module names its file and line`,
    // Node 20's hooks run on their own thread, which holds the lazily fetched source: the call
    // worker cannot tell where the error is. Known gap, listed in the README.
    ignore: rt.name === "node20",
    fn: async () => {
      const lazy = await failure(() => ctx.call(graph.url("broken/lazy_syntax.ts"), "run"));
      assertSyntaxErrorAt(lazy, graph.url("broken/late_syntax.js"), 2);
    },
  });

  await t.step(
    `${rt.name}: a changed file reaches new contexts; a context keeps what it imported`,
    async () => {
      const rel = `changing_${rt.name}.ts`;
      const version = (n: number) =>
        `export function version(): number {\n  return ${n};\n}\n` +
        `export function spin(): void {\n  for (;;);\n}\n`;
      await graph.write(rel, version(1));
      strictEqual(await ctx.call(graph.url(rel), "version"), 1);
      await graph.write(rel, version(2));
      // An imported module keeps its first instance for the life of the context, and so does
      // the call worker started after a timeout or a cancel stopped the one that imported it.
      strictEqual(await ctx.call(graph.url(rel), "version"), 1);
      await rejects(ctx.callWith({ timeout: 500 }, graph.url(rel), "spin"), {
        name: "TimeoutError",
      });
      strictEqual(await ctx.call(graph.url(rel), "version"), 1);
      const signal = AbortSignal.timeout(500);
      await rejects(ctx.callWith({ signal }, graph.url(rel), "spin"), { name: "TimeoutError" });
      strictEqual(await ctx.call(graph.url(rel), "version"), 1);
      await using fresh = await open();
      strictEqual(await fresh.call(graph.url(rel), "version"), 2);
    },
  );
}

Deno.test("ssh contexts run the master's modules on every runtime", async (t) => {
  await using sshd = await startSshd();
  await using graph = await copyModGraph();
  strictEqual((await Deno.stat(graph.dir)).mode! & 0o077, 0, "the copy must be private");
  await using router = new Router();
  for (const rt of runtimes) {
    const open = () => router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path });
    await scenario(t, rt, graph, open, true);
  }
});

Deno.test("local contexts run the master's modules on every runtime", async (t) => {
  await using graph = await copyModGraph();
  await using router = new Router();
  for (const rt of runtimes) {
    await scenario(t, rt, graph, () => router.local({ runtime: rt.path }), false);
  }
});
