/**
 * ssh password logins against a real sshd where the test user has a password and no key: from
 * the CLI (a file, the terminal), the library and an inventory; a wrong password, a host key to
 * confirm and a keyboard-interactive question each end at once with their own exit code; the
 * password never shows in a command line, an environment or a log.
 */

import { doesNotMatch, match, ok, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { runCli, typeOnTerminal } from "./_fixtures/cli.ts";
import { allProcesses, processesShowing } from "./_fixtures/proc_scan.ts";
import { startSshd, TEST_USERS } from "./_fixtures/sshd.ts";
import { ensurePassword } from "./_fixtures/_test_users.ts";

/** sshd lines: the full test user logs in by password only. */
const PASSWORD_ONLY = [
  `Match User ${TEST_USERS.full}`,
  "  PasswordAuthentication yes",
  "  PubkeyAuthentication no",
];

/** Long enough that a hang shows as exit 4 (timeout), not as the exit code asserted. */
const CONNECT_TIMEOUT_S = "20";

Deno.test("ssh password logins on the first hop", async (t) => {
  await using sshd = await startSshd({ extraConfig: PASSWORD_ONLY });
  const password = await ensurePassword(TEST_USERS.full);
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-password-" });
  const file = async (name: string, text: string) => {
    await Deno.writeTextFile(`${dir}/${name}`, text, { mode: 0o600 });
    return `${dir}/${name}`;
  };
  const passwordFile = await file("pw", `${password}\n`);
  const base = ["-F", sshd.sshConfig, "--connect-timeout", CONNECT_TIMEOUT_S];
  try {
    await t.step(
      "--password-file logs in; -v shows the ssh argv but never the password",
      async () => {
        const r = await runCli([
          "call",
          "-v",
          ...base,
          "--password-file",
          passwordFile,
          "mito",
          "node:os#userInfo",
        ]);
        strictEqual(r.code, 0, r.stderr);
        strictEqual(JSON.parse(r.stdout).username, TEST_USERS.full);
        match(r.stderr, /BatchMode=no/);
        ok(!r.stderr.includes(password) && !r.stdout.includes(password));
      },
    );

    await t.step(
      "the library logs in; no process shows the password, in argv or environment",
      async () => {
        const logs: string[] = [];
        await using router = new Router({ onLog: (l) => logs.push(l.text) });
        const ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, password });
        strictEqual(await ctx.call("node:os", "hostname"), Deno.hostname());
        // The ssh that logged in is there to be looked at, with only the rendezvous.
        const ssh = (await allProcesses()).filter((p) => p.environ.includes("MITOCTL_ASKPASS="));
        ok(ssh.some((p) => p.cmdline.includes(sshd.sshConfig)), "the ssh process was not found");
        strictEqual((await processesShowing(password)).join("\n"), "");
        ok(!logs.some((l) => l.includes(password)));
      },
    );

    await t.step("an inventory's ansible_password is used, with a warning", async () => {
      const inventory = await file("hosts.ini", `mito ansible_password=${password}\n`);
      const r = await runCli(["call", ...base, "-i", inventory, "mito", "node:os#userInfo"]);
      strictEqual(r.code, 0, r.stderr);
      strictEqual(JSON.parse(r.stdout).username, TEST_USERS.full);
      match(
        r.stderr,
        /warning: Inventory ".*hosts.ini" holds passwords in plain text \(ansible_password of host "mito"\)/,
      );
      ok(!r.stderr.includes(password));
    });

    await t.step("a wrong password fails with exit 5, not a timeout", async () => {
      const wrong = await file("wrong", "not-the-password\n");
      const r = await runCli([
        "call",
        ...base,
        "--password-file",
        wrong,
        "mito",
        "node:os#hostname",
      ]);
      strictEqual(r.code, 5, r.stderr);
      match(r.stderr, /Cannot connect to "mito": the password was refused/);
    });

    await t.step("a host key to confirm is refused with exit 3, not a hang", async () => {
      const r = await runCli([
        "call",
        ...base,
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "StrictHostKeyChecking=ask",
        "--password-file",
        passwordFile,
        "mito",
        "node:os#hostname",
      ]);
      strictEqual(r.code, 3, r.stderr);
      match(
        r.stderr,
        /ssh asked to confirm the host key, and mitoctl does not answer host-key prompts/,
      );
    });

    await t.step("without a password, BatchMode stays on and the login fails at once", async () => {
      const r = await runCli(["call", "-v", ...base, "mito", "node:os#hostname"]);
      strictEqual(r.code, 3, r.stderr);
      match(r.stderr, /BatchMode=yes/);
      match(r.stderr, /Permission denied \(password\)/);
    });

    await t.step("--ask-pass reads the password from a terminal, without echo", async () => {
      const out = await typeOnTerminal(
        ["call", ...base, "--ask-pass", "mito", "node:os#userInfo"],
        "ssh password: ",
        `${password}\r`,
      );
      match(out, /"username":"mitoctl-t1"/);
      ok(!out.includes(password), "the password was echoed");
    });

    await t.step("--ask-pass without a terminal is a usage error", async () => {
      const r = await runCli(["call", ...base, "--ask-pass", "mito", "node:os#hostname"]);
      strictEqual(r.code, 2, r.stderr);
      match(r.stderr, /--ask-pass needs a terminal; use --password-file/);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a keyboard-interactive question is refused with exit 5, not answered", async () => {
  // PAM's keyboard-interactive asks "Password:" in the server's own words.
  await using sshd = await startSshd({
    extraConfig: [
      "UsePAM yes",
      "KbdInteractiveAuthentication yes",
      `Match User ${TEST_USERS.full}`,
      "  PasswordAuthentication no",
      "  PubkeyAuthentication no",
    ],
  });
  const password = await ensurePassword(TEST_USERS.full);
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-password-" });
  try {
    await Deno.writeTextFile(`${dir}/pw`, password, { mode: 0o600 });
    const r = await runCli([
      "call",
      "-F",
      sshd.sshConfig,
      "--connect-timeout",
      CONNECT_TIMEOUT_S,
      "--password-file",
      `${dir}/pw`,
      "mito",
      "node:os#hostname",
    ]);
    strictEqual(r.code, 5, r.stderr);
    match(
      r.stderr,
      /the server asked a keyboard-interactive question \("\(mitoctl-t1@127\.0\.0\.1\) Password:"\); mitoctl answers only ssh's own password prompt/,
    );
    doesNotMatch(r.stderr, new RegExp(password));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
