/**
 * A connection: one child process (ssh, a local runtime, sudo …) whose stdin and stdout carry
 * frames to and from a remote stage. It boots the remote (stage 2 plus the first frames in one
 * write), skips shell noise before the preamble, turns the byte stream into messages, and turns
 * every way the child can fail into one clear {@linkcode ConnectionError}.
 *
 * @module
 */

import { decode } from "./codec.ts";
import { AuthenticationError, ConnectionError, ProtocolError, TimeoutError } from "./errors.ts";
import { FrameReader } from "./frame.ts";
import { CLOSE_GRACE, MAX_FRAME_SIZE, STDERR_TAIL } from "./limits.ts";
import { explainExit, PreambleScanner, stderrSuffix } from "./link.ts";
import { malformed } from "./message_check.ts";
import { type Hello, MASTER_ID, type Message } from "./protocol.ts";

/** What a connection method contributes: the process to start. */
export interface SpawnSpec {
  /** argv; `argv[0]` is looked up on PATH. */
  argv: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Human name for errors: `"web1"`. */
  label: string;
  /** Which program failed when the child exits with 255 (`"ssh"`), for messages. */
  transport?: string;
  /** Runtime name requested, for "not found" messages. */
  runtime: string;
  /** Watches the child's login (ssh's password prompt) and may end it early. */
  guard?: LoginGuard;
}

/** What a connection method does while its child logs in: answers prompts, explains refusals. */
export interface LoginGuard {
  /** Called just before the child starts: environment it needs. May throw why it cannot. */
  prepare(): Record<string, string>;
  /** The child runs as `pid`; `fail` ends it with a message (`auth`: the CLI's exit 5). */
  started(pid: number, fail: (message: string, kind: "auth" | "connect") => void): void;
  /** Why a child that exited before its stage started did so, when the guard knows better. */
  explain(stderr: string): { message: string; kind: "auth" | "connect" } | undefined;
  /** The stage is up, or the child is gone. */
  close(): void;
}

/** The error for a {@linkcode LoginGuard}'s verdict. */
export function guardError(verdict: { message: string; kind: "auth" | "connect" }): Error {
  return verdict.kind === "auth"
    ? new AuthenticationError(verdict.message)
    : new ConnectionError(verdict.message);
}

/** Options for {@linkcode Connection}. */
export interface ConnectionOptions {
  /** Called with every other message that arrives (from it or the contexts behind it). */
  onMessage: (src: number, dst: number, msg: Message, size: number) => void;
  /** Called once when the connection ends; `error` is set unless it was closed on purpose. */
  onClose: (error?: Error) => void;
  /** Live stderr lines of the child, when the user asked to see them. */
  onStderr?: (line: string) => void;
  /** How long to wait for hello, in ms. */
  connectTimeout: number;
  /** Largest frame accepted; default MAX_FRAME_SIZE. */
  maxFrameSize?: number;
}

/** A running child process that speaks frames. */
export class Connection {
  /** Resolves with the remote's hello; rejects with the reason it never came. */
  readonly hello: Promise<Hello>;
  readonly #spec: SpawnSpec;
  readonly #options: ConnectionOptions;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: FrameReader;
  #stderr = "";
  readonly #scanner = new PreambleScanner();
  #closing = false;
  #closed = false;
  #helloSeen = false;
  #error: Error | undefined;
  #resolveHello!: (h: Hello) => void;
  #rejectHello!: (e: Error) => void;
  readonly #exited: Promise<Deno.CommandStatus>;

  /** Starts `spec`'s process and writes `boot` (stage 2 and the first frames) to it at once. */
  constructor(spec: SpawnSpec, boot: Uint8Array[], options: ConnectionOptions) {
    this.#spec = spec;
    this.#options = options;
    this.#reader = new FrameReader({ maxSize: options.maxFrameSize ?? MAX_FRAME_SIZE });
    this.hello = new Promise((resolve, reject) => {
      this.#resolveHello = resolve;
      this.#rejectHello = reject;
    });
    this.hello.catch(() => {});
    const [cmd, ...args] = spec.argv;
    let env = spec.env ?? {};
    try {
      if (spec.guard) env = { ...env, ...spec.guard.prepare() };
    } catch (e) {
      throw new ConnectionError(`Cannot connect to "${spec.label}": ${(e as Error).message}`);
    }
    try {
      this.#child = new Deno.Command(cmd!, {
        args,
        env,
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        // Own session: Ctrl-C reaches the master only, which then closes contexts in order.
        detached: true,
      }).spawn();
    } catch (e) {
      spec.guard?.close();
      const why = e instanceof Deno.errors.NotFound ? `"${cmd}" was not found` : String(e);
      throw new ConnectionError(`Cannot connect to "${spec.label}": ${why}`);
    }
    spec.guard?.started(this.#child.pid, (message, kind) => {
      this.#fail(guardError({ message, kind }));
    });
    this.hello.then(() => spec.guard?.close(), () => spec.guard?.close());
    this.#writer = this.#child.stdin.getWriter();
    for (const chunk of boot) this.send(chunk);
    this.#exited = this.#child.status;
    const timer = setTimeout(() => {
      this.#fail(
        new TimeoutError(
          `Timed out after ${
            options.connectTimeout / 1000
          } s waiting for "${spec.label}" to start` +
            stderrSuffix(this.#stderr),
        ),
      );
    }, options.connectTimeout);
    this.hello.then(() => clearTimeout(timer), () => clearTimeout(timer));
    void this.#pumpStderr();
    void this.#pumpStdout().then(() => this.#onExit());
  }

  /** Process id of the local child (ssh, or the runtime for local contexts). */
  get pid(): number {
    return this.#child.pid;
  }

  /** The last bytes the child wrote to stderr. */
  get stderrTail(): string {
    return this.#stderr;
  }

  /** Queues one frame; frames are written in order. Fails silently once closed. */
  send(frame: Uint8Array): void {
    if (this.#closed) return;
    this.#writer.write(frame).catch(() => {});
  }

  /** Ends the connection: closes stdin (the remote exits), then kills the child if it lingers. */
  async close(): Promise<void> {
    if (!this.#closing) {
      this.#closing = true;
      this.#writer.close().catch(() => {});
      const timer = setTimeout(() => this.#kill(), CLOSE_GRACE);
      await this.#exited.catch(() => {});
      clearTimeout(timer);
    }
    await this.#exited.catch(() => {});
  }

  #kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
  }

  /** Ends the connection with `error`: rejects hello, reports once, kills the child. */
  #fail(error: Error): void {
    if (this.#error || this.#closed) return;
    this.#error = error;
    this.#rejectHello(error);
    this.#closing = true;
    this.#kill();
  }

  async #pumpStderr(): Promise<void> {
    const dec = new TextDecoder();
    let line = "";
    for await (const chunk of this.#child.stderr) {
      const text = dec.decode(chunk, { stream: true });
      this.#stderr = (this.#stderr + text).slice(-STDERR_TAIL);
      if (this.#options.onStderr) {
        line += text;
        const lines = line.split("\n");
        line = lines.pop()!;
        for (const l of lines) this.#options.onStderr(l);
      }
    }
    if (line && this.#options.onStderr) this.#options.onStderr(line);
  }

  async #pumpStdout(): Promise<void> {
    try {
      for await (const chunk of this.#child.stdout) {
        if (this.#error) continue;
        if (this.#scanner.found) this.#frames(chunk);
        else this.#preamble(chunk);
      }
    } catch (e) {
      this.#fail(new ConnectionError(`Reading from "${this.#spec.label}" failed: ${e}`));
    }
  }

  /** Skips what a login shell printed before the remote stage's preamble. */
  #preamble(chunk: Uint8Array): void {
    try {
      const rest = this.#scanner.push(chunk, this.#spec.label);
      if (rest) this.#frames(rest);
    } catch (e) {
      this.#fail(new ProtocolError((e as Error).message));
    }
  }

  #frames(chunk: Uint8Array): void {
    try {
      this.#reader.push(chunk, (frame) => {
        let msg: Message;
        try {
          // The frame owns its bytes: a value in it stays a view until its context decodes it.
          msg = decode(frame.body, { views: true }) as Message;
        } catch (e) {
          throw new ProtocolError(`Undecodable frame: ${(e as Error).message}`);
        }
        if (msg === null || typeof msg !== "object" || typeof msg.t !== "string") {
          throw new ProtocolError("Frame does not hold a message");
        }
        const bad = frame.dst === MASTER_ID ? malformed(msg) : undefined;
        if (bad) throw new ProtocolError(bad);
        // The first hello is the remote's own: contexts behind it can only start later.
        if (msg.t === "hello" && !this.#helloSeen) {
          this.#helloSeen = true;
          this.#resolveHello(msg);
        } else this.#options.onMessage(frame.src, frame.dst, msg, frame.bytes.length);
      });
    } catch (e) {
      this.#fail(
        new ProtocolError(
          `Closed the connection to "${this.#spec.label}": it sent a bad frame (${
            (e as Error).message
          })`,
        ),
      );
    }
  }

  /** The child exited: explain why, unless we asked for it. */
  async #onExit(): Promise<void> {
    const status = await this.#exited;
    await new Promise((r) => setTimeout(r, 0));
    this.#closed = true;
    let error = this.#error;
    if (!error && this.#reader.pending > 0) {
      error = new ProtocolError(
        `Closed the connection to "${this.#spec.label}": it ended in the middle of a frame ` +
          `(${this.#reader.pending} bytes of it arrived)`,
      );
    }
    if (!error && !this.#closing) error = this.#explain(status);
    if (!error && !this.#scanner.found) error = this.#explain(status);
    if (error) this.#rejectHello(error);
    this.#options.onClose(error);
  }

  #explain(status: Deno.CommandStatus): Error {
    const known = this.#scanner.found ? undefined : this.#spec.guard?.explain(this.#stderr);
    if (known) return guardError(known);
    return new ConnectionError(explainExit({
      label: this.#spec.label,
      transport: this.#spec.transport,
      runtime: this.#spec.runtime,
      started: this.#scanner.found,
      noise: this.#scanner.noise,
      stderr: this.#stderr,
      code: status.code,
      signal: status.signal,
    }));
  }
}
