/**
 * The module `ctx.eval(fn)` sends: `fn`'s source as a `data:` URL whose default export is `fn`.
 * A function that uses variables from its enclosing scope cannot work on the remote, where they
 * do not exist: its free variables are found with a real parser (acorn) and such a function is
 * refused before anything is sent, naming them. Globals are free to use.
 *
 * @module
 */

/** Globals of the remote runtimes that the master (Deno) may lack. */
const REMOTE_GLOBALS = new Set([
  "global",
  "require",
  "module",
  "exports",
  "__dirname",
  "__filename",
]);

/** Turns `fn` into the `data:` URL of a module exporting it; throws a TypeError when it cannot
 *  travel (not a function, native or bound, or it uses variables from outside it). */
export async function evalSpecifier(fn: unknown): Promise<string> {
  if (typeof fn !== "function") throw new TypeError("eval() takes a function");
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith("{ [native code] }")) {
    throw new TypeError("eval() cannot send a native or bound function");
  }
  // Method shorthand (`f(a) {…}`) is not an expression; give it the `function` keyword.
  const expr = /^(async\s+)?(function\b|\(|[\w$]+\s*=>)/.test(source)
    ? source
    : source.replace(/^(async\s+)?/, "$1function ");
  const captured = await freeVariables(`(${expr});`);
  if (captured.length) {
    const names = captured.map((n) => `"${n}"`).join(", ");
    throw new TypeError(
      `eval() cannot send a function that uses variables from its enclosing scope: ${names} ` +
        `(pass them as arguments)`,
    );
  }
  const body = new TextEncoder().encode(`export default (${expr});\n`);
  let bin = "";
  for (const b of body) bin += String.fromCharCode(b);
  return `data:text/javascript;base64,${btoa(bin)}`;
}

/** Names `code` uses but does not declare, less the globals. */
async function freeVariables(code: string): Promise<string[]> {
  const { default: findGlobals } = await import("npm:acorn-globals@7.0.1");
  let found: { name: string }[];
  try {
    found = findGlobals(code);
  } catch (e) {
    throw new TypeError(`eval() cannot send this function: its source does not parse (${e})`);
  }
  const names = new Set(found.map((g) => g.name));
  return [...names].filter((n) => !(n in globalThis) && !REMOTE_GLOBALS.has(n)).sort();
}
