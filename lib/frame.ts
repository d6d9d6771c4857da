/**
 * Framing: `u32 length | u32 dst | u32 src | body`, big-endian, where `length` counts the eight
 * address bytes plus the body. Pure byte work, no I/O: transports feed chunks in and get frames out.
 *
 * @module
 */

import { MAX_FRAME_SIZE } from "./limits.ts";

/** Bytes before the body: length, dst, src. */
export const HEADER_SIZE = 12;

/** One decoded frame. `body` is only valid until the next {@linkcode FrameReader.push}. */
export interface Frame {
  dst: number;
  src: number;
  body: Uint8Array;
}

/** Raised when bytes cannot be a frame; the stream that carried them must be closed. */
export class FrameError extends Error {
  override name = "FrameError";
}

/** Builds one frame around `body`. Throws a `RangeError` when `body` exceeds `maxSize`. */
export function encodeFrame(
  dst: number,
  src: number,
  body: Uint8Array,
  maxSize: number = MAX_FRAME_SIZE,
): Uint8Array {
  if (body.length > maxSize) {
    throw new RangeError(
      `Message of ${body.length} bytes exceeds the frame limit of ${maxSize} bytes`,
    );
  }
  const out = new Uint8Array(HEADER_SIZE + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length + 8);
  view.setUint32(4, dst);
  view.setUint32(8, src);
  out.set(body, HEADER_SIZE);
  return out;
}

/** Options for {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** Largest body accepted; default {@linkcode MAX_FRAME_SIZE}. */
  maxSize?: number;
}

/**
 * Turns a byte stream into frames. Keeps at most one partial frame buffered; a length field over
 * the limit throws a {@linkcode FrameError} before anything is allocated for it.
 */
export class FrameReader {
  #buf = new Uint8Array(64 * 1024);
  #start = 0;
  #end = 0;
  #max: number;

  constructor(options: FrameReaderOptions = {}) {
    this.#max = options.maxSize ?? MAX_FRAME_SIZE;
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** Appends `chunk` and calls `onFrame` for every complete frame, in order. */
  push(chunk: Uint8Array, onFrame: (frame: Frame) => void): void {
    this.#append(chunk);
    while (this.#end - this.#start >= HEADER_SIZE) {
      const view = new DataView(this.#buf.buffer, this.#start);
      const length = view.getUint32(0);
      if (length < 8) throw new FrameError(`Frame length ${length} is shorter than its header`);
      const size = length - 8;
      if (size > this.#max) {
        throw new FrameError(
          `Frame of ${size} bytes exceeds the frame limit of ${this.#max} bytes`,
        );
      }
      if (this.#end - this.#start < HEADER_SIZE + size) {
        this.#reserve(HEADER_SIZE + size);
        return;
      }
      const dst = view.getUint32(4);
      const src = view.getUint32(8);
      const at = this.#start + HEADER_SIZE;
      this.#start = at + size;
      onFrame({ dst, src, body: this.#buf.subarray(at, at + size) });
    }
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  #append(chunk: Uint8Array): void {
    this.#reserve(this.#end - this.#start + chunk.length);
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }

  /** Makes room for `need` bytes counted from the current start. */
  #reserve(need: number): void {
    const held = this.#end - this.#start;
    if (this.#start + need <= this.#buf.length) return;
    if (need <= this.#buf.length) {
      this.#buf.copyWithin(0, this.#start, this.#end);
    } else {
      let size = this.#buf.length;
      while (size < need) size *= 2;
      const next = new Uint8Array(size);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
    }
    this.#start = 0;
    this.#end = held;
  }
}
