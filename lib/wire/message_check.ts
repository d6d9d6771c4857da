/**
 * The shapes of the messages a remote sends to the master, checked as each frame is decoded and
 * before any field is used: a message that does not fit closes the connection as a protocol
 * error, since no real remote stage sends one. Kinds the master does not act on pass unchecked
 * (the router ignores them).
 *
 * @module
 */

import type { Message } from "./protocol.ts";
import { is, MAX_REMOTE_NAME, misfit, type Shape } from "./remote_value.ts";

const ID = is.int();

/** The fields of each kind of message a remote may send the master. */
const INBOUND: Readonly<Partial<Record<Message["t"], Shape>>> = {
  hello: {
    runtime: is.oneOf("deno", "node"),
    version: is.text(MAX_REMOTE_NAME),
    pid: is.int(1),
    host: is.text(MAX_REMOTE_NAME),
    user: is.text(MAX_REMOTE_NAME),
  },
  log: {
    level: is.oneOf("debug", "info", "warn", "error"),
    msg: is.string,
    stream: is.optional(is.oneOf("stdout", "stderr")),
  },
  ok: { id: ID, value: is.bytes },
  err: { id: ID, error: is.bytes },
  item: { id: ID, value: is.bytes },
  mreq: { id: ID, url: is.text(), set: is.optional(ID) },
  gone: {
    id: ID,
    error: is.optional(is.text()),
    kind: is.optional(is.oneOf("auth", "timeout", "protocol")),
    boot: is.optional(is.oneOf(true)),
  },
  chan: { ch: ID, value: is.optional(is.bytes), end: is.optional(is.oneOf(true)) },
};

/**
 * Why `msg`, which a remote sent the master, is malformed (`a "log" message whose field "level"
 * is not …`), or undefined when it is fine.
 */
export function malformed(msg: Message): string | undefined {
  const shape = INBOUND[msg.t];
  const why = shape && misfit(msg, shape);
  return why && `a "${msg.t}" message whose ${why.replace(/^its /, "")}`;
}
