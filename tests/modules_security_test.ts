import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { homedir } from "node:os";
import { pathToFileURL } from "node:url";
import { type Context, type LogLine, RemoteError, Router } from "../mod.ts";
import { copyModGraph, type ModGraphCopy, SECRET_MARKER } from "./_fixtures/modgraph/_copy.ts";
import {
  type HostileAsk,
  type HostileReply,
  writeHostileRuntime,
} from "./_fixtures/hostile_stage.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const runtimes = await testRuntimes();

/** The master user's ssh key: it must never be served, whether or not it exists. */
const SSH_KEY_URL = pathToFileURL(`${homedir()}/.ssh/id_ed25519`).href;

/** Text that must never reach a context: the secret sibling, /etc/passwd, the master's code. */
const LEAK_MARKERS = [SECRET_MARKER, "root:x:0:0", "export class Router"];

/** A router whose log lines are kept. */
function loggingRouter(): { router: Router; logs: LogLine[] } {
  const logs: LogLine[] = [];
  return { router: new Router({ onLog: (line) => logs.push(line) }), logs };
}

/** Asserts the router logged a warning about `ctx` that quotes `url`. */
function assertWarned(logs: LogLine[], ctx: Context, url: string): void {
  const warned = logs.some((l) =>
    l.level === "warn" && l.context === ctx.name &&
    l.text.includes(`refused module request for "${url}"`)
  );
  ok(warned, `no warning naming "${url}" for "${ctx.name}" in ${JSON.stringify(logs)}`);
}

/** Asserts no text of `replies` holds anything of a file that must not leave the master. */
function assertNoLeak(replies: unknown): void {
  const text = JSON.stringify(replies);
  for (const marker of LEAK_MARKERS) ok(!text.includes(marker), `"${marker}" leaked: ${text}`);
}

/** A module request from user code that the master must refuse: how to make it and its URL. */
interface Attempt {
  label: string;
  run(ctx: Context): Promise<unknown>;
  /** URL the remote asks for. */
  url: string;
}

function attempts(graph: ModGraphCopy): Attempt[] {
  const grab = (specifier: string) => (ctx: Context) =>
    ctx.call(graph.url("hostile/grab.ts"), "grab", specifier);
  const secret = graph.url("secret.ts").href;
  return [
    { label: "/etc/passwd by URL", run: grab("file:///etc/passwd"), url: "file:///etc/passwd" },
    { label: "/etc/passwd by path", run: grab("/etc/passwd"), url: "file:///etc/passwd" },
    { label: "the master user's ssh key", run: grab(SSH_KEY_URL), url: SSH_KEY_URL },
    { label: "a sibling file no import names", run: grab(secret), url: secret },
    {
      label: "a template import walked out of its folder",
      run: (ctx) => ctx.call(graph.url("tasks.ts"), "plugin", "../secret"),
      url: secret,
    },
    {
      label: "percent-encoded dots out of a folder",
      run: grab(`${graph.url("plugins").href}/%2e%2e/secret.ts`),
      url: secret,
    },
  ];
}

Deno.test("computed imports outside the called graph are refused on every runtime", async (t) => {
  await using graph = await copyModGraph();
  const { router, logs } = loggingRouter();
  await using _router = router;
  for (const rt of runtimes) {
    for (const [i, attempt] of attempts(graph).entries()) {
      await t.step(`${rt.name}: ${attempt.label}`, async () => {
        await using ctx = await router.local({ runtime: rt.path, name: `${rt.name}-${i}` });
        // A legitimate graph first, so the refusal is not merely "nothing was called yet"; and
        // a harmless grab, so what follows pushes no module.
        await ctx.call(graph.url("tasks.ts"), "describe");
        const builtin = await ctx.call<string[]>(graph.url("hostile/grab.ts"), "grab", "node:path");
        ok(builtin.includes("join"), `${builtin}`);
        const before = { ...ctx.stats };
        const error = await attempt.run(ctx).then(() => undefined, (e: unknown) => e);
        ok(error instanceof RemoteError, `${error}`);
        ok(error.message.includes(`The master does not serve "${attempt.url}"`), error.message);
        strictEqual(router.isSuspect(ctx), true);
        assertWarned(logs, ctx, attempt.url);
        strictEqual(ctx.stats.moduleRequests - before.moduleRequests, 1);
        strictEqual(ctx.stats.moduleBytesSent - before.moduleBytesSent, 0);
        assertNoLeak(error);
      });
    }

    await t.step(`${rt.name}: a suspect context is served no module it lacks`, async () => {
      await using ctx = await router.local({ runtime: rt.path, name: `${rt.name}-suspect` });
      const tasks = graph.url("tasks.ts");
      const alpha = await ctx.call<string>(tasks, "plugin", "alpha");
      strictEqual(router.isSuspect(ctx), false);
      const grabbed = await ctx.call(graph.url("hostile/grab.ts"), "grab", "file:///etc/passwd")
        .then(() => undefined, (e: unknown) => e);
      ok(grabbed instanceof RemoteError, `${grabbed}`);
      // beta matches the template import, yet the context has lost the master's trust.
      const beta = graph.url("plugins/beta.ts").href;
      const refused = await ctx.call(tasks, "plugin", "beta").then(() => undefined, (e) => e);
      ok(refused instanceof RemoteError, `${refused}`);
      ok(refused.message.includes(`The master does not serve "${beta}"`), refused.message);
      assertWarned(logs, ctx, beta);
      // What it was given before stays usable: the remote holds it.
      strictEqual(await ctx.call(tasks, "plugin", "alpha"), alpha);
    });
  }
});

Deno.test("module requests a hostile stage makes itself are refused and leak nothing", async (t) => {
  await using graph = await copyModGraph();
  const runtime = await writeHostileRuntime(graph.dir);
  const { router, logs } = loggingRouter();
  await using _router = router;
  const tasks = graph.url("tasks.ts");
  const alpha = graph.url("plugins/alpha.ts").href;
  const secret = graph.url("secret.ts").href;
  const refused = [
    "file:///etc/passwd",
    "file://localhost/etc/passwd",
    "file:///proc/self/environ",
    SSH_KEY_URL,
    secret,
    `${graph.url("plugins").href}/../secret.ts`,
    `${graph.url("plugins").href}/%2e%2e/secret.ts`,
    new URL("../lib/master/router.ts", import.meta.url).href,
    "/etc/passwd",
    "../secret.ts",
    "http://127.0.0.1:9/tasks.ts",
  ];
  /** Sends `asks` from a fresh hostile context after the master pushed it `tasks.ts`. */
  const hostile = async (name: string, asks: HostileAsk[]) => {
    const ctx = await router.local({ runtime, name });
    const replies = await ctx.call<HostileReply[]>(tasks, "describe", asks);
    strictEqual(replies.length, asks.length);
    return { ctx, replies };
  };

  for (const [i, url] of refused.entries()) {
    await t.step(`refuses ${JSON.stringify(url)}`, async () => {
      // The first request is allowed (a template match): proof that sources do come back.
      const { ctx, replies } = await hostile(`hostile-${i}`, [{ url: alpha }, { url }]);
      await using _ctx = ctx;
      const [served, reply] = replies;
      strictEqual(served?.module?.url, alpha);
      ok(served.module.source.includes("alpha at"), served.module.source);
      ok(reply, "no answer to the refused request");
      strictEqual(reply.module, undefined);
      ok(reply.error?.includes(`The master does not serve "${url}"`), reply.error);
      strictEqual(router.isSuspect(ctx), true);
      assertWarned(logs, ctx, url);
      assertNoLeak(replies.slice(1));
    });
  }

  await t.step("serves nothing more once a request was refused", async () => {
    const { ctx, replies } = await hostile("hostile-after", [
      { url: "file:///etc/passwd" },
      { url: alpha },
    ]);
    await using _ctx = ctx;
    deepStrictEqual(replies.map((r) => r?.module), [undefined, undefined]);
    ok(replies[1]?.error?.includes(`The master does not serve "${alpha}"`), replies[1]?.error);
  });

  await t.step("ignores a request forged in another context's name", async () => {
    await using victim = await router.local({ name: "victim" });
    await victim.call(tasks, "describe");
    const { ctx, replies } = await hostile("hostile-forger", [
      { url: "file:///etc/passwd", as: victim.id },
    ]);
    await using _ctx = ctx;
    deepStrictEqual(replies, [null]);
    strictEqual(router.isSuspect(victim), false);
    strictEqual(victim.stats.moduleRequests, 0);
    strictEqual(await victim.call(tasks, "plugin", "alpha"), `alpha at ${alpha}`);
  });
});
