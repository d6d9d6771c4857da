/**
 * Remote processes from the master's side: {@linkcode runProcess} streams a process started on a
 * context, with its stdout and stderr apart, its exit, and input on request.
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { RunEvent, RunOptions } from "./remote/process.ts";
import { RefusedValueError } from "./errors.ts";
import { checkShape, is, type Shape } from "./remote_value.ts";

export type { RunEvent, RunOptions } from "./remote/process.ts";

/** The module that runs on the remote; the module forwarder sends it with the first use. */
export const PROCESS_MODULE: URL = new URL("./remote/process.ts", import.meta.url);

/**
 * Starts `argv` on `ctx` and yields `start`, then output chunks as they come, then `exit`.
 * Leaving the loop early (or aborting `signal`) sends the process SIGINT, then SIGKILL.
 *
 * @example
 * ```ts ignore
 * for await (const e of runProcess(web1, ["journalctl", "-f", "-u", "nginx"])) {
 *   if (e.t === "out") await Deno.stdout.write(e.data);
 * }
 * ```
 */
export async function* runProcess(
  ctx: Context,
  argv: string[],
  options: RunOptions & { signal?: AbortSignal } = {},
): AsyncGenerator<RunEvent> {
  const { signal, ...rest } = options;
  let handle: number | undefined;
  let exited = false;
  try {
    for await (
      const raw of ctx.streamWith<unknown>(
        signal ? { signal } : {},
        PROCESS_MODULE,
        "run",
        argv,
        rest,
      )
    ) {
      const event = checkRunEvent(raw, ctx.name);
      if (event.t === "start") handle = event.handle;
      if (event.t === "exit") exited = true;
      yield event;
    }
  } finally {
    // Left early: a process that prints nothing would never see the stream stop, so signal it.
    if (handle !== undefined && !exited && !ctx.closed) {
      const h = handle;
      ctx.call(PROCESS_MODULE, "signal", h, "SIGINT").catch(() => {});
      const timer = setTimeout(
        () => ctx.call(PROCESS_MODULE, "signal", h, "SIGKILL").catch(() => {}),
        KILL_AFTER_MS,
      );
      Deno.unrefTimer(timer);
    }
  }
}

/** The fields of each kind of process event; an exit code the CLI can exit with. */
const EVENTS: Record<RunEvent["t"], Shape> = {
  start: { pid: is.int(1), handle: is.int() },
  out: { fd: is.oneOf(1, 2), data: is.bytes },
  exit: {
    code: is.nullable(is.int(0, 255)),
    signal: is.nullable(is.matching(/^SIG[A-Z0-9]{1,12}$/, "a signal name")),
  },
};

/** `value`, a process event a remote sent, checked; a RefusedValueError names what is wrong. */
function checkRunEvent(value: unknown, context: string): RunEvent {
  const t = (value as { t?: unknown } | null)?.t;
  const shape = typeof t === "string" && Object.hasOwn(EVENTS, t)
    ? EVENTS[t as RunEvent["t"]]
    : undefined;
  if (!shape) throw new RefusedValueError(`Refused a process event from "${context}": no kind`);
  return checkShape<RunEvent>(value, shape, `a process "${t}" event`, context);
}

/** How long a process stopped early may take to end after SIGINT before it gets SIGKILL. */
const KILL_AFTER_MS = 2000;

/** Writes to the stdin of a process {@linkcode runProcess} started with `stdin: true`; no data
 *  closes it. */
export function processInput(ctx: Context, handle: number, data?: Uint8Array): Promise<void> {
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
