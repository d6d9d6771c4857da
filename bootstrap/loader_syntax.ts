/**
 * Where a module's syntax error is. Deno's message ends with `at <url>:<line>:<column>`; Node
 * keeps that place to itself unless the error goes uncaught, so on Node a child `node` compiles
 * the candidate modules (without running them) and lets the error go uncaught.
 *
 * @module
 */

import type { ModuleEntry } from "../lib/wire/protocol.ts";

/** How long the child that compiles the candidates may take, in milliseconds. */
export const LOCATE_TIMEOUT = 10_000;

// Reads `[url, source][]` on stdin and compiles each as a module; the first syntax error goes
// uncaught, so Node prints `<url>:<line>`, the line and a caret under the column.
const COMPILE_ALL = 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{' +
  'for(const[u,s]of JSON.parse(d))new(require("vm").SourceTextModule)(s,{identifier:u})})';

/**
 * Adds ` at <url>:<line>:<column>` to the message and stack of a `SyntaxError` that Node threw
 * while compiling one of `candidates` (tried in order), as Deno does itself. Any other error is
 * left alone, and so is one whose message differs from the first error the candidates hold.
 */
export function locateSyntaxError(error: unknown, candidates: Iterable<ModuleEntry>): void {
  // Only Node's module compiler: a `JSON.parse` error thrown by user code is no module's fault.
  if (!(error instanceof SyntaxError) || !error.stack?.includes("compileSourceTextModule")) return;
  const sources = [...candidates].filter((m) => !m.json).map((m) => [m.url, m.source]);
  const { stderr } = process.getBuiltinModule("node:child_process").spawnSync(
    process.execPath,
    ["--no-warnings", "--experimental-vm-modules", "-e", COMPILE_ALL],
    { input: JSON.stringify(sources), encoding: "utf8", timeout: LOCATE_TIMEOUT },
  );
  const place = /^(\S+):(\d+)\n.*\n( *)\^+\n\nSyntaxError: (.*)/m.exec(stderr ?? "");
  if (!place || place[4] !== error.message) return;
  const at = ` at ${place[1]}:${place[2]}:${place[3]!.length + 1}`;
  const stack = error.stack;
  const head = `${error.name}: ${error.message}`;
  error.message += at;
  error.stack = stack.startsWith(head) ? head + at + stack.slice(head.length) : stack;
}
