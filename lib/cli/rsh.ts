/**
 * `mitoctl rsh`: mitoctl as the ssh of other tools. It takes ssh's calling convention
 * (`[-l user] [-p port] [ssh flags…] host command…`), reaches the host through the context tree
 * (so `rsync -e 'mitoctl rsh --then sudo'` syncs as root behind a bastion), and runs the command
 * the way ssh does: its words joined with spaces, given to `sh -c`, in the remote user's home,
 * with stdin and stdout passed byte for byte and the exit code passed through. Like ssh, it
 * exits 255 when it cannot run the command at all; its own messages go to stderr only.
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import { readInventory, withHostOptions } from "../inventory/inventory.ts";
import { exitCodeOf, runProcess } from "../master/run_process.ts";
import { makeBlocking } from "./blocking_stdio.ts";
import { cliRouter } from "./log.ts";
import { printLine } from "./output.ts";
import { parseRshArgs, RSH_USAGE, rshTarget } from "./rsh_args.ts";
import { pumpStdin, writeAll } from "./run.ts";
import { commandOptions } from "./targets.ts";
import { fleetOptions } from "./args.ts";

/** What ssh exits with when it could not run the command: tools read it as "ssh failed". */
export const RSH_FAILED = 255;

/** Where sftp-server lives on common systems; the first that runs serves `-s sftp`. */
export const SFTP_SERVERS: readonly string[] = [
  "/usr/lib/openssh/sftp-server",
  "/usr/libexec/openssh/sftp-server",
  "/usr/libexec/sftp-server",
  "/usr/lib/ssh/sftp-server",
  "/usr/lib/sftp-server",
];

/** `mitoctl rsh --help`. */
export const HELP_RSH = `${RSH_USAGE}

Runs <command> on <host> the way ssh does, for tools that take an ssh program:
its words joined with spaces and run by sh -c in the remote user's home, stdin and stdout
byte for byte, the exit code passed through (255 when mitoctl itself failed).
<host> is a target (web1, bastion/web1/sudo) or an inventory host; tools that cannot pass a
"/" in a host name get hops from --via (before it) and --then (after it):

  rsync -a -e 'mitoctl rsh --via bastion --then sudo' ./site/ web1:/srv/site/
  scp -S ./rsh-as-root ./file web1:/etc/    (a script running mitoctl rsh --then sudo "$@")
  GIT_SSH_COMMAND='mitoctl rsh --via bastion' git clone web1:/srv/repo.git

ssh flags taken: -l USER and -p PORT (for the host's own ssh hop), -o K=V, -J, -i, -F, -4,
-6, -A, -a, -C, -q, -T, -x (for the first ssh hop, as with mitoctl's other commands),
-s (run a subsystem: sftp), -n (no stdin), -v. Others (-t, -L, -R…) are refused.

      --via HOPS               hops in front of <host> (e.g. bastion)
      --then HOPS              hops after <host> (e.g. sudo, sudo:postgres)
      --inventory FILE         inventory for <host> (default $MITOCTL_INVENTORY)
      --runtime R              remote runtime: auto, deno, node, or a path
      --connect-timeout S      give up when a hop is not up after S seconds (default 30)
      --control-persist S      share ssh connections, kept S seconds after the last use
      --password-file F        ssh password of <host>
      --sudo-password-file F   password for sudo and su hops`;

/** `mitoctl rsh`. */
export async function rsh(argv: string[], signal: AbortSignal): Promise<number> {
  try {
    return await run(argv, signal);
  } catch (e) {
    // Whatever stopped mitoctl itself, the calling tool must read it as ssh failing.
    console.error(`mitoctl: ${(e as Error).message}`);
    return RSH_FAILED;
  }
}

async function run(argv: string[], signal: AbortSignal): Promise<number> {
  const call = parseRshArgs(argv);
  if (call.help) {
    printLine(HELP_RSH);
    return ExitCode.ok;
  }
  let options = await commandOptions(call.values);
  let hostTarget = call.host;
  const file = fleetOptions(call.values, (name) => Deno.env.get(name)).inventory;
  if (file !== undefined) {
    const onWarning = (message: string) => console.error(`mitoctl: warning: ${message}`);
    const inventory = await readInventory(file, { onWarning });
    if (inventory.hasHost(call.host)) {
      const host = inventory.connection(call.host);
      hostTarget = host.target;
      options = withHostOptions(options, host.options);
    }
  }
  const target = rshTarget(call, hostTarget);
  makeBlocking();
  await using router = cliRouter(call.values);
  signal.addEventListener("abort", () => void router.close(), { once: true });
  const ctx = router.open(target, { ...options, name: call.host });
  // ssh starts the command in the login's home; sudo -H sets HOME to the target user's.
  const home = await ctx.call<string>("node:os", "homedir");
  const command = call.subsystem ? [sftpServer()] : call.command;
  let code: number = RSH_FAILED;
  for await (
    const e of runProcess(ctx, command, { shell: true, stdin: call.stdin, cwd: home, signal })
  ) {
    if (e.t === "start") {
      if (call.stdin) void pumpStdin(ctx, e.handle);
    } else if (e.t === "out") await writeAll(e.fd === 1 ? Deno.stdout : Deno.stderr, e.data);
    else code = exitCodeOf(e);
  }
  return signal.aborted ? 130 : code;
}

/** The shell command that runs the first sftp-server found, as sshd's sftp subsystem would. */
function sftpServer(): string {
  const paths = SFTP_SERVERS.join(" ");
  return `for p in ${paths}; do [ -x "$p" ] && exec "$p"; done; ` +
    `echo "mitoctl rsh: no sftp-server found (looked in ${paths})" >&2; exit 127`;
}
