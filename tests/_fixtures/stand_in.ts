/**
 * Stand-ins for container engines' CLIs (docker, kubectl, …), which cannot run here: an
 * executable of the engine's name, put first on PATH, that checks the exact arguments it is given
 * before the command, then runs that command (the remote stage's stage 1) in fresh pid, mount,
 * UTS and network namespaces (`unshare`) whose host name is the stand-in's, as an engine would
 * run it in a container. On a mismatch it says which argument differs and exits 125, as docker
 * does when it cannot run a container. Needs root and util-linux.
 *
 * ```ts ignore
 * await using docker = await standIn("docker", ["exec", "-i", "app", "sh", "-c"], "box-1");
 * await runCli(["call", "docker:app", "node:os#hostname"], { env: { PATH: docker.path } });
 * ```
 *
 * @module
 */

/** A stand-in on disk; `await using` removes it. */
export interface StandIn extends AsyncDisposable {
  /** Directory holding the executable. */
  readonly dir: string;
  /** A PATH with {@linkcode StandIn.dir} first. */
  readonly path: string;
}

const CHECK = `#!/bin/sh
# Checks the arguments against the expected ones, one a line, then runs what is left.
n=1
while IFS= read -r want; do
  if [ "$#" -eq 0 ] || [ "$1" != "$want" ]; then
    echo "stand-in $(basename "$0"): argument $n is '\${1-(none)}', expected '$want'" >&2
    exit 125
  fi
  shift
  n=$((n + 1))
done < "$0.expect"
if [ "$#" -ne 1 ]; then
  echo "stand-in $(basename "$0"): expected one command after the arguments, got $#" >&2
  exit 125
fi
STANDIN_COMMAND=$1
export STANDIN_COMMAND
INNER="unshare --pid --mount --uts --net --fork --mount-proc $(dirname "$0")/inner.sh"
# An engine that gives the command a terminal: the same on a pseudo-terminal.
if [ -e "$0.pty" ]; then exec script -qfec "$INNER" /dev/null; fi
exec $INNER
`;

const INNER = `#!/bin/sh
hostname "$STANDIN_HOST"
ip link set lo up
exec sh -c "$STANDIN_COMMAND"
`;

/**
 * Writes a stand-in `program` expecting `args` before the command, whose namespaces are named
 * `hostname`; `pty` runs the command on a pseudo-terminal.
 */
export async function standIn(
  program: string,
  args: string[],
  hostname: string,
  pty = false,
): Promise<StandIn> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-standin-" });
  // The host name reaches inner.sh through the environment the stand-in gives it.
  await Deno.writeTextFile(
    `${dir}/${program}`,
    CHECK.replace(
      "STANDIN_COMMAND=$1",
      `STANDIN_COMMAND=$1\nSTANDIN_HOST='${hostname}'\nexport STANDIN_HOST`,
    ),
    { mode: 0o755 },
  );
  await Deno.writeTextFile(`${dir}/${program}.expect`, args.map((a) => `${a}\n`).join(""));
  await Deno.writeTextFile(`${dir}/inner.sh`, INNER, { mode: 0o755 });
  if (pty) await Deno.writeTextFile(`${dir}/${program}.pty`, "");
  await Deno.chmod(dir, 0o755);
  return {
    dir,
    path: `${dir}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}
