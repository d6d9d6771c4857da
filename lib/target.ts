/**
 * The target grammar shared by the CLI and `router.connect()`: hops separated by `/`, each one of
 * `local`, `[ssh:][user@]host[:port]` (IPv6 literals in brackets: `[::1]:2222`), `sudo[:user]`,
 * `su[:user]` or `doas[:user]`. Pure parsing; errors point at the bad hop.
 *
 * @module
 */

import { UsageError } from "./errors.ts";

/** One step of a target. */
export type Hop =
  | { method: "local" }
  | { method: "ssh"; host: string; user?: string; port?: number }
  | { method: "sudo" | "su" | "doas"; user?: string };

// Letters and digits of any script (an inventory may name a host "příbor"); ssh gets it after "--".
const HOST = /^[\p{L}\p{N}_](?:[\p{L}\p{N}\p{M}._-]*[\p{L}\p{N}\p{M}_])?$/u;
const V6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/;

/** Whether `host` can be the host of an ssh hop: a host name or an IPv6 address. */
export function isHostName(host: string): boolean {
  return HOST.test(host) || (host.includes(":") && V6.test(host));
}

/** Whether `user` can be the user of a hop. */
export function isUserName(user: string): boolean {
  return USER.test(user);
}

function fail(target: string, hop: string, why: string): never {
  throw new UsageError(`Invalid target "${target}": hop "${hop}" ${why}`);
}

function checkUser(target: string, hop: string, user: string): string {
  if (user.startsWith("-")) fail(target, hop, `has a user that starts with "-"`);
  if (!USER.test(user)) fail(target, hop, `has an invalid user name "${user}"`);
  return user;
}

function parseSsh(target: string, hop: string, text: string): Hop {
  let rest = text;
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = checkUser(target, hop, rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) fail(target, hop, `has an unclosed "["`);
    host = rest.slice(1, close);
    if (!V6.test(host)) fail(target, hop, `has an invalid IPv6 address "${host}"`);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) fail(target, hop, `has text after "]"`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = rest.indexOf(":");
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (host === "") fail(target, hop, "has no host");
    if (host.startsWith("-")) fail(target, hop, `has a host that starts with "-"`);
    if (!HOST.test(host)) fail(target, hop, `has an invalid host name "${host}"`);
  }
  const out: Hop = { method: "ssh", host };
  if (user !== undefined) out.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      fail(target, hop, `has an invalid port "${portText}"`);
    }
    out.port = port;
  }
  return out;
}

/** Parses one hop. */
export function parseHop(hop: string, target: string = hop): Hop {
  if (hop === "") fail(target, hop, "is empty");
  if (hop === "local") return { method: "local" };
  const m = /^(sudo|su|doas)(?::(.*))?$/.exec(hop);
  if (m) {
    const method = m[1] as "sudo" | "su" | "doas";
    return m[2] === undefined ? { method } : { method, user: checkUser(target, hop, m[2]) };
  }
  return parseSsh(target, hop, hop.startsWith("ssh:") ? hop.slice(4) : hop);
}

/** Splits a target into hops. Throws a {@linkcode UsageError} that names the bad hop. */
export function parseTarget(target: string): Hop[] {
  if (target.trim() === "") throw new UsageError('Invalid target "": it is empty');
  // Split on "/" outside IPv6 brackets.
  const hops: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < target.length; i++) {
    const c = target[i];
    if (c === "[") depth++;
    else if (c === "]") depth--;
    else if (c === "/" && depth === 0) {
      hops.push(target.slice(start, i));
      start = i + 1;
    }
  }
  hops.push(target.slice(start));
  return hops.map((h) => parseHop(h, target));
}

/** Writes a hop back in target syntax. */
export function formatHop(hop: Hop): string {
  switch (hop.method) {
    case "local":
      return "local";
    case "ssh": {
      const host = hop.host.includes(":") ? `[${hop.host}]` : hop.host;
      const text = `${hop.user ? `${hop.user}@` : ""}${host}${hop.port ? `:${hop.port}` : ""}`;
      // A host named like another method ("sudo", "local") keeps its method.
      return /^(local$|(sudo|su|doas)(:|$))/.test(text) ? `ssh:${text}` : text;
    }
    default:
      return hop.user ? `${hop.method}:${hop.user}` : hop.method;
  }
}
