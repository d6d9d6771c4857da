/** The user's ssh_config applies as ssh reads it: ProxyJump and an agent through `-F`. */
import { match, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { startSshd, TEST_USERS, UNKNOWN_HOST } from "./_fixtures/sshd.ts";

Deno.test("ProxyJump and an ssh agent named in the -F config are used", async (t) => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-ssh-config-" });
  const agentSocket = `${dir}/agent.sock`;
  const agent = new Deno.Command("ssh-agent", {
    args: ["-D", "-a", agentSocket],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const host = (name: string, lines: string[]) => [
      `Host ${name}`,
      "  HostName 127.0.0.1",
      `  Port ${sshd.port}`,
      `  User ${TEST_USERS.full}`,
      ...lines.map((l) => `  ${l}`),
    ];
    const config = `${dir}/ssh_config`;
    await Deno.writeTextFile(
      config,
      [
        ...host("jumped", [`IdentityFile ${sshd.identity}`, "ProxyJump mito"]),
        ...host("jumped-nowhere", [`IdentityFile ${sshd.identity}`, "ProxyJump mito-unknown"]),
        // No key file: only the agent holds one.
        ...host("by-agent", ["IdentitiesOnly no", `IdentityAgent ${agentSocket}`]),
        "Host *",
        `  Include ${sshd.sshConfig}`,
        "",
      ].join("\n"),
    );
    const call = (target: string) =>
      runCli(["call", "-F", config, target, "node:os#userInfo", "--json"]);

    await t.step("a host behind ProxyJump is reached through the jump host", async () => {
      const r = await call("jumped");
      strictEqual(r.code, ExitCode.ok, r.stderr);
      strictEqual(JSON.parse(r.stdout).value.username, TEST_USERS.full);
      // The same host behind a jump host that does not resolve: the jump was taken.
      const nowhere = await call("jumped-nowhere");
      strictEqual(nowhere.code, ExitCode.connection, nowhere.stderr);
      // With --json the failure, too, is a JSON line on stdout.
      match(nowhere.stdout, new RegExp(`Could not resolve hostname ${UNKNOWN_HOST}`));
    });

    await t.step("a key held only by the agent logs in", async () => {
      const before = await call("by-agent");
      strictEqual(before.code, ExitCode.connection, before.stderr);
      match(before.stdout, /Permission denied \(publickey\)/);
      const add = await new Deno.Command("ssh-add", {
        args: [sshd.identity],
        env: { SSH_AUTH_SOCK: agentSocket },
        stdout: "null",
        stderr: "piped",
      }).output();
      strictEqual(add.code, 0, new TextDecoder().decode(add.stderr));
      const after = await call("by-agent");
      strictEqual(after.code, ExitCode.ok, after.stderr);
      strictEqual(JSON.parse(after.stdout).value.username, TEST_USERS.full);
    });
  } finally {
    agent.kill("SIGTERM");
    await agent.status;
    await Deno.remove(dir, { recursive: true });
  }
});
