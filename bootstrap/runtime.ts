/**
 * Node built-ins for the remote stage, fetched with `process.getBuiltinModule` so the bundle has
 * no imports and runs the same on Deno 2 and Node ≥ 20.16.
 *
 * @module
 */

/** `node:worker_threads`. */
export const threads = process.getBuiltinModule("node:worker_threads");
/** `node:os`. */
export const os = process.getBuiltinModule("node:os");

/** "deno" or "node", whichever runs this code. */
export const runtimeName: "deno" | "node" = "Deno" in globalThis ? "deno" : "node";

/** The runtime's version without a leading "v". */
export const runtimeVersion: string = runtimeName === "deno"
  ? (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno
  : process.versions.node ?? "";

/**
 * Whether this runtime can load modules from memory: `module.registerHooks` (Deno 2.8+, Node
 * 22.15+) or `module.register` (Node 20.6+).
 */
export function canLoadModules(): boolean {
  const mod = process.getBuiltinModule("node:module") as {
    registerHooks?: unknown;
    register?: unknown;
  };
  return typeof mod.registerHooks === "function" || typeof mod.register === "function";
}

/** The effective user's name, falling back to the uid when it has no passwd entry. */
export function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? "?"}`;
  }
}
