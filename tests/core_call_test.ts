import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { userInfo } from "node:os";
import { RemoteError, Router } from "../mod.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);
const IN_FLIGHT = 200;

/** Values of every kind the codec carries, nested where it can be. */
function sampleValues(): unknown[] {
  return [
    new Uint8Array([0, 1, 254, 255]),
    new Date(Date.UTC(2024, 1, 29, 12, 30, 45, 678)),
    new Map<unknown, unknown>([["a", 1], [2, new Set([3n])]]),
    new Set(["x", 1, null]),
    2n ** 70n,
    -(2n ** 64n),
    undefined,
    null,
    {
      nested: [1, { hole: undefined, negativeZero: -0, half: 0.5, nan: NaN }],
      "key with space": 1,
    },
    "ascii, ü, €, 😀",
    "",
    Number.MAX_SAFE_INTEGER,
    -1.5e300,
    true,
    [],
    {},
  ];
}

Deno.test("ssh contexts run builtins on every runtime", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  for (const rt of runtimes) {
    await t.step(`${rt.name}: info names the runtime, its version and the login user`, async () => {
      await using ctx = await router.connect("mito", {
        sshConfig: sshd.sshConfig,
        runtime: rt.path,
      });
      const info = ctx.info!;
      strictEqual(info.runtime, rt.kind);
      strictEqual(info.version, rt.version);
      strictEqual(info.user, sshd.users.full);
      strictEqual(info.host, Deno.hostname());
      ok(Number.isInteger(info.pid) && info.pid !== Deno.pid, `pid ${info.pid}`);
      strictEqual(await ctx.call("node:os", "hostname"), Deno.hostname());
      const who = await ctx.call<{ username: string; uid: number }>("node:os", "userInfo");
      strictEqual(who.username, sshd.users.full);
      ok(who.uid > 0, `uid ${who.uid}`);
      strictEqual(await ctx.call("node:path", "join", "a", "b", "../c"), "a/c");
      const missing = await ctx.call("node:fs", "readFileSync", "/nonexistent/file").then(
        () => undefined,
        (e: unknown) => e,
      );
      ok(missing instanceof RemoteError, `${missing}`);
      strictEqual(
        missing.message,
        `Error on "mito": ENOENT: no such file or directory, open '/nonexistent/file'`,
      );
      strictEqual((missing.remote as Error & { code?: string }).code, "ENOENT");
    });

    await t.step(
      `${rt.name}: ${IN_FLIGHT} calls in flight on one context all come back right`,
      async () => {
        await using ctx = await router.connect("mito", {
          sshConfig: sshd.sshConfig,
          runtime: rt.path,
        });
        const calls = Array.from(
          { length: IN_FLIGHT },
          (_, i) => ctx.call<string>("node:path", "join", `/${i}`, "x", `y${i}`),
        );
        const results = await Promise.all(calls);
        results.forEach((value, i) => strictEqual(value, `/${i}/x/y${i}`));
      },
    );
  }

  await t.step("one router holds a context on every runtime at once", async () => {
    const contexts = await Promise.all(
      runtimes.map((rt) => router.connect("mito", { sshConfig: sshd.sshConfig, runtime: rt.path })),
    );
    const kinds = await Promise.all(
      contexts.map((ctx) => ctx.call<string>("node:process", "cwd").then(() => ctx.info!.version)),
    );
    deepStrictEqual(kinds, runtimes.map((rt) => rt.version));
    strictEqual(router.contexts.length, runtimes.length);
    await router.close();
    strictEqual(router.contexts.length, 0);
  });
});

Deno.test("local contexts round-trip every value kind on every runtime", async (t) => {
  await using router = new Router();
  for (const rt of runtimes) {
    await t.step(`${rt.name}: values come back equal and revived as their own types`, async () => {
      await using ctx = await router.local({ runtime: rt.path });
      strictEqual(ctx.info!.runtime, rt.kind);
      strictEqual(ctx.info!.user, userInfo().username);
      const values = sampleValues();
      deepStrictEqual(await ctx.call(targets, "echo", ...values), values);
      deepStrictEqual(await ctx.call(targets, "kinds", ...values), [
        "Uint8Array",
        "Date",
        "Map",
        "Set",
        "bigint",
        "bigint",
        "undefined",
        "null",
        "Object",
        "string",
        "string",
        "number",
        "number",
        "boolean",
        "Array",
        "Object",
      ]);
      const big = new Uint8Array(1024 * 1024).map((_, i) => i & 0xff);
      deepStrictEqual(await ctx.call(targets, "echo", big), [big]);
    });

    await t.step(
      `${rt.name}: a thrown error keeps its name, message, cause, code and stack`,
      async () => {
        await using ctx = await router.local({ runtime: rt.path });
        const error = await ctx.call(targets, "fail", "boom").then(
          () => undefined,
          (e: unknown) => e,
        );
        ok(error instanceof RemoteError, `${error}`);
        strictEqual(error.message, 'RangeError on "local": boom');
        strictEqual(error.name, "RemoteError");
        strictEqual(error.exitCode, 1);
        strictEqual(error.context, "local");
        strictEqual(error.remoteName, "RangeError");
        ok(error.remote instanceof RangeError, `${error.remote}`);
        strictEqual(error.remote.message, "boom");
        strictEqual((error.remote as Error & { code?: string }).code, "E_FIXTURE");
        const cause = error.remote.cause;
        ok(cause instanceof Error, `${cause}`);
        strictEqual(cause.message, "the cause");
        ok(error.remoteStack.startsWith("RangeError: boom\n"), error.remoteStack.slice(0, 200));
        ok(error.remoteStack.includes("call_targets.js:"), error.remoteStack.slice(0, 400));

        const thrown = await ctx.call(targets, "failWithString").then(() => undefined, (e) => e);
        ok(thrown instanceof RemoteError, `${thrown}`);
        strictEqual(thrown.message, 'Error on "local": Non-error thrown: a bare string');
      },
    );
  }

  await t.step("open() answers a call sent before the context said hello", async () => {
    const ctx = router.open("local");
    const pending = ctx.call<string>("node:path", "basename", "/a/b/c.txt", ".txt");
    const early = ctx.info;
    strictEqual(early, undefined);
    strictEqual(await pending, "c");
    strictEqual((await ctx.ready).runtime, "deno");
  });
});
