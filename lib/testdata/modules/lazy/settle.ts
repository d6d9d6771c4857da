/** A static import of a lazily loaded module. */
export function settle(): number {
  return 21;
}
