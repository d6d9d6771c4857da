/**
 * A sudoers drop-in while a test runs: checked with `visudo`, in place whole or not at all, and
 * removed on dispose.
 *
 * ```ts ignore
 * await using _rules = await sudoRules(["Defaults>nobody requiretty"]);
 * ```
 *
 * @module
 */

import { SUDOERS_DIR } from "./_netns_parts.ts";

/** Adds `rules` to sudo's rules, in a file of their own, until the result is disposed. */
export async function sudoRules(rules: string[]): Promise<AsyncDisposable> {
  const name = `mitoctl-test-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const draft = await Deno.makeTempFile({ prefix: "mitoctl-sudoers-" });
  // sudo skips names with a dot: the draft is checked, then renamed into place.
  const staging = `${SUDOERS_DIR}/.${name}`;
  const path = `${SUDOERS_DIR}/${name}`;
  try {
    await Deno.writeTextFile(draft, rules.map((r) => `${r}\n`).join(""));
    const check = await new Deno.Command("visudo", { args: ["-c", "-q", "-f", draft] }).output();
    if (!check.success) {
      throw new Error(
        `visudo refused ${JSON.stringify(rules)}: ${new TextDecoder().decode(check.stderr)}`,
      );
    }
    await Deno.copyFile(draft, staging);
    await Deno.chmod(staging, 0o440);
    await Deno.rename(staging, path);
  } catch (error) {
    await Deno.remove(staging).catch(() => {});
    throw error;
  } finally {
    await Deno.remove(draft);
  }
  return {
    async [Symbol.asyncDispose]() {
      await Deno.remove(path);
    },
  };
}
