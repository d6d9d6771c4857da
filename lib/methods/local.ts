/**
 * The `local` connection method: a runtime on this machine. By default the Deno running the
 * master; in the compiled binary, the binary itself.
 *
 * @module
 */

import { checkRuntime, framesFdArgv, type RuntimeChoice, stage1Argv } from "../stage/stage1.ts";
import { type Method, stringOption } from "./method.ts";

/** Options for a local context. */
export interface LocalOptions {
  /** Runtime to start: `"deno"`, `"node"`, a path, or `"auto"` (default: the master's own). */
  runtime?: RuntimeChoice;
}

/** Whether this code runs inside a `deno compile` binary. */
export function isCompiled(): boolean {
  return import.meta.url.includes("/deno-compile-");
}

/** The local method. */
export const local: Method = {
  name: "local",
  syntax: "local",
  summary: "a runtime on this machine (first hop only)",
  firstOnly: true,
  parse(text, fail) {
    if (text !== undefined) fail("takes nothing after local");
    return {};
  },
  format() {
    return undefined;
  },
  options(_fields, settings) {
    return settings.runtime === undefined ? {} : { runtime: settings.runtime };
  },
  spawn(options, facts) {
    const runtime = stringOption(options, "runtime") ?? "auto";
    const argv = runtime === "auto" ? facts.self : stage1Argv(checkRuntime(runtime), facts.size);
    return { argv: framesFdArgv(argv), label: "local", runtime };
  },
};
