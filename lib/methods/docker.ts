/**
 * The `docker` connection method: `docker [--context C] exec -i [-u user] <container> sh -c …`
 * into a running container, from the machine of the hop before. Hop:
 * `docker:[user@]container` with `:context=C`. `podman.ts` is the same for podman.
 *
 * @module
 */

import { containerSpawn, nameOption, objectHop, objectOptions } from "./container.ts";
import type { Method } from "./method.ts";

/** What docker's and podman's own exit codes mean (the command inside exits with its own). */
export const DOCKER_EXITS: Record<number, string> = {
  125: "docker itself failed: no such container, or no daemon",
  126: "the command could not be invoked in the container",
};

/**
 * The method for a docker-style CLI called `program`, whose global option `--<key>` picks the
 * engine (docker's `context`, podman's `connection`).
 */
export function dockerStyle(program: string, key: string, summary: string): Method {
  return {
    name: program,
    syntax: `${program}:[user@]container[:${key}=C]`,
    summary,
    ...objectHop({ object: "container", user: true, keys: [key] }),
    options: objectOptions,
    spawn(options, facts) {
      const container = nameOption(options, "object");
      if (container === undefined) throw new TypeError("No container named");
      const engine = nameOption(options, key);
      const user = nameOption(options, "user");
      const argv = [program, ...(engine ? [`--${key}`, engine] : []), "exec", "-i"];
      if (user) argv.push("-u", user);
      argv.push(container);
      const exits = Object.fromEntries(
        Object.entries(DOCKER_EXITS).map(([code, why]) => [code, why.replace("docker", program)]),
      );
      return containerSpawn(argv, `${program}:${container}`, options, facts, exits);
    },
  };
}

/** The docker method. */
export const docker: Method = dockerStyle(
  "docker",
  "context",
  "exec into a running docker container",
);
