/**
 * A throwaway network of three ssh hosts in Linux network namespaces, for tests of contexts
 * reached through other contexts. The test process (the master, in the root namespace) reaches
 * only `bastion`; `bastion` reaches `web1` and `web2`; on `web1` the test user may sudo.
 *
 * ```text
 *  master ── 10.231.2k.0/24 ── bastion ── 10.231.2k+1.0/24 (bridge) ─┬─ web1
 *   (root namespace)           (.2, .1)                                └─ web2
 * ```
 *
 * Each host is a namespace `mito-<id>-<host>` with its own sshd on port 22, its own host name
 * (a UTS namespace) and its own `/etc/hosts` and `/etc/ssh/ssh_config` (`ip netns exec` binds
 * `/etc/netns/<ns>/…` over `/etc`). Sessions on any host therefore run `ssh web1` as the test
 * user with no `-F` and no `~/.ssh/config`: the home directories are shared by all hosts and
 * by parallel networks, so the fixture writes nothing there. Reachability, not configuration,
 * keeps the master from `web1`: the bastion refuses to forward to its inner subnet and says so
 * (ICMP), so a direct connection fails at once with "No route to host".
 *
 * Sudo on web1, from a sudoers file whose rules name web1's address, so they hold nowhere else:
 * - `mitoctl-t1` → `mitoctl-t2`: no password, no tty needed;
 * - `mitoctl-t1` → root: asks for {@linkcode TestNetwork.sudoPassword} every time (no lecture,
 *   no cached credentials);
 * - `mitoctl-t2` → `mitoctl-t1`: no password, but a tty is required (`requiretty`).
 *
 * Needs root, iproute2, util-linux (`nsenter`, `unshare`), `openssh-server` and `sudo`.
 *
 * ```ts ignore
 * await using net = await startTestNetwork();
 * await new Deno.Command("ssh", { args: ["-F", net.sshConfig, "bastion", "ssh web1 true"] })
 *   .output();
 * ```
 *
 * @module
 */

import { denoPath, makeTraversable } from "./runtimes.ts";
import {
  capture,
  clientDefaults,
  exists,
  keygen,
  killTree,
  linkUserTools,
  readLog,
  run,
  serverSettings,
  SSHD_PATH,
  waitForLog,
} from "./_sshd_parts.ts";
import { ensurePassword, ensureUsers, passwdEntry, TEST_USERS } from "./_test_users.ts";
import {
  type Addresses,
  addressesOf,
  buildLinks,
  ETC_NETNS,
  HOST_NAMES,
  type HostName,
  ip,
  type Layout,
  NAME_PREFIX,
  nsName,
  randomId,
  removeEtcNetnsIfEmpty,
  SUDOERS_DIR,
  sudoersPath,
  sweepStale,
  tearDown,
} from "./_netns_parts.ts";

export { HOST_NAMES, type HostName, NAME_PREFIX, NETWORK_PREFIX } from "./_netns_parts.ts";

/** One host of a {@linkcode TestNetwork}. */
export interface NetHost {
  /** Name of its network namespace, e.g. `"mito-3fa2c1-web1"`. */
  readonly ns: string;
  /**
   * Address its sshd listens on, as the hosts that may reach it know it: for `bastion` the
   * address the master reaches (the bastion also listens on `innerAddress`).
   */
  readonly address: string;
  /** The bastion's address on the inner subnet; the address itself on `web1` and `web2`. */
  readonly innerAddress: string;
  /** Process id of its listening sshd. */
  readonly sshdPid: number;
}

/** What {@linkcode TestNetwork.exec} returns. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running test network; `await using` tears it down. */
export interface TestNetwork extends AsyncDisposable {
  /** Six hex digits naming the network's namespaces, link and files. */
  readonly id: string;
  /** Temporary directory holding keys, configs and logs; removed on dispose. */
  readonly dir: string;
  /**
   * The master's `ssh_config` (`ssh -F`): aliases `bastion`, `web1` and `web2` as the user
   * {@linkcode TestNetwork.user}. Only `bastion` is reachable from the master.
   */
  readonly sshConfig: string;
  /** Private key every host accepts for the test users. Owned by the user, who uses it too. */
  readonly identity: string;
  /** `known_hosts` trusting all three host keys, used by the master and by every host. */
  readonly knownHosts: string;
  /** The hosts by name. */
  readonly hosts: { readonly bastion: NetHost; readonly web1: NetHost; readonly web2: NetHost };
  /** The master's address on its link to the bastion. */
  readonly masterAddress: string;
  /** The user that logs in everywhere (`mitoctl-t1`); finds `deno` and `node` on its PATH. */
  readonly user: string;
  /** The user that {@linkcode TestNetwork.user} may become on web1 without a password. */
  readonly sudoUser: string;
  /** {@linkcode TestNetwork.user}'s password, which sudo asks for to become root on web1. */
  readonly sudoPassword: string;
  /** The sudoers file holding the web1 rules; removed on dispose. */
  readonly sudoers: string;
  /**
   * Runs `argv` as root inside a host: its network, mounts (its `/etc` files) and host name.
   * For assertions such as `ps` or `ls`.
   */
  exec(host: HostName, argv: string[]): Promise<ExecResult>;
  /**
   * Takes down a host's uplink (bastion: towards the master; web1/web2: towards the bastion).
   * Packets are then dropped silently, as when a cable is pulled: sessions stall, new
   * connections time out.
   */
  cut(host: HostName): Promise<void>;
  /** Brings a host's uplink back up after {@linkcode TestNetwork.cut}. */
  restore(host: HostName): Promise<void>;
  /** Tail of a host's sshd log, for assertion messages. */
  log(host: HostName): Promise<string>;
  /**
   * Kills every process in the namespaces (sshd, sessions, anything left behind), deletes the
   * namespaces and links, and removes the sudoers file and all files. Safe to call twice.
   */
  stop(): Promise<void>;
}

const TOOLS = ["ip", "nsenter", "unshare", "sudo", "visudo", "chpasswd", SSHD_PATH];

/**
 * Why namespace networks cannot be built here, or undefined when they can. Tries what the
 * fixture needs: root, the tools, and a namespace with a veth pair.
 */
export async function namespacesUnavailableReason(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return `the tests run as uid ${Deno.uid()}, not root`;
  for (const tool of TOOLS) {
    if (!await onPath(tool)) return `"${tool}" is missing`;
  }
  const ns = `${NAME_PREFIX}${randomId()}-probe`;
  try {
    await run("ip", ["netns", "add", ns]);
    // Names given with "name": a bare "a" would read as "address".
    await run("ip", ["-n", ns, ..."link add name probe0 type veth peer name probe1".split(" ")]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await run("ip", ["netns", "delete", ns]).catch(() => {});
  }
  return undefined;
}

/** Whether {@linkcode startTestNetwork} can work here (root, tools, namespaces allowed). */
export async function namespacesAvailable(): Promise<boolean> {
  return await namespacesUnavailableReason() === undefined;
}

/** Options of {@linkcode startTestNetwork}. */
export interface TestNetworkOptions {
  /**
   * Extra `sshd_config` lines per host, after the fixture's own (so `Match` blocks go here),
   * e.g. password logins for one user on web1. Default: none.
   */
  sshdExtra?: Partial<Record<HostName, string[]>>;
}

/**
 * Builds the network and starts the three sshds. Networks in parallel processes get distinct
 * names and subnets. Whatever was built is torn down if starting fails, and networks left by
 * a test process that died are torn down first.
 */
export async function startTestNetwork(options: TestNetworkOptions = {}): Promise<TestNetwork> {
  const unavailable = await namespacesUnavailableReason();
  if (unavailable !== undefined) {
    throw new Error(`Cannot build a namespace test network: ${unavailable}`);
  }
  await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
  await ensureUsers();
  const sudoPassword = await ensurePassword(TEST_USERS.full);
  await sweepStale();

  const dir = await Deno.makeTempDir({ prefix: "mitoctl-netns-" });
  const layout: Layout = { id: randomId(), dir, octet: -1 };
  const children = new Map<HostName, Deno.ChildProcess>();
  try {
    await Deno.chmod(dir, 0o755);
    await prepareFiles(dir);
    await buildLinks(layout);
    const files = filesIn(dir);
    const addresses = addressesOf(layout.octet);
    await writeConfigs(layout, addresses, options.sshdExtra ?? {});
    await installSudoers(layout, addresses.web1.inner);
    await Promise.all(HOST_NAMES.map(async (host) => {
      const child = spawnSshd(layout, host);
      children.set(host, child);
      // sshd logs its listen addresses in order; the inner one comes last.
      const listening = `Server listening on ${addresses[host].inner} port 22.`;
      const outcome = await waitForLog(child, files.log(host), listening);
      if (outcome !== "listening") {
        throw new Error(
          `Cannot start sshd on ${host}: ${outcome}\n${await readLog(files.log(host), child.pid)}`,
        );
      }
    }));
    return running(layout, children, sudoPassword);
  } catch (error) {
    await Promise.all([...children.values()].map(killTree));
    await tearDown(layout).catch(() => {});
    await removeEtcNetnsIfEmpty();
    throw error;
  }
}

function filesIn(dir: string) {
  return {
    identity: `${dir}/id_ed25519`,
    authorizedKeys: `${dir}/authorized_keys`,
    knownHosts: `${dir}/known_hosts`,
    sshConfig: `${dir}/ssh_config`,
    innerSshConfig: `${dir}/ssh_config.inner`,
    sudoers: `${dir}/sudoers`,
    bins: { full: `${dir}/bin-full`, bare: `${dir}/bin-bare` },
    hostKey: (host: HostName) => `${dir}/${host}_host_ed25519`,
    sshdConfig: (host: HostName) => `${dir}/${host}_sshd_config`,
    pidFile: (host: HostName) => `${dir}/${host}_sshd.pid`,
    log: (host: HostName) => `${dir}/${host}_sshd.log`,
  };
}

async function prepareFiles(dir: string): Promise<void> {
  const files = filesIn(dir);
  await Promise.all([
    ...HOST_NAMES.map((host) => keygen(files.hostKey(host), `mitoctl test ${host}`)),
    keygen(files.identity, "mitoctl test client"),
    linkUserTools(files.bins),
    makeTraversable(denoPath()),
  ]);
  await Deno.copyFile(`${files.identity}.pub`, files.authorizedKeys);
  await Deno.chmod(files.authorizedKeys, 0o644);
  // The user runs `ssh web1` with this key on the bastion; ssh wants it private to the user.
  const user = await passwdEntry(TEST_USERS.full);
  if (user === undefined) throw new Error(`Cannot find user "${TEST_USERS.full}"`);
  await Deno.chown(files.identity, user.uid, user.gid);
}

/** Writes the sshd configs, the client configs and each namespace's `/etc` files. */
async function writeConfigs(
  layout: Layout,
  addresses: Addresses,
  extra: Partial<Record<HostName, string[]>>,
): Promise<void> {
  const files = filesIn(layout.dir);
  const keyLines = await Promise.all(HOST_NAMES.map(async (host) => {
    const key = (await Deno.readTextFile(`${files.hostKey(host)}.pub`)).trim();
    const names = new Set([host, addresses[host].outer, addresses[host].inner]);
    return `${[...names].join(",")} ${key}\n`;
  }));
  await Deno.writeTextFile(files.knownHosts, keyLines.join(""), { mode: 0o644 });
  const outer = Object.fromEntries(HOST_NAMES.map((host) => [host, addresses[host].outer]));
  const inner = Object.fromEntries(HOST_NAMES.map((host) => [host, addresses[host].inner]));
  await Deno.writeTextFile(files.sshConfig, clientConfig(layout.dir, outer), { mode: 0o644 });
  await Deno.writeTextFile(files.innerSshConfig, clientConfig(layout.dir, inner), { mode: 0o644 });
  const settings = serverSettings(TEST_USERS, files.bins);
  for (const host of HOST_NAMES) {
    const listen = new Set([addresses[host].outer, addresses[host].inner]);
    await Deno.writeTextFile(
      files.sshdConfig(host),
      [
        ...[...listen].map((address) => `ListenAddress ${address}:22`),
        `HostKey "${files.hostKey(host)}"`,
        `PidFile "${files.pidFile(host)}"`,
        `AuthorizedKeysFile "${files.authorizedKeys}"`,
        ...settings.global,
        "MaxStartups 200",
        ...settings.perUser,
        ...extra[host] ?? [],
        "",
      ].join("\n"),
    );
    const etc = `${ETC_NETNS}/${nsName(layout.id, host)}`;
    await Deno.copyFile(files.innerSshConfig, `${etc}/ssh/ssh_config`);
    const hosts = HOST_NAMES.map((name) => `${addresses[name].inner} ${name}`);
    await Deno.writeTextFile(
      `${etc}/hosts`,
      ["127.0.0.1 localhost", `127.0.1.1 ${host}`, ...hosts, ""].join("\n"),
      { mode: 0o644 },
    );
  }
}

function clientConfig(dir: string, addresses: Record<string, string>): string {
  const files = filesIn(dir);
  return [
    ...Object.entries(addresses).flatMap(([host, address]) => [
      `Host ${host}`,
      `  HostName ${address}`,
      `  User ${TEST_USERS.full}`,
      `  IdentityFile "${files.identity}"`,
    ]),
    ...clientDefaults(files.knownHosts),
    "",
  ].join("\n");
}

/**
 * Installs the web1 sudo rules. Their host field is web1's address: sudo matches it against
 * the addresses of the interfaces it sees, which only web1's namespace has, so the rules hold
 * nowhere else (not on the machine itself, not in another network).
 */
async function installSudoers(layout: Layout, web1: string): Promise<void> {
  const { full, bare } = TEST_USERS;
  const rules = [
    // Deterministic prompts: no first-time lecture, no cached credentials between commands.
    `Defaults:${full} lecture=never, timestamp_timeout=0`,
    `Defaults:${bare} requiretty`,
    `${full} ${web1} = (${bare}) NOPASSWD: ALL`,
    `${full} ${web1} = (root) ALL`,
    `${bare} ${web1} = (${full}) NOPASSWD: ALL`,
    "",
  ].join("\n");
  const files = filesIn(layout.dir);
  await Deno.writeTextFile(files.sudoers, rules, { mode: 0o440 });
  await run("visudo", ["-c", "-q", "-f", files.sudoers]);
  // sudo skips names with a dot, so the file appears complete or not at all.
  const staging = `${SUDOERS_DIR}/.mitoctl-${layout.id}`;
  try {
    await Deno.copyFile(files.sudoers, staging);
    await Deno.chmod(staging, 0o440);
    await Deno.rename(staging, sudoersPath(layout.id));
  } catch (error) {
    await Deno.remove(staging).catch(() => {});
    throw error;
  }
}

/** Starts sshd in `host`'s namespace with the host's name; the child is sshd itself. */
function spawnSshd(layout: Layout, host: HostName): Deno.ChildProcess {
  const files = filesIn(layout.dir);
  // ip netns exec, unshare and sh each exec the next, so the pid stays sshd's.
  const script = 'echo "$1" >/proc/sys/kernel/hostname && exec "$0" -D -f "$2" -E "$3"';
  return new Deno.Command("ip", {
    args: [
      ...["netns", "exec", nsName(layout.id, host), "unshare", "--uts", "--"],
      ...["/bin/sh", "-c", script, SSHD_PATH, host, files.sshdConfig(host), files.log(host)],
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/** The network as tests see it; stopping is memoised so dispose after stop() is harmless. */
function running(
  layout: Layout,
  children: Map<HostName, Deno.ChildProcess>,
  sudoPassword: string,
): TestNetwork {
  const files = filesIn(layout.dir);
  const addresses = addressesOf(layout.octet);
  const pid = (host: HostName) => children.get(host)?.pid ?? 0;
  const netHost = (host: HostName): NetHost => ({
    ns: nsName(layout.id, host),
    address: addresses[host].outer,
    innerAddress: addresses[host].inner,
    sshdPid: pid(host),
  });
  const link = (host: HostName, state: "up" | "down") =>
    ip(["-n", nsName(layout.id, host), "link", "set", "eth0", state]);
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= Promise.all([...children.values()].map(killTree))
      .then(() => tearDown(layout))
      .finally(removeEtcNetnsIfEmpty);
  return {
    id: layout.id,
    dir: layout.dir,
    sshConfig: files.sshConfig,
    identity: files.identity,
    knownHosts: files.knownHosts,
    hosts: { bastion: netHost("bastion"), web1: netHost("web1"), web2: netHost("web2") },
    masterAddress: addresses.master,
    user: TEST_USERS.full,
    sudoUser: TEST_USERS.bare,
    sudoPassword,
    sudoers: sudoersPath(layout.id),
    exec: (host, argv) => execIn(pid(host), argv),
    cut: (host) => link(host, "down"),
    restore: (host) => link(host, "up"),
    log: (host) => readLog(files.log(host), pid(host)),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function execIn(sshdPid: number, argv: string[]): Promise<ExecResult> {
  // sshd's namespaces are the host: network, the /etc binds of ip netns exec, the host name.
  return capture("nsenter", ["-t", String(sshdPid), "-n", "-m", "-u", "--", ...argv]);
}

async function onPath(tool: string): Promise<boolean> {
  if (tool.startsWith("/")) return await exists(tool);
  const dirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
  for (const dir of dirs) {
    if (await exists(`${dir}/${tool}`)) return true;
  }
  return false;
}
