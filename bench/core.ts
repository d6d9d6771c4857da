/**
 * The core figure groups, in the order they run: bootstrap bytes, connect, call round trip,
 * spawning calls, local contexts.
 *
 * @module
 */

import { bootstrapGroup } from "./bootstrap.ts";
import { callGroup } from "./call.ts";
import { connectGroup } from "./connect.ts";
import type { Group } from "./group.ts";
import { localGroup } from "./local.ts";
import { spawnGroup } from "./spawn.ts";

/** Every core group; more families of figures are appended by the entry point. */
export const CORE_GROUPS: readonly Group[] = [
  bootstrapGroup,
  connectGroup,
  callGroup,
  spawnGroup,
  localGroup,
];
