/**
 * Command-line parsing with `node:util` `parseArgs`. Flags come before the positionals they
 * qualify; everything after a command's fixed positionals is passed through untouched, so call
 * arguments like `-1` are never read as flags.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { UsageError } from "../errors.ts";
import type { ConnectOptions } from "../router.ts";
import { checkRuntime } from "../stage1.ts";

/** Flags every command that connects accepts. */
export const CONNECT_FLAGS = {
  "ssh-config": { type: "string", short: "F" },
  "ssh-option": { type: "string", short: "o", multiple: true },
  identity: { type: "string", short: "i" },
  runtime: { type: "string" },
  timeout: { type: "string" },
  "connect-timeout": { type: "string" },
  "control-persist": { type: "string" },
  json: { type: "boolean" },
  verbose: { type: "boolean", short: "v", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

type FlagSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** Parsed flags plus positionals; `rest` holds what follows the fixed positionals. */
export interface Parsed {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
  rest: string[];
}

/**
 * Parses `argv` against `flags`, stopping after `fixed` positionals (Infinity: no stop); what
 * follows them is `rest`, untouched. A `--` ends flags. Unknown flags are a UsageError.
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
  try {
    const { values } = parseArgs({ args: flagArgs, options: flags, strict: true });
    return { values, positionals, rest: argv.slice(i) };
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

/** Turns connect flags into {@linkcode ConnectOptions}. */
export function connectOptions(values: Parsed["values"]): ConnectOptions {
  const out: ConnectOptions = {};
  const str = (k: string) => values[k] as string | undefined;
  if (str("ssh-config") !== undefined) out.sshConfig = str("ssh-config")!;
  if (values["ssh-option"]) out.sshOptions = values["ssh-option"] as string[];
  if (str("identity") !== undefined) out.identity = str("identity")!;
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
