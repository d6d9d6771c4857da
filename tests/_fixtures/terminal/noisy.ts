/**
 * Remote code that tries to take over the terminal it is shown on: escapes that retitle the
 * window and clear the screen, a one-character CSI, a bidi override, and text that pretends to
 * be a line of another context or of mitoctl itself.
 *
 * @module
 */

/** Text no remote may get onto a terminal as it is. */
export const HOSTILE_TEXT = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202egnp.exe\rmitoctl: all good";

/** Logs hostile text on both streams and returns it. */
export function shout(): string {
  console.log(HOSTILE_TEXT);
  console.log("first\n[web9] forged line");
  console.error(HOSTILE_TEXT);
  return HOSTILE_TEXT;
}

/** Throws an error whose message is hostile text, over two lines. */
export function fail(): never {
  throw new Error(`${HOSTILE_TEXT}\n[web9] forged line`);
}
