/**
 * A plugin loaded on demand.
 *
 * @module
 */

/** Names this plugin and the URL it was loaded under. */
export function describe(): string {
  return `literal at ${import.meta.url}`;
}
