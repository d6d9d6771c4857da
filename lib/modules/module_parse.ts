/**
 * One module's source to served JavaScript plus its import list, without touching the disk: types
 * stripped, imports lexed, each specifier classified and, when it is a path, resolved.
 *
 * @module
 */

import { builtinModules } from "node:module";
import { fileURLToPath } from "node:url";
import { parse } from "npm:es-module-lexer@3.0.5";
import { ModuleError } from "./module_error.ts";
import { type Lexed, stripTypes } from "./module_strip.ts";

/** How an import is used: loaded with its importer, on demand, or on demand by a computed name. */
export type ImportKind = "static" | "dynamic" | "pattern";

/** One import of a parsed module. */
export interface ModuleImport {
  /** `static` for `import`/`export … from`; `dynamic` for `import("x")`; `pattern` for a template. */
  kind: ImportKind;
  /** The specifier as written; for a template, each `${…}` is a `*`. */
  specifier: string;
  /** Start of the specifier's text in the parsed source, after its opening quote. */
  start: number;
  /** End of the specifier's text in the parsed source, before its closing quote. */
  end: number;
}

/** A module's JavaScript and what it imports. */
export interface ParsedModule {
  /** The module's URL. */
  url: string;
  /** JavaScript (types stripped), or the JSON text when `json` is true. */
  source: string;
  /** True for a JSON module. */
  json: boolean;
  /** Imports in source order; computed `import(x)` calls are left out. */
  imports: ModuleImport[];
  /** True when the source uses `import`/`export` syntax (false for many CommonJS files). */
  moduleSyntax: boolean;
  /** True when line and column numbers in `source` match the file on disk. */
  lineStable: boolean;
}

/** What a specifier names, before any package lookup. */
export type SpecifierTarget =
  /** A file, by its absolute `file:` URL. */
  | { type: "file"; url: string }
  /** Provided by the runtime itself (`node:fs`, `fs`, `data:` URLs). */
  | { type: "builtin" }
  /** A package in `node_modules` (bare or `npm:` specifier); `subpath` is `"."` or `"./x"`. */
  | { type: "package"; name: string; subpath: string }
  /** A `#name` entry of the nearest package.json `imports` field. */
  | { type: "imports"; specifier: string }
  /** Anything fetched from elsewhere (`https:`, `jsr:`, …), which is not forwarded. */
  | { type: "remote" };

const BUILTINS = new Set(builtinModules);

/**
 * Turns the text of the module at `url` into served JavaScript and its imports. Chooses the
 * treatment from the file extension. Throws a {@linkcode ModuleError} for syntax errors and file
 * types that cannot be served.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseModule } from "./module_parse.ts";
 * const parsed = parseModule("file:///app/main.ts", 'import { x } from "./x.ts";\nconst n: number = x;');
 * assert.equal(parsed.imports[0]?.specifier, "./x.ts");
 * ```
 */
export function parseModule(url: string, text: string): ParsedModule {
  const path = fileURLToPath(url);
  const extension = /\.[^./]*$/.exec(path)?.[0].toLowerCase() ?? "";
  switch (extension) {
    case ".json":
      try {
        JSON.parse(text);
      } catch (error) {
        throw new ModuleError(`Cannot load "${path}": invalid JSON: ${errorText(error)}`);
      }
      return { url, source: text, json: true, imports: [], moduleSyntax: true, lineStable: true };
    case ".ts":
    case ".mts": {
      const { code, lineStable, lexed } = stripTypes(text, url);
      return lex(url, code, lineStable, lexed);
    }
    case ".js":
    case ".mjs":
      return lex(url, text, true);
    case ".cjs":
    case ".cts":
      throw new ModuleError(
        `Cannot load "${path}": it is CommonJS; only ES modules can be served from memory`,
      );
    case ".jsx":
    case ".tsx":
      throw new ModuleError(`Cannot load "${path}": JSX is not supported`);
    default:
      throw new ModuleError(
        `Cannot load "${path}": unsupported file type "${extension || "(none)"}"; ` +
          `expected .ts, .mts, .js, .mjs or .json`,
      );
  }
}

/** Lists the imports of JavaScript `code`. */
function lex(url: string, code: string, lineStable: boolean, lexed?: Lexed): ParsedModule {
  try {
    lexed ??= parse(code);
  } catch (error) {
    const path = fileURLToPath(url);
    const index = (error as { idx?: number }).idx ?? 0;
    const where = lineStable ? `${path}:${position(code, index)}` : path;
    throw new ModuleError(`Cannot load "${path}": syntax error at ${where}`, { cause: error });
  }
  const [records, , , moduleSyntax] = lexed;
  const imports: ModuleImport[] = [];
  for (const record of records) {
    if (record.type === "static" || record.type === "reexport-star") {
      if (record.typeOnly) continue;
      imports.push({
        kind: "static",
        specifier: record.specifier,
        start: record.start,
        end: record.end,
      });
    } else if (record.type === "dynamic" && record.specifier !== undefined) {
      // The span of a dynamic specifier includes its quotes or backticks.
      imports.push({
        kind: record.glob ? "pattern" : "dynamic",
        specifier: record.specifier,
        start: record.start + 1,
        end: record.end - 1,
      });
    }
  }
  return { url, source: code, json: false, imports, moduleSyntax, lineStable };
}

/**
 * Says what `specifier`, imported by the module at `importer`, refers to. Paths and `file:` URLs
 * are resolved as written: no extension is guessed.
 */
export function classifySpecifier(specifier: string, importer: string): SpecifierTarget {
  if (/^\.{0,2}\//.test(specifier) || specifier.startsWith("file:")) {
    return { type: "file", url: new URL(specifier, importer).href };
  }
  if (specifier.startsWith("node:") || specifier.startsWith("data:")) return { type: "builtin" };
  if (specifier.startsWith("#")) return { type: "imports", specifier };
  if (specifier.startsWith("npm:")) {
    const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@[^/]*)?(\/.*)?$/.exec(specifier);
    if (!match?.[1]) return { type: "remote" };
    return { type: "package", name: match[1], subpath: `.${match[2] ?? ""}` };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return { type: "remote" };
  const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(specifier);
  if (!match?.[1]) return { type: "remote" };
  if (BUILTINS.has(specifier)) return { type: "builtin" };
  return { type: "package", name: match[1], subpath: `.${match[2] ?? ""}` };
}

/** `line:column` (both from 1) of `index` in `text`. */
export function position(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split("\n").length;
  const column = index - before.lastIndexOf("\n");
  return `${line}:${column}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
