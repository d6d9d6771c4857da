/**
 * The askpass program on Node remote stages: Node itself, as `/proc/<pid>/exe` of the stage
 * (a path no ProxyCommand would spell), with the askpass code loaded from the environment by
 * `NODE_OPTIONS=--import=data:…`. Nothing reaches a filesystem and the code holds no secret.
 *
 * @module
 */

import { encodeBase64 } from "../wire/base64.ts";
import { askpassClientJs } from "./askpass_client.ts";

/** The program ssh runs, and the environment that turns it into the askpass. */
export function nodeAskpass(): { program: string; env: Record<string, string> } {
  const js = new TextEncoder().encode(askpassClientJs(true));
  const load = `--import=data:text/javascript;base64,${encodeBase64(js)}`;
  const existing = process.env.NODE_OPTIONS;
  return {
    program: `/proc/${process.pid}/exe`,
    env: { NODE_OPTIONS: existing ? `${existing} ${load}` : load },
  };
}
