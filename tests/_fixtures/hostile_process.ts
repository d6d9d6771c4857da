/**
 * A hostile remote stage for remote processes: it speaks the wire protocol itself and answers
 * every streamed call (a `runProcess`) with the process events of one scenario, events no real
 * stage sends; other calls get `"/"` (a home directory) or nothing. Point a local context's
 * runtime at the wrapper {@linkcode writeHostileProcessRuntime} makes.
 *
 * @module
 */

import { encode } from "../../lib/wire/codec.ts";
import { MASTER_ID, type Message } from "../../lib/wire/protocol.ts";
import { FAKE_STAGE_RUN, FakeStage } from "./_fake_stage.ts";

/** The event lists a stage may be told to send. */
export const HOSTILE_PROCESS_SCENARIOS = {
  /** An exit code no process has. */
  "exit-300": [{ t: "start", pid: 1, handle: 1 }, { t: "exit", code: 300, signal: null }],
  /** Output on a descriptor that is neither stdout nor stderr. */
  "fd-7": [
    { t: "start", pid: 1, handle: 1 },
    { t: "out", fd: 7, data: new Uint8Array([1, 2]) },
    { t: "exit", code: 0, signal: null },
  ],
  /** Output that is text, not bytes. */
  "text-output": [
    { t: "start", pid: 1, handle: 1 },
    { t: "out", fd: 1, data: "not bytes" },
    { t: "exit", code: 0, signal: null },
  ],
  /** A signal with a made-up name. */
  "signal-proto": [{ t: "start", pid: 1, handle: 1 }, {
    t: "exit",
    code: null,
    signal: "__proto__",
  }],
} as const;

/** A scenario's name. */
export type HostileProcessScenario = keyof typeof HOSTILE_PROCESS_SCENARIOS;

/**
 * Writes an executable `hostile-process-<scenario>` wrapper into `dir` and returns its path. Its
 * name lacks "deno", so the master starts it as it starts Node.
 */
export async function writeHostileProcessRuntime(
  dir: string,
  scenario: HostileProcessScenario,
): Promise<string> {
  const path = `${dir}/hostile-process-${scenario}`;
  const script = new URL(import.meta.url).pathname;
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nexec ${FAKE_STAGE_RUN} ` +
      `'${script}' ${scenario} "$@"\n`,
    { mode: 0o755 },
  );
  return path;
}

/** Runs the stage on stdin and its frame channel until stdin closes. */
async function runStage(scenario: HostileProcessScenario): Promise<void> {
  const stage = new FakeStage();
  const send = (msg: Message) => stage.write(MASTER_ID, stage.id, msg);
  await stage.read(Number(Deno.args.at(-1)), (msg) => {
    if (msg.t === "init") stage.hello(msg.id);
    else if (msg.t === "call" && msg.credit !== undefined) {
      for (const event of HOSTILE_PROCESS_SCENARIOS[scenario]) {
        send({ t: "item", id: msg.id, value: encode(event) });
      }
      send({ t: "ok", id: msg.id, value: encode(undefined) });
    } else if (msg.t === "call") {
      send({ t: "ok", id: msg.id, value: encode(msg.fn === "homedir" ? "/" : undefined) });
    } else if (msg.t === "bye") Deno.exit(0);
  });
}

if (import.meta.main) await runStage(Deno.args[0] as HostileProcessScenario);
