/**
 * Entry point of the remote stage (stage 2). Bundled, minified and brotli-compressed at build
 * time into `lib/stage2_embedded.ts`; on the remote, stage 1 imports it from a `data:` URL. The
 * same bundle runs as the router thread and, started again as a worker, as the call worker.
 *
 * @module
 */

import { runCallWorker } from "./call_worker.ts";
import { runRemoteRouter } from "./remote_router.ts";
import { threads } from "./runtime.ts";

if (threads.isMainThread) runRemoteRouter(import.meta.url);
else runCallWorker();
