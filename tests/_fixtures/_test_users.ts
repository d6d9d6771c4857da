/**
 * The unprivileged users the ssh fixtures log in as. Users are machine-wide, so every change
 * to them happens under one lock shared by all test processes.
 *
 * @module
 */

import { run } from "./_sshd_parts.ts";

/** The unprivileged users the fixtures create when they are missing. */
export const TEST_USERS: { readonly full: string; readonly bare: string } = {
  full: "mitoctl-t1",
  bare: "mitoctl-t2",
};

/** A user's `/etc/passwd` fields that the fixtures need. */
export interface PasswdEntry {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

// Serialises user changes across parallel test processes.
const USERS_LOCK = "/tmp/mitoctl-test-users.lock";
// Root-only (tmpfs, lost on reboot): a new password is then made and set again.
const PASSWORD_FILE = "/run/mitoctl-test-password";

/** Creates the test users if missing and makes sure they can log in by key quickly. */
export async function ensureUsers(): Promise<void> {
  const users = [TEST_USERS.full, TEST_USERS.bare];
  if ((await Promise.all(users.map(userIsReady))).every(Boolean)) return;
  using _lock = await usersLock();
  for (const user of users) {
    if (await userIsReady(user)) continue;
    if (await passwdEntry(user) === undefined) {
      await run("useradd", [
        "--create-home",
        "--user-group",
        "--shell",
        "/bin/bash",
        "--comment",
        "mitoctl test user",
        user,
      ]);
    }
    // With UsePAM no, sshd treats "!" (useradd's default) as locked; "*" only refuses passwords.
    await run("usermod", ["--password", "*", "--shell", "/bin/bash", user]);
    const entry = await passwdEntry(user);
    if (entry === undefined) throw new Error(`Cannot find user "${user}" after creating it`);
    await Deno.mkdir(entry.home, { recursive: true, mode: 0o755 });
    // bash started by sshd reads ~/.bashrc even for `ssh host cmd`; keep it empty and fast.
    await Deno.writeTextFile(`${entry.home}/.bashrc`, "");
    await run("chown", ["-R", `${entry.uid}:${entry.gid}`, entry.home]);
  }
}

/**
 * Gives `user` the machine's test password and returns it. The password is random, made once
 * per boot and kept in a root-only file, so parallel test processes agree on it and nobody
 * else can read it. Call {@linkcode ensureUsers} first.
 */
export async function ensurePassword(user: string): Promise<string> {
  using _lock = await usersLock();
  let password = await Deno.readTextFile(PASSWORD_FILE).catch(() => "");
  if (!/^[0-9a-f]{32}$/.test(password)) {
    password = Array.from(crypto.getRandomValues(new Uint8Array(16)))
      .map((byte) => byte.toString(16).padStart(2, "0")).join("");
    await Deno.writeTextFile(PASSWORD_FILE, password, { mode: 0o600 });
  }
  // Setting the same password again keeps sudo in other test processes working.
  await run("chpasswd", [], `${user}:${password}\n`);
  return password;
}

/** The `/etc/passwd` entry of `user`, or undefined if there is none. */
export async function passwdEntry(user: string): Promise<PasswdEntry | undefined> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  const fields = passwd.split("\n").find((line) => line.startsWith(`${user}:`))?.split(":");
  if (fields === undefined || fields.length < 7) return undefined;
  return {
    uid: Number(fields[2]),
    gid: Number(fields[3]),
    home: fields[5] ?? "",
    shell: fields[6] ?? "",
  };
}

async function usersLock(): Promise<Deno.FsFile> {
  const lock = await Deno.open(USERS_LOCK, { create: true, write: true });
  await lock.lock(true);
  return lock;
}

async function userIsReady(user: string): Promise<boolean> {
  const entry = await passwdEntry(user);
  if (entry === undefined || entry.shell !== "/bin/bash") return false;
  const shadow = await Deno.readTextFile("/etc/shadow").catch(() => "");
  const password = shadow.split("\n").find((line) => line.startsWith(`${user}:`))?.split(":")[1];
  // "*" refuses passwords; a hash is the test password. Empty or "!…" would lock out sshd.
  if (password === undefined || password === "" || password.startsWith("!")) return false;
  const bashrc = await Deno.readTextFile(`${entry.home}/.bashrc`).catch(() => undefined);
  return bashrc === "";
}
