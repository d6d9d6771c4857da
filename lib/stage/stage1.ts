/**
 * Stage 1: the command line that turns a bare Deno or Node into a mitoctl remote stage. It reads
 * exactly `n` bytes of brotli-compressed stage 2 from stdin and runs them as a script (see
 * {@linkcode STAGE1_JS}); the runtime does not read stdin past those bytes, so the master writes
 * stage 2 and the first frames at once, without waiting for an answer.
 *
 * The JavaScript below holds no `' $ \ !` or backtick, so single quotes carry it unchanged through
 * sh, bash, zsh, dash, fish and csh. The same code runs on both runtimes through
 * `process.getBuiltinModule` (Deno 2, Node ≥ 20.16).
 *
 * @module
 */

import { FRAMES_FD, NO_RUNTIME_MARKER } from "../wire/protocol.ts";
import { RUN_STAGE_JS } from "./run_stage.ts";
import { DENO_STAGE_ENV } from "./stage_env.ts";
import { SELF_STAGE1_FLAG, selfArgv } from "./self.ts";

/** Stage 1's cache directory for Deno (see {@linkcode DENO_STAGE_ENV}). */
const DENO_DIR = `DENO_DIR=${DENO_STAGE_ENV.DENO_DIR}`;

/** The shell redirections that {@linkcode FRAMES_FD} describes. */
const MOVE_STDOUT = `${FRAMES_FD}>&1 >&2`;

/** Which runtime to start on the far side: `"deno"`, `"node"`, `"auto"`, or an absolute path. */
export type RuntimeChoice = string;

/**
 * Where the remote command's watchdog leaves its pid for stage 1, which stops it (see
 * {@linkcode remoteCommand}).
 */
const WATCHDOG_ENV = "MITOCTL_W";

/**
 * How a stage 1 stops the watchdog once its runtime came up: with `p` the runtime's `process` and
 * `w` a variable of its own, it ends the pid in `MITOCTL_W` and drops the variable, so nothing the
 * stage starts inherits it. The one rule for {@linkcode STAGE1_JS} and the compiled binary's stage
 * 1 (`self_stage1.ts`).
 */
export const STOP_WATCHDOG_JS =
  `w=p.env.${WATCHDOG_ENV};if(w)try{p.kill(+w),delete p.env.${WATCHDOG_ENV}}catch{}`;

/**
 * The stage-1 program, identical for Deno and Node; its last argv entry is the stage-2 size. It
 * first stops the watchdog: the runtime came up. Then it reads stage 2 and runs it
 * ({@linkcode RUN_STAGE_JS}).
 */
export const STAGE1_JS = 'var p=process,m=p.getBuiltinModule,r=m("fs").readSync,n=+p.argv.at(-1),' +
  `b=Buffer.alloc(n),s,f,${STOP_WATCHDOG_JS}` +
  "for(var o=0;o<n;)o+=r(0,b,o,n-o)||p.exit();" +
  `s=m("zlib").brotliDecompressSync(b)+"";${RUN_STAGE_JS}`;

/** What a runtime path may hold: characters no login shell (sh, bash, zsh, fish, csh) reads
 *  specially, `@` included (npm keeps binaries under `node_modules/@scope/`). */
const SAFE_PATH = /^\/[A-Za-z0-9._/+@-]+$/;

/** Which kind of runtime a path or name denotes, judged by its file name. */
export function runtimeKind(runtime: string): "deno" | "node" {
  const base = runtime.slice(runtime.lastIndexOf("/") + 1);
  return base.includes("deno") ? "deno" : "node";
}

/**
 * Checks a `--runtime` value: `deno`, `node`, `auto` or an absolute path of plain characters.
 * Throws a `TypeError` naming the value otherwise.
 */
export function checkRuntime(runtime: string): RuntimeChoice {
  if (runtime === "deno" || runtime === "node" || runtime === "auto") return runtime;
  if (SAFE_PATH.test(runtime)) return runtime;
  if (!runtime.startsWith("/")) {
    throw new TypeError(`Invalid runtime "${runtime}": use deno, node, auto or an absolute path`);
  }
  const bad = [...runtime].find((c) => !/[A-Za-z0-9._/+@-]/.test(c))!;
  throw new TypeError(
    `Invalid runtime "${runtime}": ${JSON.stringify(bad)} cannot pass through a remote shell; ` +
      `a path may hold letters, digits and . _ / + @ -`,
  );
}

/** argv that starts `runtime` (name or path, not `auto`) on stage 1 with a stage 2 of `n` bytes. */
export function stage1Argv(runtime: string, n: number): string[] {
  return runtimeKind(runtime) === "deno"
    ? ["env", DENO_DIR, runtime, "eval", "--ext=js", "--no-config", STAGE1_JS, `${n}`]
    : [runtime, "-e", STAGE1_JS, `${n}`];
}

/**
 * argv that runs stage 1 with a stage 2 of `n` bytes on this machine: through mitoctl's own
 * program where the code runs inside it (see self.ts), else on `runtime` (default: the one
 * running this code).
 */
export function stage1Here(n: number, runtime: string = process.execPath): string[] {
  const self = selfArgv();
  return self ? [...self, SELF_STAGE1_FLAG, `${n}`] : stage1Argv(runtime, n);
}

/**
 * The one shell command string a remote login shell runs (the last ssh argument, or what sudo
 * and su run). With `auto`, a POSIX `sh` picks deno, then node, from the remote PATH and prints
 * the no-runtime marker when it finds neither.
 *
 * A watchdog runs beside the runtime: unless stage 1 stops it first, it kills the command's
 * whole process group once `within` milliseconds (the connect timeout) have passed, or as soon as
 * the runtime is gone. Once the
 * master has given up, a runtime that never read its stdin would otherwise live on: nothing
 * tells it that ssh is gone.
 */
export function remoteCommand(runtime: RuntimeChoice, n: number, within: number): string {
  const js = `'${STAGE1_JS}'`;
  let command;
  if (runtime !== "auto") {
    checkRuntime(runtime);
    command = stage1Argv(runtime, n).map((a) => a === STAGE1_JS ? js : a).join(" ");
  } else {
    // An assignment before `exec` is exported to the program it runs (dash, bash, busybox ash).
    const script = `command -v deno>/dev/null&&${DENO_DIR} exec deno eval --ext=js ` +
      `--no-config "$0" $1;command -v node>/dev/null&&exec node -e "$0" $1;` +
      `echo ${NO_RUNTIME_MARKER}>&${FRAMES_FD}`;
    command = `sh -c '${script}' ${js} ${n}`;
  }
  return withWatchdog(command, within);
}

/**
 * `command` (shell words that start stage 1) with the watchdog of {@linkcode remoteCommand} beside
 * it: the group is killed after `within` ms unless stage 1 stops the watchdog first.
 */
export function withWatchdog(command: string, within: number): string {
  // It looks once a second; on SIGTERM (from stage 1) it ends its sleep and itself. When the
  // shell is gone without becoming the runtime (not found), it ends at once, taking its own group
  // only. Its stdout and stderr are closed, so it never holds the session open.
  const watchdog = `(trap "kill \\$s;exit" TERM;i=${Math.ceil(within / 1000)};` +
    "while kill -0 $$&&[ $i -gt 0 ];do sleep 1&s=$!;wait $s;i=$((i-1));done;kill -9 0)" +
    ">&- 2>&-";
  return `sh -c '${watchdog}&export ${WATCHDOG_ENV}=$!;exec "$@" ${MOVE_STDOUT}' sh ${command}`;
}

/** `argv` run by a shell that gives it {@linkcode FRAMES_FD} as the stage expects it. */
export function framesFdArgv(argv: readonly string[]): string[] {
  return ["sh", "-c", `exec "$@" ${MOVE_STDOUT}`, "sh", ...argv];
}
