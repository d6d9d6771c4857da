import assert from "node:assert/strict";
import { MessageChannel, type MessagePort, receiveMessageOnPort } from "node:worker_threads";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import type { ModuleAnswer } from "./loader_hooks.ts";
import { serveModuleRequests } from "./loader_server.ts";

const URL_A = "file:///master/a.ts";
const A: ModuleEntry = { url: URL_A, source: "export const a = 1;" };
const URL_B = "file:///master/b.ts";

/** Asks for `url` the way a hook does, but waits without blocking this (the serving) thread. */
async function ask(port: MessagePort, url: string): Promise<ModuleAnswer> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  port.postMessage({ url, flag });
  const { async, value } = Atomics.waitAsync(flag, 0, 0);
  if (async) await value;
  assert.equal(Atomics.load(flag, 0), 1);
  const got = receiveMessageOnPort(port);
  assert.ok(got, "the flag was raised before the answer was posted");
  return got.message;
}

function channel(): { server: MessagePort; client: MessagePort; close(): void } {
  const { port1, port2 } = new MessageChannel();
  return {
    server: port1,
    client: port2,
    close() {
      port1.close();
      port2.close();
    },
  };
}

Deno.test("serveModuleRequests() answers with the fetched module", async () => {
  const c = channel();
  serveModuleRequests(c.server, (url) => Promise.resolve(url === URL_A ? A : undefined));
  assert.deepEqual(await ask(c.client, URL_A), { module: A });
  assert.deepEqual(await ask(c.client, "file:///master/b.ts"), {});
  c.close();
});

Deno.test("serveModuleRequests() passes on why the master refused", async () => {
  const c = channel();
  serveModuleRequests(c.server, (url) => {
    if (url.endsWith("throws.ts")) throw new Error("fetch threw");
    return Promise.reject(new Error("not in the call's graph"));
  });
  assert.deepEqual(await ask(c.client, URL_A), { error: "not in the call's graph" });
  assert.deepEqual(await ask(c.client, "file:///master/throws.ts"), { error: "fetch threw" });
  c.close();
});

Deno.test("serveModuleRequests() joins concurrent asks for one URL into one fetch", async () => {
  const one = channel();
  const two = channel();
  const fetched: string[] = [];
  let release = (): void => {};
  const gate = new Promise<void>((ok) => release = ok);
  serveModuleRequests(one.server, async (url) => {
    fetched.push(url);
    if (url !== URL_A) return undefined;
    await gate;
    return A;
  });
  // A second asking thread (Node's hooks thread) offers its port over the first one.
  one.client.postMessage({ port: two.server }, [two.server]);
  const fromTwo = ask(two.client, URL_A);
  while (fetched.length === 0) await new Promise((ok) => setTimeout(ok, 1));
  // The fetch for two's ask is under way. One asks too, then for another URL: a port is
  // served in order, so once that answer is back, one's ask for URL_A was handled.
  const fromOne = ask(one.client, URL_A);
  assert.deepEqual(await ask(one.client, URL_B), {});
  assert.deepEqual(fetched, [URL_A, URL_B]);
  release();
  assert.deepEqual(await Promise.all([fromOne, fromTwo]), [{ module: A }, { module: A }]);
  assert.deepEqual(fetched, [URL_A, URL_B]);
  // Once answered, the next ask fetches again: the worker holds what it was sent.
  await ask(one.client, URL_A);
  assert.deepEqual(fetched, [URL_A, URL_B, URL_A]);
  one.close();
  two.client.close();
});

Deno.test("serveModuleRequests() answers a fetch that never settles after the timeout", async () => {
  const c = channel();
  serveModuleRequests(c.server, () => new Promise(() => {}), { timeout: 20 });
  assert.deepEqual(await ask(c.client, URL_A), {
    error: "the master did not answer in 20 ms",
  });
  c.close();
});
