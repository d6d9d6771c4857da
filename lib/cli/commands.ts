/**
 * The CLI's commands. Each takes its argv (after the command name) and returns an exit code;
 * errors with an `exitCode` propagate to main.ts, which prints them.
 *
 * @module
 */

import { cliRouter } from "./log.ts";
import { commandOptions, hostsOf } from "./targets.ts";
import { ExitCode, MitoctlError, UsageError } from "../errors.ts";
import { masterFacts } from "../methods/here.ts";
import { methodNamed } from "../methods/registry.ts";
import { type HostResult, isSingleTarget } from "../fleet/fanout.ts";
import { failedLine, runFleet, type RunFleetOptions } from "./fleet.ts";
import type { ContextInfo } from "../master/context_info.ts";
import { checkHops, hopSettings } from "../master/router.ts";
import { stage2Bytes } from "../stage/stage2_bytes.ts";
import { DEFAULT_CONNECT_TIMEOUT } from "../limits.ts";
import { formatHop, parseTarget } from "../methods/target.ts";
import {
  callArgument,
  CONNECT_FLAGS,
  connectOptions,
  FLEET_FLAGS,
  fleetOptions,
  parse,
  type Parsed,
} from "./args.ts";
import { HELP } from "./help.ts";
import { printLine, showValue, toJson } from "./output.ts";
import { oneLine } from "./terminal_text.ts";

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

function helpOr(values: Parsed["values"], name: string): boolean {
  if (!values.help) return false;
  printLine(HELP[name]!);
  return true;
}

/** `mitoctl call`. */
export async function call(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals, rest } = parse(
    argv,
    { ...CONNECT_FLAGS, ...FLEET_FLAGS, raw: { type: "boolean" } },
    2,
  );
  if (helpOr(values, "call")) return ExitCode.ok;
  const [spec, fnText] = positionals;
  if (spec === undefined || fnText === undefined) {
    throw new UsageError("Usage: mitoctl call [flags] <target> <module>#<export> [args…]");
  }
  const [mod, fn] = splitFunction(fnText);
  const specifier = resolveModule(mod, Deno.cwd());
  const args = rest.map(callArgument);
  const { forks } = fleetOptions(values, (name) => Deno.env.get(name));
  const hosts = await hostsOf([spec], values, await commandOptions(values));
  await using r = cliRouter(values);
  signal.addEventListener("abort", () => void r.close(), { once: true });
  if (!isSingleTarget([spec])) {
    const options: RunFleetOptions<unknown> = { signal, json: values.json === true };
    if (forks !== undefined) options.forks = forks;
    if (values.raw) options.line = rawLine;
    return await runFleet(r, hosts, (ctx) => ctx.call(specifier, fn, ...args), options);
  }
  const host = hosts[0]!;
  const ctx = r.open(host.target, host.options);
  try {
    const value = await ctx.call(specifier, fn, ...args);
    if (values.json) printLine(toJson({ target: spec, ok: true, value }));
    else if (values.raw && typeof value === "string") {
      Deno.stdout.writeSync(new TextEncoder().encode(value));
    } else if (value !== undefined) printLine(showValue(value));
    return ExitCode.ok;
  } catch (e) {
    if (!values.json || !(e instanceof MitoctlError)) throw e;
    printLine(toJson({ target: spec, ok: false, error: e.message, exitCode: e.exitCode }));
    return e.exitCode;
  }
}

/** `--raw` on many hosts: each line of a string result, prefixed with its host. */
function rawLine(r: HostResult<unknown>): string {
  if (!r.ok) return failedLine(r.host.label, r.error);
  if (typeof r.value !== "string") return `${r.host.label}: ${showValue(r.value)}`;
  return r.value.replace(/\n$/, "").split("\n").map((l) => `${r.host.label}: ${l}`).join("\n");
}

interface Pong {
  info: ContextInfo;
  connectMs: number;
  firstCallMs: number;
  rttMs: number;
}

/** `mitoctl ping`. */
export async function ping(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parse(argv, { ...CONNECT_FLAGS, ...FLEET_FLAGS }, Infinity);
  if (helpOr(values, "ping")) return ExitCode.ok;
  if (positionals.length === 0) throw new UsageError("Usage: mitoctl ping [flags] <target>…");
  const { forks } = fleetOptions(values, (name) => Deno.env.get(name));
  const hosts = await hostsOf(positionals, values, await commandOptions(values));
  await using r = cliRouter(values);
  signal.addEventListener("abort", () => void r.close(), { once: true });
  const options: RunFleetOptions<Pong> = {
    signal,
    json: values.json === true,
    // One target prints what it always did: its line, no progress or summary.
    report: !isSingleTarget(positionals),
    line: (res) => {
      if (!res.ok) return failedLine(res.host.label, res.error);
      const { info: i, connectMs, firstCallMs, rttMs } = res.value;
      const facts = oneLine(`${i.runtime} ${i.version}, ${i.user}@${i.host} pid ${i.pid}`);
      return `${res.host.label}: ok, ${facts}, up in ${connectMs.toFixed(0)} ms, ` +
        `first call ${firstCallMs.toFixed(1)} ms, ` +
        `round trip ${(rttMs * 1000).toFixed(0)} µs`;
    },
    record: (res) =>
      res.ok
        ? {
          target: res.host.label,
          ok: true,
          ...res.value.info,
          connectMs: res.value.connectMs,
          firstCallMs: res.value.firstCallMs,
          rttMs: res.value.rttMs,
        }
        : { target: res.host.label, ok: false, error: res.error.message, exitCode: res.exitCode },
  };
  if (forks !== undefined) options.forks = forks;
  return await runFleet(r, hosts, async (ctx) => {
    const started = performance.now();
    await ctx.ready;
    const info = ctx.info!;
    const connectMs = performance.now() - started;
    // The first call starts the remote's import of node:os; the second is the round trip.
    const t0 = performance.now();
    await ctx.call("node:os", "hostname");
    const firstCallMs = performance.now() - t0;
    const t1 = performance.now();
    await ctx.call("node:os", "hostname");
    return { info, connectMs, firstCallMs, rttMs: performance.now() - t1 };
  }, options);
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
  checkHops(hops, target, false);
  const { method: name, ...fields } = hops[0]!;
  const method = methodNamed(name)!;
  const options = connectOptions(values);
  const size = stage2Bytes().length;
  const spec = method.spawn(
    method.options(fields, hopSettings(options, 0, true)),
    masterFacts(size, options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT),
  );
  const command = spec.argv[spec.argv.length - 1]!;
  // Later hops are started by the stage of the hop before, with that machine's own client,
  // configuration and runtime and a one-time prompt nonce: no argv made here would be theirs.
  const later = hops.slice(1).map((h, i) => ({ hop: formatHop(h), method: h.method, by: i + 1 }));
  if (values.json) {
    printLine(toJson({ argv: spec.argv, stage1Bytes: command.length, stage2Bytes: size, later }));
  } else {
    printLine(`argv:    ${toJson(spec.argv)}`);
    printLine(`stage 1: ${new TextEncoder().encode(command).length} bytes (last argument)`);
    printLine(`stage 2: ${size} bytes brotli, sent on stdin`);
    for (const { hop, method, by } of later) {
      printLine(`hop ${by + 1}:   ${hop}: ${method}, run by the stage on hop ${by}, not from here`);
    }
  }
  return ExitCode.ok;
}
