/**
 * Clocks for the figures: wall time of one run, of many runs after a warm-up, and of processes
 * run to completion; and the turns in which several sources (a floor, Mitogen, ours on each
 * runtime) are sampled so that they share whatever the machine is doing meanwhile.
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

/** Takes `count` samples of one source, in the unit that source measures (ms, MB/s, MB…). */
export type Sampler = (count: number) => Promise<number[]>;

/** A {@linkcode Sampler} that wall-times `fn` once per sample, in ms. */
export function timed(fn: () => Promise<unknown>): Sampler {
  return (count) => timeRuns(count, 0, fn);
}

/** A {@linkcode Sampler} whose every sample is one call of `fn`, which measures itself. */
export function each(fn: () => Promise<number>): Sampler {
  return async (count) => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) samples.push(await fn());
    return samples;
  };
}

/** Options of {@linkcode interleaved}. */
export interface InterleaveOptions {
  /** Samples kept from each source. */
  n: number;
  /** Samples taken from each source first and thrown away; default 0. */
  warmup?: number;
  /** Samples one source takes in its turn before the next source's turn; default 1. */
  block?: number;
  /** Called before each round of turns with its index (from 0) and the number of rounds. */
  onRound?: (round: number, rounds: number) => void;
}

/**
 * `n` samples of each of `sources`, after `warmup` unkept ones of each. Sources take turns of
 * `block` samples (ABAB…), and each round of turns starts one source later than the one before
 * (ABC, BCA, CAB…), so load from elsewhere and any cost one source leaves to the next (a warm
 * cache, a busy sshd) fall on every source alike and their ratios hold on a busy machine.
 */
export async function interleaved<K>(
  sources: ReadonlyMap<K, Sampler>,
  options: InterleaveOptions,
): Promise<Map<K, number[]>> {
  const { n, warmup = 0, block = 1 } = options;
  for (const sample of sources.values()) await sample(warmup);
  const keys = [...sources.keys()];
  const out = new Map<K, number[]>(keys.map((key) => [key, []]));
  const rounds = Math.ceil(n / block);
  for (let round = 0; round < rounds; round++) {
    options.onRound?.(round, rounds);
    const count = Math.min(block, n - round * block);
    for (const key of rotated(keys, round)) {
      out.get(key)!.push(...await sources.get(key)!(count));
    }
  }
  return out;
}

/** Appends `value` to the series `key` of `series`, starting it when it is new. */
export function keep<K>(series: Map<K, number[]>, key: K, value: number): void {
  const values = series.get(key);
  if (values === undefined) series.set(key, [value]);
  else values.push(value);
}

/** `items` starting at index `by` (modulo their number), wrapping around. */
export function rotated<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
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
