/**
 * What a compromised local context can do that honest user code cannot by accident: write raw
 * bytes onto its stage's frame channel. The stage keeps that channel off fds 0 to 2 (fd 1 is
 * stderr), so a stray `writeSync(1)` never reaches the master; hostile code that goes looking
 * still finds it through `/proc`, and the master must cope with what it writes.
 *
 * ```ts ignore
 * const inherited = masterPipes(); // before the router starts any context
 * // …
 * await ctx.eval(writeFrameChannel, forged, ctx.info!.pid, masterPipes(inherited));
 * ```
 *
 * @module
 */

/** The pipes this (master) process holds open, as `/proc/self/fd` names them (`pipe:[123]`),
 *  less those in `inherited` (what it held before it started any context). */
export function masterPipes(inherited: string[] = []): string[] {
  const pipes: string[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const link = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      if (link.startsWith("pipe:") && !inherited.includes(link)) pipes.push(link);
    } catch {
      // Closed between the listing and the read.
    }
  }
  return pipes;
}

/**
 * Runs in the context (pass it to `eval`): finds the stage process's frame channel, the one pipe
 * it shares with the master besides its stdin and stderr, and writes `bytes` onto it in one
 * write. `stagePid` is the stage's pid (`ctx.info.pid`): user code runs in it on Node and in a
 * child of it on Deno.
 */
export function writeFrameChannel(bytes: Uint8Array, stagePid: number, pipes: string[]): number {
  const fs = process.getBuiltinModule("fs");
  const dir = `/proc/${stagePid}/fd`;
  const link = (fd: string) => {
    try {
      return fs.readlinkSync(`${dir}/${fd}`);
    } catch {
      return "";
    }
  };
  const stdio = ["0", "1", "2"].map(link);
  const found = new Map<string, string>();
  for (const fd of fs.readdirSync(dir)) {
    const target = link(fd);
    if (pipes.includes(target) && !stdio.includes(target)) found.set(target, fd);
  }
  if (found.size !== 1) throw new Error(`expected one frame channel, found [${[...found]}]`);
  const fd = fs.openSync(`${dir}/${[...found.values()][0]}`, "w");
  try {
    return fs.writeSync(fd, bytes);
  } finally {
    fs.closeSync(fd);
  }
}

/** Runs in the context (call it by URL): writes `bytes` as {@linkcode writeFrameChannel} does,
 *  then calls `fn` of `mod` through the handle `h`, returning its result or its error as text. */
export async function writeThenCall(
  bytes: Uint8Array,
  stagePid: number,
  pipes: string[],
  h: { call(mod: string, fn: string): Promise<unknown> },
  mod: string,
  fn: string,
): Promise<unknown> {
  writeFrameChannel(bytes, stagePid, pipes);
  try {
    return await h.call(mod, fn);
  } catch (e) {
    return String(e);
  }
}
