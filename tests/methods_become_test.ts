/**
 * sudo, su and doas as the first hop, on the master's own machine, and doas behind another hop:
 * real sudo, su and doas (Debian's opendoas) with real rules, passwords typed only when asked.
 */

import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import { AuthenticationError, ExitCode, Router } from "../mod.ts";
import { type CliResult, mitoctlArgv, runCli } from "./_fixtures/cli.ts";
import { doasRules } from "./_fixtures/doas.ts";
import { ensurePassword, ensureUsers, passwdEntry, TEST_USERS } from "./_fixtures/_test_users.ts";
import { makeTraversable } from "./_fixtures/runtimes.ts";
import { sudoRules } from "./_fixtures/sudoers.ts";

// Rules and users are machine-wide: these tests run as root. In CI they must run.
const unavailable = Deno.uid() !== 0 ? "they need root (users, sudo, doas.conf)" : undefined;
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the sudo, su and doas tests: ${unavailable}`);

const { full, bare } = TEST_USERS;
const options = { ignore, sanitizeResources: false, sanitizeOps: false };

/** `mitoctl <args>` run as `user` (a master that is not root), with its own home. */
async function runCliAs(user: string, args: string[]): Promise<CliResult> {
  const entry = (await passwdEntry(user))!;
  const started = performance.now();
  const out = await new Deno.Command("runuser", {
    args: ["-u", user, "--", "env", `HOME=${entry.home}`, "NO_COLOR=1", ...mitoctlArgv(), ...args],
    cwd: "/",
    stdin: "null",
  }).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
    ms: performance.now() - started,
  };
}

/** A file holding `text` that the test users can read. */
async function readableFile(text: string): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "mitoctl-become-" });
  await Deno.writeTextFile(path, `${text}\n`);
  await Deno.chmod(path, 0o644);
  return path;
}

function username(result: CliResult): string {
  strictEqual(result.code, ExitCode.ok, `${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout).username;
}

Deno.test(
  { name: "sudo, su and doas work as the first hop on this machine", ...options },
  async () => {
    await ensureUsers();
    await using _rules = await doasRules([`permit nopass root as ${bare}`]);
    strictEqual(username(await runCli(["call", `sudo:${bare}`, "node:os#userInfo"])), bare);
    strictEqual(username(await runCli(["call", `su:${full}`, "node:os#userInfo"])), full);
    strictEqual(username(await runCli(["call", `doas:${bare}`, "node:os#userInfo"])), bare);
    // The library: sudo without `via` runs here.
    await using router = new Router();
    const ctx = await router.sudo({ user: bare });
    strictEqual(ctx.name, `sudo:${bare}`);
    strictEqual((await ctx.call<{ username: string }>("node:os", "userInfo")).username, bare);
    // A rule doas does not have: its own words, exit 3.
    const refused = await runCli(["call", `doas:${full}`, "node:os#hostname"]);
    strictEqual(refused.code, ExitCode.connection, refused.stderr);
    match(
      refused.stderr,
      /^mitoctl: The remote stage on "doas:mitoctl-t1" exited with code 1 .*Operation not permitted/,
    );
  },
);

Deno.test(
  { name: "sudo as the first hop under a requiretty rule gets a terminal", ...options },
  async () => {
    // The rule holds for sudo to nobody only, whom no other test becomes: tests running beside
    // this one keep their own rules.
    await using _rules = await sudoRules(["Defaults>nobody requiretty"]);
    await makeTraversable(Deno.execPath());
    const plain = await new Deno.Command("sudo", {
      args: ["-n", "-u", "nobody", "true"],
      env: { LC_ALL: "C" },
      stdin: "null",
    }).output();
    match(new TextDecoder().decode(plain.stderr), /you must have a tty/, "precondition");
    strictEqual(username(await runCli(["call", "sudo:nobody", "node:os#userInfo"])), "nobody");
    // The library, and every byte value both ways through the terminal's pipes.
    await using router = new Router();
    const ctx = await router.sudo({ user: "nobody" });
    strictEqual(await ctx.call("node:process", "getuid"), 65534);
    const bytes = new Uint8Array(256 * 1024).map((_, i) => (i * 7919) % 256);
    deepStrictEqual(
      await ctx.eval((b: Uint8Array) => b.map((x) => 255 - x), bytes),
      bytes.map((x) => 255 - x),
    );
  },
);

Deno.test({
  name: "doas types its password only when asked, here and behind a hop; a wrong one is exit 5",
  ...options,
}, async (t) => {
  await ensureUsers();
  const password = await ensurePassword(full);
  await using _rules = await doasRules([
    `permit ${full} as ${bare}`,
    `permit nopass ${full} as root`,
  ]);
  const right = await readableFile(password);
  const wrong = await readableFile("not-the-password");
  await makeTraversable(Deno.execPath());
  try {
    await t.step("on the master's machine, with a master that is not root", async () => {
      const ok1 = await runCliAs(full, [
        "call",
        "--sudo-password-file",
        right,
        `doas:${bare}`,
        "node:os#userInfo",
      ]);
      strictEqual(username(ok1), bare);
      // nopass: nothing asked, nothing typed, though a password was given.
      const root = await runCliAs(full, [
        "call",
        "--sudo-password-file",
        wrong,
        "doas",
        "node:process#getuid",
      ]);
      strictEqual(root.code, ExitCode.ok, root.stderr);
      strictEqual(root.stdout.trim(), "0");
      const bad = await runCliAs(full, [
        "call",
        "--sudo-password-file",
        wrong,
        `doas:${bare}`,
        "node:os#hostname",
      ]);
      strictEqual(bad.code, ExitCode.auth, bad.stderr);
      strictEqual(
        bad.stderr,
        `mitoctl: Cannot start "doas:${bare}": doas:${bare} refused the password\n`,
      );
      ok(bad.ms < 5000, `took ${bad.ms.toFixed(0)} ms`);
    });

    await t.step("behind a hop, in the remote stage", async () => {
      const target = `sudo:${full}/doas:${bare}`;
      strictEqual(
        username(
          await runCli(["call", "--sudo-password-file", right, target, "node:os#userInfo"]),
        ),
        bare,
      );
      const bad = await runCli(["call", "--sudo-password-file", wrong, target, "node:os#hostname"]);
      strictEqual(bad.code, ExitCode.auth, bad.stderr);
      strictEqual(
        bad.stderr,
        `mitoctl: Cannot start "${target}": doas:${bare} refused the password\n`,
      );
      ok(bad.ms < 5000, `took ${bad.ms.toFixed(0)} ms`);
      ok(!bad.stderr.includes("not-the-password"));
      await using router = new Router();
      await rejects(
        router.connect(target),
        (e) =>
          e instanceof AuthenticationError &&
          e.message === `Cannot start "${target}": doas:${bare} asked for a password and none ` +
              "was given",
      );
    });
  } finally {
    await Deno.remove(right);
    await Deno.remove(wrong);
  }
});
