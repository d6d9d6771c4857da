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
import { FIELDS, post, received } from "./transfer.ts";
import { runtimeName, threads } from "./runtime.ts";
import type { ModuleEntry } from "../lib/wire/protocol.ts";

/** What the router needs of a call worker, thread or process. */
export interface CallWorker {
  /** "message" with a worker message, "error" with an Error, "exit" with a code or signal. */
  // deno-lint-ignore no-explicit-any
  on(event: "message" | "error" | "exit", listener: (arg: any) => void): unknown;
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  terminate(): unknown;
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

type Out = { write(bytes: Uint8Array): unknown };
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

/** Writes one message to `out` as a frame. */
function sender(out: Out): (message: object) => void {
  return (message) => {
    const m: Record<string, unknown> = { ...message };
    let bytes = new Uint8Array(0);
    for (const f of FIELDS) {
      const v = m[f];
      if (!(v instanceof ArrayBuffer || v instanceof Uint8Array)) continue;
      bytes = new Uint8Array(v);
      m[f] = 0;
      m.$bin = f;
      break;
    }
    const json = Buffer.from(JSON.stringify(m));
    const head = Buffer.alloc(8);
    head.writeUInt32LE(json.length, 0);
    head.writeUInt32LE(bytes.length, 4);
    out.write(Buffer.concat([head, json]));
    if (bytes.length) out.write(bytes);
  };
}

/** Calls `each` with every message framed by {@linkcode sender} that arrives on `input`. */
function readFrames(input: In, each: (message: Record<string, unknown>) => void): void {
  let parts: Buffer[] = [];
  let size = 0;
  let need = 8;
  let head: Buffer | undefined;
  input.on("data", (chunk) => {
    parts.push(chunk);
    size += chunk.length;
    while (size >= need) {
      const all = parts.length > 1 ? Buffer.concat(parts) : parts[0]!;
      if (!head) {
        head = all;
        need = 8 + all.readUInt32LE(0) + all.readUInt32LE(4);
        parts = [all];
        continue;
      }
      const end = 8 + all.readUInt32LE(0);
      const m = JSON.parse(all.subarray(8, end).toString());
      // A copy of its own (Buffer's slice() is a view): the bytes move on by transfer.
      if (m.$bin) m[m.$bin] = new Uint8Array(all.subarray(end, need)).buffer, delete m.$bin;
      const rest = all.subarray(need);
      parts = rest.length ? [rest] : [];
      size = rest.length;
      need = 8;
      head = undefined;
      each(m);
    }
  });
}

/** A worker thread running the stage at `selfUrl`, its module requests answered by `fetch`. */
function startThread(selfUrl: string, fetch: FetchModule): InstanceType<typeof threads.Worker> {
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
  return w;
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
  readFrames(pipe, (m) => {
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
  w.on("message", (m: object) => send(m));
  w.on("error", (e: Error) => send({ t: "fail", message: e.message } satisfies Fail));
  w.on("exit", (code: number) => process.exit(code));
  readFrames(pipe, (m) => {
    if (m.t !== "ask") return post(w, received(m));
    const a = m as unknown as Ask;
    asked.get(a.id)?.(a);
    asked.delete(a.id);
  });
  const quit = () => process.kill(process.pid, "SIGKILL");
  pipe.on("end", quit);
  pipe.on("error", quit);
}
