/**
 * The `sudo` connection method: the parent context runs `sudo -u <user>` on its own machine. A
 * password, when one is given, is typed only when sudo shows our prompt (a fresh nonce passed with
 * `-p`), on sudo's stdin, never on a command line or in the environment. Stage 2 is written only
 * after sudo has let the command start, so it can never be read as a password.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import { DEFAULT_CONNECT_TIMEOUT } from "../limits.ts";
import { remoteCommand, type RuntimeChoice } from "../stage1.ts";

/** Options for a sudo context. */
export interface SudoOptions {
  /** User to become; default root. */
  user?: string;
  /** Password for sudo, typed only if sudo asks. */
  password?: string;
  /** Runtime to start as that user; default: the runtime running the parent. */
  runtime?: RuntimeChoice;
  /**
   * How long the context may take to come up, in ms; default 30 s. The remote command's watchdog
   * ends a runtime that has not started by then.
   */
  connectTimeout?: number;
  /** sudo to run; default `"sudo"` from PATH. */
  sudoPath?: string;
}

/** What a link must do around sudo's prompt and start. */
export interface Prompting {
  /** Text sudo prints on stderr when it wants the password. */
  prompt: string;
  /** Line printed on stdout once the command runs: then stage 2 may be written. */
  ready: string;
  password?: string;
}

/** Quotes `text` as one word for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The shell command that starts the stage once a login (sudo, su) let it run: it prints the ready
 * line, then becomes the runtime. Under a pseudo-terminal it first puts the terminal in raw mode
 * without echo, so frames cross it byte for byte.
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

/** The sudo process that becomes a context, with its prompt handling. */
export function sudoSpawn(
  options: SudoOptions & { pty?: boolean },
  size: number,
  nonce: string,
  defaultRuntime: string,
): SpawnSpec & { prompting: Prompting } {
  const runtime = options.runtime ?? defaultRuntime;
  const prompt = `mitoctl-sudo-${nonce}:`;
  const ready = `mitoctl-ready-${nonce}`;
  const user = options.user ?? "root";
  const pty = options.pty === true;
  const argv = [
    options.sudoPath ?? "sudo",
    "-S",
    "-p",
    prompt,
    "-u",
    user,
    "-H",
    "--",
    "sh",
    "-c",
    readyCommand(
      ready,
      remoteCommand(runtime, size, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
      pty,
    ),
  ];
  const prompting: Prompting = { prompt, ready };
  if (options.password !== undefined) prompting.password = options.password;
  return {
    argv: pty ? onPty(argv) : argv,
    label: `sudo:${user}`,
    runtime,
    prompting,
    // Its messages in English, as the link reads them (a refusal, requiretty).
    env: { LC_ALL: "C" },
  };
}

/** What sudo says when a rule demands a terminal (`Defaults requiretty`). */
export const REQUIRETTY = /you must have a tty to run sudo/;
