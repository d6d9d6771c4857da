/**
 * What an inventory script prints, and what `ansible-inventory --list` prints: groups whose
 * `hosts` and `children` are lists, group `vars`, and host variables under `_meta.hostvars`.
 * Read the way Ansible's script plugin reads it: a group given as a bare list is its hosts; a
 * group mapping with none of `hosts`, `vars` and `children` is one host of that name with those
 * variables; `_meta.hostvars` gives variables to the hosts the groups list, and to no other.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import {
  InventoryBuilder,
  type InventoryData,
  type InventoryVars,
  isMapping,
} from "./inventory_data.ts";

/** Whether a parsed document is in the script shape rather than the YAML plugin's. */
export function isScriptOutput(doc: Record<string, unknown>): boolean {
  if ("_meta" in doc) return true;
  return Object.values(doc).some((g) =>
    Array.isArray(g) || isMapping(g) && (Array.isArray(g.hosts) || Array.isArray(g.children))
  );
}

/** Reads a document in the script shape; `file` names it in errors. */
export function inventoryFromScriptOutput(
  doc: Record<string, unknown>,
  file: string,
): InventoryData {
  const builder = new InventoryBuilder(file);
  const bad = (why: string): never => {
    throw new UsageError(`Invalid inventory "${file}": ${why}`);
  };
  let hostvars: Record<string, unknown> = {};
  const listed = new Set<string>();
  for (const [name, body] of Object.entries(doc)) {
    if (name === "_meta") {
      if (!isMapping(body)) bad(`"_meta" is not a mapping`);
      const vars = (body as Record<string, unknown>).hostvars;
      if (vars !== undefined && !isMapping(vars)) bad(`"_meta" has hostvars that is not a mapping`);
      hostvars = (vars ?? {}) as Record<string, unknown>;
      continue;
    }
    let group: Record<string, unknown>;
    if (!isMapping(body)) group = { hosts: body };
    else if (!("hosts" in body || "vars" in body || "children" in body)) {
      group = { hosts: [name], vars: body };
    } else group = body;
    builder.group(name);
    const where = `group "${name}"`;
    if ("hosts" in group) {
      for (const host of stringList(group.hosts, `${where} has hosts`, bad)) {
        builder.addHost(name, host);
        listed.add(host);
      }
    }
    if ("vars" in group) {
      if (!isMapping(group.vars)) bad(`${where} has vars that is not a mapping`);
      builder.addVars(name, group.vars as InventoryVars);
    }
    if ("children" in group) {
      for (const child of stringList(group.children, `${where} has children`, bad)) {
        builder.addChild(name, child);
      }
    }
  }
  for (const host of listed) {
    const vars = hostvars[host] ?? {};
    if (!isMapping(vars)) bad(`"_meta.hostvars" has variables of "${host}" that are not a mapping`);
    builder.data.hosts.set(host, { ...builder.data.hosts.get(host), ...vars as InventoryVars });
  }
  return builder.data;
}

function stringList(value: unknown, what: string, bad: (why: string) => never): string[] {
  if (!Array.isArray(value)) return bad(`${what} that is not a list`);
  for (const item of value) {
    if (typeof item !== "string") bad(`${what} with ${JSON.stringify(item)}, not a name`);
  }
  return value as string[];
}
