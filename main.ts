/**
 * The `mitoctl` command line. Wiring only: the commands live in lib/cli/.
 *
 * @module
 */

import { bootstrap, call, ping } from "./lib/cli/commands.ts";
import { down, logs, status, up } from "./lib/cli/components.ts";
import { pull, push } from "./lib/cli/files.ts";
import { HELP } from "./lib/cli/help.ts";
import { run as runCommand } from "./lib/cli/run.ts";
import { printLine } from "./lib/cli/output.ts";
import { remoteLines } from "./lib/cli/terminal_text.ts";
import { ExitCode } from "./lib/errors.ts";
import { SELF_STAGE1_FLAG } from "./lib/methods/local.ts";
import { runSelfStage1 } from "./lib/self_stage1.ts";

/** Version of this build. */
export const VERSION = "0.1.0";

async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "call":
      return await call(rest, signal);
    case "ping":
      return await ping(rest, signal);
    case "run":
      return await runCommand(rest, signal);
    case "push":
      return await push(rest, signal);
    case "pull":
      return await pull(rest, signal);
    case "up":
      return await up(rest, signal);
    case "status":
      return await status(rest, signal);
    case "logs":
      return await logs(rest, signal);
    case "down":
      return await down(rest, signal);
    case "bootstrap":
      return bootstrap(rest);
    case "--version":
      printLine(`mitoctl ${VERSION}`);
      return ExitCode.ok;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      printLine(HELP[""]!);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    default:
      console.error(`mitoctl: unknown command "${command}"\n\n${HELP[""]}`);
      return ExitCode.usage;
  }
}

if (import.meta.main) {
  if (Deno.args[0] === SELF_STAGE1_FLAG) {
    await runSelfStage1(Number(Deno.args[1]));
  } else {
    const abort = new AbortController();
    let interrupted = false;
    const onSignal = () => {
      if (interrupted) Deno.exit(130);
      interrupted = true;
      abort.abort(new Error("Interrupted"));
    };
    Deno.addSignalListener("SIGINT", onSignal);
    Deno.addSignalListener("SIGTERM", onSignal);
    let code: number;
    try {
      code = await run(Deno.args, abort.signal);
    } catch (e) {
      const err = e as Error & { exitCode?: number };
      console.error(remoteLines("mitoctl: ", err.message, "  "));
      code = err.exitCode ?? ExitCode.remote;
    }
    Deno.exit(interrupted ? 130 : code);
  }
}
