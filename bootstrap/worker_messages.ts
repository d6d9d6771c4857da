/**
 * Messages between the remote stage's router thread and its call worker (structured clone).
 *
 * @module
 */

import type { ModuleEntry } from "../lib/wire/protocol.ts";

/** router → worker: run a call. */
export interface WorkerCall {
  t: "call";
  id: number;
  /** The caller's id for the call, which its reply carries. */
  cid: number;
  mod: string;
  fn: string;
  args: Uint8Array;
  modules?: ModuleEntry[];
  /** Set for a stream: items it may send before more credit comes. */
  credit?: number;
  /**
   * Set when the worker may write its replies itself: the frame header's destination (the
   * caller), source (this context) and the frame limit (see lib/transport/shared_frames.ts).
   */
  to?: [dst: number, src: number, maxFrame: number | undefined];
}

/** router → worker: more credit for, or the end of, stream `id`. */
export interface WorkerFlow {
  t: "credit" | "stop";
  id: number;
  n?: number;
}

/**
 * worker → router: one item of stream `id`. `frame` is the item message for the caller, encoded
 * after room for the frame header, which the router fills in (`frameInPlace`).
 */
export interface WorkerItem {
  t: "item";
  id: number;
  frame: Uint8Array;
}

/** worker → router: call `id` ended; `frame` is its `ok` or `err` reply, as in a WorkerItem. */
export interface WorkerDone {
  t: "done";
  id: number;
  frame: Uint8Array;
}

/** worker → router: call `id` ended, and the worker wrote its reply itself. */
export interface WorkerFin {
  t: "fin";
  id: number;
}

/** worker → router: a line written by user code to stdout or the console. */
export interface WorkerOutput {
  t: "out";
  text: string;
  stream: "stdout" | "stderr";
}

/** worker → router: call `fn` of `mod` in context `dst` (a handle user code was given). */
export interface WorkerOutCall {
  t: "ocall";
  /** Worker-side id of this call. */
  id: number;
  dst: number;
  mod: string;
  fn: string;
  args: Uint8Array;
}

/** router → worker: the answer to a {@linkcode WorkerOutCall}; `data` is msgpack. */
export interface WorkerOutDone {
  t: "odone";
  id: number;
  ok: boolean;
  data: Uint8Array;
}

/** worker ↔ router: a value on channel `ch` (msgpack), or its end. */
export interface WorkerChan {
  t: "chan";
  ch: number;
  value?: Uint8Array;
  end?: true;
}

/** router → worker: the buffer under a large reply, written out, for the encoder to reuse. */
export interface WorkerSpare {
  t: "spare";
  frame: Uint8Array;
}
