/**
 * The `lxc` connection method (LXD's client): `lxc exec [remote:]instance [--user uid] -- sh -c …`
 * into a running instance, from the machine of the hop before. Hop: `lxc:[uid@][remote:]instance`,
 * the user a number as `--user` takes it. `incus.ts` is the same for Incus.
 *
 * @module
 */

import { containerSpawn, nameOption, objectHop, objectOptions } from "./container.ts";
import type { Method } from "./method.ts";

/** The method for an LXD-style client called `program` (`lxc`, `incus`). */
export function lxcStyle(program: string, summary: string): Method {
  return {
    name: program,
    syntax: `${program}:[uid@][remote:]instance`,
    summary,
    ...objectHop({ object: "instance", user: true, keys: [] }),
    options: objectOptions,
    spawn(options, facts) {
      const instance = nameOption(options, "object");
      if (instance === undefined) throw new TypeError("No instance named");
      const user = nameOption(options, "user");
      if (user !== undefined && !/^\d+$/.test(user)) {
        throw new TypeError(`Invalid user "${user}": ${program} exec takes a numeric uid`);
      }
      const argv = [program, "exec", instance, ...(user ? ["--user", user] : []), "--"];
      return containerSpawn(argv, `${program}:${instance}`, options, facts);
    },
  };
}

/** The lxc method. */
export const lxc: Method = lxcStyle("lxc", "exec into a running LXD instance");
