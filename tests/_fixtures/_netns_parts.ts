/**
 * The network half of the namespace test network: names and addresses, the namespaces and
 * links, and tearing them down, also for networks whose test process died.
 *
 * @module
 */

import { exists, run } from "./_sshd_parts.ts";

/** The hosts of a test network. */
export type HostName = "bastion" | "web1" | "web2";

/** The first two octets of every address; networks take `/24` pairs from this `/16`. */
export const NETWORK_PREFIX = "10.231";

/** Prefix of the names of namespaces, links and files a network creates. */
export const NAME_PREFIX = "mito-";

/** The host names, bastion first. */
export const HOST_NAMES: readonly HostName[] = ["bastion", "web1", "web2"];

// Root-only; holds one record per running network so that a crashed run is cleaned up later.
const STATE_DIR = "/run/mitoctl-netns";

/** Where networks' sudoers files go; sudo reads every file there whose name has no dot. */
export const SUDOERS_DIR = "/etc/sudoers.d";

/** `ip netns exec` binds `/etc/netns/<ns>/<name>` over `/etc/<name>` in what it runs. */
export const ETC_NETNS = "/etc/netns";
const HOST_OCTET: Readonly<Record<HostName, number>> = { bastion: 1, web1: 11, web2: 12 };

/** Where a network's pieces are: its id, its directory and its subnets. */
export interface Layout {
  id: string;
  dir: string;
  /** Third octet of the master link; the inner subnet is the next one. -1 until allocated. */
  octet: number;
}

/** Each host's address on its outer (master side) and inner subnet, and the master's. */
export type Addresses = Record<HostName, { outer: string; inner: string }> & { master: string };

/** The addresses of the network whose master link has third octet `octet`. */
export function addressesOf(octet: number): Addresses {
  const outer = `${NETWORK_PREFIX}.${octet}`;
  const inner = `${NETWORK_PREFIX}.${octet + 1}`;
  const host = (name: HostName) => `${inner}.${HOST_OCTET[name]}`;
  return {
    master: `${outer}.1`,
    bastion: { outer: `${outer}.2`, inner: host("bastion") },
    web1: { outer: host("web1"), inner: host("web1") },
    web2: { outer: host("web2"), inner: host("web2") },
  };
}

/** The namespace of `host` in network `id`. */
export function nsName(id: string, host: HostName): string {
  return `${NAME_PREFIX}${id}-${host}`;
}

/** The subnet of the bastion, web1 and web2, behind the master link with third octet `octet`. */
function innerSubnet(octet: number): string {
  return `${NETWORK_PREFIX}.${octet + 1}.0/24`;
}

/** The master's end of the link to the bastion (15 characters at most, as Linux requires). */
export function masterLink(id: string): string {
  return `${NAME_PREFIX}${id}-m`;
}

/** The sudoers file of network `id`. */
export function sudoersPath(id: string): string {
  return `${SUDOERS_DIR}/mitoctl-${id}`;
}

/**
 * Creates the namespaces and links. The master's subnet is chosen and its link made under a
 * lock, so parallel networks never share a subnet in the root namespace.
 */
export async function buildLinks(layout: Layout): Promise<void> {
  const { id } = layout;
  const bastion = nsName(id, "bastion");
  {
    using _lock = await stateLock();
    layout.octet = await freeOctetPair();
    const record = { id, dir: layout.dir, owner: Deno.pid, ownerStart: startTime(Deno.pid) };
    await Deno.writeTextFile(`${STATE_DIR}/${id}.json`, JSON.stringify(record));
    const addresses = addressesOf(layout.octet);
    for (const ns of HOST_NAMES.map((host) => nsName(id, host))) {
      await run("ip", ["netns", "add", ns]);
      // Made under the lock because tearing a network down removes /etc/netns once empty.
      await Deno.mkdir(`${ETC_NETNS}/${ns}/ssh`, { recursive: true, mode: 0o755 });
    }
    await veth(undefined, masterLink(id), bastion);
    await ip(["addr", "add", `${addresses.master}/24`, "dev", masterLink(id)]);
    await ip(["link", "set", masterLink(id), "up"]);
    // Tied to our link, so it goes with it; without it the SYNs would leave by the default route.
    const inner = innerSubnet(layout.octet);
    await ip(["route", "add", inner, "via", addresses.bastion.outer, "dev", masterLink(id)]);
  }
  const addresses = addressesOf(layout.octet);
  await ip(["-n", bastion, "addr", "add", `${addresses.bastion.outer}/24`, "dev", "eth0"]);
  await ip(["-n", bastion, "link", "add", "name", "br0", "type", "bridge"]);
  await ip(["-n", bastion, "addr", "add", `${addresses.bastion.inner}/24`, "dev", "br0"]);
  for (const host of ["web1", "web2"] as const) {
    const ns = nsName(id, host);
    await veth(bastion, host, ns);
    await ip(["-n", bastion, "link", "set", host, "master", "br0", "up"]);
    await ip(["-n", ns, "addr", "add", `${addresses[host].inner}/24`, "dev", "eth0"]);
    await ip(["-n", ns, "link", "set", "eth0", "up"]);
    await ip(["-n", ns, "link", "set", "lo", "up"]);
  }
  for (const link of ["lo", "eth0", "br0"]) await ip(["-n", bastion, "link", "set", link, "up"]);
  // With forwarding off the bastion would drop the master's packets for web1 silently, and a
  // direct connection would hang until ConnectTimeout. Forwarding on plus a prohibit rule
  // answers each one with an ICMP error instead, without rate limiting.
  // /proc/sys/net shows the writer's namespace; no sysctl(8), which procps may not provide.
  const settings =
    "echo 1 >/proc/sys/net/ipv4/ip_forward && echo 0 >/proc/sys/net/ipv4/icmp_ratelimit";
  await run("ip", ["netns", "exec", bastion, "sh", "-c", settings]);
  const rule = ["iif", "eth0", "to", innerSubnet(layout.octet), "prohibit"];
  await ip(["-n", bastion, "rule", "add", ...rule]);
}

/** A third octet `n` (even) such that neither `n` nor `n + 1` appears in the root namespace. */
async function freeOctetPair(): Promise<number> {
  const seen = (await run("ip", ["-4", "-o", "addr", "show"])) +
    (await run("ip", ["-4", "route", "show", "table", "all"]));
  const prefix = NETWORK_PREFIX.replaceAll(".", "\\.");
  const used = new Set(
    [...seen.matchAll(new RegExp(`\\b${prefix}\\.(\\d+)\\.`, "g"))].map((match) =>
      Number(match[1])
    ),
  );
  for (let octet = 0; octet < 256; octet += 2) {
    if (!used.has(octet) && !used.has(octet + 1)) return octet;
  }
  throw new Error(
    `Cannot build a test network: every /24 pair in ${NETWORK_PREFIX}.0.0/16 is used`,
  );
}

/**
 * Removes everything a network may have made, whatever state it is in. Every step runs even
 * if an earlier one failed; the failures are reported together.
 */
export async function tearDown(layout: Pick<Layout, "id" | "dir">): Promise<void> {
  const { id } = layout;
  const failures: string[] = [];
  const attempt = async (what: string, step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const namespaces = HOST_NAMES.map((host) => nsName(id, host));
  const present = [];
  for (const ns of namespaces) if (await exists(`/run/netns/${ns}`)) present.push(ns);
  await attempt("sudoers", () => removeIfPresent(sudoersPath(id)));
  for (const ns of present) await attempt(`processes in ${ns}`, () => killNamespace(ns));
  if (await exists(`/sys/class/net/${masterLink(id)}`)) {
    await attempt("master link", () => ip(["link", "delete", masterLink(id)]));
  }
  for (const ns of present) await attempt(ns, () => run("ip", ["netns", "delete", ns]));
  for (const ns of namespaces) {
    await attempt(`${ETC_NETNS}/${ns}`, () => removeIfPresent(`${ETC_NETNS}/${ns}`));
  }
  await attempt(layout.dir, () => removeIfPresent(layout.dir));
  await attempt("state record", () => removeIfPresent(`${STATE_DIR}/${id}.json`));
  if (failures.length > 0) {
    throw new Error(`Cannot tear down test network "${id}" fully:\n  ${failures.join("\n  ")}`);
  }
}

/** SIGKILLs every process in `ns` until none is left (a dying session may still fork). */
async function killNamespace(ns: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const pids = (await run("ip", ["netns", "pids", ns])).split("\n").filter(Boolean);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        Deno.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`processes keep running in "${ns}"`);
}

/** Tears down networks whose test process is gone (killed before it could clean up). */
export async function sweepStale(): Promise<void> {
  using _lock = await stateLock();
  for await (const entry of Deno.readDir(STATE_DIR)) {
    if (!entry.name.endsWith(".json")) continue;
    const path = `${STATE_DIR}/${entry.name}`;
    const record = await Deno.readTextFile(path).then(JSON.parse).catch(() => undefined);
    if (typeof record?.id !== "string" || typeof record?.dir !== "string") continue;
    if (record.ownerStart !== undefined && startTime(record.owner) === record.ownerStart) continue;
    await tearDown({ id: record.id, dir: record.dir }).catch((error) => console.warn(error));
  }
  await Deno.remove(ETC_NETNS).catch(() => {});
}

/** Removes /etc/netns when no network uses it, as it was before the first network. */
export async function removeEtcNetnsIfEmpty(): Promise<void> {
  using _lock = await stateLock();
  // Fails, as it should, while another network's files are in it.
  await Deno.remove(ETC_NETNS).catch(() => {});
}

async function stateLock(): Promise<Deno.FsFile> {
  await Deno.mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const lock = await Deno.open(`${STATE_DIR}/.lock`, { create: true, write: true });
  await lock.lock(true);
  return lock;
}

/** A process's start time in clock ticks since boot, which tells a reused pid apart. */
function startTime(pid: number): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Makes a veth pair: `name` in `ns` (the root namespace if undefined), `eth0` in `peerNs`. */
async function veth(ns: string | undefined, name: string, peerNs: string): Promise<void> {
  const where = ns === undefined ? [] : ["-n", ns];
  const pair = ["link", "add", "name", name, "type", "veth"];
  await ip([...where, ...pair, "peer", "name", "eth0", "netns", peerNs]);
}

/** Runs `ip` with `args`, throwing with its stderr if it fails. */
export async function ip(args: string[]): Promise<void> {
  await run("ip", args);
}

async function removeIfPresent(path: string): Promise<void> {
  await Deno.remove(path, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
}

/** Six random hex digits. */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(3)))
    .map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
