/**
 * The CLI's commands. Each takes its argv (after the command name) and returns an exit code;
 * errors with an `exitCode` propagate to main.ts, which prints them.
 *
 * @module
 */

import { ExitCode, MitoctlError, UsageError } from "../errors.ts";
import { localSpawn } from "../methods/local.ts";
import { sshSpawn } from "../methods/ssh.ts";
import { Router } from "../router.ts";
import { stage2Bytes } from "../stage2.ts";
import { parseTarget } from "../target.ts";
import {
  callArgument,
  CONNECT_FLAGS,
  connectOptions,
  parse,
  type Parsed,
  sudoPassword,
} from "./args.ts";
import { HELP } from "./help.ts";
import { printLine, toJson } from "./output.ts";

/** Resolves the `<module>` part of `module#export` the way a user means it. */
export function resolveModule(text: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) return text;
  const base = new URL(`file://${cwd.endsWith("/") ? cwd : `${cwd}/`}`);
  return new URL(text, base).href;
}

/** Splits `module#export`. */
export function splitFunction(text: string): [string, string] {
  const at = text.lastIndexOf("#");
  if (at <= 0 || at === text.length - 1) {
    throw new UsageError(`Invalid function "${text}": expected <module>#<export>`);
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

function router(values: Parsed["values"]): Router {
  const verbose = (values.verbose as boolean[] | undefined)?.length ?? 0;
  // Warnings always show; errors are thrown anyway; the rest (remote stderr, argv) with -v.
  return new Router({
    onLog: (l) => {
      if (l.level === "warn" || verbose > 0) console.error(`[${l.context}] ${l.text}`);
    },
  });
}

function helpOr(values: Parsed["values"], name: string): boolean {
  if (!values.help) return false;
  printLine(HELP[name]!);
  return true;
}

/** `mitoctl call`. */
export async function call(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals, rest } = parse(
    argv,
    { ...CONNECT_FLAGS, raw: { type: "boolean" } },
    2,
  );
  if (helpOr(values, "call")) return ExitCode.ok;
  const [target, fnText] = positionals;
  if (target === undefined || fnText === undefined) {
    throw new UsageError("Usage: mitoctl call [flags] <target> <module>#<export> [args…]");
  }
  const [mod, fn] = splitFunction(fnText);
  const specifier = resolveModule(mod, Deno.cwd());
  const args = rest.map(callArgument);
  const options = connectOptions(values);
  const password = await sudoPassword(values);
  if (password !== undefined) options.sudoPassword = password;
  await using r = router(values);
  signal.addEventListener("abort", () => void r.close(), { once: true });
  const ctx = r.open(target, options);
  try {
    const value = await ctx.call(specifier, fn, ...args);
    if (values.json) printLine(toJson({ target, ok: true, value }));
    else if (values.raw && typeof value === "string") {
      Deno.stdout.writeSync(new TextEncoder().encode(value));
    } else if (value !== undefined) printLine(toJson(value));
    return ExitCode.ok;
  } catch (e) {
    if (!values.json || !(e instanceof MitoctlError)) throw e;
    printLine(toJson({ target, ok: false, error: e.message, exitCode: e.exitCode }));
    return e.exitCode;
  }
}

/** `mitoctl ping`. */
export async function ping(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(argv, CONNECT_FLAGS, Infinity);
  if (helpOr(values, "ping")) return ExitCode.ok;
  if (positionals.length === 0) throw new UsageError("Usage: mitoctl ping [flags] <target>…");
  for (const t of positionals) parseTarget(t);
  const options = connectOptions(values);
  const password = await sudoPassword(values);
  if (password !== undefined) options.sudoPassword = password;
  await using r = router(values);
  signal.addEventListener("abort", () => void r.close(), { once: true });
  let worst: number = ExitCode.ok;
  await Promise.all(positionals.map(async (target) => {
    const started = performance.now();
    try {
      const ctx = await r.connect(target, options);
      const up = performance.now() - started;
      const t0 = performance.now();
      await ctx.call("node:os", "hostname");
      const rtt = performance.now() - t0;
      const i = ctx.info!;
      if (values.json) {
        printLine(toJson({ target, ok: true, ...i, connectMs: up, rttMs: rtt }));
      } else {
        printLine(
          `${target}: ok, ${i.runtime} ${i.version}, ${i.user}@${i.host} pid ${i.pid}, ` +
            `up in ${up.toFixed(0)} ms, round trip ${(rtt * 1000).toFixed(0)} µs`,
        );
      }
    } catch (e) {
      const code = e instanceof MitoctlError ? e.exitCode : ExitCode.remote;
      worst = Math.max(worst, code);
      const message = (e as Error).message;
      if (values.json) printLine(toJson({ target, ok: false, error: message, exitCode: code }));
      else printLine(`${target}: failed: ${message}`);
    }
  }));
  return worst;
}

/** `mitoctl bootstrap --print`. */
export function bootstrap(argv: string[]): number {
  const { values, positionals } = parse(
    argv,
    { ...CONNECT_FLAGS, print: { type: "boolean" } },
    1,
  );
  if (helpOr(values, "bootstrap")) return ExitCode.ok;
  const target = positionals[0];
  if (!values.print || target === undefined) {
    throw new UsageError("Usage: mitoctl bootstrap --print [flags] <target>");
  }
  const hops = parseTarget(target);
  if (hops.length !== 1) throw new UsageError(`Invalid target "${target}": one hop expected`);
  const hop = hops[0]!;
  const options = connectOptions(values);
  const size = stage2Bytes().length;
  let spec;
  if (hop.method === "local") spec = localSpawn(options, size);
  else if (hop.method === "ssh") spec = sshSpawn({ ...options, ...hop }, size);
  else throw new UsageError(`Invalid target "${target}": ${hop.method} needs a hop before it`);
  const command = spec.argv[spec.argv.length - 1]!;
  if (values.json) {
    printLine(toJson({ argv: spec.argv, stage1Bytes: command.length, stage2Bytes: size }));
  } else {
    printLine(`argv:    ${toJson(spec.argv)}`);
    printLine(`stage 1: ${new TextEncoder().encode(command).length} bytes (last argument)`);
    printLine(`stage 2: ${size} bytes deflate-raw, sent on stdin`);
  }
  return ExitCode.ok;
}
