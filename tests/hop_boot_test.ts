/**
 * A child context fails the same way whether the master started it or a remote stage did: the
 * same error class and words for a connect timeout (with the child's last stderr lines), a bad
 * frame and a child that ended in the middle of a frame. The child is a fake `ssh` script that misbehaves; behind a
 * parent, the master puts the context's name before the parent's words.
 */
import { rejects } from "node:assert/strict";
import { Router } from "../mod.ts";

/** The preamble, then a frame header claiming 64 bytes, of which 2 more arrive. */
const TRUNCATED = String.raw`printf '\000mitoctl\001\000\000\000\100\000\000'`;
/** The preamble, then a frame whose length is shorter than its own header. */
const SHORT = String.raw`printf '\000mitoctl\001\000\000\000\003\000\000\000\000\000\000\000\000'`;

const cases: { what: string; script: string; name: string; inner: string }[] = [
  {
    what: "a connect timeout quotes the last lines ssh wrote to stderr",
    script: "echo 'debug1: Connecting to web9' >&2\necho 'debug1: still trying' >&2\nexec sleep 60",
    name: "TimeoutError",
    inner: 'Timed out after 1 s waiting for "web9" to start: debug1: Connecting to web9 | ' +
      "debug1: still trying",
  },
  {
    what: "a bad frame is named as one",
    script: `${SHORT}\nexec sleep 60`,
    name: "ProtocolError",
    inner: 'Closed the connection to "web9": it sent a bad frame (Frame length 3 is shorter than ' +
      "its header)",
  },
  {
    what: "a child that ends in the middle of a frame says so",
    script: `${TRUNCATED}\nexit 0`,
    name: "ProtocolError",
    inner: 'Closed the connection to "web9": it ended in the middle of a frame (6 bytes of it ' +
      "arrived)",
  },
];

Deno.test("a child fails in the same words from the master and behind a parent", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hop-boot-" });
  await using router = new Router();
  try {
    const parent = await router.local({ name: "parent" });
    for (const [i, c] of cases.entries()) {
      const sshPath = `${dir}/ssh-${i}`;
      await Deno.writeTextFile(sshPath, `#!/bin/sh\n${c.script}\n`, { mode: 0o755 });
      const options = { host: "web9", sshPath, connectTimeout: 1000 };
      await t.step(`${c.what}, from the master`, async () => {
        await rejects(router.ssh(options), { name: c.name, message: c.inner });
      });
      await t.step(`${c.what}, behind a parent`, async () => {
        await rejects(router.ssh({ ...options, via: parent, name: `child${i}` }), {
          name: c.name,
          message: `Cannot start "child${i}": ${c.inner}`,
        });
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
