/**
 * A hostile child context: a stage that a real remote stage starts (through a fake `ssh`), which
 * then sends whatever frames a test scripts: calls into its parent or a sibling, frames with a
 * forged source, replies it was never asked for. A call to `node:hostile#send` with a list of
 * {@linkcode HostileFrame}s sends them, waits `waitMs`, and returns every message it received
 * meanwhile.
 *
 * ```ts ignore
 * const ssh = await writeHostileSsh(dir);
 * const child = await router.ssh({ via: parent, host: "anything", sshPath: ssh });
 * const seen = await child.call("node:hostile", "send", [{ dst: parent.id, msg }], 300);
 * ```
 *
 * @module
 */

import { decode, encode } from "../../lib/wire/codec.ts";
import { FRAMES_FD, type Message } from "../../lib/wire/protocol.ts";
import { FAKE_STAGE_RUN, FakeStage } from "./_fake_stage.ts";

/** One frame the hostile child writes. */
export interface HostileFrame {
  dst: number;
  /** Source id to claim; default the child's own. */
  src?: number;
  msg: Message;
}

/** A message the hostile child received while it waited. */
export interface Received {
  src: number;
  msg: Message;
}

/**
 * Writes an executable fake `ssh` into `dir` that ignores its arguments and runs the hostile
 * child on its stdin and stdout (ssh's stdout carries what the remote stage writes on its frame
 * channel), and returns its path.
 */
export async function writeHostileSsh(dir: string): Promise<string> {
  const path = `${dir}/hostile-ssh`;
  const script = new URL(import.meta.url).pathname;
  // ssh's last argument is the stage-1 command, which ends with the stage-2 size.
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nfor last; do :; done\nsize=\${last##* }\nsize=\${size%%\\'*}\n` +
      `exec ${FAKE_STAGE_RUN} '${script}' ` +
      `"$size" ${FRAMES_FD}>&1\n`,
    { mode: 0o755 },
  );
  return path;
}

async function runHostileChild(): Promise<void> {
  const skip = Number(Deno.args.at(-1));
  if (!Number.isInteger(skip) || skip <= 0) throw new Error(`bad stage-2 size "${Deno.args}"`);
  const stage = new FakeStage();
  let inbox: Received[] | undefined;
  const run = async (call: Extract<Message, { t: "call" }>, src: number) => {
    const [frames, waitMs] = decode(call.args) as [HostileFrame[], number];
    inbox = [];
    for (const f of frames) stage.write(f.dst, f.src ?? stage.id, f.msg);
    await new Promise((r) => setTimeout(r, waitMs));
    const seen = inbox;
    inbox = undefined;
    stage.write(src, stage.id, { t: "ok", id: call.id, value: encode(seen) });
  };
  await stage.read(skip, (msg, frame) => {
    if (msg.t === "init") stage.hello(msg.id);
    else if (msg.t === "call" && msg.mod === "node:hostile") void run(msg, frame.src);
    else inbox?.push({ src: frame.src, msg });
  });
}

if (import.meta.main) await runHostileChild();
