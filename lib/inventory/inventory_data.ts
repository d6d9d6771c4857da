/**
 * What an inventory file says, whatever its format: hosts with their own variables, and groups
 * with hosts, child groups and variables. The INI and YAML readers fill an
 * {@linkcode InventoryBuilder}; `Inventory` answers questions about the result.
 *
 * @module
 */

import { UsageError } from "../errors.ts";

/** Variables of a host or a group, as the file spelled them. */
export type InventoryVars = Record<string, unknown>;

/** One group as written: its direct hosts and child groups, and its variables. */
export interface InventoryGroup {
  hosts: Set<string>;
  children: Set<string>;
  vars: InventoryVars;
}

/** Hosts (in the order first met) and groups of an inventory file. */
export interface InventoryData {
  /** Host name → the variables set on the host itself. */
  hosts: Map<string, InventoryVars>;
  /** Group name → the group. `all` and `ungrouped` always exist. */
  groups: Map<string, InventoryGroup>;
}

/** Whether `value` is a mapping (a plain object, not an array or null). */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Largest number of hosts one range pattern (`web[001:999]`) may expand to. */
export const MAX_RANGE_HOSTS = 10_000;

/** Collects hosts and groups while a file is read; `data` is the result. */
export class InventoryBuilder {
  /** The inventory so far. */
  readonly data: InventoryData = { hosts: new Map(), groups: new Map() };
  readonly #file: string;

  /** `file` names the inventory in error messages. */
  constructor(file: string) {
    this.#file = file;
    this.group("all");
    this.group("ungrouped");
  }

  /** The group `name`, created empty when new. */
  group(name: string): InventoryGroup {
    checkName(name, "group", this.#file);
    let group = this.data.groups.get(name);
    if (!group) {
      group = { hosts: new Set(), children: new Set(), vars: {} };
      this.data.groups.set(name, group);
    }
    return group;
  }

  /**
   * Adds the hosts of `pattern` (a name, or one with ranges: `web[01:03]`) to `group`, with
   * `vars` on each. A host listed twice keeps both sets of variables, the later winning.
   */
  addHosts(group: string, pattern: string, vars: InventoryVars = {}): string[] {
    const names = expandHostPattern(pattern, this.#file);
    for (const name of names) this.addHost(group, name, vars);
    return names;
  }

  /** Adds host `name` as written (no ranges) to `group`, with `vars` on it, the later winning. */
  addHost(group: string, name: string, vars: InventoryVars = {}): void {
    checkName(name, "host", this.#file);
    this.data.hosts.set(name, { ...this.data.hosts.get(name), ...vars });
    this.group(group).hosts.add(name);
  }

  /** Makes `child` a child group of `parent`. */
  addChild(parent: string, child: string): void {
    if (child === "all") {
      throw new UsageError(`Invalid inventory "${this.#file}": "all" cannot be a child group`);
    }
    this.group(child);
    this.group(parent).children.add(child);
  }

  /** Sets variables on `group`, the later winning. */
  addVars(group: string, vars: InventoryVars): void {
    Object.assign(this.group(group).vars, vars);
  }
}

// Letters and digits of any script: Ansible's own tests name a host "příbor".
const NAME = /^[\p{L}\p{N}_][\p{L}\p{N}\p{M}_.-]*$/u;

function checkName(name: string, what: string, file: string): void {
  if (!NAME.test(name)) {
    throw new UsageError(`Invalid inventory "${file}": invalid ${what} name "${name}"`);
  }
}

/**
 * Expands Ansible's host ranges: `web[01:03]` is web01, web02, web03 (leading zeros kept),
 * `db-[a:c]` is db-a, db-b, db-c, `n[0:10:5]` steps by 5. Several ranges multiply.
 */
export function expandHostPattern(pattern: string, file: string): string[] {
  const m = /\[([0-9A-Za-z]+):([0-9A-Za-z]+)(?::(\d+))?\]/.exec(pattern);
  if (!m) {
    if (/[[\]]/.test(pattern)) {
      throw new UsageError(`Invalid inventory "${file}": bad host range in "${pattern}"`);
    }
    checkName(pattern, "host", file);
    return [pattern];
  }
  const [whole, from, to, stepText] = m as unknown as [string, string, string, string?];
  const head = pattern.slice(0, m.index);
  const tail = pattern.slice(m.index + whole.length);
  const step = stepText === undefined ? 1 : Number(stepText);
  const bad = (why: string): never => {
    throw new UsageError(`Invalid inventory "${file}": host range "${whole}" ${why}`);
  };
  if (!(step >= 1)) bad("needs a step of 1 or more");
  let items: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const [a, b] = [Number(from), Number(to)];
    if (a > b) bad("runs backwards");
    if ((b - a) / step >= MAX_RANGE_HOSTS) bad(`has more than ${MAX_RANGE_HOSTS} hosts`);
    // "01:10" pads to the width of the start, as Ansible does.
    const width = from.startsWith("0") ? from.length : 0;
    for (let n = a; n <= b; n += step) items.push(String(n).padStart(width, "0"));
  } else if (
    /^[a-z]$/.test(from) && /^[a-z]$/.test(to) || /^[A-Z]$/.test(from) && /^[A-Z]$/.test(to)
  ) {
    const [a, b] = [from.charCodeAt(0), to.charCodeAt(0)];
    if (a > b) bad("runs backwards");
    for (let c = a; c <= b; c += step) items.push(String.fromCharCode(c));
  } else {
    bad("mixes numbers and letters, or has more than one letter");
  }
  items = items.flatMap((item) => expandHostPattern(`${head}${item}${tail}`, file));
  return items;
}
