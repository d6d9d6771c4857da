/**
 * The `mitoctl` command line. Wiring only: the commands live in lib/cli/.
 *
 * @module
 */

import { bootstrap, call, ping } from "./lib/cli/commands.ts";
import { down, logs, status, up } from "./lib/cli/components.ts";
import { pull, push } from "./lib/cli/files.ts";
import { HELP } from "./lib/cli/help.ts";
import { inventory } from "./lib/cli/inventory.ts";
import { loadMethodModules } from "./lib/cli/method_modules.ts";
import { rsh } from "./lib/cli/rsh.ts";
import { run as runCommand } from "./lib/cli/run.ts";
import { printLine } from "./lib/cli/output.ts";
import { stream } from "./lib/cli/stream.ts";
import { suggest } from "./lib/cli/suggest.ts";
import { failureLines } from "./lib/cli/remote_stack.ts";
import { ExitCode } from "./lib/errors.ts";
import { fileURLToPath } from "node:url";
import { ASKPASS_FLAG, runAskpassClient } from "./lib/methods/askpass_client.ts";
import { isCompiled } from "./lib/methods/local.ts";
import { runSelfHost, runSelfStage1 } from "./lib/stage/self_stage1.ts";
import { SELF_HOST_FLAG, SELF_STAGE1_FLAG, setSelf } from "./lib/stage/self.ts";

/** Version of this build. */
export const VERSION = "0.1.0";

/** The commands, for suggestions after a typo. */
const COMMANDS = [
  "call",
  "run",
  "stream",
  "ping",
  "push",
  "pull",
  "up",
  "status",
  "logs",
  "down",
  "bootstrap",
  "help",
] as const;

async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const [command, ...rest] = await loadMethodModules(argv);
  switch (command) {
    case "call":
      return await call(rest, signal);
    case "ping":
      return await ping(rest, signal);
    case "run":
      return await runCommand(rest, signal);
    case "stream":
      return await stream(rest, signal);
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
    case "inventory":
      return await inventory(rest);
    case "rsh":
      return await rsh(rest, signal);
    case "--version":
      printLine(`mitoctl ${VERSION}`);
      return ExitCode.ok;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      printLine(HELP[""]!);
      return command === undefined ? ExitCode.usage : ExitCode.ok;
    default: {
      const near = suggest(command, COMMANDS);
      const hint = near ? `; did you mean "${near}"?` : "";
      console.error(
        `mitoctl: unknown command "${command}"${hint}\nRun "mitoctl --help" for the list.`,
      );
      return ExitCode.usage;
    }
  }
}

if (import.meta.main) {
  const asStage = Deno.args[0] === SELF_STAGE1_FLAG || Deno.args[0] === SELF_HOST_FLAG;
  // What starts mitoctl's own program again (lib/stage/self.ts): the compiled binary, or this
  // file where it runs as a stage (a local context's stage 1, or the call host it starts).
  if (isCompiled()) setSelf([Deno.execPath()]);
  else if (asStage) setSelf([Deno.execPath(), "run", "-A", fileURLToPath(import.meta.url)]);
  if (Deno.args[0] === SELF_STAGE1_FLAG) {
    await runSelfStage1(Number(Deno.args[1]));
  } else if (Deno.args[0] === SELF_HOST_FLAG) {
    await runSelfHost();
  } else if (Deno.args[0] === ASKPASS_FLAG) {
    await runAskpassClient();
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
      const verbose = Deno.args.includes("-v") || Deno.args.includes("--verbose");
      for (const line of failureLines(err, verbose)) console.error(line);
      code = err.exitCode ?? ExitCode.remote;
    }
    Deno.exit(interrupted ? 130 : code);
  }
}
