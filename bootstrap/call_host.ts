/**
 * Where the call worker runs, so that stopping it stops it. On Node it is a worker thread of the
 * router's process: `terminate()` interrupts it wherever it is. Deno's `terminate()` cannot
 * interrupt a thread that never yields (its isolate keeps a core busy until the process ends),
 * so on Deno the worker thread lives in a child process of its own, the call host, and stopping
 * the worker kills that process. The host's main thread only relays: worker messages between a
 * pipe and the worker, and the worker's module requests back to the router.
 *
 * The pipe is the host's fd 3; its stdout is the router's, as a worker thread's would be. On the
 * pipe each message is a frame: two 32-bit little-endian lengths, the JSON of the message
 * without its binary field, then that field's bytes (worker messages carry at most one).
 *
 * @module
 */

import { type FetchModule, serveModuleRequests } from "./loader.ts";
import { bytesOf, FIELDS, holdFor, post, received, reusable } from "./transfer.ts";
import { LARGE_MESSAGE, worthAView } from "../lib/wire/codec.ts";
import { runtimeName, threads } from "./runtime.ts";
import type { ModuleEntry } from "../lib/wire/protocol.ts";
import type { WorkerDone } from "./worker_messages.ts";

/** What the router needs of a call worker, thread or process. */
export interface CallWorker {
  /** "message" with a worker message, "error" with an Error, "exit" with a code or signal. */
  // deno-lint-ignore no-explicit-any
  on(event: "message" | "error" | "exit", listener: (arg: any) => void): unknown;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): unknown;
  /** Gives back the buffer under a large reply the worker sent, once it was written out. */
  reuse(buffer: ArrayBuffer): void;
}

/** A worker's message giving back a buffer for its encoder (see `reuse` in lib/wire/codec.ts). */
function spareMessage(buffer: ArrayBuffer): [{ t: "spare"; frame: ArrayBuffer }, ArrayBuffer[]] {
  return [{ t: "spare", frame: buffer }, [buffer]];
}

/** host → router: the worker wants a module; router → host: the answer. */
interface Ask {
  t: "ask";
  id: number;
  url?: string;
  module?: ModuleEntry;
  error?: string;
}

/** host → router: the worker failed with an uncaught error. */
interface Fail {
  t: "fail";
  message: string;
}

type Out = { write(bytes: Uint8Array, done?: () => void): unknown };
type In = { on(event: "data", listener: (chunk: Buffer) => void): unknown };

/** Set on the host's global object by the code that starts it, before the stage loads. */
const HOST_FLAG = "mitoctlHost";

/** Started as `deno eval <HOST_JS> <n>`: reads the stage's `data:` URL (n bytes) from stdin and
 *  imports it. */
const HOST_JS = `globalThis.${HOST_FLAG}=1;var p=process,r=p.getBuiltinModule("fs").readSync,` +
  "n=+p.argv.at(-1),b=Buffer.alloc(n);for(var o=0;o<n;)o+=r(0,b,o,n-o)||p.exit();import(b+'')";

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
  /** A buffer given back with {@linkcode reuse}: the next large field is read into it. */
  #spare: ArrayBuffer | undefined;

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
    // Memory of its own, as the bytes move on by transfer: a buffer given back when the field
    // fills at least half of it (then the message says where in it the bytes are), else a new one.
    const spare = this.#spare;
    if (
      size > LARGE_MESSAGE && spare && size <= spare.byteLength &&
      worthAView(size, spare.byteLength)
    ) {
      this.#spare = undefined;
      this.#bytes = new Uint8Array(spare, 0, size);
      if (size < spare.byteLength) message.$view = [0, size];
    } else this.#bytes = new Uint8Array(size);
  }

  /** Gives back a buffer under a field this reader made, once nothing reads it any more. */
  reuse(buffer: ArrayBuffer): void {
    if (buffer.byteLength > (this.#spare?.byteLength ?? 0)) this.#spare = buffer;
    this.#hold();
  }
  readonly #hold = holdFor(() => this.#spare = undefined);
}

/** A worker thread running the stage at `selfUrl`, its module requests answered by `fetch`. */
function startThread(
  selfUrl: string,
  fetch: FetchModule,
): InstanceType<typeof threads.Worker> & CallWorker {
  const { port1, port2 } = new threads.MessageChannel();
  serveModuleRequests(port1, fetch);
  const w = new threads.Worker(new URL(selfUrl), {
    stdout: true,
    stderr: true,
    workerData: port2,
    transferList: [port2],
  });
  w.stdout.on("data", (d: Uint8Array) => process.stderr.write(d));
  w.stderr.on("data", (d: Uint8Array) => process.stderr.write(d));
  return Object.assign(w, {
    reuse: (buffer: ArrayBuffer) => w.postMessage(...spareMessage(buffer)),
  });
}

/** A call host process: a {@linkcode CallWorker} whose `terminate()` kills it. */
function startHost(selfUrl: string, fetch: FetchModule): CallWorker {
  const events = new (process.getBuiltinModule("node:events").EventEmitter)();
  const url = Buffer.from(selfUrl);
  const child = process.getBuiltinModule("node:child_process").spawn(
    process.execPath,
    ["eval", "--ext=js", "--no-config", HOST_JS, `${url.length}`],
    // Not its stderr: where that is a terminal (su, sudo with requiretty), Deno would set its
    // mode, and the terminal carries the frames.
    { stdio: ["pipe", "inherit", "pipe", "pipe"] },
  );
  child.stderr!.on("data", (d: Uint8Array) => process.stderr.write(d));
  child.stdin!.end(url);
  const pipe = child.stdio[3] as unknown as Out & In & { on(e: "error", f: () => void): unknown };
  // A host that is gone says so with "exit"; writes to it meanwhile go nowhere.
  pipe.on("error", () => {});
  const send = sender(pipe);
  const frames = new FrameIn(pipe, (m) => {
    if (m.t === "fail") return events.emit("error", new Error((m as unknown as Fail).message));
    if (m.t !== "ask") return events.emit("message", m);
    const { id, url } = m as unknown as Ask;
    fetch(url!).then(
      (module) => send({ t: "ask", id, module }),
      (e: Error) => send({ t: "ask", id, error: e.message }),
    );
  });
  child.on("error", (e: Error) => events.emit("error", e));
  child.on("exit", (code: number | null, signal: string | null) => {
    events.emit("exit", code ?? signal);
  });
  return {
    on: (event, listener) => events.on(event, listener),
    postMessage: (message) => send(message as object),
    terminate: () => child.kill("SIGKILL"),
    reuse: (buffer) => frames.reuse(buffer),
  };
}

/** Starts the call worker for the stage at `selfUrl`: a thread on Node, a host on Deno. */
export function startCallWorker(selfUrl: string, fetch: FetchModule): CallWorker {
  return runtimeName === "deno" ? startHost(selfUrl, fetch) : startThread(selfUrl, fetch);
}

/**
 * Runs a call host: starts the worker thread and relays between it and the router on fd 3.
 * Ends with the worker, and at once when the router goes (the pipe closes), even if the worker
 * is still busy.
 */
export function runCallHost(selfUrl: string): void {
  const pipe = new (process.getBuiltinModule("node:net").Socket)({ fd: 3 });
  const send = sender(pipe);
  const asked = new Map<number, (answer: Ask) => void>();
  let nextAsk = 1;
  const w = startThread(selfUrl, (url) =>
    new Promise((resolve, reject) => {
      const id = nextAsk++;
      asked.set(id, (a) => a.error === undefined ? resolve(a.module) : reject(new Error(a.error)));
      send({ t: "ask", id, url });
    }));
  // A large reply's buffer goes back to the worker once the pipe took its bytes.
  w.on("message", (m: WorkerDone) => send(m, reusable(m) ? w.reuse : undefined));
  w.on("error", (e: Error) => send({ t: "fail", message: e.message } satisfies Fail));
  w.on("exit", (code: number) => process.exit(code));
  new FrameIn(pipe, (m) => {
    if (m.t !== "ask") return post(w, received(m));
    const a = m as unknown as Ask;
    asked.get(a.id)?.(a);
    asked.delete(a.id);
  });
  const quit = () => process.kill(process.pid, "SIGKILL");
  pipe.on("end", quit);
  pipe.on("error", quit);
}
