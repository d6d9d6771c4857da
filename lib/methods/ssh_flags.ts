/**
 * ssh's own command-line flags (`-o Key=Value`, `-J`, `-p`, `-i`, `-F`, `-l` and a few switches)
 * read into mitoctl's ssh options, for text written for ssh: an inventory's
 * `ansible_ssh_common_args`, and the argv other tools give `mitoctl rsh`. Only flags that are
 * safe and mean the same through mitoctl are taken; any other is refused, never dropped. Pure.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { checkSshOption } from "./ssh.ts";

/** What ssh flags set, in the terms of {@linkcode SshOptions}. */
export interface SshFlags {
  /** `-o` options, and the switches that stand for one (`-C` is `Compression=yes`), in order. */
  sshOptions: string[];
  /** `-l`, or `-o User=`; the first one given, as ssh takes it. */
  user?: string;
  /** `-p`, or `-o Port=`; the first one given. */
  port?: number;
  /** `-i`. */
  identity?: string;
  /** `-F`. */
  sshConfig?: string;
}

/** Options of {@linkcode parseSshFlags}. */
export interface SshFlagsOptions {
  /**
   * Flags the caller handles itself (`mitoctl rsh`: `-s`, `-n`, `-v`): each maps to whether it
   * takes a value. They come back in `extra`, in order. Default: none.
   */
  extra?: Record<string, boolean>;
  /** Long flags the caller handles (`--via`), each mapped to whether it takes a value; they
   *  come back in `extra` as `--name`. Default: none, and a long flag is refused. */
  long?: Record<string, boolean>;
  /** Stop at the first word that is not a flag and return it and the rest (a host, a command);
   *  default false: such a word is refused. */
  operands?: boolean;
}

/** What {@linkcode parseSshFlags} read. */
export interface ParsedSshFlags {
  flags: SshFlags;
  /** The caller's own flags, as `[flag, value]`. */
  extra: [string, string | undefined][];
  /** The words after the flags (with `operands`). */
  rest: string[];
}

/** Switches taken, each with the option it stands for. */
const SWITCHES: Readonly<Record<string, string>> = {
  "4": "AddressFamily=inet",
  "6": "AddressFamily=inet6",
  A: "ForwardAgent=yes",
  a: "ForwardAgent=no",
  C: "Compression=yes",
  q: "LogLevel=QUIET",
  T: "RequestTTY=no",
  x: "ForwardX11=no",
};

/** Flags taken that need a value. */
const VALUED = new Set(["o", "J", "p", "i", "F", "l"]);

/** The flags {@linkcode parseSshFlags} takes, for messages. */
export const TAKEN_SSH_FLAGS = `-o, -J, -p, -i, -F, -l, ${
  Object.keys(SWITCHES).map((s) => `-${s}`).join(", ")
}`;

/**
 * Reads ssh flags from `words` (already split as a shell would). Throws a {@linkcode UsageError}
 * saying what is wrong with the first flag it cannot take; callers prefix where it came from.
 */
export function parseSshFlags(words: string[], options: SshFlagsOptions = {}): ParsedSshFlags {
  const flags: SshFlags = { sshOptions: [] };
  const extra: [string, string | undefined][] = [];
  const own = options.extra ?? {};
  let i = 0;
  for (; i < words.length; i++) {
    const word = words[i]!;
    if (word === "--") {
      i++;
      break;
    }
    if (!word.startsWith("-") || word === "-") {
      if (options.operands) break;
      throw new UsageError(`"${word}" is not an ssh flag`);
    }
    if (word.startsWith("--")) {
      const [name, attached] = word.slice(2).split(/=(.*)/s) as [string, string?];
      const valued = options.long?.[name];
      if (valued === undefined) throw new UsageError(`Unknown flag "--${name}"`);
      const value = valued ? attached ?? words[++i] : attached;
      if (valued && value === undefined) throw new UsageError(`Flag "--${name}" needs a value`);
      if (!valued && value !== undefined) throw new UsageError(`Flag "--${name}" takes no value`);
      extra.push([`--${name}`, value]);
      continue;
    }
    // Bundled as getopt allows: "-4C", "-p2222", "-oKey=Value".
    for (let j = 1; j < word.length; j++) {
      const flag = word[j]!;
      const valued = VALUED.has(flag) || own[flag] === true;
      let value: string | undefined;
      if (valued) {
        value = j + 1 < word.length ? word.slice(j + 1) : words[++i];
        if (value === undefined) throw new UsageError(`ssh flag "-${flag}" needs a value`);
        j = word.length;
      }
      if (flag in own) extra.push([`-${flag}`, value]);
      else if (flag in SWITCHES) flags.sshOptions.push(SWITCHES[flag]!);
      else if (valued) take(flags, flag, value!);
      else {
        throw new UsageError(
          `ssh flag "-${flag}" is not supported (mitoctl takes ${TAKEN_SSH_FLAGS})`,
        );
      }
    }
  }
  return { flags, extra, rest: words.slice(i) };
}

function take(flags: SshFlags, flag: string, value: string): void {
  switch (flag) {
    case "o":
      return option(flags, value);
    case "J":
      // ProxyJump takes no "-" anywhere a host or user starts: ssh would read it as a flag.
      if (/(^|[,@])-/.test(value)) throw new UsageError(`ssh flag "-J" has a bad jump "${value}"`);
      flags.sshOptions.push(`ProxyJump=${value}`);
      return;
    case "p":
      flags.port ??= port(value, "-p");
      return;
    case "l":
      flags.user ??= value;
      return;
    case "i":
      if (flags.identity !== undefined && flags.identity !== value) {
        throw new UsageError(
          `two identity files ("${flags.identity}", "${value}"); mitoctl takes one`,
        );
      }
      flags.identity = value;
      return;
    case "F":
      flags.sshConfig = value;
      return;
  }
}

/** `-o`: User and Port go where `-l` and `-p` go, so their precedence stays ssh's. */
function option(flags: SshFlags, value: string): void {
  try {
    checkSshOption(value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const m = /^(\w+)\s*[= ]\s*(.*)$/.exec(value)!;
  const key = m[1]!.toLowerCase();
  if (key === "user") flags.user ??= m[2]!;
  else if (key === "port") flags.port ??= port(m[2]!, `-o ${value}`);
  else flags.sshOptions.push(value);
}

function port(text: string, where: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) {
    throw new UsageError(`"${where}" has an invalid port "${text}"`);
  }
  return n;
}
