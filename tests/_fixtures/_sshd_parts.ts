/**
 * Pieces shared by the fixtures that run throwaway OpenSSH servers: keys, configuration
 * blocks, the users' tool directories, starting sshd and stopping it with all its sessions.
 *
 * @module
 */

import { denoPath, testNode } from "./runtimes.ts";

/** Path of the sshd executable; sshd must be started by absolute path. */
export const SSHD_PATH = "/usr/sbin/sshd";

/** How long sshd may take to start listening before the fixture gives up, in milliseconds. */
export const SSHD_START_TIMEOUT_MS = 10_000;

/** Tools on the bare user's PATH: a shell and coreutils, and no JavaScript runtime. */
export const BARE_TOOLS: readonly string[] = (
  "sh dash bash grep sed ps kill sudo which " +
  "[ arch b2sum base32 base64 basename basenc cat chgrp chmod chown cksum comm cp csplit cut " +
  "date dd df dir dirname du echo env expand expr factor false fmt fold groups head hostid id " +
  "install join link ln logname ls md5sum mkdir mkfifo mknod mktemp mv nice nl nohup nproc " +
  "numfmt od paste pathchk pr printenv printf ptx pwd readlink realpath rm rmdir seq sha1sum " +
  "sha224sum sha256sum sha384sum sha512sum shred shuf sleep sort split stat stdbuf stty sum " +
  "sync tac tail tee test timeout touch tr true truncate tsort tty uname unexpand uniq unlink " +
  "users wc who whoami yes"
).split(" ");

const LOG_TAIL_LINES = 60;

/**
 * `sshd_config` lines every fixture server shares: `global` ones for key-only logins by the
 * test users, and `perUser` `Match` blocks setting each user's PATH, which must come after
 * every global line.
 */
export function serverSettings(
  users: { full: string; bare: string },
  bins: { full: string; bare: string },
): { global: string[]; perUser: string[] } {
  const standardPath = "/usr/local/bin:/usr/bin:/bin";
  const global = [
    // Keys live in a temporary directory that StrictModes would reject.
    "StrictModes no",
    // Without PAM an account whose password field is "!" cannot log in; the users get "*" or
    // a password.
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    "LogLevel INFO",
    "PrintMotd no",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
  ];
  const perUser = [
    // SetEnv overrides the PATH sshd would set; bash started by sshd keeps it.
    `Match User ${users.full}`,
    `  SetEnv "PATH=${bins.full}:${standardPath}"`,
    `Match User ${users.bare}`,
    `  SetEnv "PATH=${bins.bare}"`,
  ];
  return { global, perUser };
}

/**
 * The `Host *` block ending every fixture `ssh_config`: strict host keys from `knownHosts`,
 * no prompts, no agent, no connection sharing. ssh keeps the first value it reads, so this
 * block comes last.
 */
export function clientDefaults(knownHosts: string): string[] {
  return [
    "Host *",
    "  StrictHostKeyChecking yes",
    `  UserKnownHostsFile "${knownHosts}"`,
    "  GlobalKnownHostsFile /dev/null",
    "  UpdateHostKeys no",
    "  BatchMode yes",
    "  IdentitiesOnly yes",
    "  IdentityAgent none",
    "  ForwardAgent no",
    "  ControlMaster no",
    "  ControlPath none",
    "  ConnectTimeout 10",
    "  LogLevel ERROR",
  ];
}

/**
 * Creates `bins.full` with the pinned Deno and a supported Node ({@linkcode testNode}), and
 * `bins.bare` with {@linkcode BARE_TOOLS}, each as symlinks that every user may follow.
 */
export async function linkUserTools(bins: { full: string; bare: string }): Promise<void> {
  await Promise.all([
    linkTools(bins.full, { deno: denoPath(), node: (await testNode()).path }),
    linkTools(bins.bare, Object.fromEntries(BARE_TOOLS.map((name) => [name, name]))),
  ]);
}

/** Makes an unencrypted ed25519 key pair at `path` and `path.pub`. */
export async function keygen(path: string, comment: string): Promise<void> {
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** Resolves once `logFile` holds `line`, or with why it never will. */
export async function waitForLog(
  child: Deno.ChildProcess,
  logFile: string,
  line: string,
): Promise<"listening" | string> {
  let exited: string | undefined;
  child.status.then((status) => exited = `sshd exited with code ${status.code}`);
  const deadline = Date.now() + SSHD_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const log = await Deno.readTextFile(logFile).catch(() => "");
    if (log.includes(line)) return "listening";
    if (exited !== undefined) return exited;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await killTree(child);
  return `sshd did not listen within ${SSHD_START_TIMEOUT_MS} ms`;
}

/** Kills sshd and all its descendants (sessions call setsid, so a process group is no use). */
export async function killTree(child: Deno.ChildProcess): Promise<void> {
  try {
    // Stopped, the listener accepts no new session while its tree is collected.
    Deno.kill(child.pid, "SIGSTOP");
    for (const pid of await descendants(child.pid)) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    Deno.kill(child.pid, "SIGKILL");
  } catch {
    // The listener has exited already.
  }
  await child.status;
}

/** The last lines of sshd's log, headed by its pid and path, for assertion messages. */
export async function readLog(logFile: string, pid: number): Promise<string> {
  const log = await Deno.readTextFile(logFile).catch((error) => `(no log: ${error})`);
  const lines = log.trimEnd().split("\n");
  return `sshd pid ${pid}, log ${logFile}:\n${lines.slice(-LOG_TAIL_LINES).join("\n")}`;
}

/** Exit code and decoded output of a finished command. */
export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` to completion, feeding it `input`, and returns what it printed. */
export async function capture(command: string, args: string[], input?: string): Promise<Captured> {
  const child = new Deno.Command(command, {
    args,
    stdin: input === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (input !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `command` like {@linkcode capture}, returning its stdout; throws if it fails. */
export async function run(command: string, args: string[], input?: string): Promise<string> {
  const output = await capture(command, args, input);
  if (output.code !== 0) {
    const stderr = output.stderr.trim();
    throw new Error(`"${command} ${args.join(" ")}" failed with code ${output.code}: ${stderr}`);
  }
  return output.stdout;
}

/** Whether `path` exists (following symlinks). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${entry.name}/stat`).catch(() => "");
    // Fields after the parenthesised command name: state, ppid, …
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!Number.isInteger(ppid)) continue;
    children.set(ppid, [...children.get(ppid) ?? [], Number(entry.name)]);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Creates `dir` with a symlink per tool; bare names are looked up in /usr/bin and /bin. */
async function linkTools(dir: string, tools: Record<string, string>): Promise<void> {
  await Deno.mkdir(dir, { mode: 0o755 });
  await Deno.chmod(dir, 0o755);
  for (const [name, target] of Object.entries(tools)) {
    const candidates = target.startsWith("/") ? [target] : [`/usr/bin/${target}`, `/bin/${target}`];
    for (const candidate of candidates) {
      if (await exists(candidate)) {
        await Deno.symlink(candidate, `${dir}/${name}`);
        break;
      }
    }
  }
}
