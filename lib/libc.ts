/**
 * The C library through Deno's FFI, for the few calls Deno has no API for (a memfd, a file
 * descriptor's flags). Linux; glibc first, then musl.
 *
 * @module
 */

/** Where the C library is looked for, in order. */
export const LIBC_NAMES: readonly string[] = [
  "libc.so.6",
  "libc.musl-x86_64.so.1",
  "libc.musl-aarch64.so.1",
];

/**
 * Opens the C library with `symbols`. Throws an Error that says what needed it (`purpose`) and
 * why it failed: no FFI permission, or no C library found.
 */
export function openLibc<const S extends Deno.ForeignLibraryInterface>(
  symbols: S,
  purpose: string,
): Deno.DynamicLibrary<S> {
  let last: unknown;
  for (const name of LIBC_NAMES) {
    try {
      return Deno.dlopen(name, symbols);
    } catch (e) {
      last = e;
      if (e instanceof Deno.errors.NotCapable) break;
    }
  }
  throw new Error(
    `${purpose} needs the C library through Deno's FFI: ${(last as Error).message} ` +
      "(run with --allow-ffi, on Linux)",
  );
}
