/**
 * mitoctl's own program, where code runs inside it: the compiled binary (`deno compile`), which
 * cannot run `deno eval`, or `main.ts` itself run as a local context's stage 1. What such code
 * starts of mitoctl (a local context's stage 1 from the master; from that stage, Deno's call host,
 * child contexts and the ssh askpass) it starts through that program and a flag. Elsewhere, the
 * runtime running the code starts it (`deno eval`, `node -e`).
 *
 * @module
 */

import { RUN_STAGE_JS } from "./run_stage.ts";

/** The flag that makes mitoctl's program a stage 1; the stage-2 size follows. */
export const SELF_STAGE1_FLAG = "--mitoctl-stage1";

/** The flag that makes mitoctl's program Deno's call host; its two arguments follow. */
export const SELF_HOST_FLAG = "--mitoctl-host";

/** Where {@linkcode setSelf} keeps the program's argv, on the global object: a stage that runs
 *  inside the program finds it there (the stage is evaluated code, it has no `import.meta`). */
const SELF = "mitoctlSelf";

/** Records `argv` as what starts this program again, before one of its flags. */
export function setSelf(argv: readonly string[]): void {
  (globalThis as Record<string, unknown>)[SELF] = argv;
}

/** What starts this program again, where code runs inside mitoctl's own program. */
export function selfArgv(): readonly string[] | undefined {
  return (globalThis as Record<string, unknown>)[SELF] as readonly string[] | undefined;
}

/** Set on the global object of Deno's call host before the stage loads. */
export const HOST_FLAG = "mitoctlHost";

/** Deno's call host: `deno eval <HOST_JS> <page> <n>`, or the program's {@linkcode SELF_HOST_FLAG}
 *  with the same two. It reads the stage's source (n bytes) from stdin and runs it as stage 1
 *  does; `page` is the router's descriptor of the counts' page, or -1. */
export const HOST_JS =
  `globalThis.${HOST_FLAG}=1;var p=process,r=p.getBuiltinModule("fs").readSync,` +
  "n=+p.argv.at(-1),b=Buffer.alloc(n),s,f;for(var o=0;o<n;)o+=r(0,b,o,n-o)||p.exit();" +
  `s=b+"";${RUN_STAGE_JS}`;

/** argv that starts Deno's call host with `page` and a stage of `n` bytes. */
export function hostArgv(page: number, n: number): string[] {
  const self = selfArgv();
  const args = [`${page}`, `${n}`];
  return self
    ? [...self, SELF_HOST_FLAG, ...args]
    : [process.execPath, "eval", "--ext=js", "--no-config", HOST_JS, ...args];
}
