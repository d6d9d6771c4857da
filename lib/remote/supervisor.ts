/**
 * Runs on the remote, sent by the module forwarder: starts components under detached
 * supervisors, and finds them again for status, logs and stopping, from any later context.
 * Only `node:` builtins, so it runs on Deno and Node.
 *
 * Files, all under the remote user's home:
 * - `~/.mitoctl/components/.state/<config key>/<component>/`: a supervisor's state directory
 *   (see `supervisor_program.ts`); the config key is derived from the config's path, so a later
 *   master finds the components of the same config.
 * - `~/.mitoctl/components/<component>-<run id>/`: a component's base directory when the config
 *   gives none; removed with its state.
 *
 * @module
 */

import { spawnSealed } from "../transport/sealed_spawn.ts";
import { DENO_STAGE_ENV } from "../stage/stage_env.ts";
import * as fs from "node:fs";
import { userInfo } from "node:os";
import { isAbsolute, join } from "node:path";
import { followLog, tailLog } from "./component_log.ts";
import { supervisorArgs, type SupervisorState } from "./supervisor_program.ts";

/** Default of {@linkcode StartSpec.logLimit}: bytes of output kept per component, 256 KiB. */
export const DEFAULT_LOG_LIMIT = 256 * 1024;

/** How long a supervisor may take to record its component's start before start() gives up. */
export const SUPERVISOR_START_MS = 15_000;

/** How often start() and stop() look at a supervisor's progress, in milliseconds. */
const POLL_MS = 20;

/** How long stop() waits for a process group after SIGKILL before reporting it. */
const KILL_WAIT_MS = 2000;

/** Lines of log a failed start reports. */
const FAILED_LINES = 20;

/** What the state of a component records besides its processes. */
export interface ComponentMeta {
  /** Component name. */
  name: string;
  /** The run of `up` that started it. */
  runId: string;
  /** The config file as the master named it. */
  config: string;
  /** Absolute base directory. */
  baseDir: string;
  /** Whether the base directory was made for this run (and goes with the state). */
  ownBaseDir: boolean;
}

/** Which component, of which config: what finds a state directory. */
export interface ComponentRef {
  /** Key of the config (hex); names its state directory. */
  configKey: string;
  /** Component name: letters, digits, `._@:+-`, starting with a letter or digit. */
  name: string;
}

/** What {@linkcode prepare} is told. */
export interface PrepareSpec extends ComponentRef {
  /** Run id, for a fresh base directory's name. */
  runId: string;
  /** Base directory: absolute, `~/…`, or relative to the home; default a fresh one. */
  baseDir?: string;
}

/** Where a component's files go. */
export interface Prepared {
  /** Absolute base directory; it exists. */
  baseDir: string;
  /** Whether it was made for this run. */
  ownBaseDir: boolean;
}

/** What {@linkcode start} is told. */
export interface StartSpec extends ComponentRef {
  runId: string;
  config: string;
  /** From {@linkcode prepare}. */
  baseDir: string;
  ownBaseDir: boolean;
  /** Absolute, or relative to the base directory. */
  executable: string;
  args: string[];
  /** Set in the component's environment, over the remote stage's. */
  env: Record<string, string>;
  /** Started = still alive this long after it started, in ms (unless `ready` is given). */
  graceMs: number;
  /** Started = a log line matches this regular expression (source text). */
  ready?: string;
  /** How long to wait for `ready`, in ms. */
  readyTimeoutMs: number;
  /** Bytes of log kept; default {@linkcode DEFAULT_LOG_LIMIT}. */
  logLimit?: number;
}

/** How a start went. */
export type StartResult =
  | { ok: true; pid: number; supervisorPid: number; startedAt: number; baseDir: string }
  | { ok: false; reason: string; lastLines: string };

/** A component as {@linkcode list} finds it. */
export interface ComponentStatus {
  name: string;
  running: boolean;
  pid: number | null;
  supervisorPid: number;
  runId: string;
  baseDir: string;
  /** Ms since the epoch, remote clock. */
  startedAt: number;
  /** Ms it has been running (remote clock), or ran. */
  uptimeMs: number;
  code: number | null;
  signal: string | null;
  error: string | null;
}

/** What {@linkcode stop} did to one component. */
export interface StopResult {
  name: string;
  /** Whether its processes were still running and were signalled. */
  wasRunning: boolean;
  /** Whether SIGKILL was needed after the grace. */
  killed: boolean;
  /** Processes of its group still alive after SIGKILL (none expected). */
  survivors: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/;

function checkRef(ref: ComponentRef): void {
  if (!/^[0-9a-f]{8,64}$/.test(ref.configKey)) {
    throw new TypeError(`Invalid config key "${ref.configKey}"`);
  }
  if (!NAME.test(ref.name)) throw new TypeError(`Invalid component name "${ref.name}"`);
}

/** `~/.mitoctl/components` of the user this runs as (from the password database, not $HOME). */
function componentsRoot(): string {
  return join(userInfo().homedir, ".mitoctl", "components");
}

function configDir(configKey: string): string {
  return join(componentsRoot(), ".state", configKey);
}

function stateDir(ref: ComponentRef): string {
  checkRef(ref);
  return join(configDir(ref.configKey), ref.name);
}

function readState(dir: string): SupervisorState | undefined {
  try {
    return JSON.parse(fs.readFileSync(join(dir, "state.json"), "utf8")) as SupervisorState;
  } catch {
    return undefined;
  }
}

/** Whether `pid` is a live process (a zombie is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    // No /proc: kill(0) is all there is.
    return true;
  }
}

/** Whether the supervisor recorded in `state` is still running it (not a reused pid). */
function supervising(state: SupervisorState): boolean {
  if (state.exitedAt !== null || !alive(state.supervisorPid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${state.supervisorPid}/cmdline`, "utf8");
    return cmdline.includes("mitoctl-supervisor");
  } catch {
    return true;
  }
}

/** Whether any process is left in process group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Live members of process group `pgid` that are not zombies; -1 when /proc is missing. */
function groupMembers(pgid: number): number {
  let count = 0;
  try {
    for (const entry of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (Number(fields[2]) === pgid && !/^[ZX]$/.test(fields[0]!)) count++;
      } catch {
        // Gone meanwhile.
      }
    }
  } catch {
    return groupAlive(pgid) ? -1 : 0;
  }
  return count;
}

/** Sends `name` to `pid` (a group when negative), if it is still there. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Ended just now.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Expands `~/…` and home-relative paths. */
function fromHome(path: string): string {
  const home = userInfo().homedir;
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return isAbsolute(path) ? path : join(home, path);
}

/** Makes the component's base directory: the given one, or a fresh one. */
export function prepare(spec: PrepareSpec): Prepared {
  checkRef(spec);
  if (spec.baseDir !== undefined) {
    const baseDir = fromHome(spec.baseDir);
    fs.mkdirSync(baseDir, { recursive: true });
    return { baseDir, ownBaseDir: false };
  }
  if (!/^[A-Za-z0-9-]+$/.test(spec.runId)) throw new TypeError(`Invalid run id "${spec.runId}"`);
  const baseDir = join(componentsRoot(), `${spec.name}-${spec.runId}`);
  fs.mkdirSync(baseDir, { recursive: true, mode: 0o700 });
  return { baseDir, ownBaseDir: true };
}

/**
 * Removes base directories {@linkcode prepare} made for components that were then not started.
 * Only fresh ones (`~/.mitoctl/components/<name>-<run id>`) are touched.
 */
export function discard(baseDirs: string[]): void {
  const root = componentsRoot();
  for (const dir of baseDirs) {
    const name = dir.startsWith(`${root}/`) ? dir.slice(root.length + 1) : "";
    if (NAME.test(name)) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The executable's absolute path, or an error saying why it cannot run. */
function executablePath(spec: StartSpec): string {
  const path = isAbsolute(spec.executable) ? spec.executable : join(spec.baseDir, spec.executable);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch {
    throw new Error(`Cannot start "${spec.name}": executable "${path}" does not exist`);
  }
  if (!stat.isFile()) {
    throw new Error(`Cannot start "${spec.name}": executable "${path}" is not a file`);
  }
  try {
    fs.accessSync(path, fs.constants.X_OK);
  } catch {
    throw new Error(`Cannot start "${spec.name}": executable "${path}" is not executable`);
  }
  return path;
}

/** The component's environment: ours (the stage kept its own out of it), then `extra`. */
function componentEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts the component under a detached supervisor and waits until it counts as started: alive
 * after `graceMs`, or a log line matching `ready`. A component that ends first, or never logs
 * `ready`, is a failed start with its last log lines (it is left running in the latter case).
 */
export async function start(spec: StartSpec): Promise<StartResult> {
  const dir = stateDir(spec);
  const previous = readState(dir);
  if (previous && supervising(previous)) {
    throw new Error(
      `Cannot start "${spec.name}": it is running (supervisor pid ${previous.supervisorPid})`,
    );
  }
  let executable: string;
  try {
    executable = executablePath(spec);
  } catch (e) {
    if (spec.ownBaseDir) discard([spec.baseDir]);
    throw e;
  }
  const argv = [executable, ...spec.args];
  const ready = spec.ready === undefined ? undefined : new RegExp(spec.ready);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const meta: ComponentMeta = {
    name: spec.name,
    runId: spec.runId,
    config: spec.config,
    baseDir: spec.baseDir,
    ownBaseDir: spec.ownBaseDir,
  };
  const errFd = fs.openSync(join(dir, "supervisor.err"), "w", 0o600);
  let exited = false;
  try {
    const child = spawnSealed(
      process.execPath,
      supervisorArgs({
        name: spec.name,
        stateDir: dir,
        argv,
        cwd: spec.baseDir,
        env: componentEnv(spec.env),
        logLimit: spec.logLimit ?? DEFAULT_LOG_LIMIT,
        meta: { ...meta },
      }, "deno" in process.versions),
      // A new session: the remote stage takes its own process group with it when it ends. The
      // supervisor is the stage's own: on Deno, it writes no cache either.
      {
        detached: true,
        stdio: ["ignore", "ignore", errFd],
        env: { ...process.env, ...DENO_STAGE_ENV },
      },
    );
    child.on("exit", () => exited = true);
    child.on("error", () => exited = true);
    child.unref();
  } finally {
    fs.closeSync(errFd);
  }
  const began = Date.now();
  for (;;) {
    await sleep(POLL_MS);
    const state = readState(dir);
    if (state?.exitedAt != null) {
      const how = state.error ??
        (state.signal ? `it was ended by ${state.signal}` : `it exited with code ${state.code}`);
      return { ok: false, reason: how, lastLines: tailLog(dir, FAILED_LINES) };
    }
    if (state?.pid == null) {
      if (exited || Date.now() - began > SUPERVISOR_START_MS) {
        const err = fs.readFileSync(join(dir, "supervisor.err"), "utf8").trim();
        const why = exited ? "its supervisor ended" : "its supervisor did not report";
        return { ok: false, reason: `${why}${err ? `: ${err}` : ""}`, lastLines: "" };
      }
      continue;
    }
    const up = {
      ok: true as const,
      pid: state.pid,
      supervisorPid: state.supervisorPid,
      startedAt: state.startedAt,
      baseDir: spec.baseDir,
    };
    if (ready === undefined) {
      if (Date.now() - state.startedAt >= spec.graceMs) return up;
      continue;
    }
    if (tailLog(dir).split("\n").some((line) => ready.test(line.replace(/^\S+ \S+ /, "")))) {
      return up;
    }
    if (Date.now() - state.startedAt > spec.readyTimeoutMs) {
      return {
        ok: false,
        reason: `no log line matched /${spec.ready}/ within ${spec.readyTimeoutMs / 1000} s ` +
          `(it is still running)`,
        lastLines: tailLog(dir, FAILED_LINES),
      };
    }
  }
}

/** Names of the components of config `configKey` with a state directory here. */
function stateNames(configKey: string): string[] {
  checkRef({ configKey, name: "x" });
  try {
    return fs.readdirSync(configDir(configKey)).filter((n) => NAME.test(n)).sort();
  } catch {
    return [];
  }
}

/** Components of config `configKey` with state on this host. */
export function list(configKey: string): ComponentStatus[] {
  const names = stateNames(configKey);
  const now = Date.now();
  const out: ComponentStatus[] = [];
  for (const name of names) {
    const state = readState(stateDir({ configKey, name }));
    if (!state) continue;
    const meta = state.meta as unknown as ComponentMeta;
    const running = supervising(state);
    out.push({
      name,
      running,
      pid: state.pid,
      supervisorPid: state.supervisorPid,
      runId: meta.runId,
      baseDir: meta.baseDir,
      startedAt: state.startedAt,
      uptimeMs: (running ? now : state.exitedAt ?? now) - state.startedAt,
      code: running ? null : state.code,
      signal: running ? null : state.signal,
      error: state.error,
    });
  }
  return out;
}

/**
 * Stops components of config `configKey` (`names`, or all of them): SIGTERM to each one's
 * process group, SIGKILL after `graceMs`; then removes its state and a base directory made for
 * it.
 */
export async function stop(
  configKey: string,
  names: string[] | null,
  graceMs: number,
): Promise<StopResult[]> {
  const wanted = names ?? stateNames(configKey);
  const results = await Promise.all(wanted.map(async (name): Promise<StopResult> => {
    const dir = stateDir({ configKey, name });
    const state = readState(dir);
    const result: StopResult = { name, wasRunning: false, killed: false, survivors: 0 };
    const group = state?.supervisorPid;
    // A supervisor killed outright may have left its component behind, in its group.
    if (state && group !== undefined && (supervising(state) || groupMembers(group) > 0)) {
      result.wasRunning = true;
      // The supervisor passes SIGTERM to the component alone, so it gets exactly one; what the
      // component leaves behind in its group gets one after it is gone.
      let termSent = !supervising(state);
      signal(termSent ? -group : group, "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (groupMembers(group) !== 0 && Date.now() < deadline) {
        await sleep(POLL_MS);
        if (!termSent && !alive(group)) {
          termSent = true;
          signal(-group, "SIGTERM");
        }
      }
      if (groupMembers(group) !== 0) {
        result.killed = true;
        signal(-group, "SIGKILL");
        const killDeadline = Date.now() + KILL_WAIT_MS;
        while (groupMembers(group) !== 0 && Date.now() < killDeadline) await sleep(POLL_MS);
        result.survivors = Math.max(0, groupMembers(group));
      }
    }
    const meta = state?.meta as unknown as ComponentMeta | undefined;
    if (meta?.ownBaseDir) discard([meta.baseDir]);
    fs.rmSync(dir, { recursive: true, force: true });
    return result;
  }));
  try {
    // The config's directory goes with its last component.
    fs.rmdirSync(configDir(configKey));
  } catch {
    // Not empty, or not there.
  }
  return results;
}

/** The component's log: its last `lines` lines, or all that is kept. */
export function logs(ref: ComponentRef, lines?: number): string {
  const dir = stateDir(ref);
  if (!fs.existsSync(dir)) throw new Error(`No component "${ref.name}" here: it has no state`);
  return tailLog(dir, lines);
}

/** Yields the component's last `lines` log lines, then new ones as they come, until it ends. */
export async function* follow(ref: ComponentRef, lines = 10): AsyncGenerator<string> {
  const dir = stateDir(ref);
  if (!fs.existsSync(dir)) throw new Error(`No component "${ref.name}" here: it has no state`);
  yield* followLog(dir, {
    lines,
    alive: () => {
      const state = readState(dir);
      return state !== undefined && supervising(state);
    },
  });
}
