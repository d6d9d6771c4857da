/**
 * Clocks for the figures: wall time of one run, of many runs after a warm-up, and of processes
 * run to completion.
 *
 * @module
 */

/** Wall milliseconds `fn` takes. */
export async function timeOnce(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** Runs `fn` `warmup` times unmeasured, then `n` times; returns the wall ms of each of those. */
export async function timeRuns(
  n: number,
  warmup: number,
  fn: () => Promise<unknown>,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) samples.push(await timeOnce(fn));
  return samples;
}

/** Options of {@linkcode runProcess}. */
export interface RunOptions {
  /** Bytes written to the process's stdin, which is then closed; default: stdin is /dev/null. */
  stdin?: Uint8Array;
}

/** What a finished process printed. */
export interface RunResult {
  /** Wall milliseconds from spawn to exit. */
  ms: number;
  stdout: string;
}

/**
 * Runs `argv` to completion and times it. Throws naming the command and quoting its stderr when
 * it fails, so a broken floor never reads as a fast one.
 */
export async function runProcess(
  argv: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const [cmd, ...args] = argv;
  const start = performance.now();
  const child = new Deno.Command(cmd!, {
    args,
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(options.stdin);
    await writer.close();
  }
  const output = await child.output();
  const ms = performance.now() - start;
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(
      `Benchmark command "${argv.join(" ")}" failed with code ${output.code}: ${stderr}`,
    );
  }
  return { ms, stdout: new TextDecoder().decode(output.stdout) };
}
