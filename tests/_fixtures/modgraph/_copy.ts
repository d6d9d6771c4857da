/**
 * A private copy of this module tree for forwarding tests: a fresh temporary directory of mode
 * 0700 owned by the user running the tests (root), so an unprivileged remote user cannot read a
 * byte of it and every module it runs must have come from the master. Besides the committed
 * files (those not starting with `_`), the copy holds generated ones that cannot live in the
 * repository: two packages in a `node_modules`, modules with broken imports or syntax, and a
 * secret sibling that nothing imports.
 *
 * ```ts ignore
 * await using graph = await copyModGraph();
 * await ctx.call(graph.url("tasks.ts"), "describe");
 * ```
 *
 * @module
 */

import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Text of the `secret.ts` sibling; its presence in any reply means a leak. */
export const SECRET_MARKER = "mitoctl-secret-4f1c2a9e";

/** Files written into the copy beside the committed tree, by path relative to its root. */
export const GENERATED_FILES: Readonly<Record<string, string>> = {
  // A pure ESM package with an internal relative import and a subpath export.
  "node_modules/tiny-esm/package.json": JSON.stringify({
    name: "tiny-esm",
    version: "1.0.0",
    type: "module",
    exports: { ".": "./main.js", "./extra": "./lib/extra.js" },
  }),
  "node_modules/tiny-esm/main.js": 'import { twice } from "./lib/extra.js";\n' +
    "export const where = import.meta.url;\n" +
    "export function shout(text) { return twice(text.toUpperCase()); }\n",
  "node_modules/tiny-esm/lib/extra.js": "export function twice(text) { return text + text; }\n",
  "node_modules/tiny-cjs/package.json": JSON.stringify({
    name: "tiny-cjs",
    version: "1.0.0",
    main: "index.js",
  }),
  "node_modules/tiny-cjs/index.js": 'module.exports = { hi: () => "hi" };\n',
  "npm_user.ts": 'import { shout, where } from "tiny-esm";\n' +
    'import { twice } from "tiny-esm/extra";\n' +
    "export function run(text: string): { shouted: string; twice: string; where: string } {\n" +
    "  return { shouted: shout(text), twice: twice(text), where };\n" +
    "}\n",
  "cjs_user.ts":
    'import { hi } from "tiny-cjs";\nexport function run(): string {\n  return hi();\n}\n',
  "broken/missing_import.ts": 'import { gone } from "./nowhere.ts";\n' +
    "export function run(): unknown {\n  return gone;\n}\n",
  // TypeScript: the master finds the error while stripping types.
  "broken/syntax_error.ts": "export function fine(): number {\n  return 1;\n}\n" +
    "export const broken: number = ;\n",
  // JavaScript is passed through as is: the remote finds the error when compiling it.
  "broken/syntax_error.js": "export function fine() {\n  return 1;\n}\n" +
    "export const broken = 1 +* 2;\n",
  "broken/lazy_syntax.ts": "export async function run(): Promise<unknown> {\n" +
    '  return (await import("./late_syntax.js")).value;\n}\n',
  "broken/late_syntax.js": "export const value = 1;\nexport const other = ;\n",
  "secret.ts": `export const secret = "${SECRET_MARKER}";\n`,
};

/** A private copy of the module tree; `await using` removes it. */
export interface ModGraphCopy extends AsyncDisposable {
  /** Absolute path of the copy's root directory (mode 0700). */
  readonly dir: string;
  /** Absolute path of `rel` in the copy. */
  path(rel: string): string;
  /** `file:` URL of `rel` in the copy: the URL the master serves it under. */
  url(rel: string): URL;
  /** Writes `text` to `rel` in the copy, making folders as needed. */
  write(rel: string, text: string): Promise<void>;
}

/** Copies the committed tree and the generated files into a new private temporary directory. */
export async function copyModGraph(): Promise<ModGraphCopy> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-modgraph-" });
  await Deno.chmod(dir, 0o700);
  const path = (rel: string) => join(dir, rel);
  const write = async (rel: string, text: string) => {
    await Deno.mkdir(dirname(path(rel)), { recursive: true });
    await Deno.writeTextFile(path(rel), text);
  };
  const source = dirname(fileURLToPath(import.meta.url));
  for (const rel of await treeFiles(source)) {
    await Deno.mkdir(dirname(path(rel)), { recursive: true });
    await Deno.copyFile(join(source, rel), path(rel));
  }
  for (const [rel, text] of Object.entries(GENERATED_FILES)) await write(rel, text);
  return {
    dir,
    path,
    url: (rel) => new URL(`file://${path(rel)}`),
    write,
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Committed files under `root`, relative to it, leaving out helpers (names starting `_`). */
async function treeFiles(root: string, under = root): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(under)) {
    if (entry.name.startsWith("_")) continue;
    const full = join(under, entry.name);
    if (entry.isDirectory) out.push(...await treeFiles(root, full));
    else if (entry.isFile) out.push(relative(root, full));
  }
  return out;
}
