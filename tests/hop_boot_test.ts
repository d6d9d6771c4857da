/**
 * A child context fails the same way whether the master started it or a remote stage did: the
 * same error class and the same words, naming the hop once, for a connect timeout (with the
 * child's last stderr lines), a bad frame, a child that ended in the middle of a frame, an unknown
 * host and a refused key. The first three come from a fake `ssh` script that misbehaves, the last
 * two from the real ssh and the fixture's sshd.
 */
import { rejects } from "node:assert/strict";
import { Router } from "../mod.ts";
import { startSshd, TEST_USERS, UNKNOWN_HOST } from "./_fixtures/sshd.ts";

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
          message: c.inner,
        });
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ssh's own failures read the same from the master and behind a parent", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  const parent = await router.local({ name: "parent" });
  const unknown = (host: string) =>
    new RegExp(
      `^Cannot connect to "mito-unknown": ssh exited with code 255: ssh: Could not resolve ` +
        `hostname ${host.replaceAll(".", "\\.")}: [^\n]+$`,
    );
  const refused = `Cannot connect to "mito-badkey": ssh exited with code 255: ` +
    `${TEST_USERS.full}@127.0.0.1: Permission denied (publickey).`;
  for (
    const [where, via] of [["from the master", undefined], ["behind a parent", parent]] as const
  ) {
    await t.step(`an unknown host, ${where}`, async () => {
      await rejects(
        router.ssh({ host: "mito-unknown", sshConfig: sshd.sshConfig, ...(via ? { via } : {}) }),
        { name: "ConnectionError", message: unknown(UNKNOWN_HOST) },
      );
    });
    await t.step(`a refused key, ${where}`, async () => {
      await rejects(
        router.ssh({ host: "mito-badkey", sshConfig: sshd.sshConfig, ...(via ? { via } : {}) }),
        { name: "ConnectionError", message: refused },
      );
    });
  }
});
