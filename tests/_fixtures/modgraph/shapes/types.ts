/**
 * Types only: every importer names it in a type-only import (`import type`, `{ type … }`), so
 * stripping types removes those imports and the master never sends this module.
 *
 * @module
 */

/** What `describe()` in `tasks.ts` returns. */
export interface Report {
  url: string;
  swatchUrl: string;
  config: string;
  cycle: string;
  shade: string;
  painted: string;
  weight: number;
}

/** Anything that has a shade. */
export interface Shaded {
  readonly shade: number;
}
