/** The module the master calls in a context that another context was handed. */
export function f(): string {
  return "the master's code";
}
