/**
 * What every fake remote stage does alike (the hostile ones speak the wire protocol themselves):
 * skip the stage-2 bytes stage 1 would have read, read frames, write frames in order, say hello.
 *
 * @module
 */

import { decode, encode } from "../../lib/wire/codec.ts";
import { encodeFrame, type Frame, FrameReader } from "../../lib/wire/frame.ts";
import { FRAMES_FD, MASTER_ID, type Message, PREAMBLE } from "../../lib/wire/protocol.ts";

/** The wire of a fake stage: stdin, and the frame channel on fd 3 as a real stage's. */
export class FakeStage {
  /** Its context id, once `init` came. */
  id = -1;
  #output = Promise.resolve();

  /** Writes one message from `src` to `dst`, after those written before it. */
  write(dst: number, src: number, msg: Message): void {
    const frame = encodeFrame(dst, src, encode(msg));
    this.#output = this.#output.then(() => writeAll(frame));
  }

  /**
   * Becomes context `id`: writes the preamble and a hello as a Node stage would, with `fields`
   * over its own (any values: a hostile hello).
   */
  hello(id: number, fields: Record<string, unknown> = {}): void {
    this.id = id;
    this.#output = this.#output.then(() => writeAll(new TextEncoder().encode(PREAMBLE)));
    this.write(MASTER_ID, id, {
      t: "hello",
      runtime: "node",
      version: "0.0.0",
      pid: Deno.pid,
      host: "hostile",
      user: "hostile",
      ...fields,
    } as Message);
  }

  /** Reads stdin to its end: `skip` bytes of stage 2 first, then frames. */
  async read(skip: number, onMessage: (msg: Message, frame: Frame) => void): Promise<void> {
    const reader = new FrameReader();
    for await (let chunk of Deno.stdin.readable) {
      if (skip > 0) {
        const skipped = Math.min(skip, chunk.length);
        skip -= skipped;
        chunk = chunk.subarray(skipped);
      }
      reader.push(chunk, (frame) => onMessage(decode(frame.body) as Message, frame));
    }
  }
}

/** The shell words that run a fake stage's script: `deno run`, allowed to open its frame channel
 *  and nothing else. */
export const FAKE_STAGE_RUN = `'${Deno.execPath()}' run --quiet --no-check --no-config ` +
  `--no-prompt --allow-write=/proc/self/fd/${FRAMES_FD}`;

let channel: Deno.FsFile | undefined;

async function writeAll(bytes: Uint8Array): Promise<void> {
  channel ??= Deno.openSync(`/proc/self/fd/${FRAMES_FD}`, { write: true });
  for (let at = 0; at < bytes.length;) at += await channel.write(bytes.subarray(at));
}
