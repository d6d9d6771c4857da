/**
 * State shared by every module that imports this one in a context.
 *
 * @module
 */

/** The counter after a bump, and who bumped it so far. */
export interface CounterState {
  count: number;
  by: string[];
}

let count = 0;
const by: string[] = [];

/** Counts one more bump by `who`. */
export function bump(who: string): CounterState {
  by.push(who);
  return { count: ++count, by: [...by] };
}
