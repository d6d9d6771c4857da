/**
 * What `deno test --doc` cannot run: TypeScript blocks marked `ignore`. Each says why just above
 * it, and all are type-checked here: the README's library examples as the one program they read
 * as, each JSDoc example with the names it takes as given (`router`, `ctx`, `web1`, …) declared.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { dirname } from "node:path";
import { repoRoot } from "./_fixtures/runtimes.ts";

const root = repoRoot();
const REASON = "Not run by the doc tests: ";
const FENCE = /^(?:\s*\*\s?)?\s*```(?:ts|typescript|js|javascript|tsx|jsx|mts)\b(.*)$/;

/** The text of a line without its JSDoc margin (` * `). */
function bare(line: string): string {
  return line.replace(/^\s*\*\s?/, "").trim();
}

/** Each opening fence marked `ignore` in `text` that lacks the reason paragraph above it. */
function unexplained(text: string): number[] {
  const lines = text.split("\n");
  const missing: number[] = [];
  let inside = false;
  for (const [i, line] of lines.entries()) {
    if (inside) {
      if (/^\s*(?:\*\s*)?```\s*$/.test(line)) inside = false;
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) continue;
    inside = true;
    if (!/\bignore\b/.test(fence[1]!)) continue;
    let j = i - 1;
    while (j >= 0 && bare(lines[j]!) === "") j--;
    let start = j;
    // A paragraph ends at a blank line, a JSDoc tag (`@example`) or the comment's start.
    const above = (k: number) => bare(lines[k]!);
    while (
      start > 0 && above(start - 1) !== "" && !above(start - 1).startsWith("@") &&
      !/\*\/|\/\*\*/.test(lines[start - 1]!)
    ) {
      start--;
    }
    const paragraph = lines.slice(start, j + 1).map(bare).join(" ");
    if (j < 0 || !paragraph.startsWith(REASON) || !paragraph.endsWith(".")) missing.push(i + 1);
  }
  return missing;
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory && entry.name !== "testdata") yield* sources(path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

Deno.test("every TypeScript block the doc tests skip says why, just above it", async () => {
  const files = ["README.md", "mod.ts", "main.ts"].map((f) => `${root}/${f}`);
  for await (const path of sources(`${root}/lib`)) files.push(path);
  const found: string[] = [];
  for (const path of files) {
    for (const line of unexplained(await Deno.readTextFile(path))) {
      found.push(`${path.slice(root.length + 1)}:${line}`);
    }
  }
  deepStrictEqual(found, []);
});

Deno.test("the rule above finds a skipped block without its reason", () => {
  const ok = ["Not run by the doc tests: it connects.", "", "```ts ignore", "x", "```"];
  deepStrictEqual(unexplained(ok.join("\n")), []);
  deepStrictEqual(unexplained(["Text.", "", "```ts ignore", "x", "```"].join("\n")), [3]);
  const jsdoc = ["/**", " * Not run by the doc tests: it", " * connects.", " *", " * ```ts ignore"];
  deepStrictEqual(unexplained([...jsdoc, " * x", " * ```", " */"].join("\n")), []);
  deepStrictEqual(unexplained(["/**", " * ```ts ignore", " * ```", " */"].join("\n")), [2]);
  const tagged = [
    "  /**",
    "   * @example",
    "   * Not run by the doc tests: no host.",
    "   * ```ts ignore",
  ];
  deepStrictEqual(unexplained([...tagged, "   * ```", "   */"].join("\n")), []);
});

/** Runs `deno check` on `programs` (file name → source) with the repository's settings. */
async function typeCheck(programs: Record<string, string>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-doc-blocks-" });
  try {
    for (const [name, source] of Object.entries(programs)) {
      await Deno.writeTextFile(`${dir}/${name}`, source);
    }
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--config", `${root}/deno.json`, ...Object.keys(programs)],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    const said = decoder.decode(check.stderr) + decoder.decode(check.stdout);
    strictEqual(check.code, 0, `${said}\n${JSON.stringify(programs, null, 1)}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** `"./x"` and `"../x"` made absolute: from `dir` when that file exists, else from the root. */
function absolute(code: string, dir: string): string {
  return code.replace(/(["'])(\.\.?\/[^"']*)\1/g, (_, q: string, path: string) => {
    const here = new URL(path, `file://${dir}/`).pathname;
    let exists = false;
    try {
      exists = Deno.statSync(here).isFile;
    } catch { /* not there */ }
    return `${q}${exists ? here : new URL(path, `file://${root}/`).pathname}${q}`;
  });
}

Deno.test("the README's library examples type-check as one module", async () => {
  const readme = await Deno.readTextFile(`${root}/README.md`);
  const library = readme.slice(readme.indexOf("\n## Library\n"));
  const blocks = [...library.matchAll(/^```ts ignore\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
  strictEqual(blocks.length, 3, "the three library blocks");
  await typeCheck({ "readme.ts": absolute(blocks.join("\n"), root) });
});

/** Names JSDoc examples take as given, and their types. */
const GIVEN: Record<string, string> = {
  router: "Router",
  ctx: "Context",
  web1: "Context",
  web2: "Context",
  password: "string",
};

Deno.test("each JSDoc example the doc tests skip type-checks", async () => {
  const files = [`${root}/mod.ts`];
  for await (const path of sources(`${root}/lib`)) files.push(path);
  const mod = Object.keys(await import(`${root}/mod.ts`));
  const programs: Record<string, string> = {};
  for (const path of files.sort()) {
    const text = await Deno.readTextFile(path);
    const blocks = [...text.matchAll(/^\s*\* ```ts ignore\n([\s\S]*?)^\s*\* ```$/gm)];
    if (blocks.length === 0) continue;
    const own = Object.keys(await import(path));
    for (const [n, block] of blocks.entries()) {
      const code = absolute(block[1]!.replace(/^\s*\* ?/gm, ""), dirname(path));
      const imported = new Set(
        [...code.matchAll(/^import \{([^}]*)\}/gm)].flatMap((m) => m[1]!.split(",")).map((x) =>
          x.trim()
        ),
      );
      const declared = (name: string) =>
        new RegExp(`(?:const|let|using)\\s+(?:\\{[^}]*\\b)?${name}\\b`).test(code);
      const used = (name: string) =>
        !imported.has(name) && !declared(name) && new RegExp(`\\b${name}\\b`).test(code);
      const fromFile = own.filter(used);
      const fromMod = mod.filter((name) => used(name) && !fromFile.includes(name));
      const lines = [
        `import type { Context as _Context, Router as _Router } from "${root}/mod.ts";`,
        fromFile.length ? `import { ${fromFile.join(", ")} } from "${path}";` : "",
        fromMod.length ? `import { ${fromMod.join(", ")} } from "${root}/mod.ts";` : "",
        ...Object.entries(GIVEN).filter(([name]) => used(name)).map(([name, type]) =>
          `declare const ${name}: ${type === "string" ? type : `_${type}`};`
        ),
        code,
      ];
      const name = `${path.slice(root.length + 1).replaceAll("/", "_")}_${n}.ts`;
      programs[name] = lines.filter((l) => l !== "").join("\n");
    }
  }
  strictEqual(Object.keys(programs).length > 15, true, Object.keys(programs).join(", "));
  await typeCheck(programs);
});
