/**
 * Values a hostile remote stage sends that the master acts on: its hello, log lines, error
 * objects and component statuses (process events: `rsh_local_test.ts`). Each is checked before use; what does not fit
 * fails with a message that names it, and the CLI exits with the documented code.
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { type LogLine, RemoteError, Router } from "../mod.ts";
import { MAX_OUTPUT_LINE } from "../lib/limits.ts";
import { MAX_REMOTE_ERROR_TEXT } from "../lib/errors.ts";
import { runCli } from "./_fixtures/cli.ts";
import { type HostileScript, writeHostileRuntime } from "./_fixtures/hostile_stage.ts";

const RUNTIME_CONFIG = new URL("./_fixtures/components/runtime.ts", import.meta.url).pathname;

async function withStage<T>(
  script: HostileScript,
  use: (runtime: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hostile-values-" });
  try {
    return await use(await writeHostileRuntime(dir, script));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("what a hostile stage sends is checked before the master acts on it", async (t) => {
  await using router = new Router();

  await t.step("a hello of the wrong shape closes the connection", async () => {
    const answer = { hostname: { value: "box" } };
    await withStage({ hello: { runtime: "python", pid: -1 }, replies: answer }, async (runtime) => {
      await rejects(router.local({ runtime }), {
        name: "ProtocolError",
        message: 'Closed the connection to "local": it sent a bad frame (a "hello" message ' +
          'whose field "runtime" is not one of "deno", "node")',
      });
      const r = await runCli(["call", "--runtime", runtime, "local", "node:os#hostname"]);
      strictEqual(r.code, 3, r.stderr);
      ok(r.stderr.includes('a "hello" message whose field "runtime"'), r.stderr);
    });
    await withStage({ hello: { host: "h".repeat(300) } }, async (runtime) => {
      await rejects(router.local({ runtime }), {
        name: "ProtocolError",
        message: /field "host" is not a string of at most 256 characters/,
      });
    });
  });

  await t.step("a log line of an unknown level closes the connection", async () => {
    const script = { replies: { hostname: { before: [{ t: "log", level: "root", msg: "x" }] } } };
    await withStage(script, async (runtime) => {
      const ctx = await router.local({ runtime });
      await rejects(ctx.call("node:os", "hostname"), {
        name: "ProtocolError",
        message:
          /a "log" message whose field "level" is not one of "debug", "info", "warn", "error"/,
      });
    });
  });

  await t.step("output that never ends a line is passed on past the limit", async () => {
    const chunk = {
      t: "log",
      level: "info",
      msg: "x".repeat(MAX_OUTPUT_LINE / 2 + 1),
      stream: "stdout",
    };
    const script = { replies: { hostname: { before: [chunk, chunk, chunk], value: "box" } } };
    await withStage(script, async (runtime) => {
      const lines: LogLine[] = [];
      await using logged = new Router({ onLog: (l) => l.stream && lines.push(l) });
      const ctx = await logged.local({ runtime });
      strictEqual(await ctx.call("node:os", "hostname"), "box");
      // Held back no longer than the limit: out before the call's answer, not after a pause.
      deepStrictEqual(lines.map((l) => l.text.length), [MAX_OUTPUT_LINE + 2]);
    });
  });

  await t.step("an error that is not an Error is reported as such", async () => {
    await withStage({ replies: { hostname: { error: "just text" } } }, async (runtime) => {
      const ctx = await router.local({ runtime });
      await rejects(ctx.call("node:os", "hostname"), {
        name: "RemoteError",
        message: 'Error on "local": Non-error thrown: just text',
      });
    });
  });

  await t.step("an error whose name or message is not a string is refused", async () => {
    const script = {
      replies: {
        hostname: { errorFields: { name: { toString: "not callable" }, message: "m" } },
        userInfo: { errorFields: { name: "Error", message: { toString: 1 } } },
        uptime: { value: 42 },
      },
    };
    await withStage(script, async (runtime) => {
      const ctx = await router.local({ runtime });
      await rejects(ctx.call("node:os", "hostname"), {
        name: "RefusedValueError",
        message: `Refused the error node:os#hostname on "local" failed with: ` +
          `the error's "name" is not a string`,
      });
      await rejects(ctx.call("node:os", "userInfo"), {
        name: "RefusedValueError",
        message:
          /^Refused the error node:os#userInfo on "local" failed with: the error's "message"/,
      });
      // The connection lives on.
      strictEqual(await ctx.call("node:os", "uptime"), 42);
      const r = await runCli(["call", "--runtime", runtime, "local", "node:os#hostname"]);
      strictEqual(r.code, 1, r.stderr);
      strictEqual(
        r.stderr,
        `mitoctl: Refused the error node:os#hostname on "local" failed with: ` +
          `the error's "name" is not a string\n`,
      );
    });
  });

  await t.step("an error's fields are bounded: name, message, stack and code", async () => {
    const script = {
      replies: {
        hostname: {
          errorFields: {
            name: "N".repeat(200),
            message: "m".repeat(MAX_REMOTE_ERROR_TEXT + 10),
            stack: 42,
            code: { not: "a code" },
            cause: { detail: "kept as data" },
          },
        },
      },
    };
    await withStage(script, async (runtime) => {
      const ctx = await router.local({ runtime });
      const e = await ctx.call("node:os", "hostname").then(() => undefined, (e) => e);
      ok(e instanceof RemoteError, `${e}`);
      strictEqual(e.remoteName, "Error");
      strictEqual(e.remote.message, `${"m".repeat(MAX_REMOTE_ERROR_TEXT)}… (10 more characters)`);
      ok(e.remoteStack.length < MAX_REMOTE_ERROR_TEXT + 40, `stack of ${e.remoteStack.length}`);
      strictEqual("code" in e.remote, false);
      strictEqual((e.remote.cause as { detail: string }).detail, "kept as data");
    });
  });

  await t.step("a component status of the wrong shape makes the host unknown", async () => {
    const status = {
      name: "../../etc\x1b[2J",
      running: true,
      pid: 12,
      supervisorPid: 11,
      runId: "r",
      baseDir: "/srv",
      startedAt: 0,
      uptimeMs: 0,
      code: null,
      signal: null,
      error: null,
    };
    await withStage({ replies: { list: { value: [status] } } }, async (runtime) => {
      const r = await runCli([
        "status",
        "--runtime",
        runtime,
        "--hosts",
        "local",
        "--set",
        "runtime=x",
        RUNTIME_CONFIG,
      ]);
      strictEqual(r.code, 3, r.stderr);
      strictEqual(
        r.stderr,
        '"local": Refused a component status (item 0) from "local": its field "name" is not ' +
          "a component name\n",
      );
      ok(/^probe-x\s+local\s+-\s+unknown/m.test(r.stdout), r.stdout);
    });
  });
});
