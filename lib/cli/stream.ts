/**
 * `mitoctl stream <target> <module>#<export> [args…]`: a remote generator's items printed as they
 * come, one a line; Ctrl-C stops the generator on the remote (its `finally` blocks run there).
 *
 * @module
 */

import { ExitCode, TimeoutError, UsageError } from "../errors.ts";
import { isSingleTarget } from "../fleet/fanout.ts";
import { callArgument, CONNECT_FLAGS, parse } from "./args.ts";
import { resolveModule, splitFunction } from "./commands.ts";
import { HELP } from "./help.ts";
import { cliRouter } from "./log.ts";
import { printLine, showValue, toJson } from "./output.ts";
import { commandOptions, hostsOf } from "./targets.ts";

/** How one item is printed: `--json` one JSON line, `--raw` a string as is, else for a person. */
function itemLine(values: Record<string, unknown>): (item: unknown) => string {
  if (values.json) return toJson;
  if (values.raw) return (item) => typeof item === "string" ? item : showValue(item);
  return showValue;
}

/** `mitoctl stream`. */
export async function stream(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals, rest } = parse(
    argv,
    { ...CONNECT_FLAGS, raw: { type: "boolean" } },
    2,
  );
  if (values.help) {
    printLine(HELP.stream!);
    return ExitCode.ok;
  }
  const [spec, fnText] = positionals;
  if (spec === undefined || fnText === undefined) {
    throw new UsageError("Usage: mitoctl stream [flags] <target> <module>#<export> [args…]");
  }
  if (!isSingleTarget([spec])) {
    throw new UsageError(`Invalid target "${spec}": mitoctl stream takes one target`);
  }
  const [mod, fn] = splitFunction(fnText);
  const specifier = resolveModule(mod, Deno.cwd());
  const args = rest.map(callArgument);
  const host = (await hostsOf([spec], values, await commandOptions(values)))[0]!;
  await using router = cliRouter(values);
  const ctx = router.open(host.target, host.options);
  const limit = host.options.timeout;
  const timeout = limit === undefined ? undefined : AbortSignal.timeout(limit);
  const stop = timeout ? AbortSignal.any([signal, timeout]) : signal;
  const line = itemLine(values);
  try {
    for await (const item of ctx.streamWith({ signal: stop }, specifier, fn, ...args)) {
      printLine(line(item));
    }
    return ExitCode.ok;
  } catch (e) {
    if (signal.aborted) return 130;
    if (timeout?.aborted) {
      throw new TimeoutError(
        `Stream ${specifier}#${fn} on "${ctx.name}" timed out after ${limit! / 1000} s`,
      );
    }
    throw e;
  }
}
