/**
 * One call to run a command and get its output, as zx and dax offer: `ctx.exec(argv)` resolves
 * with `{ stdout, stderr, code, signal }`; with `check: true` a non-zero end rejects with a
 * {@linkcode CommandError}. Built on {@linkcode runProcess}, which streams.
 *
 * @module
 */

import type { Caller } from "../caller.ts";
import { CommandError, TimeoutError } from "../errors.ts";
import { exitCodeOf, processInput, runProcess } from "./run_process.ts";
import type { RunOptions } from "../remote/process.ts";

/** Most output (stdout and stderr together) {@linkcode exec} keeps: 64 MiB. */
export const MAX_EXEC_OUTPUT = 64 * 1024 * 1024;

/** Options of {@linkcode exec}. */
export interface ExecOptions extends Omit<RunOptions, "stdin"> {
  /** Written to the command's stdin, which is then closed; default: stdin is /dev/null. */
  stdin?: string | Uint8Array;
  /** Reject with a {@linkcode CommandError} unless the command exits with 0; default false. */
  check?: boolean;
  /** Milliseconds before the command is stopped (SIGINT, then SIGKILL) and the call rejects with
   *  a TimeoutError; default none. */
  timeout?: number;
  /** Aborting stops the command the same way and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Most output kept, in bytes; more fails the call (the command is stopped); default
   *  {@linkcode MAX_EXEC_OUTPUT}. */
  maxOutput?: number;
}

/** How a command ended and what it printed. */
export interface ExecResult {
  /** Its standard output, decoded as UTF-8. */
  stdout: string;
  /** Its standard error, decoded as UTF-8. */
  stderr: string;
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`"SIGKILL"`), or null. */
  signal: string | null;
}

/**
 * Runs `argv` in `ctx` to its end and returns its output and how it ended.
 *
 * @example
 * Not run by the doc tests: it needs a remote host; tests/readme_test.ts type-checks it.
 * ```ts ignore
 * const { stdout, code } = await exec(web1, ["df", "-h"]);
 * await exec(web1, ["systemctl", "restart", "nginx"], { check: true });
 * ```
 */
export async function exec(
  ctx: Caller,
  argv: string[],
  options: ExecOptions = {},
): Promise<ExecResult> {
  const { stdin, check, timeout, signal, maxOutput = MAX_EXEC_OUTPUT, ...run } = options;
  const stop = new AbortController();
  const timer = timeout === undefined ? undefined : setTimeout(
    () =>
      stop.abort(
        new TimeoutError(`Command ${what(argv, ctx)} timed out after ${timeout / 1000} s`),
      ),
    timeout,
  );
  const onAbort = () => stop.abort(signal!.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const chunks: Record<1 | 2, Uint8Array[]> = { 1: [], 2: [] };
  let size = 0;
  let end: ExecResult | undefined;
  try {
    signal?.throwIfAborted();
    const events = runProcess(ctx, argv, {
      ...run,
      signal: stop.signal,
      ...(stdin === undefined ? {} : { stdin: true }),
    });
    for await (const e of events) {
      if (e.t === "start" && stdin !== undefined) void feed(ctx, e.handle, stdin);
      else if (e.t === "out") {
        size += e.data.length;
        if (size > maxOutput) {
          stop.abort(
            new RangeError(`Command ${what(argv, ctx)} printed more than ${maxOutput} bytes`),
          );
        } else chunks[e.fd].push(e.data);
      } else if (e.t === "exit") {
        end = { stdout: text(chunks[1]), stderr: text(chunks[2]), code: e.code, signal: e.signal };
      }
    }
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
  if (!end) throw new Error(`Command ${what(argv, ctx)} ended without an exit status`);
  if (check && end.code !== 0) {
    throw new CommandError(
      `Command ${what(argv, ctx)} ${ended(end)}`,
      exitCodeOf({ t: "exit", ...end }),
      end,
    );
  }
  return end;
}

/** Writes `input` to the process's stdin and closes it. */
async function feed(ctx: Caller, handle: number, input: string | Uint8Array): Promise<void> {
  try {
    const data = typeof input === "string" ? new TextEncoder().encode(input) : input;
    if (data.length) await processInput(ctx, handle, data);
    await processInput(ctx, handle);
  } catch {
    // The process ended first: its exit says how.
  }
}

function text(chunks: Uint8Array[]): string {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  return chunks.map((c) => decoder.decode(c, { stream: true })).join("") + decoder.decode();
}

function what(argv: string[], ctx: Caller): string {
  return `${JSON.stringify(argv.join(" "))} on "${ctx.name}"`;
}

function ended(r: ExecResult): string {
  const how = r.code === null ? `was killed by ${r.signal}` : `exited with code ${r.code}`;
  const tail = r.stderr.trimEnd().split("\n").slice(-3).join("\n");
  return tail ? `${how}: ${tail}` : how;
}
