/**
 * Calls into a host's supervisor module, with each answer checked before the master uses it: a
 * hostile or broken host cannot hand back a component name, pid, path or text of another shape
 * than a real supervisor's.
 *
 * @module
 */

import type { Context } from "../master/context.ts";
import { RefusedValueError } from "../errors.ts";
import type { Prepared, StartResult, StopResult } from "../remote/supervisor.ts";
import type { ComponentStatus } from "../remote/supervisor.ts";
import { checkList, checkShape, is, MAX_REMOTE_NAME, type Shape } from "../wire/remote_value.ts";
import { SUPERVISOR_MODULE } from "./hosts.ts";
import { COMPONENT_NAME } from "./plan.ts";

const NAME = is.matching(COMPONENT_NAME, "a component name");
const PID = is.int(1, 2 ** 31 - 1);
const SIGNAL = is.matching(/^SIG[A-Z0-9]{1,12}$/, "a signal name");
const PATH = is.matching(/^\//, "an absolute path");

const STATUS: Shape = {
  name: NAME,
  running: is.boolean,
  pid: is.nullable(PID),
  supervisorPid: PID,
  runId: is.text(MAX_REMOTE_NAME),
  baseDir: PATH,
  startedAt: is.number,
  uptimeMs: is.number,
  code: is.nullable(is.int(0, 255)),
  signal: is.nullable(SIGNAL),
  error: is.nullable(is.text()),
};

const STOPPED: Shape = {
  name: NAME,
  wasRunning: is.boolean,
  killed: is.boolean,
  survivors: is.int(),
};

const STARTED: Shape = {
  ok: is.oneOf(true),
  pid: PID,
  supervisorPid: PID,
  startedAt: is.number,
  baseDir: PATH,
};

const NOT_STARTED: Shape = { ok: is.oneOf(false), reason: is.text(), lastLines: is.text() };

/** What each supervisor function answers, and how it is checked. */
interface Answers {
  list: ComponentStatus[];
  stop: StopResult[];
  prepare: Prepared;
  start: StartResult;
  logs: string;
}

const CHECKS: { [K in keyof Answers]: (value: unknown, context: string) => Answers[K] } = {
  list: (v, c) => checkList(v, STATUS, "a component status", c),
  stop: (v, c) => checkList(v, STOPPED, "a stopped component", c),
  prepare: (v, c) =>
    checkShape(v, { baseDir: PATH, ownBaseDir: is.boolean }, "a prepared directory", c),
  start: (v, c) => {
    const ok = (v as { ok?: unknown } | null)?.ok === true;
    return checkShape(v, ok ? STARTED : NOT_STARTED, "a start result", c);
  },
  logs: (v, c) => checkText(v, c),
};

function checkText(value: unknown, context: string): string {
  if (typeof value !== "string") {
    throw new RefusedValueError(`Refused a component log from "${context}": not text`);
  }
  return value;
}

/** Calls supervisor function `fn` in `ctx` and returns its checked answer. */
export async function askSupervisor<K extends keyof Answers>(
  ctx: Context,
  fn: K,
  ...args: unknown[]
): Promise<Answers[K]> {
  return CHECKS[fn](await ctx.call(SUPERVISOR_MODULE, fn, ...args), ctx.name);
}

/** Follows a component's log through `ctx` (supervisor `follow`), each piece checked as text. */
export async function* followSupervisor(
  ctx: Context,
  signal: AbortSignal | undefined,
  ...args: unknown[]
): AsyncGenerator<string> {
  const stream = ctx.streamWith<unknown>(
    signal ? { signal } : {},
    SUPERVISOR_MODULE,
    "follow",
    ...args,
  );
  for await (const piece of stream) yield checkText(piece, ctx.name);
}
