/**
 * Help texts of the CLI.
 *
 * @module
 */

import { allMethods } from "../methods/registry.ts";

/** One line per connection method in the registry: its syntax and what it does. */
function methodLines(): string {
  const methods = allMethods();
  const width = Math.min(28, Math.max(...methods.map((m) => m.syntax.length)));
  return methods.map((m) => {
    const syntax = m.syntax.length > width ? `${m.syntax}\n  ${" ".repeat(width)}` : m.syntax;
    return `  ${syntax.padEnd(width)}  ${m.summary}`;
  }).join("\n");
}

const CONNECT = `Connection flags:
  -F, --ssh-config FILE     ssh_config file passed to ssh
  -o, --ssh-option K=V      extra ssh option (repeatable; wins over mitoctl's defaults)
      --identity FILE       identity file passed to ssh
                            -F, -o and --identity reach the first hop; "N:" before the
                            value gives them to hop N instead (-o 2:Port=2222), whose ssh
                            runs on the hop before it and reads files there
      --runtime R           remote runtime: auto (deno, then node), deno, node, or a path
      --timeout S           fail a call after S seconds and stop its remote work
      --connect-timeout S   give up when a context is not up after S seconds (default 30)
      --control-persist S   share ssh connections, kept S seconds after the last use
      --sudo-password-file F  password for sudo and su hops, typed only if asked
      --ask-sudo-password   read the sudo password from the terminal, without echo
      --password-file F     ssh password of the target host, for ssh's own password prompt
      --ask-pass            read the ssh password from the terminal, without echo
  -v, --verbose             show every hop's argv and the remote's stderr
      --json                print one JSON object per target`;

const FLEET = `Many targets:
  -i, --inventory FILE      Ansible inventory (INI, YAML or JSON) for @group and host names
                            (default: $MITOCTL_INVENTORY)
      --forks N             targets in flight at once (default 20)`;

/** The overview: commands, then the target grammar with every method registered now. */
function overview(): string {
  return `mitoctl: run code on other machines over ssh, with nothing installed there.

Usage: mitoctl [--methods MODULE]… <command> [flags] …

Commands:
  call       call an exported function on one target or many
  run        run a command on targets, its output streamed live
  stream     print what a remote generator yields, as it comes
  ping       check that targets answer, and how fast
  push       copy a local file or tree to targets; only changed files travel
  pull       copy a file or tree from a target to this machine
  up         start the long-running components a config describes, in start order
  status     show a config's components: host, pid, state, uptime
  logs       print a component's kept output; -f follows it
  down       stop a config's components and remove their state
  bootstrap  show what mitoctl would run to reach a target (--print)
  inventory  show what mitoctl reads from an Ansible inventory, as ansible-inventory does
  rsh        be the ssh of rsync, scp, git: run a command on a target as ssh would

Targets: hops separated by "/", each one of
${methodLines()}
e.g. bastion/web1/sudo:postgres: ssh to bastion, from there ssh to web1 (with
bastion's ssh client and config), there sudo to postgres. Each hop starts from
the one before it; the first from this machine.

Methods of your own: --methods MODULE, before the command and repeatable, imports a
module that calls registerMethod() (a path, resolved against the current directory,
or a URL); its methods then start first hops like the built-in ones.

Many targets: a comma list (web1,web2,bastion/db1) and @group from an inventory
(-i FILE or $MITOCTL_INVENTORY; Ansible INI, YAML or JSON). @all is every host.

Exit codes: 0 ok, 1 remote error, 2 usage, 3 connection failure, 4 timeout,
5 authentication (a password was refused or needed). On many targets: 0 when
every target succeeded, else the highest code among the failed ones.
Run "mitoctl <command> --help" for a command's flags.`;
}

/** Help for each command, and the overview under "" (read when shown: it lists the methods
 *  registered by then, `--methods` modules' too). */
export const HELP: Record<string, string> = {
  get ""() {
    return overview();
  },
  call: `Usage: mitoctl call [flags] <targets> <module>#<export> [args…]

Calls <export> of <module> on each of <targets> (one target, a comma list, @group) and
prints the result as JSON. <module> is a
"node:" builtin, a URL, or a path (resolved against the current directory). Each argument
is parsed as JSON when it is valid JSON, otherwise passed as a string. Long flags may also
follow the arguments; put "--" before the arguments to pass even those as arguments.

  mitoctl call local node:os#hostname
  mitoctl call -F ~/.ssh/config web1 node:os#loadavg
  mitoctl call deploy@10.0.0.5:2222 node:child_process#execFileSync '"uptime"' '{"encoding":"utf8"}'
  mitoctl call bastion/web1/sudo:postgres node:os#userInfo
  mitoctl call bastion/web1/sudo ./tasks.ts#restart nginx --sudo-password-file pw.txt
  mitoctl call web1,web2,db1 node:os#hostname
  mitoctl call -i inventory.ini @web ./tasks.ts#diskUsage /var --forks 50 --json

On one target the result alone is printed. On many, each target prints one line as it
finishes, "<target>: <result>" or "<target>: failed: <why>" (with --json one object
per target: {"target","ok","value"} or {"target","ok","error","exitCode"}); stderr gets
a live progress line on a terminal and, at the end, a summary naming failed targets.

Flags:
      --raw                 print a string result as is, not as JSON
${FLEET}
${CONNECT}`,
  ping: `Usage: mitoctl ping [flags] <target>…

Starts a context on each target, makes one call, and prints its runtime and round-trip time.
Targets may be comma lists and @groups; with more than one, stderr gets a progress line (on a
terminal) and a summary.

  mitoctl ping web1 web2
  mitoctl ping -i inventory.ini @all

${FLEET}
${CONNECT}`,
  stream: `Usage: mitoctl stream [flags] <target> <module>#<export> [args…]

Calls <export> of <module> on <target>, which returns a generator (an async function*), and
prints each item as it comes, one a line. Ctrl-C stops the generator on the remote (its
finally blocks run there) and exits 130. Arguments as for "mitoctl call".

  mitoctl stream web1 ./tail.ts#follow /var/log/syslog --raw
  mitoctl stream web1 ./metrics.ts#sample 5 --json

Flags:
      --raw                 print string items as they are, not as JSON
      --json                print each item as one JSON line
${CONNECT}`,
  bootstrap: `Usage: mitoctl bootstrap --print [flags] <target>

Prints the exact argv mitoctl would spawn for <target>, the stage-1 command size and the
stage-2 size. Connects nowhere. In a multi-hop target only the first hop runs from here; each
later hop is named, and the stage on the hop before it starts it.

${CONNECT}`,
};
