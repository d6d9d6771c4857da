/**
 * The call worker: the only thread of a remote stage that runs user code. It imports the target
 * module, calls the export and posts back the msgpack-encoded result or error. Its console and
 * stdout are routed to the remote's stderr so user output never mixes with protocol frames.
 *
 * @module
 */

import { decode, encode } from "../lib/codec.ts";
import { installLoader, type Loader } from "./loader.ts";
import { threads } from "./runtime.ts";
import type { WorkerCall, WorkerDone } from "./worker_messages.ts";

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

async function target(call: WorkerCall): Promise<(...args: unknown[]) => unknown> {
  // With loader hooks installed, Deno hands out an empty module for an unknown builtin.
  if (call.mod.startsWith("node:") && !process.getBuiltinModule(call.mod)) {
    throw new TypeError(`No such built-in module: ${call.mod}`);
  }
  const mod: Record<string, unknown> = await import(call.mod);
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

function encodeResult(call: WorkerCall, value: unknown): Uint8Array {
  try {
    return encode(value);
  } catch (e) {
    const why = (e as Error).message.replace(/^Cannot serialise value/, "value");
    throw new TypeError(`Cannot serialise the result of ${call.mod}#${call.fn}: ${why}`);
  }
}

function encodeError(e: unknown): Uint8Array {
  const err = e instanceof Error ? e : new Error(`Non-error thrown: ${String(e)}`);
  try {
    return encode(err);
  } catch {
    // A property on the error could not be sent: keep what always can.
    const plain = new Error(err.message);
    plain.name = err.name;
    plain.stack = err.stack ?? "";
    return encode(plain);
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

/** Routes console output of user code to the router thread's stderr, never stdout. */
function captureOutput(port: { postMessage(m: unknown): void }): void {
  const write = (chunk: unknown): boolean => {
    port.postMessage({ t: "out", text: String(chunk) });
    return true;
  };
  process.stdout.write = write as typeof process.stdout.write;
  const { Console } = process.getBuiltinModule("node:console");
  const stream = { write } as unknown as NodeJS.WritableStream;
  const routed = new Console({ stdout: stream, stderr: stream }) as unknown as Record<
    string,
    (...a: unknown[]) => void
  >;
  const target = globalThis.console as unknown as Record<string, unknown>;
  for (const k of CONSOLE_METHODS) target[k] = (...a: unknown[]) => routed[k]!(...a);
}

/** Runs the call worker loop on this thread. */
export function runCallWorker(): void {
  const port = threads.parentPort;
  if (!port) throw new Error("The call worker must run in a worker thread");
  captureOutput(port);
  const loader: Loader = installLoader(threads.workerData);
  port.on("message", async (call: WorkerCall) => {
    let done: WorkerDone;
    try {
      if (call.modules) loader.add(call.modules);
      const fn = await target(call);
      const args = decode(call.args) as unknown[];
      done = { t: "done", id: call.id, ok: true, data: encodeResult(call, await fn(...args)) };
    } catch (e) {
      // Node's compiler errors name no file: say which module, for the target's own import and
      // for the imports its code makes later.
      loader.locate(e);
      done = { t: "done", id: call.id, ok: false, data: encodeError(e) };
    }
    port.postMessage(done, [done.data.buffer as ArrayBuffer]);
  });
}
