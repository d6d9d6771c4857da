/**
 * The variables of an inventory host that say how ssh reaches it, read as Ansible's ssh
 * connection reads them: where a setting has several names, the last one in Ansible's list wins
 * (`ansible_ssh_host` over `ansible_host`), and explicit variables win over what the ssh argument
 * variables say (Ansible puts `-o Port=` and `-o User=` before them). Pure.
 *
 * @module
 */

import { parseSshFlags, type SshFlags } from "../methods/ssh_flags.ts";
import { words } from "./inventory_ini.ts";

/** Names of each setting, in Ansible's order: when several are set, the last wins. */
export const SSH_VARIABLES = {
  host: ["ansible_host", "ansible_ssh_host"],
  user: ["ansible_user", "ansible_ssh_user"],
  port: ["ansible_port", "ansible_ssh_port"],
  identity: ["ansible_private_key_file", "ansible_ssh_private_key_file"],
  password: ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"],
  becomeUser: ["ansible_become_user", "ansible_sudo_user"],
  becomePassword: ["ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"],
  /** ssh arguments, in the order Ansible puts them on ssh's command line. */
  args: ["ansible_ssh_args", "ansible_ssh_common_args", "ansible_ssh_extra_args"],
} as const;

/** Reads one variable of the host as a single value, or undefined when unset. */
export type VarReader = (key: string) => string | undefined;

/** The value of the last of `names` the host sets, and which one that was. */
export function lastSet(
  get: VarReader,
  names: readonly string[],
): { name: string; value: string } | undefined {
  for (const name of [...names].reverse()) {
    const value = get(name);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/**
 * What the host's ssh argument variables set, merged in Ansible's order (ssh takes the first
 * value of each option). `bad` is called with why a variable cannot be honoured.
 */
export function sshArgVariables(get: VarReader, bad: (why: string) => never): SshFlags {
  const out: SshFlags = { sshOptions: [] };
  for (const name of SSH_VARIABLES.args) {
    const text = get(name);
    if (text === undefined) continue;
    let flags: SshFlags;
    try {
      flags = parseSshFlags(words(text, false)).flags;
    } catch (e) {
      return bad(`has ${name} "${text}" that mitoctl cannot honour: ${(e as Error).message}`);
    }
    out.sshOptions.push(...flags.sshOptions);
    if (flags.user !== undefined) out.user ??= flags.user;
    if (flags.port !== undefined) out.port ??= flags.port;
    for (const key of ["identity", "sshConfig"] as const) {
      const value = flags[key];
      if (value === undefined) continue;
      if (out[key] !== undefined && out[key] !== value) {
        bad(
          `has two ${key === "identity" ? "identity files (-i)" : "ssh configs (-F)"}: ` +
            `"${out[key]}" and "${value}"`,
        );
      }
      out[key] = value;
    }
  }
  return out;
}
