/**
 * How stage 2 is run from its source: see {@linkcode RUN_STAGE_JS}.
 *
 * @module
 */

/**
 * How stage 1 runs stage 2's source, held in its variable `s` (with `f` a variable of its own):
 * stage 2 is a function expression (see `bootstrap/build.ts`), evaluated as a script and called
 * with that source; a script needs none of the module loader, which costs each runtime
 * milliseconds to set up. Where the runtime refuses to evaluate strings
 * (`--disallow-code-generation-from-strings`, which hardened hosts put in `NODE_OPTIONS` or
 * `DENO_V8_FLAGS`), the same function is the default export of a module imported from a `data:`
 * URL. The one rule for stage 1 (`STAGE1_JS` in stage1.ts), the compiled binary's stage 1 and
 * Deno's call host; a module of its own, so that the remote stage's bundle carries nothing else
 * of stage 1.
 */
export const RUN_STAGE_JS = "try{f=(0,eval)(s)}catch{}f?f(s):" +
  'import("data:text/javascript,export default "+encodeURIComponent(s)).then(x=>x.default(s))';
