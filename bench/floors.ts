/**
 * Floors: the same work done with nothing of mitoctl in the way, measured against the same sshd
 * in the same run. A plain `ssh host true`, a ping-pong over one ssh channel to `cat`, a bare
 * runtime start, a runtime spawning `/bin/true` in a loop.
 *
 * @module
 */

import { STAGE1_JS, stage1Argv } from "../lib/stage/stage1.ts";
import { spawnNodeChild } from "../lib/transport/node_child.ts";
import type { ChildTransport } from "../lib/transport/transport.ts";
import type { BenchSettings, RunCounts } from "./group.ts";
import { runProcess } from "./measure.ts";
import { sessionResidentBytes } from "./proc.ts";
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

/**
 * JavaScript that echoes stdin to stdout through a `node:worker_threads` worker: the hops a call
 * takes in the remote stage (router thread → call worker → router thread), without the codec.
 * The worker is unreferenced at end of input so the process, and the ssh carrying it, can end.
 */
export const WORKER_ECHO_JS = (() => {
  const worker = 'const{parentPort:q}=process.getBuiltinModule("node:worker_threads");' +
    'q.on("message",(m)=>q.postMessage(m))';
  return 'const t=process.getBuiltinModule("node:worker_threads"),w=new t.Worker(new URL(' +
    `"data:text/javascript;base64,${btoa(worker)}"));` +
    'w.on("message",(m)=>process.stdout.write(m));process.stdin.on("data",(c)=>w.postMessage(c))' +
    '.on("end",()=>w.unref())';
})();

/**
 * JavaScript that prints its pid and idles until its stdin ends; with `worker`, only once a
 * `node:worker_threads` worker, started from a `data:` URL as the stage starts its call worker,
 * is up (and it stays up).
 */
export function idleJs(worker: boolean): string {
  const idle = 'console.log(process.pid);process.stdin.on("end",()=>process.exit()).resume()';
  if (!worker) return idle;
  const body = 'const{parentPort:q}=process.getBuiltinModule("node:worker_threads");' +
    'q.on("message",()=>{});q.postMessage(0)';
  return 'const w=new(process.getBuiltinModule("node:worker_threads").Worker)(new URL(' +
    `"data:text/javascript;base64,${btoa(body)}"));w.once("message",()=>{${idle}})`;
}

/**
 * Resident MB of the ssh session in which `runtime` idles (see {@linkcode idleJs}), read the way
 * a context's is: the floor of a context's idle memory.
 */
export async function idleResidentMB(
  settings: BenchSettings,
  runtime: string,
  worker: boolean,
): Promise<number> {
  await using idle = new PingPong(
    sshArgv(settings, shellLine(scriptArgv(runtime, idleJs(worker)))),
  );
  const pid = Number(await idle.readLine());
  if (!Number.isInteger(pid)) throw new Error(`Idle ${runtime} over ssh printed no pid`);
  return await sessionResidentBytes(pid) / 1e6;
}

/** The shell command line that has `runtime` run an empty program, as stage 1 starts it. */
export function emptyProgramLine(runtime: string): string {
  return shellLine(scriptArgv(runtime, "0"));
}

/**
 * The shell command line that has `runtime` start one `node:worker_threads` worker (from a
 * `data:` URL, as the stage starts its call worker) and exit once it answered: the least a
 * context whose user code runs off the routing thread costs to come up.
 */
export function workerProgramLine(runtime: string): string {
  const body = 'process.getBuiltinModule("node:worker_threads").parentPort.postMessage(0)';
  const js = 'new(process.getBuiltinModule("node:worker_threads").Worker)(new URL(' +
    `"data:text/javascript;base64,${btoa(body)}")).once("message",()=>process.exit())`;
  return shellLine(scriptArgv(runtime, js));
}

/**
 * The shell command line that has Deno (`runtime`) start a second Deno process, which touches
 * `process` and prints its pid, and exit once that one has: the least a Deno context costs to come
 * up, as Deno cannot stop a busy worker thread and so runs user code in a call host process.
 */
export function hostProgramLine(runtime: string): string {
  const js = 'process.getBuiltinModule("node:child_process").spawn(process.execPath,' +
    '["eval","--ext=js","--no-config","console.log(process.pid)"],{stdio:["ignore","inherit",' +
    '"inherit"]}).on("exit",(c)=>process.exit(c)).on("error",()=>process.exit(1))';
  return shellLine(scriptArgv(runtime, js));
}

/** Wall ms for `runtime` (a path) to start, run an empty program and exit. */
export async function runtimeStartMs(runtime: string): Promise<number> {
  return (await runProcess(scriptArgv(runtime, "0"))).ms;
}

/**
 * Ms `runtime` takes to start a `node:worker_threads` worker (from a `data:` URL, as the remote
 * stage starts its call worker) until the worker's first message arrives, timed inside the
 * process.
 */
export async function workerStartMs(runtime: string): Promise<number> {
  const worker = 'process.getBuiltinModule("node:worker_threads").parentPort.postMessage(0)';
  const js = 'const t=performance.now(),w=new(process.getBuiltinModule("node:worker_threads")' +
    `.Worker)(new URL("data:text/javascript;base64,${btoa(worker)}"));` +
    'w.on("message",()=>{console.log(performance.now()-t);process.exit()})';
  return await printedMs(runtime, js);
}

/** Runs `js` on `runtime` and reads the milliseconds it prints. */
async function printedMs(runtime: string, js: string): Promise<number> {
  const { stdout } = await runProcess(scriptArgv(runtime, js));
  const ms = Number(stdout.trim());
  if (!Number.isFinite(ms)) {
    throw new Error(`Script on "${runtime}" printed ${JSON.stringify(stdout)}, not a time`);
  }
  return ms;
}

/**
 * Ms `runtime` itself takes to run `/bin/true` `count` times with `execFileSync`, timed inside
 * the process so its start-up is left out.
 */
export async function spawnLoopMs(runtime: string, count: number): Promise<number> {
  return await printedMs(runtime, `${spawnLoopJs(count)};console.log(ms)`);
}

/**
 * The same loop run in a `node:worker_threads` worker, beside the idle main thread, as Node's
 * stage runs user code: a fork costs more the more memory the forking process holds, and the
 * second isolate holds some.
 */
export async function spawnLoopInWorkerMs(runtime: string, count: number): Promise<number> {
  const body = `${spawnLoopJs(count)};` +
    'process.getBuiltinModule("node:worker_threads").parentPort.postMessage(ms)';
  const js = 'new(process.getBuiltinModule("node:worker_threads").Worker)(new URL(' +
    `"data:text/javascript;base64,${btoa(body)}")).once("message",(ms)=>{console.log(ms);` +
    "process.exit()})";
  return await printedMs(runtime, js);
}

/** JavaScript that runs `/bin/true` `count` times and leaves the milliseconds it took in `ms`. */
function spawnLoopJs(count: number): string {
  return 'const{execFileSync:x}=process.getBuiltinModule("node:child_process"),' +
    `t=performance.now();for(let i=0;i<${count};i++)x("/bin/true");const ms=performance.now()-t`;
}

/**
 * One long-lived process that answers what is written to its stdin on its stdout: an echo (`cat`,
 * or a runtime's echo, locally or through ssh), or a command that replies to each line with a
 * known number of bytes. Measures request→reply round trips over it.
 */
export class PingPong implements AsyncDisposable {
  readonly #argv: readonly string[];
  // mitoctl's own transport, so that a floor is never slower than what it is the floor of.
  readonly #child: ChildTransport;
  readonly #closed = Promise.withResolvers<void>();
  /** Chunks read and not yet taken, and who waits for the next one. */
  readonly #chunks: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  #surplus = 0;

  /** Starts `argv`; call {@linkcode PingPong.ready} (an echo) or warm up before measuring. */
  constructor(argv: readonly string[]) {
    this.#argv = argv;
    this.#child = spawnNodeChild({ argv: [...argv], env: {} }, {
      receive: (chunk) => {
        this.#chunks.push(chunk);
        this.#wake?.();
      },
      closed: () => {
        this.#ended = true;
        this.#wake?.();
        this.#closed.resolve();
      },
    });
  }

  /** The next chunk the process printed; throws once it ended. */
  async #read(): Promise<Uint8Array> {
    while (!this.#chunks.length) {
      if (this.#ended) throw new Error(`Process "${this.#argv.join(" ")}" closed its output early`);
      await new Promise<void>((r) => this.#wake = r);
      this.#wake = undefined;
    }
    return this.#chunks.shift()!;
  }

  /**
   * Reads one line the process prints before it echoes (a remote shell's `echo $$` before it
   * becomes `cat`); whatever follows the line counts as echoed bytes.
   */
  async readLine(): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const value = await this.#read();
      const newline = value.indexOf(0x0a);
      if (newline === -1) {
        text += decoder.decode(value, { stream: true });
        continue;
      }
      this.#surplus += value.length - newline - 1;
      return text + decoder.decode(value.subarray(0, newline));
    }
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

  /**
   * Writes `request`, waits until `expect` bytes came back; returns the wall ms it took. With
   * `into`, each chunk read is given to it before the next read (the bytes are only valid until
   * it returns); bytes left over from an earlier line are not.
   */
  async exchange(
    request: Uint8Array,
    expect: number,
    into?: (chunk: Uint8Array) => void,
  ): Promise<number> {
    const start = performance.now();
    // Read while writing: a message larger than the pipes would otherwise never finish writing.
    this.#child.send(request);
    let received = this.#surplus;
    while (received < expect) {
      const chunk = await this.#read();
      into?.(chunk.subarray(0, expect - received));
      received += chunk.length;
    }
    this.#surplus = received - expect;
    return performance.now() - start;
  }

  /** Closes stdin and waits for the process to end. */
  async close(): Promise<void> {
    this.#child.close();
    await this.#closed.promise;
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
