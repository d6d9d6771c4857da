/**
 * Named limits shared by the master and the remote stage. Crossing one fails the operation (or, for
 * a frame arriving from a peer, closes that stream) with an error that quotes the limit.
 *
 * @module
 */

/** Largest frame body accepted or sent, in bytes: 64 MiB. */
export const MAX_FRAME_SIZE = 64 * 1024 * 1024;

/** Bytes a remote may print before its first frame (login banners, rc-file noise): 64 KiB. */
export const MAX_PREAMBLE_NOISE = 64 * 1024;

/**
 * Longest unfinished line of remote output the master holds back waiting for its end, in
 * characters: 64 Ki. A longer one is passed on as it is.
 */
export const MAX_OUTPUT_LINE = 64 * 1024;

/** Tail of a child's stderr kept for error messages, in bytes. */
export const STDERR_TAIL = 8 * 1024;

/** How long a new context may take to say hello, in milliseconds: 30 s. */
export const DEFAULT_CONNECT_TIMEOUT = 30_000;

/** How long `close()` waits for a remote to exit before killing its process, in milliseconds. */
export const CLOSE_GRACE = 2_000;

/**
 * Budget for the compressed remote stage, in bytes: 13.5 KiB, about 72% of Mitogen's 19,108-byte
 * bootstrap. It grew past 8 KiB with exact strings, static-method calls and counted grants, past
 * 9 KiB with the shared router core, the frame limit at every depth and Deno's call host, past
 * 11 KiB with Deno's own stdin reads (a quarter less router CPU per call there), past 11.5 KiB
 * with Node's worker writing its own replies (lib/transport/shared_frames.ts: a local round trip
 * a fifth faster, four system calls fewer per call), past 12 KiB with Deno's call host doing
 * the same (lib/transport/deno_frames.ts: a call into user code about 40 µs faster over ssh), and
 * past 13 KiB with the stage's own environment kept from user code (lib/stage/stage_env.ts: on
 * Deno, a first import of a TypeScript module no longer waits 150 ms, and programs user code
 * starts get a cache directory) and with a stage inside the compiled binary starting its call host
 * through the binary (lib/stage/self.ts), and past 13.25 KiB with user output gathered
 * (`captureOutput` in bootstrap/call_worker.ts: 10,000 printed lines in 7 messages, not 10,001,
 * and 3 to 4 times faster).
 */
export const STAGE2_LIMIT = 13.5 * 1024;

/**
 * Most bytes the one shell command that starts stage 1 may take, runtime detection and watchdog
 * included. Raised from 650 when stage 1 learned to run stage 2 both as a script (no module loader
 * to set up: Node 6 ms, Deno 15 ms less CPU per context) and, where a runtime refuses to evaluate
 * strings, as a module.
 */
export const STAGE1_LIMIT = 750;
