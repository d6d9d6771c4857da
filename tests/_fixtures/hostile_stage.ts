/**
 * A hostile remote stage: instead of running stage 2 it speaks the wire protocol itself, so it
 * can send the master module requests no real stage would (any URL, with a forged source
 * context). Point `router.local({ runtime })` at the wrapper {@linkcode writeHostileRuntime}
 * makes. Every call it receives is a script: its first argument lists the requests to send, in
 * order, and the call returns what the master answered to each.
 *
 * ```ts ignore
 * const runtime = await writeHostileRuntime(dir);
 * const ctx = await router.local({ runtime });
 * const [reply] = await ctx.call<HostileReply[]>(tasks, "describe", [{ url: "file:///etc/passwd" }]);
 * ```
 *
 * Given a {@linkcode HostileScript}, it answers calls of the functions the script names with
 * chosen values instead (a pull listing, a component status, an error object no real stage
 * would build), after sending chosen messages (log lines), and says hello with chosen fields:
 *
 * ```ts ignore
 * const runtime = await writeHostileRuntime(dir, {
 *   replies: { scan: { value: { entries: [root, { path: "../x", kind: "file", … }] } } },
 * });
 * await pull(await router.local({ runtime }), "/srv", dest); // refused
 * ```
 *
 * @module
 */

import { decode, encode } from "../../lib/wire/codec.ts";
import { MASTER_ID, type Message, type ModuleReply } from "../../lib/wire/protocol.ts";
import { FAKE_STAGE_RUN, FakeStage } from "./_fake_stage.ts";

/** How the stage answers a call of one function, by the function's name. */
export interface HostileAnswer {
  /** The call returns this value. */
  value?: unknown;
  /** The call fails with this value as its error, sent as is (any value, not only an Error). */
  error?: unknown;
  /** The call fails with an error built from these fields as they are (any types). */
  errorFields?: Record<string, unknown>;
  /** Messages sent to the master from this context before the answer, as they are. */
  before?: Record<string, unknown>[];
  /** Values sent as the items of a stream (a call with credit) before the answer. */
  items?: unknown[];
}

/** What a scripted hostile stage does instead of what a real stage would. */
export interface HostileScript {
  /** Fields of its hello over the defaults (runtime "node", host and user "hostile"). */
  hello?: Record<string, unknown>;
  /** Answers by called function name; calls of other functions run the module requests. */
  replies?: Record<string, HostileAnswer>;
}

/** One module request the stage sends. */
export interface HostileAsk {
  /** What the request names, sent as is. */
  url: string;
  /** Context id to claim as the sender; default the stage's own. */
  as?: number;
}

/** The master's answer to one {@linkcode HostileAsk}, or null when none came in time. */
export type HostileReply = ModuleReply | null;

/** How long the stage waits for an answer to a request it sent under its own id, in ms. */
export const REPLY_WAIT_MS = 10_000;

/** How long it waits for an answer to a request sent under a forged id, in ms: none should come. */
export const FORGED_REPLY_WAIT_MS = 500;

/**
 * Writes an executable `hostile-stage` wrapper into `dir` and returns its path. Its name lacks
 * "deno", so the master starts it as it starts Node (`<path> -e <stage 1> <n>`). With `script`,
 * the stage follows it (written beside the wrapper as `hostile-script.bin`).
 */
export async function writeHostileRuntime(dir: string, script?: HostileScript): Promise<string> {
  const path = `${dir}/hostile-stage`;
  const program = new URL(import.meta.url).pathname;
  let scriptArgs = `'${program}'`;
  if (script) {
    const file = `${dir}/hostile-script.bin`;
    await Deno.writeFile(file, encode(script));
    scriptArgs = `--allow-read='${file}' '${program}' '--script=${file}'`;
  }
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec ${FAKE_STAGE_RUN} ` +
      `${scriptArgs} "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/** msgpack of an Error extension (type 4) holding `fields` as they are. */
function errorExtension(fields: Record<string, unknown>): Uint8Array {
  const body = encode(fields);
  const n = body.length;
  const head = n < 0x100
    ? [0xc7, n]
    : n < 0x10000
    ? [0xc8, n >> 8, n & 0xff]
    : [0xc9, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const out = new Uint8Array(head.length + 1 + n);
  out.set(head);
  out[head.length] = 4;
  out.set(body, head.length + 1);
  return out;
}

/** The script the wrapper named, if any. */
async function readScript(): Promise<HostileScript> {
  const flag = Deno.args.find((a) => a.startsWith("--script="));
  if (!flag) return {};
  return decode(await Deno.readFile(flag.slice("--script=".length))) as HostileScript;
}

/** Runs the stage on stdin and its frame channel until stdin closes. */
async function runHostileStage(): Promise<void> {
  const script = await readScript();
  const stage = new FakeStage();
  let nextAsk = 1;
  const waiting = new Map<number, (reply: ModuleReply) => void>();
  const send = (src: number, msg: Message) => stage.write(MASTER_ID, src, msg);
  const ask = (request: HostileAsk): Promise<HostileReply> => {
    const id = nextAsk++;
    const forged = request.as !== undefined && request.as !== stage.id;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(id);
        resolve(null);
      }, forged ? FORGED_REPLY_WAIT_MS : REPLY_WAIT_MS);
      waiting.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      send(request.as ?? stage.id, { t: "mreq", id, url: request.url });
    });
  };
  /** Answers a call the script names; false when it names none. */
  const scripted = (call: Extract<Message, { t: "call" }>): boolean => {
    const answer = script.replies?.[call.fn];
    if (!answer) return false;
    for (const msg of answer.before ?? []) send(stage.id, msg as unknown as Message);
    for (const item of answer.items ?? []) {
      send(stage.id, { t: "item", id: call.id, value: encode(item) });
    }
    if (answer.errorFields) {
      send(stage.id, { t: "err", id: call.id, error: errorExtension(answer.errorFields) });
    } else if ("error" in answer) {
      send(stage.id, { t: "err", id: call.id, error: encode(answer.error) });
    } else send(stage.id, { t: "ok", id: call.id, value: encode(answer.value) });
    return true;
  };
  const answer = async (call: Extract<Message, { t: "call" }>) => {
    if (scripted(call)) return;
    const [asks] = decode(call.args) as [HostileAsk[]];
    const replies: HostileReply[] = [];
    for (const request of asks) replies.push(await ask(request));
    send(stage.id, { t: "ok", id: call.id, value: encode(replies) });
  };
  // Stage 1 would read this many bytes of stage 2 first: skipped.
  await stage.read(Number(Deno.args.at(-1)), (msg) => {
    switch (msg.t) {
      case "init":
        return stage.hello(msg.id, script.hello);
      case "call":
        return void answer(msg);
      case "mres":
        waiting.get(msg.id)?.(msg);
        waiting.delete(msg.id);
        return;
      case "bye":
        Deno.exit(0);
    }
  });
}

if (import.meta.main) await runHostileStage();
