/**
 * A throwaway OpenSSH server on loopback for tests: its own host key, client keys, two
 * unprivileged users and an `ssh_config` with ready-made host aliases. Needs root and
 * `/usr/sbin/sshd` (Debian: `openssh-server`).
 *
 * ```ts ignore
 * await using sshd = await startSshd();
 * await new Deno.Command("ssh", { args: ["-F", sshd.sshConfig, "mito", "true"] }).output();
 * ```
 *
 * @module
 */

import { freePort } from "./free_port.ts";
import { denoPath, makeTraversable, SYSTEM_NODE } from "./runtimes.ts";

/** Options of {@linkcode startSshd}. */
export interface SshdOptions {
  /**
   * Extra `sshd_config` lines. Lines before the first `Match` come ahead of the fixture's own
   * settings, so they override them (sshd keeps the first value of a keyword); `Match` blocks
   * come after the fixture's. Default: none.
   */
  extraConfig?: string[];
  /** sshd's `MaxStartups`: unauthenticated connections allowed at once. Default: 200. */
  maxStartups?: number;
}

/** A running sshd; `await using` stops it and removes its files. */
export interface Sshd extends AsyncDisposable {
  /** Address sshd listens on: `"127.0.0.1"`. */
  readonly host: string;
  /** Port sshd listens on. */
  readonly port: number;
  /** Process id of the listening sshd. */
  readonly pid: number;
  /** Temporary directory holding keys, configs and logs; removed on dispose. */
  readonly dir: string;
  /**
   * `ssh_config` for clients (`ssh -F`). Aliases: `mito` (users.full), `mito-bare`
   * (users.bare), `mito-badkey` (users.full with a key sshd refuses) and `mito-unknown`
   * (a host name that does not resolve).
   */
  readonly sshConfig: string;
  /** Private key accepted for the test users. */
  readonly identity: string;
  /** Private key accepted nowhere. */
  readonly wrongIdentity: string;
  /** `known_hosts` file trusting this sshd's host key. */
  readonly knownHosts: string;
  /**
   * Users that accept `identity`: `full` finds `deno` and `node` on its PATH, `bare` finds
   * neither but has `sh` and coreutils.
   */
  readonly users: { full: string; bare: string };
  /** Tail of sshd's log, for assertion messages. */
  log(): Promise<string>;
  /** Kills sshd and every session it started, and removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

/** Path of the sshd executable; sshd must be started by absolute path. */
export const SSHD_PATH = "/usr/sbin/sshd";

/** The unprivileged users the fixture creates when they are missing. */
export const TEST_USERS: { readonly full: string; readonly bare: string } = {
  full: "mitoctl-t1",
  bare: "mitoctl-t2",
};

/** Host name of the `mito-unknown` alias; `.invalid` never resolves (RFC 2606). */
export const UNKNOWN_HOST = "mitoctl-no-such-host.invalid";

/** Default of {@linkcode SshdOptions.maxStartups}. */
export const DEFAULT_MAX_STARTUPS = 200;

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

const HOST = "127.0.0.1";
const BIND_ATTEMPTS = 5;
const LOG_TAIL_LINES = 60;
// Serialises user creation across parallel test processes; users are machine-wide.
const USERS_LOCK = "/tmp/mitoctl-test-users.lock";

/**
 * Starts sshd on a free loopback port, creating the test users if they are missing. The
 * returned server is always stopped on dispose, including its live sessions.
 */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  if (Deno.uid() !== 0) {
    throw new Error(`Cannot start sshd as uid ${Deno.uid()}: sshd must run as root`);
  }
  if (!await exists(SSHD_PATH)) {
    throw new Error(`Cannot start sshd: "${SSHD_PATH}" is missing (install openssh-server)`);
  }
  // Privilege separation needs this; it is lost on reboot (tmpfs).
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await ensureUsers();

  const dir = await Deno.makeTempDir({ prefix: "mitoctl-sshd-" });
  let child: Deno.ChildProcess | undefined;
  try {
    // sshd reads authorized_keys as the user, and the users run tools linked from here.
    await Deno.chmod(dir, 0o755);
    const paths = filesIn(dir);
    await Promise.all([
      keygen(paths.hostKey, "mitoctl test host"),
      keygen(paths.identity, "mitoctl test client"),
      keygen(paths.wrongIdentity, "mitoctl refused client"),
      linkTools(paths.fullBin, fullTools()),
      linkTools(paths.bareBin, Object.fromEntries(BARE_TOOLS.map((name) => [name, name]))),
      makeTraversable(denoPath()),
    ]);
    await Deno.copyFile(`${paths.identity}.pub`, paths.authorizedKeys);
    await Deno.chmod(paths.authorizedKeys, 0o644);

    let port = 0;
    for (let attempt = 1;; attempt++) {
      port = freePort(HOST);
      await Deno.writeTextFile(paths.sshdConfig, sshdConfig(paths, port, options));
      // sshd appends to its log; each attempt is judged by its own lines.
      await Deno.remove(paths.log).catch(() => {});
      child = spawnSshd(paths);
      const outcome = await waitListening(child, paths.log, port);
      if (outcome === "listening") break;
      const log = await readLog(paths.log, child);
      child = undefined;
      // Another process took the port between freePort() and sshd's bind.
      if (!/Address already in use/.test(log) || attempt === BIND_ATTEMPTS) {
        throw new Error(`Cannot start sshd on ${HOST}:${port}: ${outcome}\n${log}`);
      }
    }

    const hostKey = (await Deno.readTextFile(`${paths.hostKey}.pub`)).trim();
    await Deno.writeTextFile(
      paths.knownHosts,
      `[${HOST}]:${port},[localhost]:${port} ${hostKey}\n`,
    );
    await Deno.writeTextFile(paths.sshConfig, sshConfig(paths, port));
    return running(child, port, paths);
  } catch (error) {
    if (child !== undefined) await killTree(child);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

type Paths = ReturnType<typeof filesIn>;

function filesIn(dir: string) {
  return {
    dir,
    hostKey: `${dir}/host_ed25519`,
    identity: `${dir}/id_ed25519`,
    wrongIdentity: `${dir}/id_wrong_ed25519`,
    authorizedKeys: `${dir}/authorized_keys`,
    knownHosts: `${dir}/known_hosts`,
    sshdConfig: `${dir}/sshd_config`,
    sshConfig: `${dir}/ssh_config`,
    pidFile: `${dir}/sshd.pid`,
    log: `${dir}/sshd.log`,
    fullBin: `${dir}/bin-full`,
    bareBin: `${dir}/bin-bare`,
  };
}

/** The server as tests see it; stopping is memoised so dispose after stop() is harmless. */
function running(child: Deno.ChildProcess, port: number, paths: Paths): Sshd {
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= killTree(child).finally(() =>
      Deno.remove(paths.dir, { recursive: true }).catch(() => {})
    );
  return {
    host: HOST,
    port,
    pid: child.pid,
    dir: paths.dir,
    sshConfig: paths.sshConfig,
    identity: paths.identity,
    wrongIdentity: paths.wrongIdentity,
    knownHosts: paths.knownHosts,
    users: { full: TEST_USERS.full, bare: TEST_USERS.bare },
    log: () => readLog(paths.log, child),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function sshdConfig(paths: Paths, port: number, options: SshdOptions): string {
  const extra = options.extraConfig ?? [];
  const firstMatch = extra.findIndex((line) => /^\s*Match\s/i.test(line));
  const [extraGlobal, extraMatch] = firstMatch === -1
    ? [extra, []]
    : [extra.slice(0, firstMatch), extra.slice(firstMatch)];
  const standardPath = "/usr/local/bin:/usr/bin:/bin";
  return [
    ...extraGlobal,
    `ListenAddress ${HOST}:${port}`,
    `HostKey "${paths.hostKey}"`,
    `PidFile "${paths.pidFile}"`,
    `AuthorizedKeysFile "${paths.authorizedKeys}"`,
    // Keys live in a temporary directory that StrictModes would reject.
    "StrictModes no",
    // Without PAM an account whose password field is "!" cannot log in; the users get "*".
    "UsePAM no",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin prohibit-password",
    `MaxStartups ${options.maxStartups ?? DEFAULT_MAX_STARTUPS}`,
    "LogLevel INFO",
    "PrintMotd no",
    "X11Forwarding no",
    "Subsystem sftp internal-sftp",
    // SetEnv overrides the PATH sshd would set; bash started by sshd keeps it.
    `Match User ${TEST_USERS.full}`,
    `  SetEnv "PATH=${paths.fullBin}:${standardPath}"`,
    `Match User ${TEST_USERS.bare}`,
    `  SetEnv "PATH=${paths.bareBin}"`,
    ...extraMatch,
    "",
  ].join("\n");
}

function sshConfig(paths: Paths, port: number): string {
  const alias = (name: string, hostName: string, user: string, identity: string) => [
    `Host ${name}`,
    `  HostName ${hostName}`,
    `  Port ${port}`,
    `  User ${user}`,
    `  IdentityFile "${identity}"`,
  ];
  return [
    ...alias("mito", HOST, TEST_USERS.full, paths.identity),
    ...alias("mito-bare", HOST, TEST_USERS.bare, paths.identity),
    ...alias("mito-badkey", HOST, TEST_USERS.full, paths.wrongIdentity),
    ...alias("mito-unknown", UNKNOWN_HOST, TEST_USERS.full, paths.identity),
    // ssh keeps the first value it reads, so these defaults come last.
    "Host *",
    "  StrictHostKeyChecking yes",
    `  UserKnownHostsFile "${paths.knownHosts}"`,
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
    "",
  ].join("\n");
}

function spawnSshd(paths: Paths): Deno.ChildProcess {
  return new Deno.Command(SSHD_PATH, {
    args: ["-D", "-f", paths.sshdConfig, "-E", paths.log],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** Resolves once sshd logs that it listens on `port`, or with why it never will. */
async function waitListening(
  child: Deno.ChildProcess,
  logFile: string,
  port: number,
): Promise<"listening" | string> {
  const listening = `Server listening on ${HOST} port ${port}.`;
  let exited: string | undefined;
  child.status.then((status) => exited = `sshd exited with code ${status.code}`);
  const deadline = Date.now() + SSHD_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const log = await Deno.readTextFile(logFile).catch(() => "");
    if (log.includes(listening)) return "listening";
    if (exited !== undefined) return exited;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await killTree(child);
  return `sshd did not listen within ${SSHD_START_TIMEOUT_MS} ms`;
}

/** Kills sshd and all its descendants (sessions call setsid, so a process group is no use). */
async function killTree(child: Deno.ChildProcess): Promise<void> {
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

async function readLog(logFile: string, child: Deno.ChildProcess): Promise<string> {
  const log = await Deno.readTextFile(logFile).catch((error) => `(no log: ${error})`);
  const lines = log.trimEnd().split("\n");
  return `sshd pid ${child.pid}, log ${logFile}:\n${lines.slice(-LOG_TAIL_LINES).join("\n")}`;
}

function keygen(path: string, comment: string): Promise<void> {
  return run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path]);
}

/** The full user's extra tools: the pinned Deno and the system Node. */
function fullTools(): Record<string, string> {
  return { deno: denoPath(), node: SYSTEM_NODE };
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

/** Creates the test users if missing and makes sure they can log in by key quickly. */
async function ensureUsers(): Promise<void> {
  const users = [TEST_USERS.full, TEST_USERS.bare];
  if ((await Promise.all(users.map(userIsReady))).every(Boolean)) return;
  using lock = await Deno.open(USERS_LOCK, { create: true, write: true });
  await lock.lock(true);
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

async function userIsReady(user: string): Promise<boolean> {
  const entry = await passwdEntry(user);
  if (entry === undefined || entry.shell !== "/bin/bash") return false;
  const shadow = await Deno.readTextFile("/etc/shadow").catch(() => "");
  const password = shadow.split("\n").find((line) => line.startsWith(`${user}:`))?.split(":")[1];
  if (password !== "*") return false;
  const bashrc = await Deno.readTextFile(`${entry.home}/.bashrc`).catch(() => undefined);
  return bashrc === "";
}

async function passwdEntry(
  user: string,
): Promise<{ uid: number; gid: number; home: string; shell: string } | undefined> {
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

async function run(command: string, args: string[]): Promise<void> {
  const output = await new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`"${command} ${args.join(" ")}" failed with code ${output.code}: ${stderr}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}
