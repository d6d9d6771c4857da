/**
 * The `local` connection method: a runtime on this machine. By default the Deno running the
 * master; in the compiled binary, the binary itself.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import { checkRuntime, type RuntimeChoice, stage1Argv } from "../stage1.ts";

/** Options for a local context. */
export interface LocalOptions {
  /** Runtime to start: `"deno"`, `"node"`, a path, or `"auto"` (default: the master's own). */
  runtime?: RuntimeChoice;
}

/** Argument that makes the compiled binary act as stage 1 (see main.ts). */
export const SELF_STAGE1_FLAG = "--mitoctl-stage1";

/** Whether this code runs inside a `deno compile` binary. */
export function isCompiled(): boolean {
  return import.meta.url.includes("/deno-compile-");
}

/** The process that becomes a local context with a stage 2 of `size` bytes. */
export function localSpawn(options: LocalOptions, size: number): SpawnSpec {
  const runtime = options.runtime ?? "auto";
  let argv: string[];
  if (runtime === "auto") {
    argv = isCompiled()
      ? [Deno.execPath(), SELF_STAGE1_FLAG, `${size}`]
      : stage1Argv(Deno.execPath(), size);
  } else {
    argv = stage1Argv(checkRuntime(runtime), size);
  }
  return { argv, label: "local", runtime };
}
