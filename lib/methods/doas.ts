/**
 * The `doas` connection method: run OpenBSD's doas (Debian's `opendoas`) on the machine of the
 * hop before, as `doas -u <user>`. doas reads a password from a terminal only, so it runs on a
 * pseudo-terminal; the password is typed only when doas prompts, and stage 2 is written only after
 * the ready line. A rule with `nopass` asks nothing.
 *
 * @module
 */

import { type Method, stringOption, userHop } from "./method.ts";
import { loginSpawn } from "./sudo.ts";

/** The doas method. */
export const doas: Method = {
  name: "doas",
  syntax: "doas[:user]",
  summary: "become user (default root) with doas, as doas.conf permits",
  become: true,
  ...userHop,
  spawn(options, facts) {
    const user = stringOption(options, "user") ?? "root";
    return loginSpawn(
      {
        argv: (
          command,
        ) => [stringOption(options, "doasPath") ?? "doas", "-u", user, "sh", "-c", command],
        // "doas (me@host) password: ", the same in every locale.
        prompt: "doas (",
        refused: /doas: Authentication failed/,
        label: `doas:${user}`,
        pty: true,
      },
      options,
      facts,
    );
  },
};
