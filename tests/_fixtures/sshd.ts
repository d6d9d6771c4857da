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
import { denoPath, makeTraversable } from "./runtimes.ts";
import {
  clientDefaults,
  exists,
  keygen,
  killTree,
  linkUserTools,
  readLog,
  serverSettings,
  SSHD_PATH,
  waitForLog,
} from "./_sshd_parts.ts";
import { ensureUsers, TEST_USERS } from "./_test_users.ts";

export { BARE_TOOLS, SSHD_PATH, SSHD_START_TIMEOUT_MS } from "./_sshd_parts.ts";
export { TEST_USERS } from "./_test_users.ts";

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

/** Host name of the `mito-unknown` alias; `.invalid` never resolves (RFC 2606). */
export const UNKNOWN_HOST = "mitoctl-no-such-host.invalid";

/** Default of {@linkcode SshdOptions.maxStartups}. */
export const DEFAULT_MAX_STARTUPS = 200;

const HOST = "127.0.0.1";
const BIND_ATTEMPTS = 5;

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
      linkUserTools({ full: paths.fullBin, bare: paths.bareBin }),
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
      const listening = `Server listening on ${HOST} port ${port}.`;
      const outcome = await waitForLog(child, paths.log, listening);
      if (outcome === "listening") break;
      const log = await readLog(paths.log, child.pid);
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
    log: () => readLog(paths.log, child.pid),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function sshdConfig(paths: Paths, port: number, options: SshdOptions): string {
  const [extraGlobal, extraMatch] = splitAtMatch(options.extraConfig ?? []);
  const settings = serverSettings(TEST_USERS, { full: paths.fullBin, bare: paths.bareBin });
  return [
    ...extraGlobal,
    `ListenAddress ${HOST}:${port}`,
    `HostKey "${paths.hostKey}"`,
    `PidFile "${paths.pidFile}"`,
    `AuthorizedKeysFile "${paths.authorizedKeys}"`,
    ...settings.global,
    `MaxStartups ${options.maxStartups ?? DEFAULT_MAX_STARTUPS}`,
    ...settings.perUser,
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
    ...clientDefaults(paths.knownHosts),
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

/** Splits `sshd_config` lines into those before the first `Match` and the rest. */
function splitAtMatch(lines: string[]): [string[], string[]] {
  const firstMatch = lines.findIndex((line) => /^\s*Match\s/i.test(line));
  return firstMatch === -1 ? [lines, []] : [lines.slice(0, firstMatch), lines.slice(firstMatch)];
}
