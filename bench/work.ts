/**
 * The work bench calls ask of a context from a module of the caller's own, as users call their
 * `tasks.ts`: the master sends it with the first call, and the context holds it for the rest.
 * `mitogen_work.py` holds the same functions for Mitogen.
 *
 * @module
 */

/** Does nothing: a call of it times the round trip of a call into the caller's own module. */
export function nothing(): null {
  return null;
}
