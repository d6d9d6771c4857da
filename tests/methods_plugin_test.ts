/**
 * A method of one's own: the README's example (examples/runuser_method.ts) registered and used as
 * a target's first hop, refused behind another hop, and names that cannot be registered.
 */

import { ok, rejects, strictEqual, throws } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { allMethods, ConnectionError, registerMethod, Router } from "../mod.ts";
import { runuser } from "../examples/runuser_method.ts";
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

Deno.test("registerMethod() refuses a taken or malformed name", () => {
  throws(() => registerMethod({ ...runuser }), {
    name: "TypeError",
    message: 'A connection method named "runuser" is already registered',
  });
  throws(() => registerMethod({ ...runuser, name: "Run user" }), {
    name: "TypeError",
    message: 'Invalid method name "Run user": lower-case letters, digits and "-", a letter first',
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
