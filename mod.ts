/**
 * mitoctl: run your code on other machines over ssh, with nothing installed there.
 *
 * A {@linkcode Router} starts contexts (a Deno or Node process on this machine or on a remote
 * one, reached by the system OpenSSH client) and calls functions in them. The remote stage is
 * streamed over ssh's stdin and lives in memory; modules are served from this process.
 *
 * @example
 * ```ts
 * import { Router } from "./mod.ts";
 *
 * await using router = new Router();
 * const local = await router.local();
 * const host = await local.call<string>("node:os", "hostname");
 * console.log(host);
 * ```
 *
 * @module
 */

export { Router } from "./lib/master/router.ts";
export type {
  ConnectOptions,
  ContextOptions,
  HopSshOptions,
  LogLine,
  RouterOptions,
  SshContextOptions,
  SudoContextOptions,
} from "./lib/master/router.ts";
export { Context } from "./lib/master/context.ts";
export { Channel } from "./lib/master/channel.ts";
export { UnissuedHandle } from "./lib/wire/handle.ts";
export { pushAll } from "./lib/files/mod.ts";
export type {
  CompareMode,
  Progress,
  PullOptions,
  PushOptions,
  SyncOptions,
  TransferResult,
  TransferSummary,
} from "./lib/files/mod.ts";
export type { GatherResult, SettleOptions } from "./lib/master/gather.ts";
export { STREAM_WINDOW } from "./lib/master/context.ts";
export type { CallOptions, ContextStats, Remote, StreamOptions } from "./lib/master/context.ts";
export { exitCodeOf, processInput, runProcess } from "./lib/master/run_process.ts";
export type { RunEvent, RunOptions } from "./lib/master/run_process.ts";
export type { LocalOptions } from "./lib/methods/local.ts";
export type { SshOptions } from "./lib/methods/ssh.ts";
export type { SudoOptions } from "./lib/methods/sudo.ts";
export type { SuOptions } from "./lib/methods/su.ts";
export { allMethods, registerMethod } from "./lib/methods/registry.ts";
export {
  checkUser,
  shellQuote,
  stageCommand,
  stringOption,
  userHop,
} from "./lib/methods/method.ts";
export type {
  HopFields,
  HopSettings,
  LoginGuard,
  Method,
  MethodOptions,
  SpawnFacts,
  SpawnSpec,
} from "./lib/methods/method.ts";
export type { Prompting } from "./lib/methods/login.ts";
export type { RuntimeChoice } from "./lib/stage/stage1.ts";
export type { ContextInfo } from "./lib/master/context_info.ts";
export { exec, MAX_EXEC_OUTPUT } from "./lib/master/exec.ts";
export type { ExecOptions, ExecResult } from "./lib/master/exec.ts";
export {
  AuthenticationError,
  CommandError,
  ConnectionError,
  ExitCode,
  MitoctlError,
  ProtocolError,
  RefusedValueError,
  RemoteError,
  TimeoutError,
  UsageError,
} from "./lib/errors.ts";
export { DEFAULT_CONNECT_TIMEOUT, MAX_FRAME_SIZE } from "./lib/limits.ts";
export { parseTarget } from "./lib/methods/target.ts";
export { defineComponents } from "./lib/components/config.ts";
export type {
  ComponentsDefinition,
  ComponentSpec,
  ComponentsTransform,
  ConfigInput,
} from "./lib/components/config.ts";
export type { Hop } from "./lib/methods/target.ts";
