import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ConnectionError, type Context, type LogLine, RemoteError, Router } from "../mod.ts";
import type { Message } from "../lib/wire/protocol.ts";
import { decode, encode } from "../lib/wire/codec.ts";
import { type HostileFrame, type Received, writeHostileSsh } from "./_fixtures/hostile_child.ts";

/** How long the hostile child waits for answers to what it sent, in ms. */
const WAIT_MS = 700;

/** A call message that would create `marker` if anyone ran it. */
function touchCall(id: number, marker: string): Message {
  return {
    t: "call",
    id,
    mod: "node:fs",
    fn: "writeFileSync",
    args: encode([marker, "ran"]),
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("a child context cannot make its parent, a sibling or the master run code", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-trust-" });
  const logs: LogLine[] = [];
  await using router = new Router({ onLog: (l) => logs.push(l) });
  try {
    const ssh = await writeHostileSsh(dir);
    const parent = await router.local({ name: "parent" });
    const sibling = await router.sudo({ via: parent, user: "root", name: "sibling" });
    const hostile = await router.ssh({ via: parent, host: "hostile", sshPath: ssh, name: "bad" });
    const send = (frames: HostileFrame[]) =>
      hostile.call<Received[]>("node:hostile", "send", frames, WAIT_MS);
    const refusal = (seen: Received[], from: Context, id: number) => {
      const err = seen.find((r) => r.src === from.id && r.msg.t === "err" && r.msg.id === id);
      ok(err, `no refusal from "${from.name}" in ${JSON.stringify(seen)}`);
      return err.msg.t === "err" ? String(decode(err.msg.error)) : "";
    };

    await t.step("a call into the parent is refused and runs nothing", async () => {
      const marker = `${dir}/parent-ran`;
      const seen = await send([{ dst: parent.id, msg: touchCall(7, marker) }]);
      strictEqual(
        refusal(seen, parent, 7),
        `Error: Context ${hostile.id} may not call into context ${parent.id}`,
      );
      ok(!(await exists(marker)), "the parent ran the call");
    });

    await t.step("a call into a sibling is refused and runs nothing", async () => {
      const marker = `${dir}/sibling-ran`;
      const seen = await send([{ dst: sibling.id, msg: touchCall(8, marker) }]);
      strictEqual(
        refusal(seen, sibling, 8),
        `Error: Context ${hostile.id} may not call into context ${sibling.id}: no grant, or ` +
          `it ended with the call that handed it over`,
      );
      ok(!(await exists(marker)), "the sibling ran the call");
    });

    await t.step("a call sent to the master is ignored", async () => {
      const marker = `${dir}/master-ran`;
      const seen = await send([{ dst: 0, msg: touchCall(9, marker) }]);
      deepStrictEqual(seen, []);
      ok(!(await exists(marker)), "the master ran the call");
    });

    await t.step("frames with a forged source are dropped by the parent", async () => {
      const marker = `${dir}/forged-ran`;
      const before = logs.length;
      const seen = await send([
        // As the master, into the sibling.
        { dst: sibling.id, src: 0, msg: touchCall(10, marker) },
        // As the sibling, a log line to the master.
        { dst: 0, src: sibling.id, msg: { t: "log", level: "error", msg: "FORGED" } },
        // As the parent, into the sibling.
        { dst: sibling.id, src: parent.id, msg: touchCall(11, marker) },
      ]);
      deepStrictEqual(seen, []);
      ok(!(await exists(marker)), "a forged call ran");
      const fresh = logs.slice(before);
      ok(!fresh.some((l) => l.text.includes("FORGED")), JSON.stringify(fresh));
      for (const id of [0, sibling.id, parent.id]) {
        ok(
          fresh.some((l) =>
            l.level === "warn" && l.context === "parent" &&
            l.text === `dropped a frame claiming to come from context ${id}: it arrived from ` +
                `another link`
          ),
          `no warning for source ${id} in ${JSON.stringify(fresh)}`,
        );
      }
    });

    await t.step("a reply the parent never asked for changes nothing", async () => {
      const seen = await send([
        { dst: parent.id, msg: { t: "mres", id: 1, module: { url: "file:///x.ts", source: "" } } },
        { dst: parent.id, msg: { t: "ok", id: 1, value: encode("forged") } },
      ]);
      deepStrictEqual(seen, []);
      strictEqual(await parent.call("node:os", "userInfo").then((u) => typeof u), "object");
    });

    await t.step("modules stashed for a sibling are not served to the child", async () => {
      const tasks = new URL("../examples/tasks.ts", import.meta.url);
      // The sibling's call makes the parent stash tasks.ts for it.
      const file = await Deno.makeTempFile({ prefix: "mitoctl-trust-" });
      try {
        await Deno.writeFile(file, new Uint8Array(123));
        await Deno.chmod(file, 0o644);
        strictEqual(await sibling.call(tasks, "diskUsage", file), 123);
      } finally {
        await Deno.remove(file);
      }
      const before = logs.length;
      const seen = await send([
        { dst: parent.id, msg: { t: "mreq", id: 3, url: tasks.href } },
      ]);
      const reply = seen.find((r) => r.msg.t === "mres");
      ok(reply && reply.msg.t === "mres", JSON.stringify(seen));
      strictEqual(reply.msg.module, undefined);
      strictEqual(reply.msg.error, `Not stashed for this context: ${tasks.href}`);
      ok(
        logs.slice(before).some((l) => l.level === "warn" && l.text.includes(tasks.href)),
        JSON.stringify(logs.slice(before)),
      );
    });

    await t.step("a bad option for a child fails that child, not its parent", async () => {
      await rejects(
        router.ssh({ via: parent, host: "x", sshOptions: ["-oProxyCommand=x"], name: "bad-opt" }),
        (e) =>
          e instanceof ConnectionError &&
          e.message === `Cannot start "bad-opt": Invalid ssh option "-oProxyCommand=x": ` +
              `expected Key=Value`,
      );
      strictEqual(parent.closed, false);
      strictEqual(sibling.closed, false);
    });

    await t.step("after all that, the parent and the sibling still work", async () => {
      strictEqual(await parent.call("node:path", "join", "a", "b"), "a/b");
      strictEqual(await sibling.call("node:path", "join", "c", "d"), "c/d");
      await rejects(
        sibling.call("node:fs", "readFileSync", `${dir}/none`),
        (e) => e instanceof RemoteError && e.context === "sibling",
      );
    });
  } finally {
    await router.close();
    await Deno.remove(dir, { recursive: true });
  }
});
