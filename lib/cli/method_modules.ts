/**
 * `mitoctl --methods <module>`: imports modules that register connection methods of their own
 * (see the README's "Connection methods") before a command reads its targets. The master alone
 * imports them; a remote stage starts later hops with its built-in methods.
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.ts";
import { allMethods } from "../methods/registry.ts";

/** The global option, before the command: `mitoctl --methods ./m.ts call …`. */
export const METHODS_FLAG = "--methods";

/** A module specifier that is a URL rather than a path. */
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Takes the leading `--methods <module>` options (also `--methods=<module>`, repeatable) off
 * `argv`, imports each module once in order, and returns the rest. Throws a UsageError for a
 * missing value, a path that does not exist, a module that fails to import or registers no method.
 */
export async function loadMethodModules(argv: string[]): Promise<string[]> {
  const specs: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith(`${METHODS_FLAG}=`)) specs.push(arg.slice(METHODS_FLAG.length + 1));
    else if (arg !== METHODS_FLAG) break;
    else if (i + 1 < argv.length) specs.push(argv[++i]!);
    else throw new UsageError(`${METHODS_FLAG} needs a module: a path or a URL`);
  }
  const seen = new Set<string>();
  for (const spec of specs) {
    const url = await moduleUrl(spec);
    if (seen.has(url)) continue;
    seen.add(url);
    const before = allMethods().length;
    try {
      await import(url);
    } catch (e) {
      const why = (e as Error).message.split("\n")[0];
      throw new UsageError(`Cannot load connection methods from "${spec}": ${why}`);
    }
    if (allMethods().length === before) {
      throw new UsageError(
        `"${spec}" registers no connection method: call registerMethod() from mitoctl's mod.ts in it`,
      );
    }
  }
  return argv.slice(i);
}

/** The URL of `spec`: a URL as given, a path resolved against the current directory. */
async function moduleUrl(spec: string): Promise<string> {
  if (spec === "") throw new UsageError(`${METHODS_FLAG} needs a module: a path or a URL`);
  if (URL_SCHEME.test(spec)) return spec;
  const path = resolve(spec);
  let why;
  try {
    if ((await Deno.stat(path)).isFile) return pathToFileURL(path).href;
    why = "not a file";
  } catch (e) {
    why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
  }
  throw new UsageError(`Cannot load connection methods from "${spec}": ${why}`);
}
