/**
 * The command line of `mitoctl rsh`, which other tools call as they would call ssh (`rsync -e`,
 * `scp -S`, `GIT_SSH_COMMAND`, `ansible_ssh_executable` wrappers): mitoctl's own long flags,
 * then ssh's flags, the host, and the command words. Pure.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { parseSshFlags } from "../methods/ssh_flags.ts";
import { methodNamed } from "../methods/registry.ts";
import { formatHop, parseTarget } from "../methods/target.ts";
import type { Parsed } from "./args.ts";

/** The usage line, for messages. */
export const RSH_USAGE =
  "Usage: mitoctl rsh [--via HOPS] [--then HOPS] [ssh flags…] <host> <command…>";

/** mitoctl's own flags, each with whether it takes a value. */
export const RSH_LONG_FLAGS: Readonly<Record<string, boolean>> = {
  via: true,
  then: true,
  inventory: true,
  runtime: true,
  "connect-timeout": true,
  "control-persist": true,
  "password-file": true,
  "sudo-password-file": true,
  help: false,
};

/** ssh flags `mitoctl rsh` handles itself: `-s` (subsystem), `-n` (no stdin), `-v`. */
const RSH_SSH_FLAGS = { s: false, n: false, v: false };

/** What a `mitoctl rsh` command line asks for. */
export interface RshCall {
  /** The host word as the tool passed it: a target, or an inventory host. */
  host: string;
  /** `--via` hops before the host and `--then` hops after it, in target syntax. */
  via?: string;
  then?: string;
  /** `-l` and `-p`: for the host's own ssh hop. */
  user?: string;
  port?: number;
  /** The flags as the other commands' flags (`ssh-option`, `runtime`, `password-file`…). */
  values: Parsed["values"];
  /** The command's words, which ssh joins with spaces; with `-s`, the subsystem's name. */
  command: string[];
  /** `-s`: the command is a subsystem (sftp). */
  subsystem: boolean;
  /** Whether stdin is forwarded (not with `-n`). */
  stdin: boolean;
  /** `--help`. */
  help: boolean;
}

/** Reads `mitoctl rsh`'s argv. Throws a {@linkcode UsageError} saying what is wrong. */
export function parseRshArgs(argv: string[]): RshCall {
  const { flags, extra, rest } = parseSshFlags(argv, {
    extra: RSH_SSH_FLAGS,
    long: RSH_LONG_FLAGS,
    operands: true,
  });
  const values: Parsed["values"] = {};
  const call: RshCall = {
    host: "",
    values,
    command: [],
    subsystem: false,
    stdin: true,
    help: false,
  };
  const verbose: boolean[] = [];
  for (const [flag, value] of extra) {
    if (flag === "-s") call.subsystem = true;
    else if (flag === "-n") call.stdin = false;
    else if (flag === "-v") verbose.push(true);
    else if (flag === "--help") call.help = true;
    else if (flag === "--via") call.via = value!;
    else if (flag === "--then") call.then = value!;
    else values[flag.slice(2)] = value;
  }
  if (verbose.length) values.verbose = verbose;
  if (flags.sshOptions.length) values["ssh-option"] = flags.sshOptions;
  if (flags.identity !== undefined) values.identity = flags.identity;
  if (flags.sshConfig !== undefined) values["ssh-config"] = flags.sshConfig;
  if (flags.user !== undefined) call.user = flags.user;
  if (flags.port !== undefined) call.port = flags.port;
  if (call.help) return call;
  const [host, ...command] = rest;
  if (host === undefined) throw new UsageError(`No host and command; ${RSH_USAGE}`);
  if (!command.length) {
    throw new UsageError(
      `No command for "${host}" (rsh starts no interactive shell); ${RSH_USAGE}`,
    );
  }
  if (call.subsystem && command.join(" ") !== "sftp") {
    throw new UsageError(`Subsystem "${command.join(" ")}" is not supported (only sftp)`);
  }
  call.host = host;
  call.command = command;
  return call;
}

/**
 * The target of a call: `--via` hops, the host's target (its own `target`, from the inventory
 * or as written), then `--then` hops; `-l` and `-p` go to the host's last ssh hop, which may not
 * say otherwise.
 */
export function rshTarget(call: RshCall, hostTarget: string): string {
  const hops = parseTarget(hostTarget);
  const at = hops.findLastIndex((h) => methodNamed(h.method)?.sshClient === true);
  if (call.user !== undefined || call.port !== undefined) {
    if (at < 0) {
      throw new UsageError(`"-l" and "-p" need an ssh hop, and "${call.host}" has none`);
    }
    const hop = hops[at]!;
    for (const key of ["user", "port"] as const) {
      const wanted = call[key];
      if (wanted === undefined) continue;
      if (hop[key] !== undefined && hop[key] !== wanted) {
        throw new UsageError(
          `"${call.host}" sets its ${key} to "${hop[key]}", and the command line to "${wanted}"`,
        );
      }
      (hop as Record<string, unknown>)[key] = wanted;
    }
  }
  const target = [call.via, hops.map(formatHop).join("/"), call.then]
    .filter((part) => part !== undefined).join("/");
  parseTarget(target);
  return target;
}
