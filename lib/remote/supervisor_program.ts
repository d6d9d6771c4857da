/**
 * The program a component's supervisor runs: a small detached process (its own session) that
 * starts the component, keeps a bounded log of its output and records how it ended, in files of
 * its state directory. The program is {@linkcode supervise}'s source, passed to the runtime with
 * `-e` (Node) or `eval` (Deno), so nothing but the state files is written.
 *
 * State directory layout:
 * - `state.json`: a {@linkcode SupervisorState}, replaced atomically on every change.
 * - `log` and `log.1`: output lines `<ISO time> <tag> <text>`, tags `out`, `err` and `sup` (the
 *   supervisor's own notes). When `log` passes half the log limit it becomes `log.1`, so both
 *   together hold at most the limit.
 * - `supervisor.err`: the supervisor's own stderr, empty unless it failed.
 *
 * @module
 */

/** What the supervisor is told, as JSON in its last argument. */
export interface SupervisorSpec {
  /** Component name, for the process title and the log. */
  name: string;
  /** Absolute state directory; it exists. */
  stateDir: string;
  /** Absolute executable, then its arguments. */
  argv: string[];
  /** Working directory: the component's base directory. */
  cwd: string;
  /** The component's whole environment. */
  env: Record<string, string>;
  /** Bytes of log kept, both files together. */
  logLimit: number;
  /** Written into the state unchanged: who started the component and for which run. */
  meta: Record<string, unknown>;
}

/** `state.json`: the component's process and how it ended. */
export interface SupervisorState {
  /** The supervisor's pid, also the id of its session and process group. */
  supervisorPid: number;
  /** The component's pid, once spawned. */
  pid: number | null;
  /** When the supervisor started the component, ms since the epoch (remote clock). */
  startedAt: number;
  /** When the component ended, ms since the epoch. */
  exitedAt: number | null;
  /** Its exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it. */
  signal: string | null;
  /** Why it could not be started (`spawn … ENOENT`). */
  error: string | null;
  /** {@linkcode SupervisorSpec.meta}. */
  meta: Record<string, unknown>;
}

/** Longest unfinished line held back before it is logged as it is. */
const PARTIAL_LIMIT = 4096;

/**
 * The supervisor itself. Self-contained (no imports, no outer names): its source text is what
 * runs. Started in a new session, it outlives the remote stage that started it.
 */
export function supervise(spec: SupervisorSpec, partialLimit: number): void {
  const fs = process.getBuiltinModule("node:fs");
  const { spawn } = process.getBuiltinModule("node:child_process");
  process.title = `mitoctl-supervisor ${spec.name}`;
  const statePath = `${spec.stateDir}/state.json`;
  const logPath = `${spec.stateDir}/log`;
  const state: SupervisorState = {
    supervisorPid: process.pid,
    pid: null,
    startedAt: Date.now(),
    exitedAt: null,
    code: null,
    signal: null,
    error: null,
    meta: spec.meta,
  };
  const save = () => {
    const tmp = `${statePath}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, statePath);
  };

  const encoder = new TextEncoder();
  let fd = fs.openSync(logPath, "a", 0o600);
  let size = fs.fstatSync(fd).size;
  const record = (tag: string, text: string) => {
    const bytes = encoder.encode(`${new Date().toISOString()} ${tag} ${text}\n`);
    if (size > 0 && size + bytes.length > spec.logLimit / 2) {
      fs.closeSync(fd);
      fs.renameSync(logPath, `${logPath}.1`);
      fd = fs.openSync(logPath, "a", 0o600);
      size = 0;
    }
    fs.writeSync(fd, bytes);
    size += bytes.length;
  };

  // Output is logged line by line, so lines of stdout and stderr interleave whole.
  const pending: Record<string, string> = { out: "", err: "" };
  const decoders: Record<string, TextDecoder> = { out: new TextDecoder(), err: new TextDecoder() };
  const take = (tag: string) => (chunk: Uint8Array) => {
    const lines = (pending[tag] + decoders[tag]!.decode(chunk, { stream: true })).split("\n");
    let rest = lines.pop()!;
    for (const line of lines) record(tag, line);
    while (rest.length > partialLimit) {
      record(tag, rest.slice(0, partialLimit));
      rest = rest.slice(partialLimit);
    }
    pending[tag] = rest;
  };
  const flush = () => {
    for (const tag of ["out", "err"]) {
      const rest = pending[tag]! + decoders[tag]!.decode();
      if (rest !== "") record(tag, rest);
      pending[tag] = "";
    }
  };

  const [file, ...args] = spec.argv;
  const child = spawn(file!, args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let finished = false;
  const finish = (code: number | null, signal: string | null, error: string | null) => {
    if (finished) return;
    finished = true;
    flush();
    state.exitedAt = Date.now();
    state.code = code;
    state.signal = signal;
    state.error = error;
    record("sup", error ?? `exited ${signal === null ? `with code ${code}` : `on ${signal}`}`);
    fs.closeSync(fd);
    save();
    process.exit(0);
  };
  child.stdout!.on("data", take("out"));
  child.stderr!.on("data", take("err"));
  child.on("error", (e: Error) => finish(null, null, `Cannot start: ${e.message}`));
  child.on("close", (code: number | null, signal: string | null) => finish(code, signal, null));
  child.on("spawn", () => {
    state.pid = child.pid ?? null;
    record("sup", `started pid ${state.pid}: ${JSON.stringify(spec.argv)}`);
    save();
  });
  // `down` signals the supervisor, which passes the signal on and stays to record how the
  // component ended.
  for (const name of ["SIGTERM", "SIGINT", "SIGHUP"] as const) {
    process.on(name, () => {
      record("sup", `received ${name}`);
      if (name === "SIGHUP") return;
      try {
        // Not child.kill(): after it, Deno reports the signal as the way the child ended even
        // when the child caught it and exited with a code.
        if (child.pid !== undefined) process.kill(child.pid, name);
      } catch {
        // Already gone: its close event ends us.
      }
    });
  }
}

/**
 * The supervisor program for this runtime: its argv after the runtime's path, with `spec` last.
 * Deno gets `eval` with no config, so a `deno.json` in the working directory changes nothing.
 */
export function supervisorArgs(spec: SupervisorSpec, deno: boolean): string[] {
  const source = `(${supervise.toString()})(JSON.parse(process.argv[process.argv.length - 1]), ${
    String(PARTIAL_LIMIT)
  });`;
  const json = JSON.stringify(spec);
  return deno ? ["eval", "--ext=js", "--no-config", source, json] : ["-e", source, json];
}
