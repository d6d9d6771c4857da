/**
 * The target grammar shared by the CLI, inventories and `router.connect()`: hops separated by
 * `/`, each one `name:text` or a bare `name` for a registered connection method, or else an ssh
 * hop (`[user@]host[:port]`, `ssh:` to force it). What a hop holds is its method's business (see
 * `methods/registry.ts`). Pure parsing; errors point at the bad hop.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import type { Hop } from "./method.ts";
import { DEFAULT_METHOD, methodNamed } from "./registry.ts";

export type { Hop } from "./method.ts";
export { isUserName } from "./method.ts";
export { isHostName } from "./ssh.ts";

function fail(target: string, hop: string, why: string): never {
  throw new UsageError(`Invalid target "${target}": hop "${hop}" ${why}`);
}

/** The method a hop's text names (`sudo:pg` → sudo), and the text after `name:`. */
function split(hop: string): { name: string; text: string | undefined } {
  const colon = hop.indexOf(":");
  const name = colon < 0 ? hop : hop.slice(0, colon);
  if (methodNamed(name) && (name !== DEFAULT_METHOD || colon >= 0)) {
    return { name, text: colon < 0 ? undefined : hop.slice(colon + 1) };
  }
  return { name: DEFAULT_METHOD, text: hop };
}

/** Parses one hop. */
export function parseHop(hop: string, target: string = hop): Hop {
  if (hop === "") fail(target, hop, "is empty");
  const { name, text } = split(hop);
  const fields = methodNamed(name)!.parse(text, (why) => fail(target, hop, why));
  return { method: name, ...fields };
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
  const { method: name, ...fields } = hop;
  const method = methodNamed(name);
  if (!method) throw new TypeError(`No connection method named "${name}"`);
  const text = method.format(fields);
  if (name !== DEFAULT_METHOD) return text === undefined ? name : `${name}:${text}`;
  // A host named like another method ("sudo", "local") keeps its method.
  return split(text ?? "").name === DEFAULT_METHOD ? text ?? "" : `${name}:${text}`;
}
