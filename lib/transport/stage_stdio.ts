/**
 * A remote stage's own {@linkcode Transport}: frames come on stdin and leave on fd
 * {@linkcode FRAMES_FD}, where the command that started the stage moved the stream the other end
 * reads (its stdout points at stderr). Anything else written to stdout, by this process or a
 * child that shares it, goes to stderr, so only frames travel to the other end.
 *
 * @module
 */

import { FRAMES_FD } from "../wire/protocol.ts";
import type { Transport, TransportEvents } from "./transport.ts";
import { FramesLock } from "./shared_frames.ts";
import { DenoFrames, DenoFramesLock } from "./deno_frames.ts";

/**
 * The frames' stream. On Node, as a descriptor of its own that children do not inherit: the pipe
 * is opened again through /proc (with close-on-exec, as Node opens every file), so that a process
 * user code leaves behind never holds the session open; where that is refused (a pipe of another
 * user, after sudo), fd 3 itself. On Deno, opened again the same way through the C library
 * (deno_frames.ts, close-on-exec too), else fd 3 through Deno's `net`, which takes no descriptor
 * its `fs` opened; fd 3 itself stays open across exec there, so user code runs in a process of its
 * own (see bootstrap/call_host.ts), and every process mitoctl starts gets pipes of its own on fds 3
 * and 4 (`spawnSealed`).
 */
function framesOut(): {
  out: { write(bytes: Uint8Array, done?: () => void): unknown; end(): unknown };
  lock: FramesLock | DenoFramesLock | undefined;
} {
  const fs = process.getBuiltinModule("node:fs");
  let fd = FRAMES_FD;
  const node = !("Deno" in globalThis);
  if (!node) {
    // Deno's call worker is a process of its own (see bootstrap/call_host.ts), which writes its
    // replies itself where both can open the pipe again (deno_frames.ts); else only the router
    // writes, through Deno's own stream.
    const frames = DenoFrames.open(`/proc/self/fd/${FRAMES_FD}`);
    if (frames) {
      const out = {
        write(bytes: Uint8Array, done?: () => void) {
          frames.writeAll(bytes);
          if (done) queueMicrotask(done);
        },
        end: () => frames.close(),
      };
      return { out, lock: new DenoFramesLock(frames) };
    }
  } else {
    try {
      fd = fs.openSync(`/proc/self/fd/${FRAMES_FD}`, fs.constants.O_WRONLY);
      fs.closeSync(FRAMES_FD);
    } catch { /* keep fd 3 */ }
  }
  const out = new (process.getBuiltinModule("node:net").Socket)({ fd, readable: false });
  // As the runtime makes a stdout pipe: each write completes before the next frame is made (and
  // before the lock of shared_frames.ts is given back).
  (out as unknown as { _handle?: { setBlocking?(on: boolean): void } })._handle?.setBlocking?.(
    true,
  );
  return { out, lock: node ? new FramesLock(fd) : undefined };
}

/** A stage's transport, with the lock under which the call worker writes frames too (Node's
 *  thread, or Deno's call host where it can). */
export interface StageTransport extends Transport {
  readonly lock?: FramesLock | DenoFramesLock;
}

/**
 * The frames' stream in: a socket over fd 0 where it is a pipe or a socket (ssh, a local runtime),
 * read on the event loop, each chunk in a buffer of its own; else `process.stdin` (a terminal under
 * `script`, a file), which both runtimes read whatever it is. On Deno the socket takes half the CPU
 * per small read of `process.stdin` or `Deno.stdin.read`, which read on another thread and, for
 * `Deno.stdin.read`, duplicate the descriptor for every read.
 */
function framesIn(): { on(event: string, listener: (arg: Uint8Array) => void): unknown } {
  try {
    return new (process.getBuiltinModule("node:net").Socket)({
      fd: 0,
      readable: true,
      writable: false,
    });
  } catch {
    return process.stdin;
  }
}

/** Takes over this process's stdin and the frames' descriptor. */
export function stageStdio(events: TransportEvents): StageTransport {
  const { out, lock } = framesOut();
  const end = () => events.closed(null, null);
  const input = framesIn();
  input.on("data", events.receive);
  input.on("end", end);
  input.on("error", end);
  const send = (bytes: Uint8Array, written?: () => void) => void out.write(bytes, written);
  return {
    send: lock ? (bytes, written) => lock.with(() => send(bytes, written)) : send,
    close: () => out.end(),
    ...lock && { lock },
  };
}
