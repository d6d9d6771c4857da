/**
 * Ansible's INI inventory: `[group]` sections of host lines (`web1 ansible_host=10.0.0.5`),
 * `[group:vars]` sections of `key=value` lines, `[group:children]` sections of group names.
 * Hosts before the first section are `ungrouped`. `#` and `;` start comment lines; on host
 * lines `#` also starts a comment, and values may be quoted as in a shell. Values that are
 * Python literals (`5`, `True`, `'x'`, `[1, 2]`) become those values, as Ansible reads them; a
 * `:vars` value is the rest of its line.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { InventoryBuilder, type InventoryData, type InventoryVars } from "./inventory_data.ts";
import { pythonValue } from "./python_literal.ts";

/** Reads INI inventory `text`; `file` names it in errors, which give the line number. */
export function parseIniInventory(text: string, file: string): InventoryData {
  const builder = new InventoryBuilder(file);
  let group = "ungrouped";
  let kind: "hosts" | "vars" | "children" = "hosts";
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const where = `Invalid inventory "${file}" line ${i + 1}`;
    try {
      const section = /^\[([^\]:\s]+)(?::([^\]\s]+))?\]\s*(?:[#;].*)?$/.exec(line);
      if (section) {
        group = section[1]!;
        const suffix = section[2];
        if (suffix !== undefined && suffix !== "vars" && suffix !== "children") {
          throw new UsageError(`section "[${group}:${suffix}]" is not :vars or :children`);
        }
        kind = suffix === undefined ? "hosts" : suffix;
        builder.group(group);
        continue;
      }
      if (line.startsWith("[")) throw new UsageError(`bad section header "${line}"`);
      if (kind === "children") {
        const [child, ...extra] = words(line);
        if (child === undefined || extra.length) {
          throw new UsageError(`expected one group name, got "${line}"`);
        }
        builder.addChild(group, child);
      } else if (kind === "vars") {
        const eq = line.indexOf("=");
        if (eq <= 0) throw new UsageError(`expected key=value, got "${line}"`);
        // The rest of the line, read as a Python literal when it is one (Ansible does so).
        builder.addVars(group, {
          [line.slice(0, eq).trim()]: pythonValue(line.slice(eq + 1).trim()),
        });
      } else {
        hostLine(builder, group, words(line));
      }
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      throw new UsageError(`${where}: ${e.message.replace(/^Invalid inventory "[^"]*": /, "")}`);
    }
  }
  return builder.data;
}

function hostLine(builder: InventoryBuilder, group: string, tokens: string[]): void {
  const [first, ...rest] = tokens;
  if (first === undefined) return;
  const vars: InventoryVars = {};
  let pattern = first;
  // "host:port", as Ansible allows; an IPv6 address has more than one ":".
  const port = /^([^:]+):(\d+)$/.exec(first);
  if (port) {
    pattern = port[1]!;
    vars.ansible_port = Number(port[2]!);
  }
  for (const token of rest) {
    const eq = token.indexOf("=");
    if (eq <= 0) throw new UsageError(`expected key=value after the host, got "${token}"`);
    vars[token.slice(0, eq)] = pythonValue(token.slice(eq + 1));
  }
  builder.addHosts(group, pattern, vars);
}

/**
 * Splits on blanks as a shell would: quotes group, `\` escapes, and (with `comments`, the
 * default) an unquoted `#` that starts a word ends the text.
 */
export function words(text: string, comments = true): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && /["\\]/.test(text[i + 1] ?? "")) word += text[++i]!;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text[++i]!;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined && comments) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote) throw new UsageError(`unclosed ${quote} in "${text}"`);
  if (word !== undefined) out.push(word);
  return out;
}
