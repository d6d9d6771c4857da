/**
 * The `su` connection method: the parent context runs `su <user>` on its own machine. su reads
 * its password from a terminal, so it runs on a pseudo-terminal (util-linux `script`); the
 * password is typed only when su prompts, and stage 2 is written only after the ready line, once
 * the terminal is raw and silent.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import { DEFAULT_CONNECT_TIMEOUT } from "../limits.ts";
import { remoteCommand, type RuntimeChoice } from "../stage1.ts";
import { onPty, type Prompting, readyCommand } from "./sudo.ts";

/** Options for an su context. */
export interface SuOptions {
  /** User to become; default root. */
  user?: string;
  /** That user's password, typed only if su asks. */
  password?: string;
  /** Runtime to start as that user; default: the runtime running the parent. */
  runtime?: RuntimeChoice;
  /**
   * How long the context may take to come up, in ms; default 30 s. The remote command's watchdog
   * ends a runtime that has not started by then.
   */
  connectTimeout?: number;
}

/** The su process that becomes a context, with its prompt handling. */
export function suSpawn(
  options: SuOptions,
  size: number,
  nonce: string,
  defaultRuntime: string,
): SpawnSpec & { prompting: Prompting } {
  const runtime = options.runtime ?? defaultRuntime;
  const ready = `mitoctl-ready-${nonce}`;
  const user = options.user ?? "root";
  // LC_ALL=C: su's prompt and refusal in English, as the link expects them.
  const argv = onPty([
    "su",
    user,
    "-c",
    readyCommand(
      ready,
      remoteCommand(runtime, size, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
      true,
    ),
  ]);
  const prompting: Prompting = { prompt: "Password:", ready };
  if (options.password !== undefined) prompting.password = options.password;
  return { argv, label: `su:${user}`, runtime, prompting, env: { LC_ALL: "C" } };
}
