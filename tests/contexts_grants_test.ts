import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Channel, type LogLine, Router, UnissuedHandle } from "../mod.ts";
import { encode } from "../lib/wire/codec.ts";
import { encodeFrame } from "../lib/wire/frame.ts";
import { MASTER_ID } from "../lib/wire/protocol.ts";
import { masterPipes, writeFrameChannel } from "./_fixtures/frames_channel.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

/** What remote code sees of a context handle it was passed. */
interface Handle {
  readonly id: number;
  readonly name: string;
  call(mod: string, fn: string, ...args: unknown[]): Promise<unknown>;
}

/** Collects log lines and lets a test wait (at most 10 s) for the first one that matches. */
function logWatch() {
  const lines: LogLine[] = [];
  const waiting: { test: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const onLog = (line: LogLine) => {
    lines.push(line);
    for (const w of waiting.splice(0)) {
      if (w.test(line)) w.resolve(line);
      else waiting.push(w);
    }
  };
  const next = (test: (l: LogLine) => boolean): Promise<LogLine> => {
    const seen = lines.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no such log line in 10 s: ${test}`)),
        10_000,
      );
      waiting.push({ test, resolve: (l) => (clearTimeout(timer), resolve(l)) });
    });
  };
  return { lines, onLog, next };
}

for (const runtime of await testRuntimes()) {
  Deno.test(`${runtime.name}: a handle's grant ends with its call, and made-up handles stay inert`, async (t) => {
    const inherited = masterPipes();
    const watch = logWatch();
    await using router = new Router({ onLog: watch.onLog });
    const a = await router.local({ name: "a", runtime: runtime.path });
    const b = await router.local({ name: "b", runtime: runtime.path });
    const c = await router.local({ name: "c", runtime: runtime.path });

    await t.step("a handle works while the call that carried it runs", async () => {
      const got = await a.eval(async (h: Handle) => {
        (globalThis as { kept?: Handle }).kept = h;
        return await h.call("node:path", "join", "in", "call");
      }, b);
      strictEqual(got, "in/call");
    });

    await t.step(
      "once that call has ended, calls into the handed context are refused",
      async () => {
        const message = await a.eval(async () => {
          try {
            await (globalThis as { kept?: Handle }).kept!.call("node:os", "hostname");
            return "called";
          } catch (e) {
            return (e as Error).message;
          }
        });
        strictEqual(
          message,
          `Context ${a.id} may not call into context ${b.id}: no grant, or it ended with the ` +
            `call that handed it over`,
        );
      },
    );

    await t.step(
      "two calls carrying one handle: it works until the last of them ends",
      async () => {
        const channel = new Channel<string, string>();
        // The first call holds its grant until the channel says so.
        const first = a.eval(
          async (h: Handle, ch: AsyncIterable<string>) => {
            for await (const _ of ch) break;
            return h.name;
          },
          b,
          channel,
        );
        strictEqual(await a.eval((h: Handle) => h.call("node:path", "basename", "/x/y"), b), "y");
        const during = await a.eval(() =>
          (globalThis as { kept?: Handle }).kept!.call("node:path", "basename", "/x/z")
        );
        strictEqual(during, "z");
        channel.send("go");
        strictEqual(await first, "b");
        const after = await a.eval(() =>
          (globalThis as { kept?: Handle }).kept!.call("node:os", "hostname").then(
            () => "called",
            (e: Error) => e.message.split(":")[0],
          )
        );
        strictEqual(after, `Context ${a.id} may not call into context ${b.id}`);
      },
    );

    await t.step("a handle the master issued comes back as the master's own context", async () => {
      strictEqual(await a.eval((h: Handle) => h, b), b);
    });

    await t.step("a handle made up for a context never handed over decodes inert", async () => {
      const got: unknown[] = await a.eval(
        (h: Handle, id: number) => {
          const Made = h.constructor as new (id: number, name: string) => Handle;
          return [new Made(id, "c"), new Made(4242, "nobody")];
        },
        b,
        c.id,
      );
      ok(got[0] instanceof UnissuedHandle, String(got[0]));
      ok((got[0] as unknown) !== c);
      deepStrictEqual({ ...got[0] }, { kind: "context", id: c.id, name: "c" });
      strictEqual(String(got[1]), '[unissued context 4242 "nobody"]');
    });

    await t.step("a frame claiming to come from the master marks the context suspect", async () => {
      strictEqual(router.isSuspect(c), false);
      const forged = encodeFrame(
        MASTER_ID,
        MASTER_ID,
        encode({ t: "log", level: "error", msg: "[local] forged by c" }),
      );
      await c.eval(writeFrameChannel, forged, c.info!.pid, masterPipes(inherited));
      const line = await watch.next((l) => l.text.includes("claiming to come from the master"));
      strictEqual(
        line.text,
        `dropped a frame claiming to come from the master, which is not behind "c"; the ` +
          `context is now marked suspect`,
      );
      strictEqual(router.isSuspect(c), true);
      ok(!watch.lines.some((l) => l.text.includes("forged by c")), "the forged line was shown");
    });
  });
}
