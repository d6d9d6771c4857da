/**
 * Entry point of the remote stage (stage 2). Bundled, minified, made into a function of its own
 * source and brotli-compressed at build time into `lib/stage/stage2_embedded.ts`; on the remote,
 * stage 1 evaluates it as a script and calls it. The same code runs as the router thread, as the
 * call worker (started again as a worker thread) and, on Deno, as the call host process that holds
 * that worker.
 *
 * @module
 */

import { isCallHost, runCallHost } from "./call_host.ts";
import { runCallWorker } from "./call_worker.ts";
import { runRemoteRouter } from "./remote_router.ts";
import { FRAMES_FD, OLD_RUNTIME_MARKER } from "../lib/wire/protocol.ts";
import { canLoadModules, runtimeName, runtimeVersion, threads } from "./runtime.ts";
import { dropStageEnv } from "../lib/stage/stage_env.ts";

/** This stage's own source, which the router starts its worker and children from: the parameter
 *  of the function the build makes this bundle into (`SOURCE_PARAMETER` in build.ts). Node's call
 *  worker, which starts nothing, is called without it. */
declare const stageSource: string;

// Read by the runtime as it started; user code sees the environment of the login.
dropStageEnv(process.env);
if (!threads.isMainThread) runCallWorker();
else if (isCallHost()) runCallHost();
else if (canLoadModules()) runRemoteRouter(stageSource);
else {
  // Before the preamble, so the master reads it as why this stage did not start.
  const version = `${runtimeName === "node" ? "v" : ""}${runtimeVersion}`;
  const marker = `${OLD_RUNTIME_MARKER} ${version}\n`;
  // Deno's node:fs writes to no raw descriptor; its own API opens the pipe again.
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  if (deno) deno.writeTextFileSync(`/proc/self/fd/${FRAMES_FD}`, marker, { append: true });
  else process.getBuiltinModule("node:fs").writeSync(FRAMES_FD, marker);
  process.exit(3);
}
