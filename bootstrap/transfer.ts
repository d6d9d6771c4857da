/**
 * Moving bytes between the router thread and the call worker. Deno clones a `Uint8Array` sent
 * to a worker byte by byte (about 140 ms a MiB); a transferred `ArrayBuffer` moves at once. So
 * the binary fields of worker messages travel as ArrayBuffers and are wrapped again on arrival.
 *
 * @module
 */

import { LARGE_MESSAGE, worthAView } from "../lib/wire/codec.ts";

/** Message fields that hold bytes; a worker message carries at most one. */
export const FIELDS = ["args", "data", "value", "frame"] as const;

type Port = { postMessage(message: unknown, transfer: ArrayBuffer[]): void };

/** Where in its transferred buffer a binary field's bytes are, when not the whole of it. */
const VIEW = "$view";

/**
 * Posts `message` to `port`, moving its binary fields as transferred ArrayBuffers. A view that
 * fills at least half of its buffer moves with the whole buffer (the receiver wraps the same
 * bytes again); a smaller one is copied (a memcpy), so only its bytes move.
 */
export function post(port: Port, message: object): void {
  const out: Record<string, unknown> = { ...message };
  const transfer: ArrayBuffer[] = [];
  for (const f of FIELDS) {
    const v = out[f];
    if (!(v instanceof Uint8Array)) continue;
    const whole = v.byteLength === v.buffer.byteLength;
    if (!whole && worthAView(v.byteLength, v.buffer.byteLength)) {
      out[VIEW] = [v.byteOffset, v.byteLength];
    }
    transfer.push(out[f] = (whole || out[VIEW] ? v.buffer : v.slice().buffer) as ArrayBuffer);
  }
  port.postMessage(out, transfer);
}

/** The bytes of a binary field as {@linkcode post} sent them: `[offset, length]` in `buffer`. */
export function bytesOf(message: object, buffer: ArrayBuffer): Uint8Array {
  const at = (message as Record<string, unknown>)[VIEW] as [number, number] | undefined;
  return at ? new Uint8Array(buffer, at[0], at[1]) : new Uint8Array(buffer);
}

/** Wraps the binary fields of a message {@linkcode post} sent back into Uint8Arrays. */
export function received<T>(message: T): T {
  const m = message as Record<string, unknown>;
  for (const f of FIELDS) if (m[f] instanceof ArrayBuffer) m[f] = bytesOf(m, m[f]);
  delete m[VIEW];
  return message;
}

/**
 * Whether `m`, a message from the worker, is a reply large enough that its buffer goes back for
 * the next one once written out (see `reuse` in lib/wire/codec.ts).
 */
export function reusable(m: { t: string; frame?: Uint8Array | ArrayBuffer }): boolean {
  return (m.t === "done" || m.t === "item") && (m.frame?.byteLength ?? 0) > LARGE_MESSAGE;
}
