/**
 * The call worker: the only thread of a remote stage that runs user code. It imports the target
 * module, calls the export and posts back the msgpack-encoded result or error. Its console and
 * stdout are routed to the remote's stderr so user output never mixes with protocol frames.
 *
 * @module
 */

import { decode, encode, Packed, reuse, SerializationError } from "../lib/wire/codec.ts";
import { frameInPlace, HEADER_SIZE } from "../lib/wire/frame.ts";
import {
  type DirectWriter,
  type WorkerFrames,
  WorkerWriter,
} from "../lib/transport/shared_frames.ts";
import { type AskModule, installLoader, type Loader } from "./loader.ts";
import { post, received, reusable } from "./transfer.ts";
import { threads } from "./runtime.ts";
import type { MessagePort } from "node:worker_threads";
import { CHANNEL_EXT, CONTEXT_EXT } from "../lib/wire/protocol.ts";
import type {
  WorkerCall,
  WorkerChan,
  WorkerFin,
  WorkerFlow,
  WorkerOutDone,
  WorkerOutput,
  WorkerSpare,
} from "./worker_messages.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

const imported = new Map<string, Record<string, unknown>>();

let loader: Loader | undefined;
/** Where the loader asks for missing modules (see `installLoader`). */
let loaderFrom: Parameters<typeof installLoader>[0];
/**
 * The module loader, installed before the first import that is not a builtin: a context that
 * only calls builtins never pays for its hooks (on Node 20, a hooks thread of their own).
 */
const moduleLoader = (): Loader => loader ??= installLoader(loaderFrom);

async function target(call: WorkerCall): Promise<(...args: unknown[]) => unknown> {
  // With loader hooks installed, Deno hands out an empty module for an unknown builtin.
  if (call.mod.startsWith("node:") && !process.getBuiltinModule(call.mod)) {
    throw new TypeError(`No such built-in module: ${call.mod}`);
  }
  // Import once per module: a repeat import() still runs the loader's hooks on some runtimes.
  let mod = imported.get(call.mod);
  if (!mod) {
    if (!call.mod.startsWith("node:")) moduleLoader();
    imported.set(call.mod, mod = await import(call.mod) as Record<string, unknown>);
  }
  if (!(call.fn in mod) && call.fn.includes(".")) return staticMethod(mod, call);
  if (!(call.fn in mod)) {
    throw new TypeError(`Module "${call.mod}" has no export named "${call.fn}"`);
  }
  const fn = mod[call.fn];
  if (typeof fn !== "function") {
    throw new TypeError(
      `Export "${call.fn}" of "${call.mod}" is not a function (it is ${describe(fn)})`,
    );
  }
  return fn as (...args: unknown[]) => unknown;
}

/** `Class.method`: a static method of an exported class (its own or inherited, never one of
 *  Function.prototype's), called with the class as `this`. */
function staticMethod(
  mod: Record<string, unknown>,
  call: WorkerCall,
): (...args: unknown[]) => unknown {
  const [name, method] = call.fn.split(".", 2) as [string, string];
  const owner = mod[name] as Record<string, unknown>;
  const fn = typeof owner === "function" && !(method in Function.prototype) && owner[method];
  if (typeof fn !== "function") {
    throw new TypeError(`Module "${call.mod}" has no export or static method "${call.fn}"`);
  }
  return (fn as (...args: unknown[]) => unknown).bind(owner);
}

/**
 * Another context, as user code sees a handle it was passed: `call()` runs there. The master
 * granted this context the right to call into it when it sent the handle.
 */
class ContextHandle {
  readonly id: number;
  readonly name: string;
  constructor(id: number, name: string) {
    this.id = id;
    this.name = name;
  }
  /** Calls `fn` of `mod` (a builtin or a module that context holds) in that context. */
  call(mod: string, fn: string, ...args: unknown[]): Promise<unknown> {
    return outCall(this.id, mod, fn, args);
  }
}

/**
 * The remote end of a channel the master passed in: `send()` values to the master, iterate what
 * it sends, `close()` when done.
 */
class ChannelEnd {
  readonly id: number;
  #queue: unknown[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  constructor(id: number) {
    this.id = id;
  }
  /** Sends `value` to the master's end. */
  send(value: unknown): void {
    post(outPort!, { t: "chan", ch: this.id, value: encode(value, codec) });
  }
  /** Tells the master's end no more values come. */
  close(): void {
    post(outPort!, { t: "chan", ch: this.id, end: true });
  }
  /** @internal */
  deliver(m: WorkerChan): void {
    if (m.end) this.#ended = true;
    else this.#queue.push(decode(m.value!, codec));
    this.#wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<unknown> {
    for (;;) {
      if (this.#queue.length) yield this.#queue.shift();
      else if (this.#ended) return;
      else await new Promise<void>((r) => this.#wake = r);
    }
  }
}

const channels = new Map<number, ChannelEnd>();
/** The end of channel `id`, made on first sight: values may arrive before the call that names it. */
const channelEnd = (id: number): ChannelEnd => {
  let end = channels.get(id);
  if (!end) channels.set(id, end = new ChannelEnd(id));
  return end;
};

const codec = {
  replacer: (v: object): [number, unknown] | undefined =>
    v instanceof ContextHandle
      ? [CONTEXT_EXT, [v.id, v.name]]
      : v instanceof ChannelEnd
      ? [CHANNEL_EXT, v.id]
      : undefined,
  reviver: (type: number, payload: unknown): unknown => {
    if (type === CHANNEL_EXT) return channelEnd(payload as number);
    if (type !== CONTEXT_EXT) return undefined;
    const [id, name] = payload as [number, string];
    return new ContextHandle(id, name);
  },
};

/** Where the call worker gets its messages and posts its own: a worker thread's parent port, or
 *  the call host's pipe. */
export interface WorkerPort {
  // deno-lint-ignore no-explicit-any
  on(event: string, listener: (message: any) => void): unknown;
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
}

let outPort: WorkerPort | undefined;
const outPending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
let nextOut = 1;

function outCall(dst: number, mod: string, fn: string, args: unknown[]): Promise<unknown> {
  const id = nextOut++;
  const data = encode(args, codec);
  return new Promise((resolve, reject) => {
    outPending.set(id, { resolve, reject });
    post(outPort!, { t: "ocall", id, dst, mod, fn, args: data });
  });
}

function outDone(m: WorkerOutDone): void {
  const p = outPending.get(m.id);
  outPending.delete(m.id);
  try {
    const value = decode(m.data, codec);
    if (m.ok) p?.resolve(value);
    else p?.reject(value);
  } catch (e) {
    p?.reject(e);
  }
}

/** Leaves room for the frame header before a reply, which the router fills in. */
const ROOM = { room: HEADER_SIZE };

/** The caller's `ok` or `item` message holding `value`, encoded once (see {@linkcode Packed}). */
function reply(call: WorkerCall, t: "ok" | "item", value: unknown): Uint8Array {
  try {
    return encode({ t, id: call.cid, value: new Packed(value, codec) }, ROOM);
  } catch (e) {
    const why = e instanceof SerializationError
      ? `value${e.path.replace(/^\.value/, "")}: ${e.reason}`
      : (e as Error).message;
    throw new TypeError(`Cannot serialise the result of ${call.mod}#${call.fn}: ${why}`);
  }
}

/** The caller's `err` message: what user code threw, else as much of it as can travel. */
function errorReply(call: WorkerCall, e: unknown): Uint8Array {
  try {
    return encode({ t: "err", id: call.cid, error: new Packed(e, codec) }, ROOM);
  } catch {
    // Something in it cannot be sent (a function, a class instance): keep what always can.
    const err = e instanceof Error ? e : new Error(`Non-error thrown: ${String(e)}`);
    const plain = new Error(err.message);
    plain.name = err.name;
    plain.stack = err.stack ?? "";
    return encode({ t: "err", id: call.cid, error: new Packed(plain) }, ROOM);
  }
}

const CONSOLE_METHODS = [
  "log",
  "info",
  "debug",
  "warn",
  "error",
  "dir",
  "dirxml",
  "table",
  "trace",
  "assert",
  "group",
  "groupCollapsed",
  "groupEnd",
  "count",
  "countReset",
  "time",
  "timeEnd",
  "timeLog",
];

/** How long output written soon after other output may wait to go out with what follows, in ms. */
const GATHER_MS = 5;

/** Output held at most before it goes out, in UTF-16 code units. */
const GATHER_MAX = 1 << 16;

/**
 * Routes console output of user code to the master as log lines, never to stdout. The first
 * output of a stretch of user code that runs without yielding goes out at once; what follows it
 * within {@linkcode GATHER_MS} is held and goes out together when user code yields, at a write
 * after that time, past {@linkcode GATHER_MAX}, when the other stream is written, or before any
 * other message: a loop that prints sends a message every few milliseconds, not one a line, and a
 * line printed before a long computation is not held back. Returns what sends the held output.
 */
function captureOutput(port: WorkerPort): () => void {
  let held = "";
  let heldStream: "stdout" | "stderr" = "stdout";
  /** When this stretch of user code last sent output. */
  let since = -Infinity;
  let soon = false;
  const send = () => {
    if (held) {
      port.postMessage({ t: "out", text: held, stream: heldStream } satisfies WorkerOutput, []);
    }
    held = "";
  };
  // User code yielded, or something else goes to the router: the next output starts afresh.
  const flush = () => {
    send();
    since = -Infinity;
  };
  // What user code printed just before an error that ends the worker still goes out.
  process.on("uncaughtExceptionMonitor", flush);
  const writer = (stream: "stdout" | "stderr") => {
    // One decoder a writer, so that a character split across two writes arrives whole.
    const decoder = new TextDecoder();
    return (chunk: unknown, ...rest: unknown[]): boolean => {
      // `write(string, encoding)` writes the bytes the string encodes.
      if (typeof chunk === "string" && typeof rest[0] === "string") {
        chunk = Buffer.from(chunk, rest[0] as BufferEncoding);
      }
      const text = chunk instanceof Uint8Array
        ? decoder.decode(chunk, { stream: true })
        : String(chunk);
      // Nothing to send for nothing written: `execFileSync` writes its child's stderr, empty or
      // not, after every run.
      if (text) {
        if (stream !== heldStream) send(), heldStream = stream;
        held += text;
        const now = performance.now();
        if (now - since >= GATHER_MS || held.length > GATHER_MAX) send(), since = now;
        else if (!soon) soon = true, queueMicrotask(() => (soon = false, flush()));
      }
      // `write(chunk[, encoding][, callback])`: the bytes are handed over.
      const done = rest.find((a) => typeof a === "function") as (() => void) | undefined;
      if (done) process.nextTick(done);
      return true;
    };
  };
  process.stdout.write = writer("stdout") as typeof process.stdout.write;
  process.stderr.write = writer("stderr") as typeof process.stderr.write;
  const { Console } = process.getBuiltinModule("node:console");
  const { Writable } = process.getBuiltinModule("node:stream");
  const sink = (stream: "stdout" | "stderr") => {
    const write = writer(stream);
    return new Writable({
      write(chunk: Uint8Array, _encoding: string, done: () => void) {
        write(chunk);
        done();
      },
    });
  };
  const routed = new Console({
    stdout: sink("stdout"),
    stderr: sink("stderr"),
  }) as unknown as Record<
    string,
    (...a: unknown[]) => void
  >;
  const target = globalThis.console as unknown as Record<string, unknown>;
  for (const k of CONSOLE_METHODS) target[k] = (...a: unknown[]) => routed[k]!(...a);
  return flush;
}

/** Flow control of one stream: how many items it may still send, and whether to stop. */
interface Flow {
  credit: number;
  stopped: boolean;
  wake?: () => void;
}

function isIterable(value: unknown): value is AsyncIterable<unknown> | Iterable<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") &&
    (Symbol.asyncIterator in value || Symbol.iterator in value);
}

/**
 * Sends a reply (`done`) or stream item of `call`: written out here when the router said where
 * it goes and it is small, else handed to the router (which also reports it over the frame limit).
 */
type Reply = (
  call: WorkerCall,
  message: { t: "done" | "item"; id: number; frame: Uint8Array },
) => void;

/** Sends the values of `value` as items while credit lasts; returns its return value. */
async function pump(
  send: Reply,
  call: WorkerCall,
  value: unknown,
  flow: Flow,
): Promise<unknown> {
  if (!isIterable(value) || typeof value === "string") {
    throw new TypeError(
      `${call.mod}#${call.fn} returned ${
        describe(value)
      }, not an iterable: use call(), not stream()`,
    );
  }
  const it = Symbol.asyncIterator in value
    ? value[Symbol.asyncIterator]()
    : (value as Iterable<unknown>)[Symbol.iterator]();
  try {
    for (;;) {
      while (flow.credit <= 0 && !flow.stopped) await new Promise<void>((r) => flow.wake = r);
      if (flow.stopped) return undefined;
      const next = await it.next();
      if (next.done) return next.value;
      flow.credit--;
      send(call, { t: "item", id: call.id, frame: reply(call, "item", next.value) });
    }
  } finally {
    // Runs the generator's finally blocks when the consumer stopped or an item failed.
    await it.return?.();
  }
}

/** What writes the worker's replies up to its `largest` to the frames' stream itself (see
 *  `runCallWorker`). */
export type FrameWriter = Pick<DirectWriter, "posted" | "write" | "largest">;

/** How a call worker is started: where it asks for modules, and where it may write frames. */
export interface WorkerSetup {
  modules: MessagePort | AskModule;
  frames: WorkerFrames | undefined;
}

/**
 * Runs the call worker loop on this thread, taking calls from `port`, asking for modules and
 * writing frames as `setup` says (or through `own`): by default, as a worker thread started by
 * the router thread.
 */
export function runCallWorker(
  port: WorkerPort | null = threads.parentPort,
  setup: WorkerSetup = threads.workerData,
  own?: FrameWriter,
): void {
  if (!port) throw new Error("The call worker must run in a worker thread");
  loaderFrom = setup.modules;
  const writer = own ?? (setup.frames && new WorkerWriter(setup.frames));
  // Every message for the router is counted, so that no frame written here overtakes it.
  const base: WorkerPort = writer
    ? {
      on: (event, listener) => port.on(event, listener),
      postMessage: (message, transfer) => (writer.posted(), port.postMessage(message, transfer)),
    }
    : port;
  // Output held back goes before any other message, and before a reply written here.
  const flushOutput = captureOutput(base);
  const counted: WorkerPort = {
    on: (event, listener) => base.on(event, listener),
    postMessage: (message, transfer) => (flushOutput(), base.postMessage(message, transfer)),
  };
  const send: Reply = (call, message) => {
    flushOutput();
    const to = call.to;
    if (writer && to && message.frame.length <= writer.largest) {
      let framed: Uint8Array | undefined;
      try {
        // The limit is null where it came as JSON (Deno's call host).
        framed = frameInPlace(message.frame, to[0], to[1], to[2] ?? undefined);
      } catch { /* Over the frame limit: the router says so. */ }
      const wrote = framed && writer.write(framed, message.t === "done" ? message.id : undefined);
      // The router reads that the call ended when something next wakes it; when too many wait
      // for that, it is woken to read them.
      if (wrote === "tell") port.postMessage({ t: "fin", id: message.id } satisfies WorkerFin, []);
      if (wrote) {
        // A large reply's buffer takes the next large one, as after the router wrote it.
        if (reusable(message)) reuse(message.frame.buffer as ArrayBuffer);
        return;
      }
    }
    post(counted, message);
  };
  const flows = new Map<number, Flow>();
  outPort = counted;
  port.on(
    "message",
    async (raw: WorkerCall | WorkerFlow | WorkerOutDone | WorkerChan | WorkerSpare) => {
      const call = received(raw);
      // A large reply's buffer, written out: the encoder takes the next one into it, for a while.
      if (call.t === "spare") return reuse(call.frame.buffer as ArrayBuffer);
      if (call.t === "odone") return outDone(call);
      if (call.t === "chan") return channelEnd(call.ch).deliver(call);
      if (call.t !== "call") {
        const flow = flows.get(call.id);
        if (!flow) return;
        if (call.t === "stop") flow.stopped = true;
        else flow.credit += call.n ?? 0;
        flow.wake?.();
        return;
      }
      let frame: Uint8Array;
      const flow: Flow | undefined = call.credit === undefined
        ? undefined
        : { credit: call.credit, stopped: false };
      if (flow) flows.set(call.id, flow);
      try {
        if (call.modules) moduleLoader().add(call.modules);
        const fn = await target(call);
        const args = decode(call.args, codec) as unknown[];
        let result = await fn(...args);
        if (flow) result = await pump(send, call, result, flow);
        else if (isIterable(result) && Symbol.asyncIterator in result) {
          throw new TypeError(
            `${call.mod}#${call.fn} returned an async iterable: use stream(), not call()`,
          );
        }
        frame = reply(call, "ok", result);
      } catch (e) {
        // Node's compiler errors name no file: say which module, for the target's own import and
        // for the imports its code makes later.
        loader?.locate(e);
        frame = errorReply(call, e);
      }
      flows.delete(call.id);
      send(call, { t: "done", id: call.id, frame });
    },
  );
}
