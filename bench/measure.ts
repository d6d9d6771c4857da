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

/**
 * Wall ms of `n` runs of each of `sources`, after `warmup` unmeasured runs of each. Runs go in
 * turns of `block` per source, so load from elsewhere hits every source alike and their ratios
 * hold even when the machine is busy.
 */
export async function interleavedRuns<K>(
  sources: ReadonlyMap<K, () => Promise<unknown>>,
  n: number,
  warmup: number,
  block: number,
): Promise<Map<K, number[]>> {
  for (const fn of sources.values()) await timeRuns(0, warmup, fn);
  const out = new Map<K, number[]>([...sources.keys()].map((key) => [key, []]));
  for (let done = 0; done < n; done += block) {
    for (const [key, fn] of sources) {
      out.get(key)!.push(...await timeRuns(Math.min(block, n - done), 0, fn));
    }
  }
  return out;
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
