/**
 * The `incus` connection method: as `lxc`, with Incus's client.
 *
 * @module
 */

import { lxcStyle } from "./lxc.ts";
import type { Method } from "./method.ts";

/** The incus method. */
export const incus: Method = lxcStyle("incus", "exec into a running Incus instance");
