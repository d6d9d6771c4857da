/**
 * The `sudo` connection method: run `sudo -u <user>` on the machine of the hop before (the
 * master's own as a first hop). A password, when one is given, is typed only when sudo shows our
 * prompt (a fresh nonce passed with `-p`), on sudo's stdin, never on a command line or in the
 * environment. Stage 2 is written only after sudo has let the command start, so it can never be
 * read as a password.
 *
 * @module
 */

import type { RuntimeChoice } from "../stage/stage1.ts";
import type { Prompting } from "./login.ts";
import {
  type Method,
  type MethodOptions,
  shellQuote,
  type SpawnFacts,
  type SpawnSpec,
  stageCommand,
  stringOption,
  userHop,
} from "./method.ts";

/** Options for a sudo context. */
export interface SudoOptions {
  /** User to become; default root. */
  user?: string;
  /** Password for sudo, typed only if sudo asks. */
  password?: string;
  /** Runtime to start as that user; default: the runtime running the parent. */
  runtime?: RuntimeChoice;
  /** sudo to run; default `"sudo"` from PATH. */
  sudoPath?: string;
}

/**
 * The shell command that starts the stage once a login (sudo, su, doas) let it run: it prints the
 * ready line, then becomes the runtime. Under a pseudo-terminal it first puts the terminal in raw
 * mode without echo, so frames cross it byte for byte.
 */
export function readyCommand(ready: string, command: string, pty: boolean): string {
  // On a terminal the stage still reads and writes pipes, through cat: Deno stalls reading a
  // large frame from a terminal.
  if (pty) return `stty raw -echo;echo ${ready};cat|${command}|cat`;
  // A session of its own (setsid, where there is one) makes the stage the leader of its process
  // group, so when it ends it takes the processes its calls started with it.
  return `echo ${ready};command -v setsid>/dev/null&&exec setsid -w ${command};exec ${command}`;
}

/**
 * `argv` run on a pseudo-terminal of its own, by util-linux `script` (which writes its typescript
 * to /dev/null), for logins that insist on a terminal: sudo with `requiretty`, su.
 */
export function onPty(argv: string[]): string[] {
  return ["script", "-qfec", argv.map(shellQuote).join(" "), "/dev/null"];
}

/**
 * A login that prompts on its own streams (sudo, su, doas): `argv` runs `sh -c <command>` as the
 * new user, on a terminal when `pty`; the password typed at `prompt`; output in English.
 */
export function loginSpawn(
  login: {
    argv: (command: string) => string[];
    prompt: string;
    label: string;
    pty: boolean;
    refused?: RegExp;
  },
  options: MethodOptions,
  facts: SpawnFacts,
): SpawnSpec & { prompting: Prompting } {
  const runtime = stringOption(options, "runtime");
  const ready = `mitoctl-ready-${facts.nonce}`;
  const argv = login.argv(readyCommand(ready, stageCommand(runtime, facts), login.pty));
  const prompting: Prompting = { prompt: login.prompt, ready };
  if (login.refused) prompting.refused = login.refused;
  const password = stringOption(options, "password");
  if (password !== undefined) prompting.password = password;
  return {
    argv: login.pty ? onPty(argv) : argv,
    label: login.label,
    runtime: runtime ?? facts.here,
    prompting,
    // Its messages in English, as the link reads them (a refusal, requiretty).
    env: { LC_ALL: "C" },
  };
}

/** What sudo says when a rule demands a terminal (`Defaults requiretty`). */
export const REQUIRETTY = /you must have a tty to run sudo/;

/** The sudo method. */
export const sudo: Method = {
  name: "sudo",
  syntax: "sudo[:user]",
  summary: "become user (default root) with sudo",
  become: true,
  ...userHop,
  ptyRetry: REQUIRETTY,
  spawn(options, facts) {
    const user = stringOption(options, "user") ?? "root";
    const prompt = `mitoctl-sudo-${facts.nonce}:`;
    const sudoPath = stringOption(options, "sudoPath") ?? "sudo";
    return loginSpawn(
      {
        argv: (
          command,
        ) => [sudoPath, "-S", "-p", prompt, "-u", user, "-H", "--", "sh", "-c", command],
        prompt,
        label: `sudo:${user}`,
        pty: facts.pty,
      },
      options,
      facts,
    );
  },
};
