/**
 * User code gone bad: it imports whatever it is told to, through a computed specifier the master
 * cannot see coming, so every module it reaches must be asked for and judged at run time.
 *
 * @module
 */

/** Imports `specifier` and names its exports. */
export async function grab(specifier: string): Promise<string[]> {
  const imported: Record<string, unknown> = await import(specifier);
  return Object.keys(imported);
}
