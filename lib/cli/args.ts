/**
 * Command-line parsing with `node:util` `parseArgs`. Flags may come anywhere before a `--`; after
 * a command's fixed positionals only long flags the command knows (`--json`, `--timeout=5`) are
 * read as flags, so call arguments like `-1` or `-v` pass through; put `--` before the arguments
 * to pass even those untouched.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import type { ConnectOptions, HopSshOptions } from "../master/router.ts";
import { checkSshOption } from "../methods/ssh.ts";
import { checkRuntime } from "../stage/stage1.ts";

/** Flags every command that connects accepts. */
export const CONNECT_FLAGS = {
  "ssh-config": { type: "string", short: "F", multiple: true },
  "ssh-option": { type: "string", short: "o", multiple: true },
  identity: { type: "string", multiple: true },
  runtime: { type: "string" },
  timeout: { type: "string" },
  "connect-timeout": { type: "string" },
  "control-persist": { type: "string" },
  "sudo-password-file": { type: "string" },
  "ask-sudo-password": { type: "boolean" },
  "password-file": { type: "string" },
  "ask-pass": { type: "boolean" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

/** Flags of commands that run on many hosts: `-i` is the inventory, as in Ansible. */
export const FLEET_FLAGS = {
  inventory: { type: "string", short: "i" },
  forks: { type: "string" },
} as const;

/** Environment variable naming the inventory used when `-i` is not given. */
export const INVENTORY_ENV = "MITOCTL_INVENTORY";

type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** Parsed flags plus positionals; `rest` holds what follows the fixed positionals. */
export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  rest: string[];
}

/**
 * Parses `argv` against `flags`, stopping after `fixed` positionals (Infinity: no stop); what
 * follows them is `rest`, except known long flags. A `--` ends flags. Unknown flags before the
 * positionals are a UsageError.
 */
export function parse(argv: string[], flags: FlagSpec, fixed: number): Parsed {
  const takesValue = new Set<string>();
  for (const [name, spec] of Object.entries(flags)) {
    if (spec.type !== "string") continue;
    takesValue.add(`--${name}`);
    if (spec.short) takesValue.add(`-${spec.short}`);
  }
  const flagArgs: string[] = [];
  const positionals: string[] = [];
  let i = 0;
  while (i < argv.length && positionals.length < fixed) {
    const a = argv[i++]!;
    if (a === "--") {
      while (i < argv.length && positionals.length < fixed) positionals.push(argv[i++]!);
      break;
    }
    if (a.startsWith("-") && a !== "-") {
      flagArgs.push(a);
      if (takesValue.has(a) && i < argv.length) flagArgs.push(argv[i++]!);
    } else {
      positionals.push(a);
    }
  }
  const rest: string[] = [];
  while (i < argv.length) {
    const a = argv[i++]!;
    if (a === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    const name = /^--([a-z][a-z-]*)(=|$)/.exec(a);
    if (name && name[1]! in flags) {
      flagArgs.push(a);
      if (name[2] === "" && takesValue.has(a) && i < argv.length) flagArgs.push(argv[i++]!);
    } else {
      rest.push(a);
    }
  }
  try {
    const { values } = parseArgs({ args: flagArgs, options: flags, strict: true });
    return { values, positionals, rest };
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ""));
  }
}

/** Reads a duration in seconds (`30`, `1.5`) as milliseconds. */
export function seconds(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !(n > 0)) {
    throw new UsageError(`Invalid --${flag} "${text}": expected a number of seconds`);
  }
  return n * 1000;
}

/** Where each password comes from: a file flag, and a flag that asks on the terminal. */
const PASSWORD_FLAGS = {
  sudo: { file: "sudo-password-file", ask: "ask-sudo-password", prompt: "sudo password: " },
  ssh: { file: "password-file", ask: "ask-pass", prompt: "ssh password: " },
} as const;

/** Reads sudo's password from `--sudo-password-file` or, with `--ask-sudo-password`, the terminal. */
export function sudoPassword(values: Parsed["values"]): Promise<string | undefined> {
  return readPassword(values, "sudo");
}

/** Reads the ssh password from `--password-file` or, with `--ask-pass`, the terminal. */
export function sshPassword(values: Parsed["values"]): Promise<string | undefined> {
  return readPassword(values, "ssh");
}

async function readPassword(
  values: Parsed["values"],
  which: keyof typeof PASSWORD_FLAGS,
): Promise<string | undefined> {
  const flags = PASSWORD_FLAGS[which];
  const file = values[flags.file] as string | undefined;
  if (file !== undefined) {
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (e) {
      throw new UsageError(`Cannot read --${flags.file} "${file}": ${(e as Error).message}`);
    }
    // One line: the password, without its newline.
    return text.replace(/\r?\n$/, "");
  }
  if (values[flags.ask]) return await askHidden(flags.prompt, `--${flags.ask}`, `--${flags.file}`);
  return undefined;
}

/** Reads a line from the terminal without echo; `flag` and `instead` name the flags in errors. */
async function askHidden(prompt: string, flag: string, instead: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError(`${flag} needs a terminal; use ${instead}`);
  }
  // Raw before the prompt shows: what is typed right after it must not be echoed.
  Deno.stdin.setRaw(true);
  const bytes: number[] = [];
  try {
    await Deno.stderr.write(new TextEncoder().encode(prompt));
    const buf = new Uint8Array(1);
    for (;;) {
      const n = await Deno.stdin.read(buf);
      const c = buf[0]!;
      if (n === null || c === 13 || c === 10) break;
      if (c === 3) throw new UsageError("Interrupted");
      if (c === 127 || c === 8) bytes.pop();
      else bytes.push(c);
    }
  } finally {
    Deno.stdin.setRaw(false);
    await Deno.stderr.write(new TextEncoder().encode("\n"));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** A flag value that may name its hop: `2:Port=2222` is hop 2's; without `N:`, the first's. */
function hopOf(flag: string, text: string): [number | undefined, string] {
  const m = /^(\d+):(.*)$/s.exec(text);
  if (!m) return [undefined, text];
  const hop = Number(m[1]);
  if (hop < 1) throw new UsageError(`Invalid --${flag} "${text}": hops are numbered from 1`);
  return [hop, m[2]!];
}

/** Every value of a flag given any number of times (a string when set by `rsh`). */
function all(values: Parsed["values"], flag: string): string[] {
  const value = values[flag];
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

/** `-F`, `-o` and `--identity`, each for the first hop or, with `N:`, for hop N. */
function sshFlags(values: Parsed["values"], out: ConnectOptions): void {
  const hop = (n: number): HopSshOptions => {
    out.hops ??= {};
    return out.hops[n] ??= {};
  };
  for (const text of all(values, "ssh-option")) {
    const [n, option] = hopOf("ssh-option", text);
    try {
      checkSshOption(option);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const into = n === undefined ? out : hop(n);
    (into.sshOptions ??= []).push(option);
  }
  for (const [flag, key] of [["ssh-config", "sshConfig"], ["identity", "identity"]] as const) {
    for (const text of all(values, flag)) {
      const [n, path] = hopOf(flag, text);
      // The last one given for a hop wins, as with any flag given twice.
      (n === undefined ? out : hop(n))[key] = path;
    }
  }
}

/** Turns connect flags into {@linkcode ConnectOptions} (without the sudo password). */
export function connectOptions(values: Parsed["values"]): ConnectOptions {
  const out: ConnectOptions = {};
  const str = (k: string) => values[k] as string | undefined;
  sshFlags(values, out);
  if (str("runtime") !== undefined) {
    try {
      out.runtime = checkRuntime(str("runtime")!);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const timeout = seconds("timeout", str("timeout"));
  if (timeout !== undefined) out.timeout = timeout;
  const connectTimeout = seconds("connect-timeout", str("connect-timeout"));
  if (connectTimeout !== undefined) out.connectTimeout = connectTimeout;
  const persist = seconds("control-persist", str("control-persist"));
  if (persist !== undefined) out.controlPersist = Math.round(persist / 1000);
  return out;
}

/** A call argument: JSON when it parses as JSON, otherwise the string itself. */
export function callArgument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** What {@linkcode fleetOptions} reads from the fleet flags. */
export interface FleetFlags {
  /** `--forks`, when given. */
  forks?: number;
  /** `-i/--inventory`, else `$MITOCTL_INVENTORY`, when either is set. */
  inventory?: string;
}

/** Reads `--forks` and the inventory path (flag, else `env`'s {@linkcode INVENTORY_ENV}). */
export function fleetOptions(
  values: Parsed["values"],
  env: (name: string) => string | undefined,
): FleetFlags {
  const out: FleetFlags = {};
  const forks = values.forks as string | undefined;
  if (forks !== undefined) {
    if (!/^\d+$/.test(forks) || Number(forks) < 1) {
      throw new UsageError(`Invalid --forks "${forks}": expected a whole number of 1 or more`);
    }
    out.forks = Number(forks);
  }
  const inventory = (values.inventory as string | undefined) ?? env(INVENTORY_ENV);
  if (inventory !== undefined && inventory !== "") out.inventory = inventory;
  return out;
}
