/**
 * Remote processes from the master's side: {@linkcode runProcess} streams a process started on a
 * context, with its stdout and stderr apart, its exit, and input on request.
 *
 * @module
 */

import type { Caller } from "../caller.ts";
import { ProtocolError, TimeoutError } from "../errors.ts";
import { KILL_AFTER_MS, type RunEvent, type RunOptions } from "../remote/process.ts";

export { KILL_AFTER_MS, type RunEvent, type RunOptions } from "../remote/process.ts";

/** The module that runs on the remote; the module forwarder sends it with the first use. */
export const PROCESS_MODULE: URL = new URL("../remote/process.ts", import.meta.url);

/** Options of {@linkcode runProcess}. */
export interface RunProcessOptions extends RunOptions {
  /**
   * Aborting sends the process SIGINT, then SIGKILL after {@linkcode KILL_AFTER_MS}; its output
   * keeps coming (what its SIGINT handler prints included) until it exits, then the loop throws
   * the signal's reason; a TimeoutError if no exit came {@linkcode EXIT_WAIT_MS} after SIGKILL.
   */
  signal?: AbortSignal;
}

/** How long, past SIGKILL, a stopped process's exit is waited for before the stream is dropped. */
export const EXIT_WAIT_MS = 3000;

/**
 * Starts `argv` on `ctx` and yields `start`, then output chunks as they come, then `exit`.
 * Leaving the loop early (or aborting `signal`) sends the process SIGINT, then SIGKILL.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * for await (const e of runProcess(web1, ["journalctl", "-f", "-u", "nginx"])) {
 *   if (e.t === "out") await Deno.stdout.write(e.data);
 * }
 * ```
 */
export async function* runProcess(
  ctx: Caller,
  argv: string[],
  options: RunProcessOptions = {},
): AsyncGenerator<RunEvent> {
  const { signal, ...rest } = options;
  signal?.throwIfAborted();
  let handle: number | undefined;
  let exited = false;
  // Dropped only when a stopped process never reports its exit.
  const drop = new AbortController();
  const timers: ReturnType<typeof setTimeout>[] = [];
  const stop = () => {
    if (handle === undefined) return drop.abort(signal!.reason);
    timers.push(...interrupt(ctx, handle));
    const waited = KILL_AFTER_MS + EXIT_WAIT_MS;
    const lost = new TimeoutError(
      `Process "${argv[0]}" on "${ctx.name}" did not exit within ${waited / 1000} s of SIGINT`,
    );
    timers.push(setTimeout(() => drop.abort(lost), waited));
  };
  signal?.addEventListener("abort", stop, { once: true });
  try {
    const events = ctx.streamWith<RunEvent>(
      { signal: drop.signal },
      PROCESS_MODULE,
      "run",
      argv,
      rest,
    );
    for await (const event of events) {
      checkRunEvent(event, ctx.name);
      if (event.t === "start") {
        handle = event.handle;
        if (signal?.aborted) stop();
      }
      if (event.t === "exit") exited = true;
      yield event;
    }
    if (signal?.aborted) throw signal.reason;
  } finally {
    signal?.removeEventListener("abort", stop);
    timers.forEach(clearTimeout);
    // Left early: a process that prints nothing would never see the stream stop, so signal it.
    if (handle !== undefined && !exited && !ctx.closed) {
      for (const timer of interrupt(ctx, handle)) Deno.unrefTimer(timer);
    }
  }
}

/**
 * Checks an event a remote sent before anyone acts on it: a start with a handle, output on fd 1
 * or 2 as bytes, an exit with a code of 0–255 or a signal this machine knows. Throws a
 * {@linkcode ProtocolError} naming the context otherwise.
 */
export function checkRunEvent(event: unknown, context: string): asserts event is RunEvent {
  const e = event as Record<string, unknown> | null;
  const { constants } = process.getBuiltinModule("node:os");
  const ok = typeof e === "object" && e !== null && (
    e.t === "start" && Number.isSafeInteger(e.handle) && Number.isSafeInteger(e.pid) ||
    e.t === "out" && (e.fd === 1 || e.fd === 2) && e.data instanceof Uint8Array ||
    e.t === "exit" && (
        e.signal === null && Number.isInteger(e.code) && (e.code as number) >= 0 &&
          (e.code as number) <= 255 ||
        e.code === null && typeof e.signal === "string" &&
          Object.hasOwn(constants.signals, e.signal)
      )
  );
  if (!ok) {
    const shown = JSON.stringify(
      event,
      (_k, v) => v instanceof Uint8Array ? `<${v.length} bytes>` : v,
    );
    throw new ProtocolError(
      `Context "${context}" sent a process event mitoctl cannot take: ${shown?.slice(0, 200)}`,
    );
  }
}

/** Sends process `handle` SIGINT now and SIGKILL after {@linkcode KILL_AFTER_MS}. */
function interrupt(ctx: Caller, handle: number): ReturnType<typeof setTimeout>[] {
  const send = (name: string) => ctx.call(PROCESS_MODULE, "signal", handle, name).catch(() => {});
  send("SIGINT");
  return [setTimeout(() => send("SIGKILL"), KILL_AFTER_MS)];
}

/** Writes to the stdin of a process {@linkcode runProcess} started with `stdin: true`; no data
 *  closes it. */
export function processInput(ctx: Caller, handle: number, data?: Uint8Array): Promise<void> {
  return data === undefined
    ? ctx.call(PROCESS_MODULE, "input", handle)
    : ctx.call(PROCESS_MODULE, "input", handle, data);
}

/** The CLI exit code for a process's end: its code, or 128 + the signal number. */
export function exitCodeOf(event: Extract<RunEvent, { t: "exit" }>): number {
  if (event.code !== null) return event.code;
  const { constants } = process.getBuiltinModule("node:os");
  const number = constants.signals[event.signal as keyof typeof constants.signals];
  return 128 + (number ?? 0);
}
