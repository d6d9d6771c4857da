/**
 * Loading a components config: importing the module, calling its definition with the host lists
 * and `--set` arguments, applying its `transform`, and checking the result.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { resolveTargets } from "../fleet/fanout.ts";
import type { Inventory } from "../inventory/inventory.ts";
import type { ComponentsDefinition, ComponentsTransform, ConfigInput } from "./config.ts";
import { type Component, planComponents } from "./plan.ts";

/** Options of {@linkcode loadConfig}. */
export interface LoadOptions {
  /** `--set` pairs, given to the definition as `args`. Default none. */
  args?: Record<string, string>;
  /** What `hosts()` with no argument returns (`--hosts a,b`). Default none. */
  hosts?: string[];
  /** Inventory for `hosts("@group")`. Default none. */
  inventory?: Inventory;
}

/** A loaded config. */
export interface LoadedConfig {
  /** The config's path as given. */
  path: string;
  /** Its absolute real path: what a later run finds its components by. */
  realPath: string;
  /** 16 hex digits derived from {@linkcode LoadedConfig.realPath}; names the remote state. */
  key: string;
  components: Component[];
}

/** The config key of the config at absolute `realPath`. */
export async function configKey(realPath: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(realPath));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** `path:line:column` of the first stack frame in `url`, else of the first frame at all. */
export function errorLocation(error: unknown, url: string, shown: string): string | undefined {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  const frames = [...stack.matchAll(/(file:\/\/[^\s()]+?):(\d+):(\d+)/g)];
  const own = frames.find((m) => m[1] === url);
  if (own) return `${shown}:${own[2]}:${own[3]}`;
  const first = frames[0];
  return first
    ? `${decodeURIComponent(new URL(first[1]!).pathname)}:${first[2]}:${first[3]}`
    : undefined;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Imports the config at `path` and returns its components. A config that cannot be imported or
 * whose code throws is a UsageError giving the file and line.
 */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let realPath: string;
  try {
    realPath = await Deno.realPath(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "it does not exist" : (e as Error).message;
    throw new UsageError(`Cannot load config "${path}": ${why}`);
  }
  const url = new URL(`file://${realPath}`).href;
  const fail = (what: string, error: unknown): never => {
    const at = errorLocation(error, url, path);
    throw new UsageError(
      `Config "${path}" ${what}${at ? ` at ${at}` : ""}: ${describe(error)}`,
      { cause: error },
    );
  };
  let mod: Record<string, unknown>;
  try {
    mod = await import(url);
  } catch (e) {
    return fail("cannot be loaded", e);
  }
  const definition = mod.default;
  const transform = mod.transform;
  if (typeof definition !== "function" && !Array.isArray(definition)) {
    throw new UsageError(
      `Config "${path}" must export default defineComponents(…) or an array of components`,
    );
  }
  if (transform !== undefined && typeof transform !== "function") {
    throw new UsageError(`Config "${path}" exports a "transform" that is not a function`);
  }
  const input: ConfigInput = {
    hosts: (spec?: string) => {
      if (spec === undefined) {
        if (!options.hosts?.length) {
          throw new UsageError("hosts() lists the hosts given with --hosts, and none were given");
        }
        return [...options.hosts];
      }
      return resolveTargets([spec], options.inventory).map((h) => h.label);
    },
    args: { ...options.args },
  };
  let specs: unknown;
  try {
    specs = typeof definition === "function"
      ? await (definition as ComponentsDefinition)(input)
      : definition;
    if (transform) specs = await (transform as ComponentsTransform)(specs as never);
  } catch (e) {
    return fail("failed", e);
  }
  const dir = realPath.slice(0, realPath.lastIndexOf("/")) || "/";
  return {
    path,
    realPath,
    key: await configKey(realPath),
    components: planComponents(specs, dir, path),
  };
}
