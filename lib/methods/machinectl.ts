/**
 * The `machinectl` connection method: `machinectl shell -q [--uid=user] <machine> /bin/sh -c …`
 * into a running systemd-nspawn machine, from the machine of the hop before. machinectl gives the
 * command a terminal, so it first makes it raw and silent and prints a ready line; stage 2 is
 * written only after it. Hop: `machinectl:[user@]machine`.
 *
 * @module
 */

import { containerSpawn, nameOption, objectHop, objectOptions } from "./container.ts";
import type { Method } from "./method.ts";
import { readyCommand } from "./sudo.ts";

/** The machinectl method. */
export const machinectl: Method = {
  name: "machinectl",
  syntax: "machinectl:[user@]machine",
  summary: "a shell in a running systemd machine, on its terminal",
  ...objectHop({ object: "machine", user: true, keys: [] }),
  options: objectOptions,
  spawn(options, facts) {
    const machine = nameOption(options, "object");
    if (machine === undefined) throw new TypeError("No machine named");
    const user = nameOption(options, "user");
    const argv = ["machinectl", "shell", "-q", ...(user ? [`--uid=${user}`] : []), machine];
    const spec = containerSpawn(argv, `machinectl:${machine}`, options, facts);
    const ready = `mitoctl-ready-${facts.nonce}`;
    // /bin/sh: machinectl wants a path. The stage starts once the terminal is raw.
    spec.argv = [...argv, "/bin/sh", "-c", readyCommand(ready, spec.argv.at(-1)!, true)];
    spec.prompting = { ready };
    return spec;
  },
};
