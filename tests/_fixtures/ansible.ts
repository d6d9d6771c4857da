/**
 * Ansible as the reference for inventory tests: where the shared corpus of real inventories
 * lives, and what `ansible-inventory` (Debian's `ansible-core`) makes of a file.
 *
 * @module
 */

import { capture, exists } from "./_sshd_parts.ts";
import { repoRoot } from "./runtimes.ts";

/** Where the corpus sits relative to a checkout's root. */
export const CORPUS_FROM_ROOT = "../shared/corpus/inventories";

/**
 * The corpus directory: `../shared/corpus/inventories` from the repository root, or from the
 * main checkout's root when this checkout is a git worktree. Throws naming the paths it tried.
 */
export async function corpusDir(): Promise<string> {
  const roots = [repoRoot()];
  // A worktree's .git is a file: "gitdir: <main>/.git/worktrees/<name>".
  const dotGit = await Deno.readTextFile(`${roots[0]}/.git`).catch(() => "");
  const gitdir = /^gitdir: (.+)\/\.git\/worktrees\/[^/]+\s*$/m.exec(dotGit);
  if (gitdir) roots.push(gitdir[1]!);
  const tried = roots.map((root) => `${root}/${CORPUS_FROM_ROOT}`);
  for (const dir of tried) if (await exists(`${dir}/SOURCES.md`)) return dir;
  throw new Error(
    `The inventory corpus is missing: none of ${tried.map((t) => `"${t}"`).join(", ")} holds ` +
      `SOURCES.md. The corpus lives beside the checkout, in ${CORPUS_FROM_ROOT}.`,
  );
}

/** What `ansible-inventory` printed for one inventory. */
export interface AnsibleReading {
  /** `--list`, parsed. */
  list: Record<string, unknown>;
  /** `--list` as printed. */
  listText: string;
  /** `--graph` lines, when asked for. */
  graph?: string[];
  /** Its warnings. */
  stderr: string;
}

/**
 * Runs `ansible-inventory -i <source> --list` (and `--graph` with `graph`) from an empty
 * directory, so no ansible.cfg applies. Throws when Ansible is missing or fails.
 */
export async function ansibleInventory(
  source: string,
  options: { graph?: boolean; cwd: string },
): Promise<AnsibleReading> {
  const run = async (mode: string) => {
    const env = ["env", "ANSIBLE_NOCOLOR=1", `ANSIBLE_LOCAL_TEMP=${options.cwd}/.ansible`];
    const out = await capture("sh", [
      "-c",
      `cd "$0" && exec "$@"`,
      options.cwd,
      ...env,
      "ansible-inventory",
      "-i",
      source,
      mode,
    ]).catch((e) => ({ code: 127, stdout: "", stderr: String(e) }));
    if (out.code === 127) {
      throw new Error(
        `Cannot run ansible-inventory (Debian: apt-get install ansible-core; .ci/run installs ` +
          `it): ${out.stderr.trim()}`,
      );
    }
    if (out.code !== 0) {
      throw new Error(`ansible-inventory -i ${source} ${mode} failed: ${out.stderr.trim()}`);
    }
    return out;
  };
  const list = await run("--list");
  const reading: AnsibleReading = {
    list: JSON.parse(list.stdout),
    listText: list.stdout,
    stderr: list.stderr,
  };
  if (options.graph) reading.graph = (await run("--graph")).stdout.trimEnd().split("\n");
  return reading;
}

/**
 * An executable in `dir` that prints `file`: how Ansible reads an inventory script's JSON (it
 * runs the script; a static `.json` file goes to its YAML and INI readers instead).
 */
export async function scriptPrinting(file: string, dir: string): Promise<string> {
  const path = `${dir}/${file.slice(file.lastIndexOf("/") + 1)}.sh`;
  await Deno.writeTextFile(path, `#!/bin/sh\nexec cat '${file.replaceAll("'", "'\\''")}'\n`, {
    mode: 0o755,
  });
  return path;
}
