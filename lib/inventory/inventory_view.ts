/**
 * An inventory shown the way `ansible-inventory` shows one, so users can compare what mitoctl
 * read with what Ansible reads: `--list` (groups with their own hosts and child groups, merged
 * host variables under `_meta.hostvars`, keys sorted, indented by four), `--host` (one host's
 * merged variables) and `--graph` (the group tree). Pure.
 *
 * @module
 */

import type { Inventory } from "./inventory.ts";

/** The `ansible-inventory --list` document of `inv`. */
export function inventoryList(inv: Inventory): Record<string, unknown> {
  const hostvars: Record<string, unknown> = {};
  for (const host of inv.hosts) {
    const vars = inv.hostVars(host);
    if (Object.keys(vars).length) hostvars[host] = vars;
  }
  const out: Record<string, unknown> = { _meta: { hostvars } };
  for (const group of inv.groups) {
    const entry: Record<string, string[]> = {};
    const hosts = inv.directHosts(group);
    const children = inv.childGroups(group);
    if (hosts.length) entry.hosts = hosts;
    if (children.length) entry.children = children;
    if (group === "all" || Object.keys(entry).length) out[group] = entry;
  }
  return out;
}

/** The `ansible-inventory --graph [group]` lines of `inv`, from `group` (default `all`). */
export function inventoryGraph(inv: Inventory, group = "all"): string[] {
  const lines: string[] = [];
  const indent = (depth: number, name: string) => depth ? `${"  |".repeat(depth)}--${name}` : name;
  const walk = (name: string, depth: number) => {
    lines.push(indent(depth, `@${name}:`));
    for (const child of inv.childGroups(name)) walk(child, depth + 1);
    for (const host of inv.directHosts(name)) lines.push(indent(depth + 1, host));
  };
  walk(group, 0);
  return lines;
}

/** `value` as `ansible-inventory` prints JSON: keys sorted at every level, indented by four. */
export function ansibleJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 4);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
}
