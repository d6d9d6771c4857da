/**
 * `mitoctl run <targets> -- <command> [args…]`: a command on one or many targets, its output
 * streamed live with stdout and stderr kept apart.
 *
 * @module
 */

import { ExitCode, MitoctlError, UsageError } from "../errors.ts";
import { exitCodeOf, processInput, runProcess } from "../process.ts";
import { Router } from "../router.ts";
import { CONNECT_FLAGS, connectOptions, parse, sudoPassword } from "./args.ts";
import { HELP_RUN } from "./run_help.ts";

/** Writes `bytes` fully to `stream`. */
async function writeAll(stream: typeof Deno.stdout, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await stream.write(bytes.subarray(at));
}

/** Prefixes each line of a host's output with its name, holding an unfinished line back. */
class Prefixer {
  #partial = "";
  readonly #decoder = new TextDecoder();
  constructor(readonly prefix: string, readonly stream: typeof Deno.stdout) {}
  async write(data: Uint8Array): Promise<void> {
    const lines = (this.#partial + this.#decoder.decode(data, { stream: true })).split("\n");
    this.#partial = lines.pop()!;
    if (lines.length) {
      await writeAll(
        this.stream,
        new TextEncoder().encode(lines.map((l) => `${this.prefix}${l}\n`).join("")),
      );
    }
  }
  async flush(): Promise<void> {
    if (this.#partial) {
      await writeAll(this.stream, new TextEncoder().encode(`${this.prefix}${this.#partial}\n`));
    }
    this.#partial = "";
  }
}

/** `mitoctl run`. */
export async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals, rest } = parse(
    argv,
    { ...CONNECT_FLAGS, shell: { type: "boolean" } },
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
  const targets = spec.split(",").filter((t) => t !== "");
  if (targets.length === 0) throw new UsageError(`Invalid targets "${spec}": none given`);
  const options = connectOptions(values);
  const password = await sudoPassword(values);
  if (password !== undefined) options.sudoPassword = password;
  const verbose = (values.verbose as boolean[] | undefined)?.length ?? 0;
  await using router = new Router({
    onLog: (l) => {
      if (l.level === "warn" || verbose > 0) console.error(`[${l.context}] ${l.text}`);
    },
  });
  const single = targets.length === 1;
  // Piped input goes to the one process; a terminal's is not read.
  const forwardStdin = single && !Deno.stdin.isTerminal();
  const results = await Promise.all(
    targets.map(async (target): Promise<[string, number, string?]> => {
      const out = single ? undefined : new Prefixer(`${target}: `, Deno.stdout);
      const err = single ? undefined : new Prefixer(`${target}: `, Deno.stderr);
      try {
        const ctx = router.open(target, options);
        const events = runProcess(ctx, rest, {
          signal,
          stdin: forwardStdin,
          ...(values.shell ? { shell: true } : {}),
        });
        let code: number = ExitCode.remote;
        for await (const e of events) {
          if (e.t === "start") {
            if (forwardStdin) void pumpStdin(ctx, e.handle);
          } else if (e.t === "out") {
            if (e.fd === 1) await (out ? out.write(e.data) : writeAll(Deno.stdout, e.data));
            else await (err ? err.write(e.data) : writeAll(Deno.stderr, e.data));
          } else code = exitCodeOf(e);
        }
        await out?.flush();
        await err?.flush();
        return [target, code];
      } catch (e) {
        await out?.flush();
        await err?.flush();
        if (signal.aborted) return [target, 130, "interrupted"];
        const code = e instanceof MitoctlError ? e.exitCode : ExitCode.remote;
        if (single) throw e;
        return [target, code, (e as Error).message];
      }
    }),
  );
  if (single) return results[0]![1];
  let worst = 0;
  for (const [target, code, error] of results) {
    const what = error ?? (code === 0 ? "ok" : `exit ${code}`);
    console.error(`${code === 0 ? "ok    " : "failed"} ${target}: ${what}`);
    worst = Math.max(worst, code);
  }
  const failed = results.filter(([, code]) => code !== 0).length;
  console.error(`${results.length - failed} ok, ${failed} failed of ${results.length}`);
  return worst;
}

/** Forwards this process's stdin to the remote process, then closes it there. */
async function pumpStdin(
  ctx: import("../context.ts").Context,
  handle: number,
): Promise<void> {
  try {
    for await (const chunk of Deno.stdin.readable) await processInput(ctx, handle, chunk);
    await processInput(ctx, handle);
  } catch {
    // The process ended or the context went away: its exit reports why.
  }
}
