/**
 * Moving bytes between the router thread and the call worker. Deno clones a `Uint8Array` sent
 * to a worker byte by byte (about 140 ms a MiB); a transferred `ArrayBuffer` moves at once. So
 * the binary fields of worker messages travel as ArrayBuffers and are wrapped again on arrival.
 *
 * @module
 */

/** Message fields that hold bytes; a worker message carries at most one. */
export const FIELDS = ["args", "data", "value", "frame"] as const;

type Port = { postMessage(message: unknown, transfer: ArrayBuffer[]): void };

/** Posts `message` to `port`, moving its binary fields as transferred ArrayBuffers. */
export function post(port: Port, message: object): void {
  const out: Record<string, unknown> = { ...message };
  const transfer: ArrayBuffer[] = [];
  for (const f of FIELDS) {
    const v = out[f];
    if (!(v instanceof Uint8Array)) continue;
    // A view of part of a buffer is copied (a memcpy), so only its bytes move; a whole one moves.
    const whole = v.byteLength === v.buffer.byteLength;
    transfer.push(out[f] = (whole ? v.buffer : v.slice().buffer) as ArrayBuffer);
  }
  port.postMessage(out, transfer);
}

/** Wraps the binary fields of a message {@linkcode post} sent back into Uint8Arrays. */
export function received<T>(message: T): T {
  const m = message as Record<string, unknown>;
  for (const f of FIELDS) if (m[f] instanceof ArrayBuffer) m[f] = new Uint8Array(m[f]);
  return message;
}
