/**
 * Framing: `u32 length | u32 dst | u32 src | body`, big-endian, where `length` counts the eight
 * address bytes plus the body. Pure byte work, no I/O: transports feed chunks in and get frames out.
 *
 * Who owns the bytes: a {@linkcode Frame} handed out by {@linkcode FrameReader} owns its memory.
 * The reader copies each byte once, from the chunk it was given into a buffer made for that one
 * frame, and never writes to that buffer again. A consumer may therefore keep `bytes` and `body`
 * across microtasks, timers and threads, forward `bytes` unchanged, or transfer `bytes.buffer`
 * (the frame is the whole of it). The chunks passed to {@linkcode FrameReader.push} stay the
 * caller's: the reader keeps no view of them once `push` returns.
 *
 * @module
 */

import { MAX_FRAME_SIZE } from "../limits.ts";

/** Bytes before the body: length, dst, src. */
export const HEADER_SIZE = 12;

/** One frame, owning its bytes (see the module's note on ownership). */
export interface Frame {
  dst: number;
  src: number;
  /** The message: a view of `bytes` after the header. */
  body: Uint8Array;
  /** The whole frame, header included, exactly as it arrived: forward it as is. */
  bytes: Uint8Array;
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
  checkSize(body.length, maxSize);
  const out = new Uint8Array(HEADER_SIZE + body.length);
  out.set(body, HEADER_SIZE);
  return frameInPlace(out, dst, src, maxSize);
}

/**
 * Makes a frame of `bytes` without copying them: the body follows {@linkcode HEADER_SIZE} free
 * bytes (the codec's `room` option leaves them), and the header is written there. Returns
 * `bytes`. Throws a `RangeError` when the body exceeds `maxSize`.
 */
export function frameInPlace(
  bytes: Uint8Array,
  dst: number,
  src: number,
  maxSize: number = MAX_FRAME_SIZE,
): Uint8Array {
  checkSize(bytes.length - HEADER_SIZE, maxSize);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  view.setUint32(0, bytes.length - HEADER_SIZE + 8);
  view.setUint32(4, dst);
  view.setUint32(8, src);
  return bytes;
}

function checkSize(size: number, maxSize: number): void {
  if (size > maxSize) {
    throw new RangeError(`Message of ${size} bytes exceeds the frame limit of ${maxSize} bytes`);
  }
}

/** Reads the addresses of a whole frame (as {@linkcode encodeFrame} makes them) without copying. */
export function frameOf(bytes: Uint8Array): Frame {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_SIZE);
  return {
    dst: view.getUint32(4),
    src: view.getUint32(8),
    body: bytes.subarray(HEADER_SIZE),
    bytes,
  };
}

/** Options for {@linkcode FrameReader}. */
export interface FrameReaderOptions {
  /** Largest body accepted; default {@linkcode MAX_FRAME_SIZE}. */
  maxSize?: number | undefined;
}

/**
 * Turns a byte stream into frames, each in memory of its own. A length field over the limit
 * throws a {@linkcode FrameError} before anything is allocated for it.
 */
export class FrameReader {
  readonly #head = new Uint8Array(HEADER_SIZE);
  #headFilled = 0;
  /** The frame being filled, once its header arrived. */
  #frame: Uint8Array | undefined;
  #filled = 0;
  /** Largest body accepted from now on; {@linkcode FrameReaderOptions.maxSize} at first. */
  maxSize: number;

  constructor(options: FrameReaderOptions = {}) {
    this.maxSize = options.maxSize ?? MAX_FRAME_SIZE;
  }

  /** Bytes held that do not yet form a whole frame. */
  get pending(): number {
    return this.#frame ? this.#filled : this.#headFilled;
  }

  /** Takes `chunk` and calls `onFrame` for every frame it completes, in order. */
  push(chunk: Uint8Array, onFrame: (frame: Frame) => void): void {
    let at = 0;
    while (at < chunk.length) {
      if (!this.#frame) {
        const n = Math.min(HEADER_SIZE - this.#headFilled, chunk.length - at);
        this.#head.set(chunk.subarray(at, at + n), this.#headFilled);
        this.#headFilled += n;
        at += n;
        if (this.#headFilled < HEADER_SIZE) return;
        this.#begin();
      } else {
        const n = Math.min(this.#frame.length - this.#filled, chunk.length - at);
        this.#frame.set(chunk.subarray(at, at + n), this.#filled);
        this.#filled += n;
        at += n;
      }
      const frame = this.#frame!;
      if (this.#filled < frame.length) continue;
      // Forget the frame before handing it out: it is the consumer's from here on.
      this.#frame = undefined;
      this.#filled = 0;
      onFrame(frameOf(frame));
    }
  }

  /** The header is complete: checks its length and makes the frame's own buffer. */
  #begin(): void {
    const length = new DataView(this.#head.buffer).getUint32(0);
    this.#headFilled = 0;
    if (length < 8) throw new FrameError(`Frame length ${length} is shorter than its header`);
    const size = length - 8;
    if (size > this.maxSize) {
      throw new FrameError(
        `Frame of ${size} bytes exceeds the frame limit of ${this.maxSize} bytes`,
      );
    }
    this.#frame = new Uint8Array(HEADER_SIZE + size);
    this.#frame.set(this.#head);
    this.#filled = HEADER_SIZE;
  }
}
