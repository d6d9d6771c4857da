/**
 * ssh password authentication through OpenSSH itself: ssh runs an askpass program
 * (`SSH_ASKPASS`, `SSH_ASKPASS_REQUIRE=force`) for each prompt, and that program asks this
 * process over an abstract unix socket (Linux; no filesystem entry), proving itself with a
 * one-time token. The password crosses only that socket and the askpass's stdout to ssh: never
 * a command line, an environment or a log. The same code runs in the master and in remote
 * stages, so a password hop behind a bastion is answered on the bastion.
 *
 * @module
 */

import type { LoginGuard } from "./method.ts";
import { ASKPASS_ENV } from "./askpass_client.ts";
import { denoAskpassProgram } from "./askpass_deno.ts";
import { nodeAskpass } from "./askpass_node.ts";
import { promptVerdict } from "./askpass_prompt.ts";

/** Largest request an askpass may send, in bytes; a longer one is dropped unanswered. */
export const MAX_ASKPASS_REQUEST = 64 * 1024;

/** Refuses a password ssh could not be given: its askpass answer ends at the first line break. */
export function checkPassword(password: string): string {
  if (/[\r\n\0]/.test(password)) {
    throw new TypeError("A password with a line break or NUL cannot be typed at ssh's prompt");
  }
  return password;
}

/** Answers ssh's password prompt for one ssh process, and ends it on any prompt it must not. */
export class SshAskpass implements LoginGuard {
  readonly #password: string;
  readonly #label: string;
  #server: import("node:net").Server | undefined;
  #token = "";
  #pid = -1;
  #answered = 0;
  #fail: ((message: string, kind: "auth" | "connect") => void) | undefined;

  /** Answers with `password` for the ssh to `label` (the hop's name in messages). */
  constructor(password: string, label: string) {
    this.#password = checkPassword(password);
    this.#label = label;
  }

  /** Listens on a fresh socket; returns ssh's askpass environment (no secret in it). */
  prepare(): Record<string, string> {
    const { program, env } = typeof Deno === "object"
      ? { program: denoAskpassProgram(), env: {} }
      : nodeAskpass();
    const { randomBytes } = process.getBuiltinModule("node:crypto");
    const name = `mitoctl-askpass-${randomBytes(8).toString("hex")}`;
    this.#token = randomBytes(16).toString("hex");
    const net = process.getBuiltinModule("node:net");
    const server = this.#server = net.createServer((socket) => this.#serve(socket));
    server.on("error", () => {});
    // Abstract (leading NUL): bound at once, visible to no filesystem.
    server.listen(`\0${name}`);
    server.unref();
    return {
      ...env,
      SSH_ASKPASS: program,
      SSH_ASKPASS_REQUIRE: "force",
      [ASKPASS_ENV]: `${name} ${this.#token}`,
    };
  }

  started(pid: number, fail: (message: string, kind: "auth" | "connect") => void): void {
    this.#pid = pid;
    this.#fail = fail;
  }

  explain(stderr: string): { message: string; kind: "auth" | "connect" } | undefined {
    const denied = /Permission denied \(([^)]*)\)/.exec(stderr);
    if (!denied) return undefined;
    if (this.#answered) return this.#message("the password was refused", "auth");
    const methods = denied[1]!.split(",");
    if (methods.includes("password")) return undefined;
    return this.#message(
      `the server offers no password authentication (it offers ${methods.join(", ")})`,
      "auth",
    );
  }

  close(): void {
    this.#server?.close();
    this.#server = undefined;
  }

  #message(why: string, kind: "auth" | "connect") {
    return { message: `Cannot connect to "${this.#label}": ${why}`, kind };
  }

  #serve(socket: import("node:net").Socket): void {
    let request = "";
    socket.setEncoding("utf8");
    socket.on("error", () => {});
    socket.on("data", (chunk: string) => {
      request += chunk;
      if (request.length > MAX_ASKPASS_REQUEST) return void socket.destroy();
      const end = request.indexOf("\n");
      if (end < 0) return;
      socket.end(`${JSON.stringify(this.#answer(request.slice(0, end)))}\n`);
    });
  }

  /** The reply to one request: the password, or nothing. */
  #answer(line: string): { answer?: string } {
    let req: { token?: unknown; ppid?: unknown; prompt?: unknown };
    try {
      req = JSON.parse(line);
    } catch {
      return {};
    }
    const { timingSafeEqual } = process.getBuiltinModule("node:crypto");
    const token = new TextEncoder().encode(String(req?.token));
    const ours = new TextEncoder().encode(this.#token);
    if (token.length !== ours.length || !timingSafeEqual(token, ours)) return {};
    if (typeof req.prompt !== "string" || typeof req.ppid !== "number") return {};
    const verdict = promptVerdict({
      prompt: req.prompt,
      fromOurSsh: req.ppid === this.#pid,
      answered: this.#answered,
    });
    if (verdict.answer) {
      this.#answered++;
      return { answer: this.#password };
    }
    if (verdict.end) {
      const { message, kind } = this.#message(verdict.end.why, verdict.end.kind);
      this.#fail?.(message, kind);
    }
    return {};
  }
}
