/**
 * Messages between the remote stage's router thread and its call worker (structured clone).
 *
 * @module
 */

import type { ModuleEntry } from "../lib/protocol.ts";

/** router → worker: run a call. */
export interface WorkerCall {
  t: "call";
  id: number;
  mod: string;
  fn: string;
  args: Uint8Array;
  modules?: ModuleEntry[];
}

/** worker → router: a call ended; `value` or `error` is msgpack. */
export interface WorkerDone {
  t: "done";
  id: number;
  ok: boolean;
  data: Uint8Array;
}

/** worker → router: a line written by user code to stdout or the console. */
export interface WorkerOutput {
  t: "out";
  text: string;
}
