/**
 * A password hop behind a bastion: web1 takes the test user's password and no key, and only the
 * bastion reaches it. The bastion's own ssh logs in, with the askpass answered by the remote
 * stage on the bastion (Deno: a sealed memfd script; Node: `--import` from the environment),
 * which writes nothing to disk.
 */

import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { AuthenticationError, Router } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { namespacesUnavailableReason, startTestNetwork } from "./_fixtures/netns.ts";
import { processesShowing } from "./_fixtures/proc_scan.ts";
import { diskWrites, readTrace, tracedRuntime, waitExit } from "./_fixtures/disk_trace.ts";
import { denoPath, type Runtime, testNode } from "./_fixtures/runtimes.ts";
import { TEST_USERS } from "./_fixtures/sshd.ts";
import { passwdEntry } from "./_fixtures/_test_users.ts";

// In CI a machine without namespaces fails these tests; elsewhere they are ignored, loudly.
const unavailable = await namespacesUnavailableReason();
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the password-behind-a-bastion tests: ${unavailable}`);

Deno.test({
  name: "a password hop behind the bastion logs in on Deno and Node bastions, then sudo",
  ignore,
  async fn(t) {
    await using net = await startTestNetwork({
      sshdExtra: {
        web1: [
          `Match User ${TEST_USERS.full}`,
          "  PasswordAuthentication yes",
          "  PubkeyAuthentication no",
        ],
      },
    });
    const password = net.sudoPassword;
    for (const runtime of ["deno", "node"]) {
      await t.step(`bastion on ${runtime}`, async () => {
        await using router = new Router();
        const options = { sshConfig: net.sshConfig, password, runtime, sudoPassword: password };
        const web1 = await router.connect("bastion/web1", options);
        strictEqual(await web1.call("node:os", "hostname"), "web1");
        strictEqual(web1.info?.runtime, runtime);
        const root = await router.connect("bastion/web1/sudo", options);
        strictEqual(
          (await root.call<{ username: string }>("node:os", "userInfo")).username,
          "root",
        );
        strictEqual((await processesShowing(password)).join("\n"), "");
      });
    }
    for (const runtime of await tracedRuntimes()) {
      await t.step(`the ${runtime.kind} bastion's askpass writes nothing to disk`, async () => {
        const tools = await Deno.makeTempDir({ prefix: "mitoctl-strace-" });
        try {
          await Deno.chmod(tools, 0o755);
          const logs = `${tools}/logs`;
          await Deno.mkdir(logs);
          await Deno.chown(logs, (await passwdEntry(TEST_USERS.full))!.uid, null);
          const traced = await tracedRuntime(tools, runtime, logs);
          const pids: number[] = [];
          {
            await using router = new Router();
            const web1 = await router.connect("bastion/web1", {
              sshConfig: net.sshConfig,
              password,
              runtime: traced,
            });
            strictEqual(await web1.call("node:os", "hostname"), "web1");
            // A runtime given as a path is the first hop's: the bastion's stage is traced.
            pids.push(router.contexts.find((c) => c.name === "bastion")!.info!.pid);
          }
          for (const pid of pids) await waitExit(logs, pid);
          const calls = await readTrace(logs);
          // The askpass ran under the trace: it reads the prompt from its command line.
          ok(calls.some((c) => c.paths.includes("/proc/self/cmdline")), "no askpass in the trace");
          deepStrictEqual(diskWrites(calls), []);
        } finally {
          await Deno.remove(tools, { recursive: true });
        }
      });
    }
    await t.step("a wrong password behind the bastion fails as authentication", async () => {
      await using router = new Router();
      const error = await router.connect("bastion/web1", {
        sshConfig: net.sshConfig,
        password: "not-the-password",
      }).then(() => undefined, (e) => e);
      ok(error instanceof AuthenticationError, String(error));
      match(
        error.message,
        /^Cannot connect to "web1": the password was refused/,
      );
      // The bastion needs no password: it was never asked for one.
      deepStrictEqual(router.contexts.map((c) => c.name), ["bastion"]);
    });
    await t.step("the CLI exits 5 for it", async () => {
      const dir = await Deno.makeTempDir();
      try {
        await Deno.writeTextFile(`${dir}/pw`, "wrong\n", { mode: 0o600 });
        const r = await runCli([
          "call",
          "-F",
          net.sshConfig,
          "--password-file",
          `${dir}/pw`,
          "bastion/web1",
          "node:os#hostname",
        ]);
        strictEqual(r.code, 5, r.stderr);
        match(r.stderr, /the password was refused/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
});

/** The pinned Deno and a supported Node, as the traced runtimes of a bastion. */
async function tracedRuntimes(): Promise<Runtime[]> {
  return [
    { name: "deno", kind: "deno", path: denoPath(), version: "" },
    { ...await testNode(), name: "node" },
  ];
}
