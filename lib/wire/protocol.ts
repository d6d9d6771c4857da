/**
 * The wire protocol: message shapes only, no code. `docs/protocol.md` describes the frame layout
 * and the bootstrap sequence.
 *
 * Every message travels in one frame: `u32 length | u32 dst | u32 src | msgpack body`, where the
 * body is one of the {@linkcode Message} variants below. Routers read only `dst` and `src`;
 * payloads that user code produces (`args`, `value`, `error`) are nested msgpack documents
 * carried as binary so routers never decode them.
 *
 * @module
 */

/** Context id of the master. */
export const MASTER_ID = 0;

/** Written by a remote stage before its first frame, so the reader can skip shell noise. */
export const PREAMBLE = "\u0000mitoctl\u0001";

/**
 * The stage's file descriptor for frames out. The shell that starts stage 1 moves the stream the
 * other end reads there and points fd 1 at stderr, so that nothing else a stage process writes to
 * its stdout (user code, a child process it starts on its own stdout) lands among the frames.
 */
export const FRAMES_FD = 3;

/** Printed on the other end's stream by the stage-1 command when no runtime was found. */
export const NO_RUNTIME_MARKER = "mitoctl:no-runtime";

/**
 * Printed on stdout by stage 2 before the preamble, followed by a space and the runtime's version
 * (`v20.15.1` for Node, `2.7.14` for Deno), when the runtime cannot load modules from memory
 * (neither `module.registerHooks` nor `module.register`).
 */
export const OLD_RUNTIME_MARKER = "mitoctl:old-runtime";

/**
 * What stage 1 dies of on a runtime without `process.getBuiltinModule`, which it calls `m`
 * (Node before 20.16, early Deno 2); Node's last line of stderr then names its version.
 */
export const NO_BUILTIN_MODULE_ERROR = "TypeError: m is not a function";

/** The oldest runtimes a remote stage runs on, as the refusal of an older one names them. */
export const RUNTIMES_NEEDED = "Node 20.16 or later, or Deno 2.8 or later";

/** A module as the master sends it: JavaScript (types stripped) or JSON text, by master URL. */
export interface ModuleEntry {
  url: string;
  source: string;
  json?: boolean;
}

/** remote → parent, first frame: proof of life and facts about the remote. */
export interface Hello {
  t: "hello";
  runtime: "deno" | "node";
  version: string;
  pid: number;
  host: string;
  user: string;
}

/** parent → remote, first frame: who the remote is. */
export interface Init {
  t: "init";
  /** The remote's own context id. */
  id: number;
  name: string;
  /** Process title to set (`mitoctl:<user>@<masterhost>:<pid>`). */
  title: string;
  /** Context id of the parent (0: the master). */
  parent: number;
  /** Ids of every ancestor, master first: the only contexts allowed to call into this one. */
  ancestors: number[];
  /** Largest frame body this context may send, when the master set one other than the default. */
  maxFrame?: number;
}

/**
 * How to start a child context: a connection method the parent has built in, by name, and the
 * options the master made for it. The parent builds the argv with its own method code.
 */
export interface ChildMethod {
  method: string;
  options: Record<string, unknown>;
}

/** ancestor → a context: start child context `id` behind you. */
export interface Open {
  t: "open";
  id: number;
  name: string;
  title: string;
  child: ChildMethod;
  /** How long the child may take to come up, in ms. */
  connectTimeout: number;
  /** Deflate-raw code that starts children, sent with a context's first open only. */
  code?: Uint8Array;
  /** Report the child's argv to the master as a debug log line (`mitoctl -v`). */
  verbose?: true;
}

/**
 * master → parent of a context: keep these modules, and hand child `for` the module set `set`
 * when it asks. A set is named once per parent (with `urls`); later children get it by number,
 * so twenty contexts behind one bastion cost the master's link the module names once too.
 */
export interface Stash {
  t: "stash";
  for: number;
  /** Modules the parent lacks. */
  modules: ModuleEntry[];
  set: number;
  /** The set's modules, the first time the parent hears of it. */
  urls?: string[];
}

/** master → a router on the way: frames for context `id` go where frames for `via` go. */
export interface Route {
  t: "route";
  id: number;
  via: number;
}

/** ancestor → parent of `id`: end context `id` and everything behind it. */
export interface Close {
  t: "close";
  id: number;
}

/** parent of `id` → master: context `id` ended, or never started, and why. */
export interface Gone {
  t: "gone";
  id: number;
  error?: string;
  /**
   * "auth" when a password was refused or missing, "timeout" when it did not start in time,
   * "protocol" when it broke the protocol (a bad frame, noise without end, a frame cut short).
   */
  kind?: "auth" | "timeout" | "protocol";
  /**
   * The error is the words of the child's failed boot (`Cannot connect to "web1": …`), which
   * name the hop already, as a first hop's failure reads; absent for the parent's own refusals.
   */
  boot?: true;
}

/** Run `fn` exported by `mod` with `args`. */
export interface Call {
  t: "call";
  id: number;
  mod: string;
  fn: string;
  /** msgpack-encoded argument array. */
  args: Uint8Array;
  /** Modules the remote lacks, pushed along with the call. */
  modules?: ModuleEntry[];
  /**
   * A set of modules the remote lacks that its parent holds for it (see {@linkcode Stash}):
   * fetched from there in one request.
   */
  need?: number;
  /**
   * Set for a stream: the function returns an (async) iterable whose values come back as
   * {@linkcode Item}s, at most this many ahead of what the master consumed.
   */
  credit?: number;
}

/** Extension type of a context handle in call arguments and results: payload `[id, name]`. */
export const CONTEXT_EXT = 16;

/** Extension type of a channel in call arguments: payload the channel's id. */
export const CHANNEL_EXT = 17;

/** master ↔ context: a value on channel `ch`, or its end. */
export interface Chan {
  t: "chan";
  ch: number;
  /** msgpack-encoded value; absent with `end`. */
  value?: Uint8Array;
  end?: true;
}

/** master → a context: context `from` was handed this context and may call into it. */
export interface Grant {
  t: "grant";
  from: number;
}

/** master → a context: the call that handed it to context `from` has ended (one grant less). */
export interface Revoke {
  t: "revoke";
  from: number;
}

/** remote → caller: one value of a streamed call. */
export interface Item {
  t: "item";
  id: number;
  /** msgpack-encoded value. */
  value: Uint8Array;
}

/** caller → remote: the stream of call `id` may send `n` more items. */
export interface Credit {
  t: "credit";
  id: number;
  n: number;
}

/** caller → remote: the consumer of stream `id` is done; end the iterator (its finally runs). */
export interface Stop {
  t: "stop";
  id: number;
}

/** A call's result. */
export interface Ok {
  t: "ok";
  id: number;
  /** msgpack-encoded return value. */
  value: Uint8Array;
}

/** A call's failure. */
export interface Err {
  t: "err";
  id: number;
  /** msgpack-encoded Error. */
  error: Uint8Array;
}

/** Stop call `id`: its worker is ended, so other calls running in it fail too. */
export interface Cancel {
  t: "cancel";
  id: number;
}

/** remote → master: a module the remote needs and was not sent. */
export interface ModuleRequest {
  t: "mreq";
  id: number;
  url: string;
  /** A module set stashed for the asker (a child asking its parent); `url` is then empty. */
  set?: number;
}

/** master → remote: the answer to a {@linkcode ModuleRequest}. */
export interface ModuleReply {
  t: "mres";
  id: number;
  module?: ModuleEntry;
  /** The modules of a request for a set. */
  modules?: ModuleEntry[];
  /** Why the module is not served, when it is not. */
  error?: string;
}

/** remote → master: a line of diagnostics. */
export interface Log {
  t: "log";
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  /** Set for what user code wrote: its console or process.stdout/stderr. */
  stream?: "stdout" | "stderr";
}

/** parent → remote: exit now. */
export interface Bye {
  t: "bye";
}

/** Every message kind. */
export type Message =
  | Hello
  | Init
  | Call
  | Ok
  | Err
  | Cancel
  | ModuleRequest
  | ModuleReply
  | Log
  | Bye
  | Open
  | Route
  | Close
  | Gone
  | Stash
  | Item
  | Credit
  | Stop
  | Grant
  | Revoke
  | Chan;
