/**
 * The environment a remote stage runs with, and what of it user code does not see.
 *
 * @module
 */

/**
 * What the stage's Deno processes start with. `DENO_DIR=/dev/null`: Deno keeps its caches there,
 * and `/dev/null` cannot be a directory, so it writes none. `DENO_EMIT_CACHE_MODE=disable`:
 * where a module's file exists at its path on the remote's disk, Deno reads it before the stage's
 * hooks serve the module, may try to cache what it transpiled (as for a module that imports
 * another) and, the write failing, retries it with sleeps that add up to 150 ms. Stage 1
 * sets the first (the router imports no module); Deno's call host and a component's supervisor
 * are started with both. Deno reads them as it starts.
 */
export const DENO_STAGE_ENV: Readonly<Record<string, string>> = {
  DENO_DIR: "/dev/null",
  DENO_EMIT_CACHE_MODE: "disable",
};

/**
 * Takes out of `env` what only the stage's own start needed: {@linkcode DENO_STAGE_ENV}'s values,
 * and `DENO_EXTRA_STDIO_FDS`, which Deno sets on a child it hands descriptors past stderr. So
 * user code, and every program it starts (`mitoctl run`, components, a `deno run` of its own),
 * sees the environment of the login, not the stage's.
 */
export function dropStageEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(DENO_STAGE_ENV)) if (env[k] === v) delete env[k];
  delete env.DENO_EXTRA_STDIO_FDS;
}
