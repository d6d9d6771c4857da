/**
 * What every process on the machine shows of itself: its command line and environment, read
 * from `/proc` (as root, every process's). For tests that a secret shows nowhere, and that the
 * processes meant to be looked at were there to be looked at.
 *
 * @module
 */

/** One process's command line and environment, NUL-separated as the kernel keeps them. */
export interface ProcessView {
  pid: number;
  cmdline: string;
  environ: string;
}

/** Every process readable now; those that end while being read are left out. */
export async function allProcesses(): Promise<ProcessView[]> {
  const out: ProcessView[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const [cmdline, environ] = await Promise.all([
        Deno.readTextFile(`/proc/${entry.name}/cmdline`),
        Deno.readTextFile(`/proc/${entry.name}/environ`),
      ]);
      out.push({ pid: Number(entry.name), cmdline, environ });
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** The processes whose command line or environment holds `secret`, and where. */
export async function processesShowing(secret: string): Promise<string[]> {
  return (await allProcesses()).flatMap((p) => [
    ...p.cmdline.includes(secret) ? [`${p.pid} cmdline: ${p.cmdline.replaceAll("\0", " ")}`] : [],
    ...p.environ.includes(secret) ? [`${p.pid} environ`] : [],
  ]);
}
