/**
 * A synthetic TypeScript module graph for the module-graph figures: `count` modules that import
 * each other in a web (each imports its next two neighbours and one far module, and most import
 * the root back, so there are cycles), each carrying typed helper functions the master has to
 * strip. Pure: returns file names and sources; the caller writes them.
 *
 * @module
 */

/** Options of {@linkcode generateGraph}. */
export interface GraphOptions {
  /** Modules in the graph; default 150. */
  count?: number;
  /** Typed helper functions per module, which set each file's size; default 22 (~11 KB). */
  helpers?: number;
}

/** A generated graph. */
export interface GeneratedGraph {
  /** Source of each module, by file name (`m000.ts`). */
  files: Record<string, string>;
  /** File name of the module to call: it reaches every other one. */
  root: string;
  /** Export of `root` to call with a number; it returns a number. */
  entry: string;
  /** UTF-8 bytes of all sources together. */
  bytes: number;
}

/** File name of module `i`. */
function fileName(i: number): string {
  return `m${String(i).padStart(3, "0")}.ts`;
}

/**
 * The graph: module 0 is the root and reaches every other module through static imports.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateGraph } from "./generated_graph.ts";
 * const graph = generateGraph({ count: 3, helpers: 1 });
 * assert.deepEqual(Object.keys(graph.files), ["m000.ts", "m001.ts", "m002.ts"]);
 * ```
 */
export function generateGraph(options: GraphOptions = {}): GeneratedGraph {
  const count = options.count ?? 150;
  const helpers = options.helpers ?? 22;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`Invalid module count ${count}: expected a positive integer`);
  }
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const deps = [...new Set([i + 1, i + 2, 3 * i + 5])].filter((d) => d < count);
    const lines = [`// Module ${i} of a generated graph of ${count}.`];
    for (const d of deps) lines.push(`import { step${d} } from "./${fileName(d)}";`);
    // Importing the root back closes a cycle through every module.
    if (i > 0 && i % 3 !== 0) lines.push(`import { weight } from "./${fileName(0)}";`);
    lines.push(
      "",
      `export interface Record${i} {`,
      "  readonly id: number;",
      "  label: string;",
      "  tags?: readonly string[];",
      "}",
      "",
      `type Pair${i}<T> = [key: string, value: T];`,
    );
    for (let k = 0; k < helpers; k++) {
      lines.push(
        "",
        `/** Groups records by label, helper ${k} of module ${i}. */`,
        `export function group${k}(rows: readonly Record${i}[], limit: number = ${k + 1}): ` +
          `Map<string, Record${i}[]> {`,
        `  const out = new Map<string, Record${i}[]>();`,
        "  for (const row of rows.slice(0, limit)) {",
        "    const list: Record" + i + "[] = out.get(row.label) ?? [];",
        "    list.push(row as Record" + i + ");",
        "    out.set(row.label, list);",
        "  }",
        "  return out;",
        "}",
        "",
        `export function pair${k}<T>(key: string, value: T): Pair${i}<T> {`,
        `  return [key + "${k}", value] satisfies Pair${i}<T>;`,
        "}",
      );
    }
    // Functions are initialised before any module of a cycle runs, so reading them here is safe.
    const links = deps.map((d) => `step${d}`).join(", ");
    lines.push("", `export const links${i}: number = [${links}].length;`, "");
    if (i === 0) lines.push("export const weight: number = 1;", "");
    lines.push(
      "/** This module's weight plus `n`. */",
      `export function step${i}(n: number): number {`,
      `  return n + ${i === 0 ? "1" : "weight"};`,
      "}",
      "",
    );
    if (i === 0) {
      lines.push(
        "/** Returns `n + 1` once every module of the graph has been evaluated. */",
        "export function run(n: number): number {",
        "  return step0(n);",
        "}",
        "",
      );
    }
    files[fileName(i)] = lines.join("\n");
  }
  const encoder = new TextEncoder();
  const bytes = Object.values(files).reduce((n, text) => n + encoder.encode(text).length, 0);
  return { files, root: fileName(0), entry: "run", bytes };
}
