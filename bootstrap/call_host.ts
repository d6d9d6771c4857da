/**
 * Where the call worker runs, so that stopping it stops it. On Node it is a worker thread of the
 * router's process: `terminate()` interrupts it wherever it is. Deno's `terminate()` cannot
 * interrupt a thread that never yields (its isolate keeps a core busy until the process ends),
 * so on Deno the call worker runs on the main thread of a child process of its own, the call
 * host, and stopping the worker kills that process.
 *
 * The host talks to the router over two pipes:
 * - fd 3 carries worker messages both ways. Each is a frame: two 32-bit little-endian lengths,
 *   the JSON of the message without its binary field, then that field's bytes (worker messages
 *   carry at most one).
 * - fd 4 carries module requests, one at a time: the host writes a line with the JSON of
 *   `{ url }` and blocks reading the answer's line (a `ModuleAnswer`), as module hooks must
 *   return at once.
 * Where the router writes its frames under the lock of lib/transport/deno_frames.ts, the host
 * writes its replies, large ones too, to the router's frames' pipe itself (opened again through
 * `/proc`), and the two count what the host handed over and which calls it answered in a page
 * both map.
 *
 * The host's stdout and stderr are pipes whose bytes the router writes to its own stderr, so
 * that nothing user code writes reaches the protocol stream.
 *
 * @module
 */

import {
  type AskModule,
  type FetchModule,
  type ModuleAnswer,
  moduleAnswers,
  serveModuleRequests,
} from "./loader.ts";
import { bytesOf, FIELDS, reusable } from "./transfer.ts";
import { borrow, LARGE_MESSAGE, reuse } from "../lib/wire/codec.ts";
import { runtimeName, threads } from "./runtime.ts";
import { runCallWorker, type WorkerPort, type WorkerSetup } from "./call_worker.ts";
import { FramesLock, WorkerCounts } from "../lib/transport/shared_frames.ts";
import {
  closeOnExec,
  DenoFrames,
  type DenoFramesLock,
  HostWriter,
  SharedPage,
} from "../lib/transport/deno_frames.ts";
import { FRAMES_FD } from "../lib/wire/protocol.ts";
import { DENO_STAGE_ENV } from "../lib/stage/stage_env.ts";
import { HOST_FLAG, hostArgv } from "../lib/stage/self.ts";

/** What the router needs of a call worker, thread or process. */
export interface CallWorker {
  /** "message" with a worker message, "error" with an Error, "exit" with a code or signal. */
  // deno-lint-ignore no-explicit-any
  on(event: "message" | "error" | "exit", listener: (arg: any) => void): unknown;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): unknown;
  /** Gives back the buffer under a large reply the worker sent, once it was written out. */
  reuse(buffer: ArrayBuffer): void;
  /**
   * Set when the worker writes replies itself (see lib/transport/shared_frames.ts):
   * the router counts each message of the worker it has handled, and reads which calls ended.
   */
  counts?: Pick<WorkerCounts, "handled" | "ended">;
}

/** A worker's message giving back a buffer for its encoder (see `reuse` in lib/wire/codec.ts). */
function spareMessage(buffer: ArrayBuffer): [{ t: "spare"; frame: ArrayBuffer }, ArrayBuffer[]] {
  return [{ t: "spare", frame: buffer }, [buffer]];
}

/** host → router: user code failed with an uncaught error. */
interface Fail {
  t: "fail";
  message: string;
}

type Out = { write(bytes: Uint8Array, done?: () => void): unknown };
type In = { on(event: "data", listener: (chunk: Buffer) => void): unknown };

/** Whether this process is a call host (see {@linkcode runCallHost}). */
export function isCallHost(): boolean {
  return HOST_FLAG in globalThis;
}

/** Messages with at most this many bytes go to the pipe in one write, copied together. */
const ONE_WRITE = 1 << 16;

/**
 * Writes one message to `out` as a frame. `written` gets the buffer under its binary field once
 * `out` has taken those bytes, so that it can be reused.
 */
function sender(out: Out): (message: object, written?: (buffer: ArrayBuffer) => void) => void {
  return (message, written) => {
    const m: Record<string, unknown> = { ...message };
    let bytes: Uint8Array = new Uint8Array(0);
    for (const f of FIELDS) {
      const v = m[f];
      if (v instanceof ArrayBuffer) bytes = bytesOf(m, v);
      else if (v instanceof Uint8Array) bytes = v;
      else continue;
      m[f] = 0;
      m.$bin = f;
      break;
    }
    delete m.$view;
    const json = Buffer.from(JSON.stringify(m));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(json.length, 0);
    head.writeUInt32LE(bytes.length, 4);
    // One write for a message, unless its bytes are large enough that copying them costs more.
    if (bytes.length <= ONE_WRITE) return void out.write(Buffer.concat([head, json, bytes]));
    const buffer = bytes.buffer as ArrayBuffer;
    out.write(Buffer.concat([head, json]));
    out.write(bytes, written && (() => written(buffer)));
  };
}

/** Reads the frames {@linkcode sender} writes; the bytes of each land in one buffer of their own. */
class FrameIn {
  #head = Buffer.alloc(0);
  /** The message of the frame being read, once its JSON is in, and where its bytes go. */
  #message: Record<string, unknown> | undefined;
  #bytes = new Uint8Array(0);
  #filled = 0;

  constructor(input: In, each: (message: Record<string, unknown>) => void) {
    input.on("data", (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        if (this.#message) {
          const n = Math.min(this.#bytes.length - this.#filled, chunk.length - at);
          this.#bytes.set(chunk.subarray(at, at + n), this.#filled);
          this.#filled += n;
          at += n;
        } else {
          const need = this.#head.length < 8 ? 8 : 8 + this.#head.readUInt32LE(0);
          const n = Math.min(need - this.#head.length, chunk.length - at);
          this.#head = Buffer.concat([this.#head, chunk.subarray(at, at + n)]);
          at += n;
          if (this.#head.length < 8 || this.#head.length < 8 + this.#head.readUInt32LE(0)) continue;
          this.#begin();
        }
        const m = this.#message;
        if (!m || this.#filled < this.#bytes.length) continue;
        this.#message = undefined;
        if (m.$bin) m[m.$bin as string] = this.#bytes.buffer as ArrayBuffer, delete m.$bin;
        each(m);
      }
    });
  }

  /** The JSON is in: makes the buffer the binary field is read into. */
  #begin(): void {
    const size = this.#head.readUInt32LE(4);
    const message = this.#message = JSON.parse(this.#head.subarray(8).toString());
    this.#head = Buffer.alloc(0);
    this.#filled = 0;
    // Memory of its own, as the bytes move on by transfer: a buffer given back to the codec's
    // pool (see `reuse` in lib/wire/codec.ts) that the field fills at least half of (then the
    // message says where in it the bytes are), else a new one.
    const held = size > LARGE_MESSAGE ? borrow(size) : undefined;
    if (held) {
      this.#bytes = new Uint8Array(held, 0, size);
      if (size < held.byteLength) message.$view = [0, size];
    } else this.#bytes = new Uint8Array(size);
  }
}

/**
 * A worker thread running the stage of source `self`, its module requests answered by `fetch`;
 * with `lock`, it writes its small replies itself.
 */
function startThread(
  self: string,
  fetch: FetchModule,
  lock: FramesLock | undefined,
): InstanceType<typeof threads.Worker> & CallWorker {
  const { port1, port2 } = new threads.MessageChannel();
  serveModuleRequests(port1, fetch);
  const frames = lock?.forWorker();
  // Called with nothing: the worker starts nothing of its own.
  const w = new threads.Worker(`${self}()`, {
    eval: true,
    stdout: true,
    stderr: true,
    workerData: { modules: port2, frames } satisfies WorkerSetup,
    transferList: [port2],
  });
  w.stdout.on("data", (d: Uint8Array) => process.stderr.write(d));
  w.stderr.on("data", (d: Uint8Array) => process.stderr.write(d));
  return Object.assign(w, {
    reuse: (buffer: ArrayBuffer) => w.postMessage(...spareMessage(buffer)),
    ...frames && { counts: new WorkerCounts(new Int32Array(frames.counts)) },
  });
}

/** The host's fd for module requests. */
const ASKS_FD = 4;

/**
 * A call host process: a {@linkcode CallWorker} whose `terminate()` kills it. With `direct` (the
 * router writes its frames under the lock of deno_frames.ts), the host may write replies itself,
 * its counts in a page of their own, unmapped once the host has exited.
 */
function startHost(self: string, fetch: FetchModule, direct: boolean): CallWorker {
  const events = new (process.getBuiltinModule("node:events").EventEmitter)();
  const source = Buffer.from(self);
  const page = direct ? SharedPage.create() : undefined;
  let counts = page && new WorkerCounts(page.words);
  const [file, ...args] = hostArgv(page?.fd ?? -1, source.length);
  const child = process.getBuiltinModule("node:child_process").spawn(
    file!,
    args,
    // Neither of the router's own: where stderr is a terminal (su, sudo with requiretty), Deno
    // would set its mode, and the terminal carries the frames; stdout carries them anyway.
    { stdio: ["pipe", "pipe", "pipe", "pipe", "pipe"], env: { ...process.env, ...DENO_STAGE_ENV } },
  );
  for (const out of [child.stdout!, child.stderr!]) {
    out.on("data", (d: Uint8Array) => process.stderr.write(d));
  }
  child.stdin!.end(source);
  type Pipe = Out & In & { on(e: "error", f: () => void): unknown };
  const [pipe, asks] = [child.stdio[3], child.stdio[ASKS_FD]] as unknown as [Pipe, Pipe];
  // A host that is gone says so with "exit"; writes to it meanwhile go nowhere.
  pipe.on("error", () => {});
  asks.on("error", () => {});
  const send = sender(pipe);
  new FrameIn(pipe, (m) => {
    if (m.t === "fail") return events.emit("error", new Error((m as unknown as Fail).message));
    events.emit("message", m);
  });
  const answers = moduleAnswers(fetch);
  lines(asks, async (line) => {
    const answer = await answers((JSON.parse(line) as { url: string }).url);
    asks.write(Buffer.from(`${JSON.stringify(answer)}\n`));
  });
  child.on("error", (e: Error) => events.emit("error", e));
  child.on("exit", (code: number | null, signal: string | null) => {
    // The router reads the calls the host answered as it learns of the exit; then the page goes,
    // and nothing reads it any more (the host's last messages may come after this).
    events.emit("exit", code ?? signal);
    counts = undefined;
    page?.close();
  });
  return {
    on: (event, listener) => events.on(event, listener),
    postMessage: (message) => send(message as object),
    terminate: () => child.kill("SIGKILL"),
    reuse,
    ...page && {
      counts: { handled: () => counts?.handled(), ended: (each) => counts?.ended(each) },
    },
  };
}

/** Calls `each` with every line that arrives on `input`, without its newline. */
function lines(input: In, each: (line: string) => void): void {
  let rest = "";
  input.on("data", (chunk) => {
    const parts = (rest + chunk.toString()).split("\n");
    rest = parts.pop()!;
    parts.forEach(each);
  });
}

/** Asks the router for a module over fd {@linkcode ASKS_FD}, blocking until the answer is in. */
const askOverPipe: AskModule = (url) => {
  const fs = process.getBuiltinModule("node:fs");
  fs.writeSync(ASKS_FD, `${JSON.stringify({ url })}\n`);
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.alloc(1 << 16);
    const n = fs.readSync(ASKS_FD, chunk);
    if (n === 0) return { error: "the router is gone" };
    chunks.push(chunk.subarray(0, n));
    if (chunk[n - 1] === 10) return JSON.parse(Buffer.concat(chunks).toString()) as ModuleAnswer;
  }
};

/**
 * Starts the call worker for the stage of source `self`: a thread on Node, which writes its small
 * replies itself under `lock`, or a host on Deno.
 */
export function startCallWorker(
  self: string,
  fetch: FetchModule,
  lock: FramesLock | DenoFramesLock | undefined,
): CallWorker {
  if (runtimeName === "deno") return startHost(self, fetch, lock !== undefined);
  return startThread(self, fetch, lock instanceof FramesLock ? lock : undefined);
}

/**
 * Runs a call host: the call worker on this thread, its messages on fd 3. Ends at once when the
 * router goes (the pipe closes), even if user code is still busy.
 */
export function runCallHost(): void {
  // So that what user code starts on its own (`Deno.Command`, `node:child_process`) holds no pipe
  // to the router: a child writing to its fd 3 would write into the worker messages. Where FFI
  // fails (no C library found), such children inherit them.
  closeOnExec([3, ASKS_FD]);
  const pipe = new (process.getBuiltinModule("node:net").Socket)({ fd: 3 });
  const send = sender(pipe);
  let deliver: (message: never) => void = () => {};
  const port: WorkerPort = {
    on: (_event, listener) => deliver = listener,
    // A large reply's buffer goes back to the encoder once the pipe took its bytes.
    postMessage: (message) =>
      send(
        message as object,
        reusable(message as Parameters<typeof reusable>[0])
          ? (frame) => deliver({ t: "spare", frame } as never)
          : undefined,
      ),
  };
  // Replies go to the frames' pipe from here where it and the counts' page open.
  const fd = (at: number | string) => `/proc/${process.ppid}/fd/${at}`;
  const pageFd = +process.argv.at(-2)!;
  const page = pageFd < 0 ? undefined : SharedPage.open(fd(pageFd));
  const frames = page && DenoFrames.open(fd(FRAMES_FD));
  const writer = frames && new HostWriter(frames, page.words);
  new FrameIn(pipe, (m) => deliver(m as never));
  // What a worker thread's "error" event would tell: the router fails the calls and kills us.
  const fail = (e: unknown) =>
    send({ t: "fail", message: e instanceof Error ? e.message : String(e) } satisfies Fail);
  process.on("uncaughtException", fail);
  process.on("unhandledRejection", fail);
  runCallWorker(port, { modules: askOverPipe, frames: undefined }, writer);
  const quit = () => process.kill(process.pid, "SIGKILL");
  pipe.on("end", quit);
  pipe.on("error", quit);
}
