/**
 * Logins that prompt on the child's own streams (sudo, su, doas): what a link does with the
 * child's output until the login has let the stage start. Pure: a child's boot
 * (`lib/core/child_boot.ts`, on the master and in a remote parent alike) feeds it what the child
 * writes and does what it says (type the password once, fail, or start writing frames after the
 * ready line).
 *
 * @module
 */

import { MAX_PREAMBLE_NOISE } from "../limits.ts";

/** What a link must do around a login's prompt and start. */
export interface Prompting {
  /** Text the login prints when it wants the password; none for a terminal that only needs
   *  setting up (machinectl). */
  prompt?: string;
  /** Line printed on stdout once the command runs: then stage 2 may be written. */
  ready: string;
  /** Typed once, at the first prompt; a second prompt means it was refused. */
  password?: string;
  /** What this login prints when the password is wrong, besides {@linkcode REFUSED}. */
  refused?: RegExp;
}

/** What sudo and su print when a password is wrong. */
export const REFUSED: RegExp = /Sorry, try again|Authentication failure|incorrect password/;

/** What to do after a chunk of the login's output. */
export type LoginStep =
  /** Nothing yet. */
  | { do: "wait" }
  /** Write `text` (the password and a newline) to the child's stdin. */
  | { do: "type"; text: string }
  /** End the child: the login was refused or wants what nobody gave (`auth`), or misbehaved. */
  | { do: "fail"; message: string; auth: boolean }
  /** The stage runs: write what waited; `rest` is stdout after the ready line (frames). */
  | { do: "ready"; rest: Uint8Array };

/** Watches one login's output on both streams until its ready line. */
export class LoginWatch {
  readonly #prompting: Prompting;
  readonly #label: string;
  /** Both streams before the ready line (under a pty, everything comes on stdout). */
  #before = "";
  /** stdout alone, one char per byte, to find where the ready line ends. */
  #out = "";
  #typed = 0;
  #done = false;
  readonly #latin1 = new TextDecoder("latin1");
  readonly #utf8 = new TextDecoder();

  constructor(prompting: Prompting, label: string) {
    this.#prompting = prompting;
    this.#label = label;
  }

  /** What the login printed before its ready line (its refusal under a pty), on one line. */
  get said(): string {
    // deno-lint-ignore no-control-regex
    return this.#before.replace(/[\x00-\x08\x0b-\x1f\x7f]+/g, "\n").trim();
  }

  /** Whether the ready line was seen (or the login failed): the watch is over. */
  get done(): boolean {
    return this.#done;
  }

  /** Takes a chunk of stderr. */
  stderr(chunk: Uint8Array): LoginStep {
    if (this.#done) return { do: "wait" };
    this.#before += this.#utf8.decode(chunk, { stream: true });
    return this.#step();
  }

  /** Takes a chunk of stdout. */
  stdout(chunk: Uint8Array): LoginStep {
    if (this.#done) return { do: "wait" };
    const start = this.#out.length;
    const text = this.#latin1.decode(chunk);
    this.#out += text;
    this.#before += text;
    const step = this.#step();
    if (step.do !== "wait") return step;
    const line = `${this.#prompting.ready}\n`;
    const at = this.#out.indexOf(line);
    if (at < 0) return step;
    this.#done = true;
    return { do: "ready", rest: chunk.subarray(Math.max(0, at + line.length - start)) };
  }

  #step(): LoginStep {
    if (this.#before.length > MAX_PREAMBLE_NOISE) {
      return this.#fail(
        `${this.#label} printed ${this.#before.length} bytes before the remote stage started`,
        false,
      );
    }
    const { prompt, password, refused } = this.#prompting;
    const asked = prompt === undefined ? 0 : this.#before.split(prompt).length - 1;
    if (REFUSED.test(this.#before) || refused?.test(this.#before)) {
      return this.#fail(`${this.#label} refused the password`);
    }
    if (asked <= this.#typed) return { do: "wait" };
    if (password === undefined) {
      return this.#fail(`${this.#label} asked for a password and none was given`);
    }
    if (this.#typed > 0) return this.#fail(`${this.#label} refused the password`);
    this.#typed = asked;
    return { do: "type", text: `${password}\n` };
  }

  #fail(message: string, auth = true): LoginStep {
    this.#done = true;
    return { do: "fail", message, auth };
  }
}
