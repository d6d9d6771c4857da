/**
 * Rules for doas (`/etc/doas.conf`, machine-wide) while a test runs: written under a lock shared
 * by all test processes, and the file as it was (or its absence) put back on dispose.
 *
 * ```ts ignore
 * await using _rules = await doasRules(["permit nopass root as mitoctl-t2"]);
 * ```
 *
 * @module
 */

/** Where doas reads its rules. */
export const DOAS_CONF = "/etc/doas.conf";

const LOCK = "/tmp/mitoctl-test-doas.lock";

/** Writes `rules` as the whole of doas.conf until the result is disposed. */
export async function doasRules(rules: string[]): Promise<AsyncDisposable> {
  const lock = await Deno.open(LOCK, { create: true, write: true });
  await lock.lock(true);
  const before = await Deno.readTextFile(DOAS_CONF).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  });
  // doas refuses a rules file others may write.
  await Deno.writeTextFile(DOAS_CONF, rules.map((r) => `${r}\n`).join(""), { mode: 0o600 });
  await Deno.chmod(DOAS_CONF, 0o600);
  return {
    async [Symbol.asyncDispose]() {
      try {
        if (before === undefined) await Deno.remove(DOAS_CONF).catch(() => {});
        else await Deno.writeTextFile(DOAS_CONF, before, { mode: 0o600 });
      } finally {
        lock.close();
      }
    },
  };
}
