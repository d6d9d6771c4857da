/**
 * The router every CLI command uses, and what it shows on stderr.
 *
 * @module
 */

import { type LogLine, Router } from "../master/router.ts";
import type { Parsed } from "./args.ts";
import { remoteLines } from "./terminal_text.ts";

/** Whether the CLI prints `line`: remote code's own output and warnings always; the rest with -v. */
export function shown(line: LogLine, verbose: number): boolean {
  // Errors are thrown and printed once as the command's failure; -v shows them as they happen.
  return line.stream !== undefined || line.level === "warn" || verbose > 0;
}

/**
 * A router whose diagnostics go to stderr as `[context] text`, filtered by {@linkcode shown};
 * every line of a text carries the prefix and its controls are escaped.
 */
export function cliRouter(values: Parsed["values"]): Router {
  const verbose = (values.verbose as boolean[] | undefined)?.length ?? 0;
  return new Router({
    debug: verbose > 0,
    onLog: (l) => {
      if (shown(l, verbose)) console.error(remoteLines(`[${l.context}] `, l.text));
    },
  });
}
