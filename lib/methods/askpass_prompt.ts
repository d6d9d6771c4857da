/**
 * What mitoctl answers when ssh runs its askpass: ssh's own password prompt, once, and only for
 * the ssh mitoctl started. Every other prompt is declined; those that would stall or mislead
 * (a host key to confirm, a keyboard-interactive question, a second password prompt) end the
 * connection at once with a message saying why. Pure: the master and remote stages share it.
 *
 * @module
 */

/** What kind of question ssh asks, judged from the prompt text ssh passes its askpass. */
export type PromptKind = "password" | "host-key" | "keyboard-interactive" | "passphrase" | "other";

/** Longest prompt quoted in a message; the rest is cut. */
export const MAX_QUOTED_PROMPT = 120;

// ssh builds this one itself: "%.30s@%.128s's password: ". A password change asks for an
// "old"/"new" one, and keyboard-interactive prompts since OpenSSH 8.4 start "(user@host) ".
const PASSWORD = /^[^\s()][^\n]{0,29}@[^\n]{1,128}'s password: $/;
const HOST_KEY = /authenticity of host|continue connecting|host key/i;
const PASSPHRASE = /^Enter (passphrase|PIN) for /;

/** Sorts a prompt into a {@linkcode PromptKind}. */
export function promptKind(prompt: string): PromptKind {
  if (PASSWORD.test(prompt) && !/ (old|new) password: $/.test(prompt)) return "password";
  if (HOST_KEY.test(prompt)) return "host-key";
  if (PASSPHRASE.test(prompt)) return "passphrase";
  if (/^\([^)\n]*\) /.test(prompt)) return "keyboard-interactive";
  return "other";
}

/** What one askpass run asks, as the askpass server saw it. */
export interface PromptAsked {
  prompt: string;
  /** Whether the askpass's parent is the ssh mitoctl started (not a ProxyJump's ssh). */
  fromOurSsh: boolean;
  /** How many times the password was given before on this connection. */
  answered: number;
}

/** Whether to give the password, and for prompts that must end the connection, why. */
export interface PromptVerdict {
  answer: boolean;
  end?: { kind: "auth" | "connect"; why: string };
}

/** Decides what to do about one prompt; `why` texts complete "Cannot connect to "web1": …". */
export function promptVerdict(asked: PromptAsked): PromptVerdict {
  const kind = promptKind(asked.prompt);
  const quoted = quote(asked.prompt);
  if (kind === "passphrase") return { answer: false };
  if (!asked.fromOurSsh) {
    return end(
      "auth",
      `another ssh (a ProxyJump or ProxyCommand) asked ${quoted}; mitoctl ` +
        `answers only the ssh it started`,
    );
  }
  switch (kind) {
    case "password":
      return asked.answered === 0 ? { answer: true } : end("auth", "the password was refused");
    case "host-key":
      return end(
        "connect",
        "ssh asked to confirm the host key, and mitoctl does not answer " +
          "host-key prompts: add the key to known_hosts first (ssh-keyscan)",
      );
    case "keyboard-interactive":
      return end(
        "auth",
        `the server asked a keyboard-interactive question (${quoted}); ` +
          "mitoctl answers only ssh's own password prompt",
      );
    default:
      return end("auth", `ssh asked ${quoted}, which mitoctl does not answer`);
  }
}

function end(kind: "auth" | "connect", why: string): PromptVerdict {
  return { answer: false, end: { kind, why } };
}

/** A prompt as a message may quote it: one line, printable, cut to a bounded length. */
function quote(prompt: string): string {
  // deno-lint-ignore no-control-regex
  const flat = prompt.replace(/[\x00-\x1f\x7f]+/g, " ").trim();
  const cut = flat.length > MAX_QUOTED_PROMPT ? `${flat.slice(0, MAX_QUOTED_PROMPT)}…` : flat;
  return `"${cut}"`;
}
