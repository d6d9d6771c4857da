/**
 * Ansible-style inventories: which hosts make up a group, and how to reach each host. Reads INI,
 * YAML and JSON inventory files; host variables become a target and connect options. Where a
 * setting has two names and both are set, the second wins, as in Ansible:
 *
 * | variable | becomes |
 * | --- | --- |
 * | `ansible_host` (`ansible_ssh_host`) | the address ssh connects to; default the host's name |
 * | `ansible_user` (`ansible_ssh_user`) | the login user (`user@`) |
 * | `ansible_port` (`ansible_ssh_port`) | the port (`:port`) |
 * | `ansible_private_key_file` (`ansible_ssh_private_key_file`) | `identity` |
 * | `ansible_ssh_args`, `ansible_ssh_common_args`, `ansible_ssh_extra_args` | ssh flags (`-o K=V`, `-J`, `-p`, `-i`, `-F`, `-l`, `-4`, `-6`, `-C`, `-A`, `-a`, `-q`, `-x`, `-T`); any other flag is refused, naming host and variable |
 * | `ansible_password` (`ansible_ssh_pass`, `ansible_ssh_password`) | `password` for ssh, with a warning that it sits in plain text |
 * | `ansible_connection` | `local` for a local context; `ssh` (default); a container type, as `inventory_container.ts` reads it |
 * | `ansible_become`, `ansible_become_user` (`ansible_sudo_user`), `ansible_become_method` | a `sudo[:user]` hop at the end (`su`, `doas`: what `ansible_become_method` names) |
 * | `ansible_become_password` (`ansible_become_pass`, `ansible_sudo_pass`) | `sudoPassword`, with the same warning |
 * | `mitoctl_via` | hops in front (`bastion`, `admin@jump:2222/inner`); inventory hosts named there are reached as the inventory says |
 * | `mitoctl_runtime` | `runtime` (`auto`, `deno`, `node` or a path) |
 *
 * Variables merge as in Ansible: `all`, then parent groups before their children (groups at the
 * same depth by name), then the host's own. Templates (`{{ … }}`) are not expanded.
 *
 * Each variable is one value: only `mitoctl_via` names hops. A host, user or become user with a
 * `/` (which would add a hop), or that is not a host or user name, is refused, naming the host
 * and the variable.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type InventoryData, type InventoryVars, isMapping } from "./inventory_data.ts";
import { inventoryFromScriptOutput, isScriptOutput } from "./inventory_json.ts";
import { parseIniInventory } from "./inventory_ini.ts";
import { inventoryFromDocument, parseYamlInventory } from "./inventory_yaml.ts";
import type { ConnectOptions } from "../master/router.ts";
import { lastSet, SSH_VARIABLES, sshArgVariables } from "./inventory_ssh.ts";
import { CONTAINER_CONNECTIONS, containerHop } from "./inventory_container.ts";
import { checkRuntime } from "../stage/stage1.ts";
import { allMethods, DEFAULT_METHOD, methodNamed } from "../methods/registry.ts";
import { formatHop, type Hop, isHostName, isUserName, parseTarget } from "../methods/target.ts";

/** How to reach one inventory host: a target in CLI syntax and options for that host. */
export interface HostConnection {
  /** Target for `Router.open()`, e.g. `bastion/deploy@10.0.0.5:2222/sudo`. */
  target: string;
  /** Options the host's variables set (`runtime`, `identity`); empty when none. */
  options: ConnectOptions;
}

/** Options of {@linkcode Inventory} and {@linkcode readInventory}. */
export interface InventoryOptions {
  /** Told about what deserves a warning (passwords kept in the file); default: nobody. */
  onWarning?: (message: string) => void;
}

/** A parsed inventory file. */
export class Inventory {
  /** The file it was read from, as given; used in error messages. */
  readonly file: string;
  readonly #data: InventoryData;
  readonly #depth = new Map<string, number>();
  readonly #onWarning: ((message: string) => void) | undefined;
  readonly #warned = new Set<string>();

  /** Wraps parsed `data`; throws a UsageError if its groups contain themselves. */
  constructor(data: InventoryData, file: string, options: InventoryOptions = {}) {
    this.#data = data;
    this.file = file;
    this.#onWarning = options.onWarning;
    this.#computeDepths();
  }

  /** Every host, in the order the file first names them. */
  get hosts(): string[] {
    return [...this.#data.hosts.keys()];
  }

  /** Every group, `all` and `ungrouped` included. */
  get groups(): string[] {
    return [...this.#data.groups.keys()];
  }

  /** Whether `name` is a host of the inventory. */
  hasHost(name: string): boolean {
    return this.#data.hosts.has(name);
  }

  /** Whether `name` is a group of the inventory. */
  hasGroup(name: string): boolean {
    return this.#data.groups.has(name);
  }

  /**
   * Hosts of `group` and of its child groups, in file order; `all` is every host and
   * `ungrouped` those in no other group. Throws a UsageError naming the group and the file when
   * there is no such group.
   */
  groupHosts(group: string): string[] {
    this.#checkGroup(group);
    if (group === "all") return this.hosts;
    if (group === "ungrouped") return this.directHosts(group);
    const members = new Set<string>();
    const visit = (name: string) => {
      const g = this.#data.groups.get(name)!;
      for (const h of g.hosts) members.add(h);
      for (const child of g.children) visit(child);
    };
    visit(group);
    return this.hosts.filter((h) => members.has(h));
  }

  /**
   * Hosts listed in `group` itself, not through its child groups, as Ansible has them: `all`
   * lists none, and `ungrouped` holds exactly the hosts that are in no other group (those listed
   * directly under `all` too).
   */
  directHosts(group: string): string[] {
    this.#checkGroup(group);
    if (group === "all") return [];
    return this.hosts.filter((h) => this.#direct(h).includes(group));
  }

  /**
   * Child groups of `group`, in the order the file made them. Those of `all` are, as in
   * Ansible, `ungrouped`, the groups the file made children of `all`, and every group that has
   * no parent.
   */
  childGroups(group: string): string[] {
    this.#checkGroup(group);
    const children = [...this.#data.groups.get(group)!.children];
    if (group !== "all") return children;
    // Those the file made children of all, then every group that has no parent.
    const explicit = children.filter((c) => c !== "ungrouped");
    const hasParent = (name: string) =>
      [...this.#data.groups].some(([p, g]) => p !== "all" && g.children.has(name));
    const parentless = this.groups.filter((g) =>
      g !== "all" && g !== "ungrouped" && !explicit.includes(g) && !hasParent(g)
    );
    return ["ungrouped", ...explicit, ...parentless];
  }

  /** The variables of host `name` after merging its groups' and its own. */
  hostVars(name: string): InventoryVars {
    const own = this.#data.hosts.get(name);
    if (own === undefined) {
      throw new UsageError(`Unknown host "${name}" in inventory "${this.file}"`);
    }
    const groups = ["all", ...this.#groupsOf(name).filter((g) => g !== "all")].sort((a, b) =>
      this.#depth.get(a)! - this.#depth.get(b)! || (a < b ? -1 : a > b ? 1 : 0)
    );
    const vars: InventoryVars = {};
    for (const g of groups) Object.assign(vars, this.#data.groups.get(g)!.vars);
    return Object.assign(vars, own);
  }

  /** How to reach host `name`, from its variables (see the module's table). */
  connection(name: string): HostConnection {
    return this.#connection(name, []);
  }

  #connection(name: string, seen: string[]): HostConnection {
    if (seen.includes(name)) {
      throw new UsageError(
        `Invalid inventory "${this.file}": mitoctl_via loops: ${[...seen, name].join(" → ")}`,
      );
    }
    const vars = this.hostVars(name);
    const bad = (why: string): never => {
      throw new UsageError(`Invalid inventory "${this.file}": host "${name}" ${why}`);
    };
    const str = (key: string): string | undefined => {
      const v = vars[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v === "object") bad(`has ${key} that is not a single value`);
      return String(v);
    };
    const hops: string[] = [];
    const via = str("mitoctl_via");
    if (via !== undefined) {
      for (const hop of this.#parse(via, name, "mitoctl_via")) {
        hops.push(
          isBareHost(hop) && this.hasHost(hop.host) && hop.host !== name
            ? this.#connection(hop.host, [...seen, name]).target
            : formatHop(hop),
        );
      }
    }
    const options: ConnectOptions = {};
    const connection = str("ansible_connection") ?? "ssh";
    const last = (names: readonly string[]) => lastSet(str, names);
    /**
     * A variable that is one part of one hop (a host, a user): never a "/" (only mitoctl_via
     * names hops), and what `valid` accepts.
     */
    const part = (
      got: { name: string; value: string } | undefined,
      valid: (v: string) => boolean,
      what: string,
    ): string | undefined => {
      if (got === undefined) return undefined;
      const { name: key, value } = got;
      if (value.includes("/")) {
        bad(
          `has ${key} "${value}" with a "/": a variable holds one value; only mitoctl_via names ` +
            "hops",
        );
      }
      if (!valid(value)) bad(`has ${key} "${value}" that is not ${what}`);
      return value;
    };
    const named = (name: string, value: string | undefined) =>
      value === undefined ? undefined : { name, value };
    if (connection === "local") {
      if (hops.length) bad("has mitoctl_via, which a local connection cannot use");
      hops.push("local");
    } else if (connection === "ssh" || connection === "smart" || connection === "paramiko") {
      const args = sshArgVariables(str, bad);
      const hop: Hop = {
        method: "ssh",
        host: part(last(SSH_VARIABLES.host), isHostName, "a host name") ?? name,
      };
      const user = part(last(SSH_VARIABLES.user), isUserName, "a user name") ??
        part(named("ssh arguments' user", args.user), isUserName, "a user name");
      if (user !== undefined) hop.user = user;
      const port = last(SSH_VARIABLES.port);
      if (port !== undefined) {
        if (
          !/^\d+$/.test(port.value) || !(Number(port.value) >= 1 && Number(port.value) <= 65535)
        ) {
          bad(`has an invalid ${port.name} "${port.value}"`);
        }
        hop.port = Number(port.value);
      } else if (args.port !== undefined) hop.port = args.port;
      hops.push(formatHop(hop));
      const identity = last(SSH_VARIABLES.identity)?.value;
      if (identity !== undefined && args.identity !== undefined && identity !== args.identity) {
        bad(`has two identity files: "${identity}" and "${args.identity}" (-i)`);
      }
      if (identity ?? args.identity) options.identity = (identity ?? args.identity)!;
      if (args.sshOptions.length || args.sshConfig !== undefined || args.identity !== undefined) {
        // ssh client options reach the first hop only: the bastion's ssh runs the next one.
        if (via !== undefined) {
          bad(
            "has ssh arguments and mitoctl_via; ssh arguments apply only to a host reached " +
              "directly",
          );
        }
        if (args.sshOptions.length) options.sshOptions = args.sshOptions;
        if (args.sshConfig !== undefined) options.sshConfig = args.sshConfig;
      }
      const password = last(SSH_VARIABLES.password);
      if (password !== undefined) options.password = this.#secret(name, password);
    } else {
      hops.push(
        containerHop(connection, name, Object.keys(vars), str, bad) ??
          bad(
            `uses ansible_connection "${connection}"; mitoctl reads ssh, local and ` +
              `${CONTAINER_CONNECTIONS.join(", ")}`,
          ),
      );
    }
    const become = str("ansible_become");
    if (become !== undefined && /^(true|yes|on|1)$/i.test(become)) {
      const method = str("ansible_become_method") ?? "sudo";
      if (!methodNamed(method)?.become) {
        const known = allMethods().filter((m) => m.become).map((m) => m.name).join(", ");
        bad(`uses ansible_become_method "${method}"; mitoctl becomes users with ${known}`);
      }
      const user = part(last(SSH_VARIABLES.becomeUser), isUserName, "a user name");
      hops.push(user === undefined ? method : `${method}:${user}`);
    }
    // Typed only if a sudo hop asks for it.
    const sudoPassword = last(SSH_VARIABLES.becomePassword);
    if (sudoPassword !== undefined) options.sudoPassword = this.#secret(name, sudoPassword);
    const target = hops.join("/");
    this.#parse(target, name, "variables");
    const runtime = str("mitoctl_runtime");
    if (runtime !== undefined) {
      try {
        options.runtime = checkRuntime(runtime);
      } catch (e) {
        bad(`has an invalid mitoctl_runtime: ${(e as Error).message}`);
      }
    }
    return { target, options };
  }

  /** A password the file holds: used, with a warning (once per variable) that it is readable. */
  #secret(host: string, found: { name: string; value: string }): string {
    if (!this.#warned.has(found.name)) {
      this.#warned.add(found.name);
      this.#onWarning?.(
        `Inventory "${this.file}" holds passwords in plain text (${found.name} of host ` +
          `"${host}"): anyone who can read the file can read them; prefer --password-file, ` +
          `--ask-pass or --sudo-password-file`,
      );
    }
    return found.value;
  }

  #parse(target: string, host: string, what: string): Hop[] {
    try {
      return parseTarget(target);
    } catch (e) {
      throw new UsageError(
        `Invalid inventory "${this.file}": host "${host}" has ${what} that make a bad target: ` +
          (e as Error).message,
      );
    }
  }

  #checkGroup(group: string): void {
    if (!this.hasGroup(group)) {
      throw new UsageError(`Unknown group "${group}" in inventory "${this.file}"`);
    }
  }

  /** The groups that list `host` itself: `ungrouped` when no group but `all` does. */
  #direct(host: string): string[] {
    const listed = [...this.#data.groups]
      .filter(([n, g]) => n !== "all" && n !== "ungrouped" && g.hosts.has(host))
      .map(([n]) => n);
    return listed.length ? listed : ["ungrouped"];
  }

  /** Groups that hold `host`, directly or through a child group. */
  #groupsOf(host: string): string[] {
    const direct = this.#direct(host);
    const out = new Set<string>();
    const up = (name: string) => {
      if (out.has(name)) return;
      out.add(name);
      for (const [parent, g] of this.#data.groups) if (g.children.has(name)) up(parent);
    };
    for (const g of direct) up(g);
    return [...out];
  }

  /** Depth of each group under `all` (1 for top-level groups): the order vars merge in. */
  #computeDepths(): void {
    const depth = (name: string, path: string[]): number => {
      const known = this.#depth.get(name);
      if (known !== undefined) return known;
      if (path.includes(name)) {
        throw new UsageError(
          `Invalid inventory "${this.file}": group "${name}" contains itself ` +
            `(${[...path.slice(path.indexOf(name)), name].join(" → ")})`,
        );
      }
      let d = name === "all" ? 0 : 1;
      for (const [parent, g] of this.#data.groups) {
        if (g.children.has(name)) d = Math.max(d, depth(parent, [...path, name]) + 1);
      }
      this.#depth.set(name, d);
      return d;
    };
    for (const name of this.#data.groups.keys()) depth(name, []);
  }
}

/**
 * A host's connect options over the command's: the host's win, except `-o` options, which add up
 * with the command's first (ssh takes the first value of an option, so the command line wins).
 */
export function withHostOptions(command: ConnectOptions, host: ConnectOptions): ConnectOptions {
  const out = { ...command, ...host };
  if (command.sshOptions && host.sshOptions) {
    out.sshOptions = [...command.sshOptions, ...host.sshOptions];
  }
  return out;
}

function isBareHost(hop: Hop): hop is Hop & { host: string } {
  return hop.method === DEFAULT_METHOD && hop.user === undefined && hop.port === undefined;
}

/**
 * Parses inventory `text`: YAML when `file` ends in `.yml` or `.yaml`, or when it starts like
 * YAML (`---` or `name:`); JSON when it ends in `.json` (in the YAML shape, or as inventory
 * scripts and `ansible-inventory --list` print it); INI otherwise.
 */
export function parseInventory(
  text: string,
  file: string,
  options: InventoryOptions = {},
): Inventory {
  let data: InventoryData;
  if (/\.json$/i.test(file)) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`Invalid inventory "${file}": ${(e as Error).message}`);
    }
    // JSON as inventory scripts and `ansible-inventory --list` print it, or in the YAML shape.
    data = isMapping(doc) && isScriptOutput(doc)
      ? inventoryFromScriptOutput(doc, file)
      : inventoryFromDocument(doc, file);
  } else if (/\.ya?ml$/i.test(file) || looksLikeYaml(text)) {
    data = parseYamlInventory(text, file);
  } else {
    data = parseIniInventory(text, file);
  }
  return new Inventory(data, file, options);
}

function looksLikeYaml(text: string): boolean {
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
    return t === "---" || /^[A-Za-z0-9_.-]+:(\s|$)/.test(line);
  }
  return false;
}

/** Reads and parses the inventory file at `path`; a file it cannot read is a UsageError. */
export async function readInventory(
  path: string,
  options: InventoryOptions = {},
): Promise<Inventory> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new UsageError(`Cannot read inventory "${path}": ${(e as Error).message}`);
  }
  return parseInventory(text, path, options);
}
