/**
 * Remote generators for the stream figures. The master serves this module to the contexts from
 * memory; nothing here runs on the master.
 *
 * @module
 */

/**
 * Yields `n` chunks of `size` bytes, a fresh `Uint8Array` each, as a producer reading a file or
 * a socket would.
 */
export async function* chunks(n: number, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield new Uint8Array(size).fill(i % 256);
}
