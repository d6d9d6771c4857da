/**
 * A method of one's own: the README's example (examples/runuser_method.ts) registered and used as
 * a target's first hop, refused behind another hop, and names that cannot be registered.
 */

import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { allMethods, ConnectionError, registerMethod, Router } from "../mod.ts";
import { runuser } from "../examples/runuser_method.ts";
import { repoRoot } from "./_fixtures/runtimes.ts";
import { ensureUsers, TEST_USERS } from "./_fixtures/_test_users.ts";

const unavailable = Deno.uid() !== 0 ? "runuser needs root" : undefined;
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the method plugin test: ${unavailable}`);

Deno.test({ name: "a registered method starts contexts as the first hop", ignore }, async () => {
  await ensureUsers();
  strictEqual(allMethods().includes(runuser), true);
  await using router = new Router();
  const ctx = await router.connect(`runuser:${TEST_USERS.bare}`);
  strictEqual(ctx.name, `runuser:${TEST_USERS.bare}`);
  strictEqual(
    (await ctx.call<{ username: string }>("node:os", "userInfo")).username,
    TEST_USERS.bare,
  );
  // Its exit codes explain its failures.
  await rejects(
    router.connect("runuser:mitoctl-nobody"),
    (e) =>
      e instanceof ConnectionError &&
      /^Cannot connect to "runuser:mitoctl-nobody": runuser exited with code 1 \(is the user known here\?\): runuser: user mitoctl-nobody does not exist/
        .test(e.message),
  );
  // A remote stage has the built-in methods only.
  throws(() => router.open("local/runuser"), {
    name: "UsageError",
    message: 'Invalid target "local/runuser": "runuser" can only be the first hop: it was ' +
      "registered here, and a remote stage starts hops with its built-in methods",
  });
});

Deno.test(
  {
    name: "mitoctl --methods loads the README's method module, whose hops a call then uses",
    ignore,
  },
  async () => {
    await ensureUsers();
    // Resolved against the current directory (the repository's root, then tests/).
    const r = await runCli([
      "--methods",
      "examples/runuser_method.ts",
      "call",
      `runuser:${TEST_USERS.bare}`,
      "node:os#userInfo",
    ]);
    strictEqual(r.code, 0, r.stderr);
    strictEqual(JSON.parse(r.stdout).username, TEST_USERS.bare);
    // The help's list of methods then names it too.
    const help = await runCli(["--methods", "examples/runuser_method.ts", "--help"]);
    strictEqual(help.code, 0, help.stderr);
    ok(help.stdout.includes(`  ${runuser.syntax}`) && help.stdout.includes(runuser.summary));
    const again = await runCli(
      ["--methods=../examples/runuser_method.ts", "call", "runuser", "node:os#userInfo"],
      { cwd: `${repoRoot()}/tests` },
    );
    strictEqual(again.code, 0, again.stderr);
    strictEqual(JSON.parse(again.stdout).username, "root");
    // Repeated, and as a URL: each module is imported once, in order.
    const url = new URL("../examples/runuser_method.ts", import.meta.url).href;
    const two = await runCli([
      "--methods",
      url,
      "--methods",
      "tests/_fixtures/methods/second.ts",
      "--methods",
      "examples/runuser_method.ts",
      "call",
      `runuser-too:${TEST_USERS.bare},runuser:${TEST_USERS.bare}`,
      "node:os#userInfo",
      "--json",
    ]);
    strictEqual(two.code, 0, two.stderr);
    deepStrictEqual(
      two.stdout.trim().split("\n").map((line) => JSON.parse(line).value.username),
      [TEST_USERS.bare, TEST_USERS.bare],
    );
  },
);

Deno.test("mitoctl --methods refuses, with exit code 2, modules that add no method", async () => {
  const refusals: [string[], string][] = [
    [["--methods="], "mitoctl: --methods needs a module: a path or a URL\n"],
    [
      ["--methods", "tests/_fixtures/methods/none.ts"],
      'mitoctl: Cannot load connection methods from "tests/_fixtures/methods/none.ts": no such file\n',
    ],
    [
      ["--methods", "tests/_fixtures/methods"],
      'mitoctl: Cannot load connection methods from "tests/_fixtures/methods": not a file\n',
    ],
    [
      ["--methods", "tests/_fixtures/methods/broken.ts"],
      'mitoctl: Cannot load connection methods from "tests/_fixtures/methods/broken.ts": ' +
      "no runuser on this machine\n",
    ],
    [
      ["--methods", "tests/_fixtures/methods/nothing.ts"],
      'mitoctl: "tests/_fixtures/methods/nothing.ts" registers no connection method: call ' +
      "registerMethod() from mitoctl's mod.ts in it\n",
    ],
    [
      ["--methods", "tests/_fixtures/methods/clash.ts"],
      'mitoctl: Cannot load connection methods from "tests/_fixtures/methods/clash.ts": ' +
      '"sudo" is a built-in connection method: choose another name\n',
    ],
  ];
  const last = await runCli(["--methods"]);
  deepStrictEqual([last.code, last.stderr], [
    2,
    "mitoctl: --methods needs a module: a path or a URL\n",
  ]);
  for (const [flags, stderr] of refusals) {
    const r = await runCli([...flags, "call", "local", "node:os#hostname"]);
    deepStrictEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, {
      code: 2,
      stdout: "",
      stderr,
    }, flags.join(" "));
  }
});

Deno.test("registerMethod() refuses a taken or malformed name", () => {
  throws(() => registerMethod({ ...runuser }), {
    name: "TypeError",
    message: 'A connection method named "runuser" is already registered',
  });
  throws(() => registerMethod({ ...runuser, name: "Run user" }), {
    name: "TypeError",
    message: 'Invalid method name "Run user": lower-case letters, digits and "-", a letter first',
  });
  throws(() => registerMethod({ ...runuser, name: "ssh" }), {
    name: "TypeError",
    message: '"ssh" is a built-in connection method: choose another name',
  });
});

Deno.test("the CLI's help lists every built-in method, from the registry", async () => {
  const { code, stdout } = await runCli(["--help"]);
  strictEqual(code, 0);
  for (const method of allMethods().filter((m) => m !== runuser)) {
    ok(stdout.includes(`  ${method.syntax}`), `help lacks ${method.syntax}`);
    ok(stdout.includes(method.summary), `help lacks ${method.summary}`);
  }
});

Deno.test(
  { name: "connect() with via starts a target's hops from that context", ignore },
  async () => {
    await ensureUsers();
    await using router = new Router();
    const here = await router.local();
    const ctx = await router.connect(`sudo:${TEST_USERS.bare}`, { via: here });
    strictEqual(ctx.name, `sudo:${TEST_USERS.bare}`);
    strictEqual(
      (await ctx.call<{ username: string }>("node:os", "userInfo")).username,
      TEST_USERS.bare,
    );
    // Started by the local context, so closing it ends this one too.
    await here.close();
    await rejects(ctx.call("node:os", "hostname"), ConnectionError);
    throws(() => router.open("local", { via: ctx }), {
      name: "UsageError",
      message: 'Invalid target "local": "local" can only be the first hop',
    });
  },
);
