/**
 * A connection method of your own, in one file: `runuser:<user>` becomes a user with util-linux
 * `runuser`, as root, with no password. Register it, then use it in targets.
 *
 * @module
 */

import { type Method, registerMethod, stageCommand, stringOption, userHop } from "../mod.ts";

export const runuser: Method = {
  name: "runuser",
  syntax: "runuser[:user]",
  summary: "become user with util-linux runuser (as root, no password)",
  // `runuser` or `runuser:user`, as sudo's hops are written.
  ...userHop,
  spawn(options, facts) {
    const user = stringOption(options, "user") ?? "root";
    const runtime = stringOption(options, "runtime");
    return {
      // stageCommand: the shell command that starts mitoctl's remote stage.
      argv: ["runuser", "-u", user, "--", "sh", "-c", stageCommand(runtime, facts)],
      label: `runuser:${user}`,
      runtime: runtime ?? facts.here,
      // runuser's own failures (an unknown user) exit with 1 before the stage starts.
      exits: { program: "runuser", codes: { 1: "is the user known here?" } },
    };
  },
};

registerMethod(runuser);
