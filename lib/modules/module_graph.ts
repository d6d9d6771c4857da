/**
 * Ordering a module graph for evaluation. Pure: works on records already loaded.
 *
 * @module
 */

/** The part of a module record that ordering needs. */
export interface GraphNode {
  /** Static dependencies, by URL, in import order. */
  readonly deps: readonly string[];
}

/**
 * The modules reachable from `root` through `deps`, dependencies before their dependents and
 * `root` last. In a cycle, the module reached first comes after the others of its cycle, which is
 * the order ES module evaluation uses. URLs missing from `nodes` are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dependencyOrder } from "./module_graph.ts";
 * const nodes = new Map([["a", { deps: ["b"] }], ["b", { deps: [] }]]);
 * assert.deepEqual(dependencyOrder("a", nodes), ["b", "a"]);
 * ```
 */
export function dependencyOrder(root: string, nodes: ReadonlyMap<string, GraphNode>): string[] {
  const out: string[] = [];
  if (!nodes.has(root)) return out;
  const entered = new Set([root]);
  // Iterative depth-first walk: deep chains must not exhaust the call stack.
  const stack: { url: string; next: number }[] = [{ url: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const deps = nodes.get(top.url)?.deps ?? [];
    if (top.next < deps.length) {
      const dep = deps[top.next++]!;
      if (!entered.has(dep) && nodes.has(dep)) {
        entered.add(dep);
        stack.push({ url: dep, next: 0 });
      }
    } else {
      stack.pop();
      out.push(top.url);
    }
  }
  return out;
}
