/**
 * The `su` connection method: run `su <user>` on the machine of the hop before. su reads its
 * password from a terminal, so it runs on a pseudo-terminal (util-linux `script`); the password
 * is typed only when su prompts, and stage 2 is written only after the ready line, once the
 * terminal is raw and silent.
 *
 * @module
 */

import type { RuntimeChoice } from "../stage/stage1.ts";
import { type Method, stringOption, userHop } from "./method.ts";
import { loginSpawn } from "./sudo.ts";

/** Options for an su context. */
export interface SuOptions {
  /** User to become; default root. */
  user?: string;
  /** That user's password, typed only if su asks. */
  password?: string;
  /** Runtime to start as that user; default: the runtime running the parent. */
  runtime?: RuntimeChoice;
}

/** The su method. */
export const su: Method = {
  name: "su",
  syntax: "su[:user]",
  summary: "become user (default root) with su, typing that user's password",
  become: true,
  ...userHop,
  spawn(options, facts) {
    const user = stringOption(options, "user") ?? "root";
    return loginSpawn(
      {
        argv: (command) => ["su", user, "-c", command],
        prompt: "Password:",
        label: `su:${user}`,
        pty: true,
      },
      options,
      facts,
    );
  },
};
