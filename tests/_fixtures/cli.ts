/**
 * Runs the `mitoctl` command line (`main.ts`) in a child process with the Deno running the tests,
 * the way a user would, and captures what it prints.
 *
 * ```ts ignore
 * const { code, stdout } = await runCli(["call", "local", "node:os#hostname"]);
 * ```
 *
 * @module
 */

import { repoRoot } from "./runtimes.ts";

/** Options of {@linkcode runCli} and {@linkcode startCli}. */
export interface CliOptions {
  /** Working directory; default: the repository root. */
  cwd?: string;
  /** Extra environment variables. Default: none. */
  env?: Record<string, string>;
  /** Kills the CLI with SIGKILL after this many milliseconds; default 30 000. */
  killAfterMs?: number;
  /**
   * Runs it on a pseudo-terminal (util-linux `script`): its stdout and stderr are then a
   * terminal, and what it showed there is the result's `stdout` (line ends as `\r\n`).
   * Default false.
   */
  terminal?: boolean;
}

/** `arg` quoted for sh. */
function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** What one run printed and how it ended. */
export interface CliResult {
  /** Exit code; 128 + n when killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
}

/** A running CLI. */
export interface RunningCli {
  /** The child process: its pid, `kill()`. */
  readonly child: Deno.ChildProcess;
  /** Resolves once it has exited, with everything it printed. */
  readonly done: Promise<CliResult>;
}

/** Default of {@linkcode CliOptions.killAfterMs}. */
export const CLI_KILL_AFTER_MS = 30_000;

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** The argv that runs `mitoctl` from this checkout, for tools that start it themselves. */
export function mitoctlArgv(): string[] {
  const root = repoRoot();
  return [Deno.execPath(), "run", "-A", "--config", `${root}/deno.json`, `${root}/main.ts`];
}

/** Starts `mitoctl <args>` and returns at once. */
export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const root = repoRoot();
  const started = performance.now();
  const argv = [...mitoctlArgv(), ...args];
  const [cmd, ...rest] = options.terminal
    ? ["script", "-qec", argv.map(shellQuote).join(" "), "/dev/null"]
    : argv;
  const child = new Deno.Command(cmd!, {
    args: rest,
    cwd: options.cwd ?? root,
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }, options.killAfterMs ?? CLI_KILL_AFTER_MS);
  const done = child.output().then((output) => {
    clearTimeout(timer);
    const decoder = new TextDecoder();
    return {
      code: output.signal ? 128 + (SIGNALS[output.signal] ?? 0) : output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      ms: performance.now() - started,
    };
  });
  return { child, done };
}

/** Runs `mitoctl <args>` to the end. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`), types `input` once `prompt` shows,
 * and returns everything the terminal showed. Throws when the CLI exits with a code other than 0.
 */
export async function typeOnTerminal(
  args: string[],
  prompt: string,
  input: string,
): Promise<string> {
  const command = [...mitoctlArgv(), ...args].map(shellQuote).join(" ");
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const writer = child.stdin.getWriter();
  let shown = "";
  let typed = false;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    shown += decoder.decode(chunk, { stream: true });
    if (!typed && shown.includes(prompt)) {
      typed = true;
      await writer.write(new TextEncoder().encode(input));
    }
  }
  await writer.close().catch(() => {});
  const status = await child.status;
  await child.stderr.cancel();
  if (status.code !== 0) throw new Error(`mitoctl exited with code ${status.code}: ${shown}`);
  return shown;
}
