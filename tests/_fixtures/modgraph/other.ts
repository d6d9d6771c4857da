/**
 * A second call target importing the same stateful module as `tasks.ts`: both must see one
 * instance of it in a context.
 *
 * @module
 */

import { bump as bumpShared, type CounterState } from "./state/counter.ts";

/** Increments the shared counter on behalf of this module. */
export function bump(): CounterState {
  return bumpShared("other");
}
