/**
 * The `ssh` connection method: the system OpenSSH client, given an argv (never a shell string),
 * with `--` before the host so no host can be read as an option, `-T`, and BatchMode so it never
 * waits on a prompt nobody will answer. The user's ssh_config, agent and ProxyJump apply as usual.
 * With a password, prompts go to mitoctl's askpass instead (see `ssh_askpass.ts`), which answers
 * ssh's own password prompt and ends the connection on any prompt it must not answer.
 *
 * @module
 */

import { DEFAULT_CONNECT_TIMEOUT } from "../limits.ts";
import { remoteCommand, type RuntimeChoice } from "../stage/stage1.ts";
import { controlDirectory } from "./control_dir.ts";
import {
  checkUser,
  type HopFields,
  type Method,
  type MethodOptions,
  type SpawnSpec,
} from "./method.ts";
import { SshAskpass } from "./ssh_askpass.ts";

/** Options for an ssh context; they mirror the CLI flags. */
export interface SshOptions {
  /** Host name, alias from ssh_config, or address. */
  host: string;
  /** Login user (`-l`); default: ssh_config's or the local user. */
  user?: string;
  /** Port (`-p`); default: ssh_config's or 22. */
  port?: number;
  /** ssh_config file (`-F`); default: ssh's own lookup. */
  sshConfig?: string;
  /** Extra `-o Key=Value` options, applied before mitoctl's defaults so they win. */
  sshOptions?: string[];
  /** Identity file (`-i`). */
  identity?: string;
  /** Runtime on the remote: `"auto"` (default: deno, then node), `"deno"`, `"node"` or a path. */
  runtime?: RuntimeChoice;
  /** Share one ssh connection between contexts for this many seconds after the last one ends
   *  (ControlMaster/ControlPersist, sockets in a private directory: see control_dir.ts); default
   *  off. */
  controlPersist?: number;
  /** ssh client to run; default `"ssh"` from PATH. */
  sshPath?: string;
  /**
   * Password for ssh's own password prompt, answered through `SSH_ASKPASS` (Linux); default
   * none, and BatchMode stays on. In a multi-hop target it is the last ssh hop's.
   */
  password?: string;
}

const OPTION = /^[A-Za-z][A-Za-z0-9]*[= ]\S/;

/** Validates `-o` values: `Key=Value`, never something ssh could read as a flag. */
export function checkSshOption(option: string): string {
  if (!OPTION.test(option)) {
    throw new TypeError(`Invalid ssh option "${option}": expected Key=Value`);
  }
  return option;
}

/**
 * The ssh process for `options` with a stage 2 of `size` bytes; the remote command's watchdog
 * ends a runtime that has not started `within` ms (the connect timeout) later.
 */
export function sshSpawn(
  options: SshOptions,
  size: number,
  within: number = DEFAULT_CONNECT_TIMEOUT,
): SpawnSpec {
  const runtime = options.runtime ?? "auto";
  const args: string[] = [];
  if (options.sshConfig !== undefined) args.push("-F", options.sshConfig);
  for (const o of options.sshOptions ?? []) args.push("-o", checkSshOption(o));
  if (options.identity !== undefined) args.push("-i", options.identity);
  if (options.port !== undefined) args.push("-p", `${options.port}`);
  if (options.user !== undefined) args.push("-l", options.user);
  if (options.controlPersist !== undefined) {
    args.push(
      "-o",
      "ControlMaster=auto",
      "-o",
      `ControlPath=${controlDirectory()}/%C`,
      "-o",
      `ControlPersist=${options.controlPersist}`,
    );
  }
  if (options.password === undefined) args.push("-o", "BatchMode=yes");
  else args.push(...PASSWORD_LOGIN);
  args.push("-T", "--", options.host, remoteCommand(runtime, size, within));
  const label = sshLabel(options);
  const spec: SpawnSpec = {
    argv: [options.sshPath ?? "ssh", ...args],
    label,
    exits: { program: "ssh", codes: { 255: "" } },
    runtime,
  };
  if (options.password !== undefined) spec.guard = new SshAskpass(options.password, label);
  return spec;
}

/**
 * How ssh logs in with a password: prompts allowed (through the askpass), the password asked
 * once, and tried before keyboard-interactive so a server offering both gets the password.
 */
export const PASSWORD_LOGIN: readonly string[] = [
  "-o",
  "BatchMode=no",
  "-o",
  "NumberOfPasswordPrompts=1",
  "-o",
  "PasswordAuthentication=yes",
  "-o",
  "PreferredAuthentications=gssapi-with-mic,hostbased,publickey,password,keyboard-interactive",
];

// Letters and digits of any script (an inventory may name a host "příbor"); ssh gets it after "--".
const HOST = /^[\p{L}\p{N}_](?:[\p{L}\p{N}\p{M}._-]*[\p{L}\p{N}\p{M}_])?$/u;
const V6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9._-]+)?$/;

/** Whether `host` can be the host of an ssh hop: a host name or an IPv6 address. */
export function isHostName(host: string): boolean {
  return HOST.test(host) || (host.includes(":") && V6.test(host));
}

/** Parses `[user@]host[:port]` (IPv6 literals in brackets: `[::1]:2222`). */
function parseSsh(text: string, fail: (why: string) => never): HopFields {
  let rest = text;
  let user: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    user = checkUser(rest.slice(0, at), fail);
    rest = rest.slice(at + 1);
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith("[")) {
    const close = rest.indexOf("]");
    if (close < 0) fail(`has an unclosed "["`);
    host = rest.slice(1, close);
    if (!V6.test(host)) fail(`has an invalid IPv6 address "${host}"`);
    const after = rest.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) fail(`has text after "]"`);
    portText = after === "" ? undefined : after.slice(1);
  } else {
    const colon = rest.indexOf(":");
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (host === "") fail("has no host");
    if (host.startsWith("-")) fail(`has a host that starts with "-"`);
    if (!HOST.test(host)) fail(`has an invalid host name "${host}"`);
  }
  const out: HopFields = { host };
  if (user !== undefined) out.user = user;
  if (portText !== undefined) {
    const port = Number(portText);
    if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
      fail(`has an invalid port "${portText}"`);
    }
    out.port = port;
  }
  return out;
}

/** `[user@]host[:port]`, IPv6 addresses in brackets. */
function sshLabel(
  fields: { host?: string | number; user?: string | number; port?: number | string },
): string {
  const host = String(fields.host);
  const bracketed = host.includes(":") ? `[${host}]` : host;
  return `${fields.user ? `${fields.user}@` : ""}${bracketed}${
    fields.port ? `:${fields.port}` : ""
  }`;
}

/** The ssh method: the default, so a hop with no method name is an ssh hop. */
export const ssh: Method = {
  name: "ssh",
  syntax: "[user@]host[:port]",
  summary: "ssh, the system's OpenSSH client (ssh:host forces it; IPv6: [addr]:port)",
  password: true,
  sshClient: true,
  parse(text, fail) {
    return text === undefined ? fail("has no host") : parseSsh(text, fail);
  },
  format: sshLabel,
  options(fields, settings) {
    const out: MethodOptions = { host: fields.host };
    if (fields.user !== undefined) out.user = fields.user;
    if (fields.port !== undefined) out.port = fields.port;
    const keys = [
      "runtime",
      "password",
      "sshConfig",
      "sshOptions",
      "identity",
      "controlPersist",
      "sshPath",
    ] as const;
    for (const key of keys) {
      if (settings[key] !== undefined) out[key] = settings[key];
    }
    return out;
  },
  spawn(options, facts) {
    if (typeof options.host !== "string" || !isHostName(options.host)) {
      throw new TypeError(`Invalid ssh host ${JSON.stringify(options.host)}`);
    }
    return sshSpawn(options as unknown as SshOptions, facts.size, facts.connectTimeout);
  },
};
