/**
 * The `ssh` connection method: the system OpenSSH client, given an argv (never a shell string),
 * with `--` before the host so no host can be read as an option, `-T`, and BatchMode so it never
 * waits on a prompt nobody will answer. The user's ssh_config, agent and ProxyJump apply as usual.
 * With a password, prompts go to mitoctl's askpass instead (see `ssh_askpass.ts`), which answers
 * ssh's own password prompt and ends the connection on any prompt it must not answer.
 *
 * @module
 */

import type { SpawnSpec } from "../connection.ts";
import { DEFAULT_CONNECT_TIMEOUT } from "../limits.ts";
import { remoteCommand, type RuntimeChoice } from "../stage1.ts";
import { formatHop } from "../target.ts";
import { controlDirectory } from "./control_dir.ts";
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
  /**
   * How long the context may take to come up, in ms; default 30 s. The remote command's watchdog
   * ends a runtime that has not started by then.
   */
  connectTimeout?: number;
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

/** The ssh process that becomes a context on `options.host` with a stage 2 of `size` bytes. */
export function sshSpawn(options: SshOptions, size: number): SpawnSpec {
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
  args.push(
    "-T",
    "--",
    options.host,
    remoteCommand(runtime, size, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
  );
  const label = formatHop({ method: "ssh", ...options });
  const spec: SpawnSpec = {
    argv: [options.sshPath ?? "ssh", ...args],
    label,
    transport: "ssh",
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
