/**
 * Floors: the same work done with nothing of mitoctl in the way, measured against the same sshd
 * in the same run. A plain `ssh host true`, a ping-pong over one ssh channel to `cat`, a bare
 * runtime start, a runtime spawning `/bin/true` in a loop.
 *
 * @module
 */

import { STAGE1_JS, stage1Argv } from "../lib/stage1.ts";
import type { BenchSettings, RunCounts } from "./group.ts";
import { runProcess } from "./measure.ts";
import { scaleStats, type Stats, summarize } from "./stats.ts";

/** argv of `ssh -F <config> -T -- <host> <command>`, the way mitoctl calls ssh. */
export function sshArgv(settings: BenchSettings, command: string): string[] {
  return ["ssh", "-F", settings.sshConfig, "-T", "--", settings.host, command];
}

/** Wall ms of one `ssh <host> <command>` from spawn to exit. */
export async function sshCommandMs(settings: BenchSettings, command: string): Promise<number> {
  return (await runProcess(sshArgv(settings, command))).ms;
}

/**
 * argv that runs `js` on `runtime` the way stage 1 starts it (same flags, `DENO_DIR=/dev/null`
 * for Deno), so a floor pays the same start-up a context pays.
 */
export function scriptArgv(runtime: string, js: string): string[] {
  return stage1Argv(runtime, 0).slice(0, -1).map((arg) => arg === STAGE1_JS ? js : arg);
}

/** `argv` as one shell command line; arguments must not hold a single quote. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((arg) => {
    if (arg.includes("'")) throw new TypeError(`Cannot quote "${arg}": it holds a single quote`);
    return /^[\w./=:-]+$/.test(arg) ? arg : `'${arg}'`;
  }).join(" ");
}

/** JavaScript that echoes stdin to stdout through `process`, as the remote stage reads frames. */
export const ECHO_JS = 'process.stdin.on("data",(c)=>process.stdout.write(c))';

/** Wall ms for `runtime` (a path) to start, run an empty program and exit. */
export async function runtimeStartMs(runtime: string): Promise<number> {
  return (await runProcess(scriptArgv(runtime, "0"))).ms;
}

/**
 * Ms `runtime` itself takes to run `/bin/true` `count` times with `execFileSync`, timed inside
 * the process so its start-up is left out.
 */
export async function spawnLoopMs(runtime: string, count: number): Promise<number> {
  const js = 'const{execFileSync:x}=process.getBuiltinModule("node:child_process"),' +
    `t=performance.now();for(let i=0;i<${count};i++)x("/bin/true");` +
    "console.log(performance.now()-t)";
  const { stdout } = await runProcess(scriptArgv(runtime, js));
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) {
    throw new Error(`Spawn loop on "${runtime}" printed ${JSON.stringify(stdout)}, not a time`);
  }
  return ms;
}

/**
 * One long-lived process that answers what is written to its stdin on its stdout: an echo (`cat`,
 * or a runtime's echo, locally or through ssh), or a command that replies to each line with a
 * known number of bytes. Measures request→reply round trips over it.
 */
export class PingPong implements AsyncDisposable {
  readonly #argv: readonly string[];
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #surplus = 0;

  /** Starts `argv`; call {@linkcode PingPong.ready} (an echo) or warm up before measuring. */
  constructor(argv: readonly string[]) {
    const [cmd, ...args] = argv;
    this.#argv = argv;
    this.#child = new Deno.Command(cmd!, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.getReader();
  }

  /** Waits for the first echo, so connection set-up stays out of the samples. */
  async ready(): Promise<void> {
    await this.exchange(new Uint8Array(1), 1);
  }

  /** Wall ms of each of `n` sequential echoes of a `size`-byte message. */
  async roundTrips(n: number, size: number): Promise<number[]> {
    const message = new Uint8Array(size).fill(0x61);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) samples.push(await this.exchange(message, size));
    return samples;
  }

  /** Writes `request`, waits until `expect` bytes came back; returns the wall ms it took. */
  async exchange(request: Uint8Array, expect: number): Promise<number> {
    const start = performance.now();
    // Read while writing: a message larger than the pipes would otherwise never finish writing.
    const written = this.#writer.write(request);
    written.catch(() => {});
    let received = this.#surplus;
    while (received < expect) {
      const { done, value } = await this.#reader.read();
      if (done) {
        throw new Error(`Process "${this.#argv.join(" ")}" closed its output early`);
      }
      received += value.length;
    }
    await written;
    this.#surplus = received - expect;
    return performance.now() - start;
  }

  /** Closes stdin and waits for the process to end. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    this.#reader.releaseLock();
    await this.#child.stdout.cancel().catch(() => {});
    await this.#child.status;
  }

  /** Same as {@linkcode PingPong.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Round-trip µs of `size`-byte messages through the echo process `argv`: `counts.calls` of them
 * after `counts.warmupCalls` unmeasured ones, once the first echo came back.
 */
export async function echoRoundTrips(
  argv: readonly string[],
  size: number,
  counts: RunCounts,
): Promise<Stats> {
  await using echo = new PingPong(argv);
  await echo.ready();
  await echo.roundTrips(counts.warmupCalls, size);
  return scaleStats(summarize(await echo.roundTrips(counts.calls, size)), 1000);
}
