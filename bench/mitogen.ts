/**
 * Mitogen as a measured peer: the bench drives `bench/mitogen_peer.py` (a Mitogen master in the
 * system Python) over JSON lines, one request at a time, so Mitogen takes its turns between ours
 * and the floors. Mitogen times its own work inside that process; the request's own trip is left
 * out. Where Python or `python3-mitogen` is missing the bench says how to install it and measures
 * the rest.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { lines } from "./lines.ts";

/** The Python that runs Mitogen's master, and on the remote its contexts: Debian's. */
export const SYSTEM_PYTHON = "/usr/bin/python3";

/** What to run where Mitogen is missing. */
export const MITOGEN_INSTALL = "apt-get install python3-mitogen";

/** Seconds Mitogen may take to bring a context up (its default, 30, fails 100 at once on a busy
 *  2-core machine). */
export const MITOGEN_CONNECT_TIMEOUT = 120;

/** Bytes of the peer's stderr kept for error messages. */
const STDERR_TAIL = 4096;

const SCRIPT = fileURLToPath(new URL("./mitogen_peer.py", import.meta.url));

/** How a Mitogen master reaches its contexts: `router.ssh(**options)` or `router.local(…)`. */
export interface MitogenConnection {
  method: "ssh" | "local";
  /** Keyword arguments of that method, as JSON. */
  options: Record<string, unknown>;
}

/** Where the bench finds Mitogen and how Mitogen reaches the remote. */
export interface MitogenSetup {
  /** Python running the master; it must import `mitogen`. */
  python: string;
  connection: MitogenConnection;
}

/** An ssh login as the bench's own contexts make it, for {@linkcode mitogenSsh}. */
export interface SshLogin {
  /** ssh_config alias of the remote, as ours connect to. */
  host: string;
  /** The `ssh -F` file ours use (known hosts, batch mode, no agent). */
  sshConfig: string;
  port: number;
  user: string;
  identity: string;
}

/**
 * Mitogen's ssh connection to the same login as ours: same alias and ssh_config, the port, user
 * and key spelled out as `router.ssh()` takes them, the remote's system Python, and nothing that
 * ours do not do either (no compression, no keepalive probes). Its connect timeout is
 * {@linkcode MITOGEN_CONNECT_TIMEOUT}, so a busy machine slows a fan-out down instead of failing it.
 */
export function mitogenSsh(login: SshLogin, python = SYSTEM_PYTHON): MitogenConnection {
  return {
    method: "ssh",
    options: {
      hostname: login.host,
      port: login.port,
      username: login.user,
      identity_file: login.identity,
      ssh_args: ["-F", login.sshConfig],
      python_path: python,
      compression: false,
      keepalive_enabled: false,
      connect_timeout: MITOGEN_CONNECT_TIMEOUT,
    },
  };
}

/** Mitogen's version and Python's (`"Mitogen 0.3.3, Python 3.11.2"`), or why there is none. */
export type MitogenProbe = { version: string } | { missing: string };

const PROBE = "import mitogen.master, mitogen.service, platform; " +
  "print('Mitogen %s, Python %s' % ('.'.join(map(str, mitogen.__version__)), " +
  "platform.python_version()))";

/** Mitogen's local connection: `router.local()`, a second Python on this machine. */
export function mitogenLocal(python = SYSTEM_PYTHON): MitogenConnection {
  return { method: "local", options: { python_path: python } };
}

/** Whether `python` can run the peer: Mitogen's version, or why not. */
export async function probeMitogen(python = SYSTEM_PYTHON): Promise<MitogenProbe> {
  try {
    const output = await new Deno.Command(python, {
      args: ["-c", PROBE],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
    if (output.success) return { version: decode(output.stdout) };
    const last = decode(output.stderr).split("\n").at(-1) || `exit code ${output.code}`;
    return { missing: `"${python}" cannot import mitogen (${last})` };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { missing: `"${python}" does not run (${why})` };
  }
}

/** A context the peer opened: its id in the peer, the remote pid and how long it took. */
export interface MitogenContext {
  ctx: number;
  /** Pid of the context's Python on the remote (its first call's answer). */
  pid: number;
  /** Ms from `router.ssh()` until the first call's reply. */
  ms: number;
}

/** A running Mitogen master, driven one request at a time. */
export class MitogenPeer implements AsyncDisposable {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #replies: AsyncGenerator<string>;
  readonly #stderr: Promise<void>;
  #stderrTail = "";
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(setup: MitogenSetup) {
    const child = new Deno.Command(setup.python, {
      args: [SCRIPT, JSON.stringify(setup.connection)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#replies = lines(child.stdout);
    this.#stderr = (async () => {
      for await (const line of lines(child.stderr)) {
        this.#stderrTail = `${this.#stderrTail}${line}\n`.slice(-STDERR_TAIL);
      }
    })();
  }

  /** Starts the peer's master and waits for its hello. */
  static async start(setup: MitogenSetup): Promise<MitogenPeer> {
    const peer = new MitogenPeer(setup);
    try {
      await peer.#request({ op: "hello" });
      return peer;
    } catch (error) {
      await peer.close();
      throw error;
    }
  }

  /** Pid of the master's Python process on this machine. */
  get pid(): number {
    return this.#child.pid;
  }

  /** A fresh context on the remote and its first call. */
  async connect(): Promise<MitogenContext> {
    const reply = await this.#request({ op: "connect" });
    return { ctx: count(reply, "ctx"), pid: count(reply, "pid"), ms: ms(reply) };
  }

  /** Shuts the context down and waits until it is gone. */
  async shut(ctx: number): Promise<void> {
    await this.#request({ op: "close", ctx });
  }

  /**
   * Ms of each of `n` sequential no-op calls: of `socket.gethostname`, or with `fn` "module" of
   * `mitogen_work.nothing`, a function in a module the master serves.
   */
  async noop(ctx: number, n: number, fn: "builtin" | "module" = "builtin"): Promise<number[]> {
    const { samples } = await this.#request({ op: "noop", ctx, count: n, fn });
    if (!Array.isArray(samples) || samples.length !== n || !samples.every(isTime)) {
      throw new Error(`Mitogen peer sent ${JSON.stringify(samples)} as ${n} call times`);
    }
    return samples;
  }

  /** Ms of `n` sequential calls that each run `/bin/true`. */
  async spawn(ctx: number, n: number): Promise<number> {
    return ms(await this.#request({ op: "spawn", ctx, count: n }));
  }

  /** Ms of one call returning `size` bytes (checked by length). */
  async payload(ctx: number, size: number): Promise<number> {
    return ms(await this.#request({ op: "payload", ctx, size }));
  }

  /** Ms to push `source` (here) to `dest` (there) with Mitogen's FileService. */
  async push(ctx: number, source: string, dest: string): Promise<number> {
    return ms(await this.#request({ op: "push", ctx, source, dest }));
  }

  /** Ms to pull `source` (there) into `dest` (here): one call returning the file's bytes. */
  async pull(ctx: number, source: string, dest: string): Promise<number> {
    return ms(await this.#request({ op: "pull", ctx, source, dest }));
  }

  /** Ms from starting `n` contexts at once until each answered one call. */
  async fanout(n: number): Promise<number> {
    return ms(await this.#request({ op: "fanout", count: n }));
  }

  /** Ends the master (closing its contexts) and waits for it to exit. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#stderr;
  }

  /** Same as {@linkcode MitogenPeer.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #request(request: { op: string } & Record<string, unknown>): Promise<Record<string, unknown>> {
    const turn = this.#queue.then(() => this.#exchange(request));
    this.#queue = turn.catch(() => {});
    return turn;
  }

  async #exchange(request: { op: string }): Promise<Record<string, unknown>> {
    await this.#writer.write(new TextEncoder().encode(`${JSON.stringify(request)}\n`));
    const { done, value } = await this.#replies.next();
    if (done) {
      await this.#child.status;
      await this.#stderr;
      throw new Error(
        `Mitogen peer exited during "${request.op}": ${this.#stderrTail.trim() || "no output"}`,
      );
    }
    let reply: unknown;
    try {
      reply = JSON.parse(value);
    } catch {
      throw new Error(`Mitogen peer answered "${request.op}" with ${JSON.stringify(value)}`);
    }
    if (typeof reply !== "object" || reply === null || Array.isArray(reply)) {
      throw new Error(`Mitogen peer answered "${request.op}" with ${value}`);
    }
    const record = reply as Record<string, unknown>;
    if (record.ok !== true) {
      throw new Error(`Mitogen could not "${request.op}": ${record.error ?? value}`);
    }
    return record;
  }
}

function isTime(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function ms(reply: Record<string, unknown>): number {
  if (!isTime(reply.ms)) throw new Error(`Mitogen peer sent ${JSON.stringify(reply.ms)} as a time`);
  return reply.ms;
}

function count(reply: Record<string, unknown>, name: string): number {
  const value = reply[name];
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new Error(`Mitogen peer sent ${JSON.stringify(value)} as its ${name}`);
  }
  return value as number;
}

/** A started peer for `setup`, or undefined where Mitogen is not measured in this run. */
export async function startPeer(
  setup: MitogenSetup | undefined,
): Promise<MitogenPeer | undefined> {
  return setup === undefined ? undefined : await MitogenPeer.start(setup);
}
