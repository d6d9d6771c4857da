/**
 * What a connection method is: one object that parses its hop, prints it, turns the connect
 * options into its own, and builds the process that becomes a context (its argv, what it prompts
 * for, what its exit codes mean). Every method, built in or a user's, has this one shape; the
 * registry (`registry.ts`) holds them, and the target grammar, the router, the CLI and inventories
 * read it. Pure types and helpers: this file runs in the remote stage too.
 *
 * @module
 */

import { remoteCommand, type RuntimeChoice, withWatchdog } from "../stage/stage1.ts";
import type { Prompting } from "./login.ts";

/** The fields of a hop, as its method reads them from its text. */
export type HopFields = {
  /** The user to log in as or become, for methods that take one. */
  user?: string;
  /** The host, for ssh. */
  host?: string;
  /** The port, for ssh. */
  port?: number;
  /** Whatever else a method reads from its hop (a container, a namespace…). */
  [field: string]: string | number | undefined;
};

/** One step of a target: the method's name (`"ssh"`, `"sudo"`, `"docker"`…) and its fields. */
export type Hop = { method: string } & HopFields;

/** What a connection method contributes: the process to start. */
export interface SpawnSpec {
  /** argv; `argv[0]` is looked up on PATH. */
  argv: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Human name for errors: `"web1"`. */
  label: string;
  /**
   * What the program's own exit codes mean when it ends before the stage started: its name and,
   * per code, why (`""`: nothing to add). A listed code reads "Cannot connect to …" (ssh: 255).
   */
  exits?: { program: string; codes: Record<number, string> };
  /** Runtime name requested, for "not found" messages. */
  runtime: string;
  /** Watches the child's login (ssh's password prompt) and may end it early. */
  guard?: LoginGuard;
  /** A login that prompts on the child's own streams (sudo, su, doas): see `login.ts`. */
  prompting?: Prompting;
}

/** What the machine that starts a hop's process knows, handed to {@linkcode Method.spawn}. */
export interface SpawnFacts {
  /** Size of the stage 2 the process will read on stdin. */
  size: number;
  /** Fresh random letters and digits, for prompts and ready lines nobody can guess. */
  nonce: string;
  /** Start the login on a pseudo-terminal: a second try after a rule demanded one. */
  pty: boolean;
  /** argv that starts stage 1 with the runtime running here (the parent's, or the master's). */
  self: string[];
  /** That runtime's path, for messages. */
  here: string;
  /**
   * How long the context may take to come up, in ms: a shell command that starts stage 1 carries
   * a watchdog that ends the runtime after that long unless stage 1 stopped it.
   */
  connectTimeout: number;
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

/** Settings for one hop that the router derives from the connect options. */
export interface HopSettings {
  /** Runtime asked for, when it applies to this hop (an absolute path reaches the first only). */
  runtime?: RuntimeChoice;
  /** Password for a login that switches user (sudo, su, doas), typed only if asked. */
  becomePassword?: string;
  /** ssh's own password: set on the last ssh hop of a target only. */
  password?: string;
  /** ssh client settings: the command's for the first hop, plus those given for this hop. */
  sshConfig?: string;
  sshOptions?: string[];
  identity?: string;
  controlPersist?: number;
  sshPath?: string;
}

/** The options a method is started with: plain values, sent as they are to a remote parent. */
export type MethodOptions = Record<string, unknown>;

/** A connection method. See the README's "Connection methods" for writing one. */
export interface Method {
  /** Its name, written before `:` in a hop: `"doas"`. Letters, digits and `-`. */
  readonly name: string;
  /** Its hop syntax for the help, e.g. `doas[:user]`. */
  readonly syntax: string;
  /** One line for the help: what it does. */
  readonly summary: string;
  /** Only as the first hop of a target (`local`); default: anywhere. */
  readonly firstOnly?: boolean;
  /** It logs in with the target host's own password (`--password-file`): ssh. The last such
   *  hop of a target gets it. */
  readonly password?: boolean;
  /** It runs an ssh client, so per-hop ssh settings (`-o 2:Port=2222`) apply to it. */
  readonly sshClient?: boolean;
  /** It switches user on one machine (Ansible's "become"): `--sudo-password-file` types for it. */
  readonly become?: boolean;
  /**
   * Parses what follows `name:` in a hop (undefined for a bare `name`). Calls `fail` with why a
   * text is bad (`fail('has an invalid user name "x"')`); the message names the target and hop.
   */
  parse(text: string | undefined, fail: (why: string) => never): HopFields;
  /** Writes `fields` back as what follows `name:`; undefined for a bare `name`. */
  format(fields: HopFields): string | undefined;
  /** The options to start a hop with, from its fields and the router's settings for it. */
  options(fields: HopFields, settings: HopSettings): MethodOptions;
  /**
   * The process that becomes the context, from `options` as {@linkcode Method.options} made them.
   * Runs where the process starts: on the master for a first hop, in the remote stage of the hop
   * before otherwise (a remote has the built-in methods only). Throws a TypeError for bad options.
   */
  spawn(options: MethodOptions, facts: SpawnFacts): SpawnSpec;
  /** A refusal that a second try on a pseudo-terminal may get past (sudo's `requiretty`). */
  readonly ptyRetry?: RegExp;
}

/**
 * Whether a child of `method` that failed with `message` before its stage started gets a second
 * try on a pseudo-terminal (sudo's `requiretty`): once, and only if the first was not on one. The
 * master and a remote stage both ask this, each for the children it starts.
 */
export function retriesOnPty(method: Method, pty: boolean, message: string | undefined): boolean {
  return !pty && method.ptyRetry !== undefined && method.ptyRetry.test(message ?? "");
}

/** Quotes `text` as one word for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The shell command that starts stage 1: with `runtime` when given, else the one running here. */
export function stageCommand(runtime: RuntimeChoice | undefined, facts: SpawnFacts): string {
  if (runtime !== undefined) return remoteCommand(runtime, facts.size, facts.connectTimeout);
  // Both forms of `self` stop the watchdog: the stage-1 program and the compiled binary's own.
  return withWatchdog(facts.self.map(shellQuote).join(" "), facts.connectTimeout);
}

const USER = /^[A-Za-z0-9_][A-Za-z0-9._-]*\$?$/;

/** Whether `user` can be the user of a hop. */
export function isUserName(user: string): boolean {
  return USER.test(user);
}

/** Checks a user name from a hop; `fail` says why it is bad. */
export function checkUser(user: string, fail: (why: string) => never): string {
  if (user.startsWith("-")) fail(`has a user that starts with "-"`);
  if (!USER.test(user)) fail(`has an invalid user name "${user}"`);
  return user;
}

/** A string option of a method, checked at spawn (a remote parent gets options over the wire). */
export function stringOption(options: MethodOptions, key: string): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new TypeError(`Option "${key}" must be a string`);
  return value;
}

/**
 * The hop grammar of a method that names a user to become (`sudo`, `su`, `doas`): `name` or
 * `name:user`, and the options such a method reads.
 */
export const userHop: Pick<Method, "parse" | "format" | "options"> = {
  parse(text, fail) {
    return text === undefined ? {} : { user: checkUser(text, fail) };
  },
  format(fields) {
    return fields.user;
  },
  options(fields, settings) {
    const out: MethodOptions = {};
    if (fields.user !== undefined) out.user = fields.user;
    if (settings.becomePassword !== undefined) out.password = settings.becomePassword;
    // "auto" means the same runtime as the hop before, which the login starts by default.
    if (settings.runtime !== undefined && settings.runtime !== "auto") {
      out.runtime = settings.runtime;
    }
    return out;
  },
};
