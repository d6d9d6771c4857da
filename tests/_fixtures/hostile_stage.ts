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
 * @module
 */

import { decode, encode } from "../../lib/codec.ts";
import { MASTER_ID, type Message, type ModuleReply } from "../../lib/protocol.ts";
import { FakeStage } from "./_fake_stage.ts";

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
 * "deno", so the master starts it as it starts Node (`<path> -e <stage 1> <n>`).
 */
export async function writeHostileRuntime(dir: string): Promise<string> {
  const path = `${dir}/hostile-stage`;
  const script = new URL(import.meta.url).pathname;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec '${Deno.execPath()}' run --quiet --no-check --no-config --no-prompt ` +
      `'${script}' "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/** Runs the stage on stdin and stdout until stdin closes. */
async function runHostileStage(): Promise<void> {
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
  const answer = async (call: Extract<Message, { t: "call" }>) => {
    const [asks] = decode(call.args) as [HostileAsk[]];
    const replies: HostileReply[] = [];
    for (const request of asks) replies.push(await ask(request));
    send(stage.id, { t: "ok", id: call.id, value: encode(replies) });
  };
  // Stage 1 would read this many bytes of stage 2 first: skipped.
  await stage.read(Number(Deno.args.at(-1)), (msg) => {
    switch (msg.t) {
      case "init":
        return stage.hello(msg.id);
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
