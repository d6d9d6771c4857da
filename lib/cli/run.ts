/**
 * `mitoctl run <targets> -- <command> [args…]`: a command on one or many targets, its output
 * streamed live with stdout and stderr kept apart.
 *
 * @module
 */

import type { Context } from "../master/context.ts";
import { CommandError, ExitCode, TimeoutError, UsageError } from "../errors.ts";
import {
  fanOut,
  fleetExitCode,
  type FleetHost,
  type HostResult,
  isSingleTarget,
} from "../fleet/fanout.ts";
import { summaryLines } from "./fleet.ts";
import { exitCodeOf, processInput, runProcess } from "../master/run_process.ts";
import { CONNECT_FLAGS, FLEET_FLAGS, fleetOptions, parse } from "./args.ts";
import { cliRouter } from "./log.ts";
import { showValue } from "./output.ts";
import { HELP_RUN } from "./run_help.ts";
import { escapeControls, remoteLines, TerminalStream } from "./terminal_text.ts";
import { commandOptions, hostsOf } from "./targets.ts";

/** Writes `bytes` fully to `stream`. */
export async function writeAll(stream: typeof Deno.stdout, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await stream.write(bytes.subarray(at));
}

/** Whether output to `stream` is shown escaped: it is a terminal and `--raw` was not given. */
function escapes(stream: typeof Deno.stdout, raw: boolean): boolean {
  return !raw && stream.isTerminal();
}

/** Passes a host's output to `stream`, escaped when {@linkcode escapes} says so. */
class Passer {
  readonly #stream: typeof Deno.stdout;
  readonly #terminal: TerminalStream | undefined;
  constructor(stream: typeof Deno.stdout, raw: boolean) {
    this.#stream = stream;
    this.#terminal = escapes(stream, raw) ? new TerminalStream() : undefined;
  }
  write(data: Uint8Array): Promise<void> {
    return writeAll(this.#stream, this.#terminal ? this.#terminal.push(data) : data);
  }
  async flush(): Promise<void> {
    if (this.#terminal) await writeAll(this.#stream, this.#terminal.push());
  }
}

/**
 * Prefixes each line of a host's output with its name, holding an unfinished line back;
 * escaped when {@linkcode escapes} says so.
 */
class Prefixer {
  #partial = "";
  readonly #decoder = new TextDecoder();
  readonly #prefix: string;
  readonly #stream: typeof Deno.stdout;
  readonly #escape: boolean;
  constructor(prefix: string, stream: typeof Deno.stdout, raw: boolean) {
    this.#prefix = prefix;
    this.#stream = stream;
    this.#escape = escapes(stream, raw);
  }
  async write(data: Uint8Array): Promise<void> {
    const lines = (this.#partial + this.#decoder.decode(data, { stream: true })).split("\n");
    this.#partial = lines.pop()!;
    if (lines.length) await this.#emit(lines);
  }
  async flush(): Promise<void> {
    if (this.#partial) await this.#emit([this.#partial]);
    this.#partial = "";
  }
  #emit(lines: string[]): Promise<void> {
    const text = lines.map((l) => `${this.#prefix}${this.#escape ? escapeControls(l) : l}\n`)
      .join("");
    return writeAll(this.#stream, new TextEncoder().encode(text));
  }
}

/** How {@linkcode runOn} runs a command. */
interface RunOnOptions {
  shell: boolean;
  stdin: boolean;
  /** `--raw`: output bytes pass to a terminal as they are. */
  raw: boolean;
  prefix?: string;
  /** Ctrl-C: the command gets SIGINT, then SIGKILL, and runOn returns 130 once it ended. */
  signal: AbortSignal;
  /** `--timeout`, in ms: the command is stopped the same way and a TimeoutError thrown. */
  timeout?: number;
}

/** Runs `argv` on `ctx`, writing its output as it comes; returns its exit code. */
async function runOn(ctx: Context, argv: string[], options: RunOnOptions): Promise<number> {
  const { prefix, raw } = options;
  const out = prefix === undefined
    ? new Passer(Deno.stdout, raw)
    : new Prefixer(prefix, Deno.stdout, raw);
  const err = prefix === undefined
    ? new Passer(Deno.stderr, raw)
    : new Prefixer(prefix, Deno.stderr, raw);
  const timeout = options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout);
  const signal = timeout ? AbortSignal.any([options.signal, timeout]) : options.signal;
  try {
    let code: number = ExitCode.remote;
    const events = runProcess(ctx, argv, {
      signal,
      stdin: options.stdin,
      ...(options.shell ? { shell: true } : {}),
    });
    for await (const e of events) {
      if (e.t === "start") {
        if (options.stdin) void pumpStdin(ctx, e.handle);
      } else if (e.t === "out") {
        await (e.fd === 1 ? out : err).write(e.data);
      } else code = exitCodeOf(e);
    }
    return code;
  } catch (e) {
    if (options.signal.aborted) {
      if (e !== options.signal.reason) {
        console.error(remoteLines("mitoctl: ", (e as Error).message, "  "));
      }
      return INTERRUPTED;
    }
    if (timeout?.aborted) {
      throw new TimeoutError(
        `Command ${showValue(argv.join(" "))} on "${ctx.name}" timed out after ` +
          `${options.timeout! / 1000} s`,
      );
    }
    throw e;
  } finally {
    await out.flush();
    await err.flush();
  }
}

/** Exit code after Ctrl-C. */
const INTERRUPTED = 130;

/** `mitoctl run`. */
export async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals, rest } = parse(
    argv,
    { ...CONNECT_FLAGS, ...FLEET_FLAGS, shell: { type: "boolean" }, raw: { type: "boolean" } },
    1,
  );
  if (values.help) {
    console.log(HELP_RUN);
    return ExitCode.ok;
  }
  const spec = positionals[0];
  if (spec === undefined || rest.length === 0) {
    throw new UsageError("Usage: mitoctl run [flags] <targets> -- <command> [args…]");
  }
  const { forks } = fleetOptions(values, (name) => Deno.env.get(name));
  const hosts = await hostsOf([spec], values, await commandOptions(values));
  await using router = cliRouter(values);
  const shell = values.shell === true;
  const raw = values.raw === true;
  // --timeout: how long the command may run on each host.
  const common = (host: FleetHost) => {
    const timeout = host.options.timeout;
    return { shell, raw, signal, ...(timeout === undefined ? {} : { timeout }) };
  };
  if (isSingleTarget([spec])) {
    const host = hosts[0]!;
    // Piped input goes to the one process; a terminal's is not read.
    const stdin = !Deno.stdin.isTerminal();
    try {
      return await runOn(router.open(host.target, host.options), rest, { ...common(host), stdin });
    } catch (e) {
      if (signal.aborted) return INTERRUPTED;
      throw e;
    }
  }
  const started = performance.now();
  const results = new Map<FleetHost, HostResult<number>>();
  const work = async (ctx: Context, host: FleetHost) => {
    const code = await runOn(ctx, rest, {
      ...common(host),
      stdin: false,
      prefix: `${host.label}: `,
    });
    if (code !== 0) throw new CommandError(`exit ${code}`, code);
    return code;
  };
  for await (const r of fanOut(router, hosts, work, forks === undefined ? {} : { forks })) {
    results.set(r.host, r);
  }
  // In the targets' order, as the summary says, not the order they finished in.
  const ordered = hosts.flatMap((h) => results.get(h) ?? []);
  for (const line of summaryLines(ordered, performance.now() - started)) console.error(line);
  return signal.aborted ? INTERRUPTED : fleetExitCode(ordered);
}

/** Forwards this process's stdin to the remote process, then closes it there. */
export async function pumpStdin(ctx: Context, handle: number): Promise<void> {
  try {
    for await (const chunk of Deno.stdin.readable) await processInput(ctx, handle, chunk);
    await processInput(ctx, handle);
  } catch {
    // The process ended or the context went away: its exit reports why.
  }
}
