/**
 * The `podman` connection method: as `docker`, with podman's CLI, whose `--connection C` picks
 * the engine. Hop: `podman:[user@]container` with `:connection=C`.
 *
 * @module
 */

import { dockerStyle } from "./docker.ts";
import type { Method } from "./method.ts";

/** The podman method. */
export const podman: Method = dockerStyle(
  "podman",
  "connection",
  "exec into a running podman container",
);
