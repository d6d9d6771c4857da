/**
 * TypeScript to JavaScript for modules served from memory, keeping line and column numbers.
 *
 * Deno's `stripTypeScriptTypes` has two modes. `"strip"` blanks types with spaces, so every
 * position stays where it was, but it keeps imports exactly as written. `"transform"` follows
 * what Deno does when it runs a `.ts` file (an import whose bindings are only used as types is
 * dropped, as is a local interface in `export { … }`), but it prints the module anew and lines
 * move. We take the stripped text and make its import and export statements say what the
 * transformed text says. Files that need real transformation (enums, namespaces, parameter
 * properties) come out of transform mode with an inline source map, and lines may move there.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { stripTypeScriptTypes } from "node:module";
import { fileURLToPath } from "node:url";
import { type Export, type Import, parse } from "npm:es-module-lexer@3.0.5";
import { ModuleError } from "./module_error.ts";

/** JavaScript made from one TypeScript module. */
export interface StrippedModule {
  /** The JavaScript. */
  code: string;
  /** True when every token sits on the line and column it had in the TypeScript source. */
  lineStable: boolean;
  /** The lexer's view of `code`, when it was already computed. */
  lexed?: Lexed;
}

/** What `parse()` of es-module-lexer returns. */
export type Lexed = ReturnType<typeof parse>;

/** Where an edit goes in the stripped text, and what replaces it. */
interface Edit {
  start: number;
  end: number;
  text: string;
}

/** An import or `export … from` statement as the lexer sees it. */
interface Statement {
  specifier: string;
  start: number;
  end: number;
}

/**
 * Turns TypeScript `source` (the module at `url`) into JavaScript with Deno's import elision.
 * Throws a {@linkcode ModuleError} naming `path:line:column` on a syntax error.
 */
export function stripTypes(source: string, url: string): StrippedModule {
  let stripped: string;
  try {
    stripped = stripTypeScriptTypes(source, { mode: "strip" });
  } catch {
    // Non-erasable syntax, or a syntax error that strip mode reports without a position.
    return { code: transform(source, url, true), lineStable: false };
  }
  let lexed: Lexed;
  try {
    lexed = parse(stripped);
  } catch {
    // Let the caller's own lexing report where.
    return { code: stripped, lineStable: true };
  }
  const [imports, exports] = lexed;
  if (!mayDiffer(stripped, imports, exports)) return { code: stripped, lineStable: true, lexed };
  const reconciled = reconcile(stripped, imports, exports, transform(source, url, false));
  if (reconciled === stripped) return { code: stripped, lineStable: true, lexed };
  if (reconciled !== undefined) return { code: reconciled, lineStable: true };
  return { code: transform(source, url, true), lineStable: false };
}

/** Transform mode, with its inline source map (if any) pointing at `url`. */
function transform(source: string, url: string, sourceMap: boolean): string {
  let code: string;
  try {
    code = stripTypeScriptTypes(source, { mode: "transform", sourceMap });
  } catch (error) {
    throw syntaxError(error, url);
  }
  return sourceMap ? retargetSourceMap(code, url) : code;
}

/** The ModuleError for a failure of `stripTypeScriptTypes`, at `path:line:column`. */
function syntaxError(error: unknown, url: string): ModuleError {
  const message = error instanceof Error ? error.message : String(error);
  const path = fileURLToPath(url);
  const what = (message.split("\n")[0] ?? "").replace(/^SyntaxError: /, "").trim();
  const where = /:(\d+):(\d+)\s*$/m.exec(message);
  const at = where ? `${path}:${where[1]}:${where[2]}` : path;
  return new ModuleError(`Cannot load "${path}": syntax error at ${at}: ${what}`, {
    cause: error,
  });
}

const SOURCE_MAP = /\n\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** Points the inline source map at the master URL and drops its copy of the source. */
function retargetSourceMap(code: string, url: string): string {
  const match = SOURCE_MAP.exec(code);
  if (!match?.[1]) return code;
  const map = JSON.parse(Buffer.from(match[1], "base64").toString("utf8"));
  map.sources = [url];
  delete map.sourcesContent;
  const encoded = Buffer.from(JSON.stringify(map)).toString("base64");
  return `${
    code.slice(0, match.index)
  }\n//# sourceMappingURL=data:application/json;base64,${encoded}\n`;
}

/** Whether transform mode could emit different module statements than strip mode did. */
function mayDiffer(text: string, imports: readonly Import[], exports: readonly Export[]): boolean {
  const fromStatements = new Set<number>();
  for (const record of imports) {
    if (record.type !== "static") continue;
    fromStatements.add(record.importStart);
    // `import "x"` has nothing to elide; anything with bindings might lose some.
    if (text.startsWith("import", record.importStart) && !isBare(text, record)) return true;
    // `export { type T } from "x"` became `export {        } from "x"`, which Deno drops.
    if (/^export\s*\{\s*\}/.test(text.slice(record.importStart, record.start))) return true;
  }
  return exports.some((e) =>
    !fromStatements.has(e.exportStart) && /^export\s*\{/.test(text.slice(e.exportStart))
  );
}

/** Whether a static import record is `import "x"` with no bindings. */
function isBare(text: string, record: Import): boolean {
  return text.slice(record.importStart + "import".length, record.start - 1).trim() === "";
}

/** The import and re-export statements of a lexed module, in source order. */
function statements(imports: readonly Import[]): Statement[] {
  const out: Statement[] = [];
  for (const record of imports) {
    if (record.type === "static" || record.type === "reexport-star") {
      out.push({ specifier: record.specifier, start: record.importStart, end: record.importEnd });
    }
  }
  return out;
}

/**
 * Rewrites the module statements of `stripped` to match `transformed`, keeping every line in
 * place. Returns undefined when the two do not line up as expected (then the caller uses the
 * transformed text).
 */
function reconcile(
  stripped: string,
  imports: readonly Import[],
  exports: readonly Export[],
  transformed: string,
): string | undefined {
  const [tImports, tExports] = parse(transformed);
  const edits: Edit[] = [];
  // Elision only removes statements, so the transformed ones are a subsequence of ours.
  const ours = statements(imports);
  const theirs = statements(tImports);
  let next = 0;
  for (const s of ours) {
    const t = theirs[next];
    const mine = stripped.slice(s.start, s.end);
    if (t && t.specifier === s.specifier) {
      next++;
      const text = transformed.slice(t.start, t.end);
      if (normalize(text) === normalize(mine)) continue;
      const flat = flatten(text);
      if (flat === undefined) return undefined;
      edits.push({ start: s.start, end: s.end, text: flat + newlines(mine) });
    } else {
      edits.push({ start: s.start, end: s.end, text: blank(mine) });
    }
  }
  if (next !== theirs.length) return undefined;
  const kept = new Set(tExports.map((e) => e.type === "reexport-all" ? "*" : e.name));
  const fromStatements = new Set(ours.map((s) => s.start));
  for (const e of exports) {
    if (e.type === "reexport-all" || kept.has(e.name)) continue;
    // Only a name in a local `export { … }` clause may vanish: a local type exported by name.
    if (fromStatements.has(e.exportStart)) return undefined;
    if (!/^export\s*\{/.test(stripped.slice(e.exportStart))) return undefined;
    const start = clauseEntryStart(stripped, e);
    const end = /^\s*,?/.exec(stripped.slice(e.end))![0].length + e.end;
    edits.push({ start, end, text: blank(stripped.slice(start, end)) });
  }
  return apply(stripped, edits);
}

/** Where `local as name` (or just `name`) begins in an export clause. */
function clauseEntryStart(text: string, e: Export): number {
  if (e.type === "direct" && e.localStart >= 0 && e.localStart < e.start) return e.localStart;
  const before = /([\p{ID_Continue}$\u200c\u200d]+|"[^"]*"|'[^']*')\s+as\s+$/u.exec(
    text.slice(Math.max(0, e.start - 300), e.start),
  );
  return before ? e.start - before[0].length : e.start;
}

/** Text with comments, blanks, trailing commas and quote style ignored, for comparing. */
function normalize(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, "").replace(/\s+/g, "")
    .replace(/,\}/g, "}").replace(/'/g, '"');
}

/** A statement on one line, or undefined when it holds a line comment that would swallow code. */
function flatten(text: string): string | undefined {
  if (!text.includes("\n")) return text;
  if (text.replace(/"[^"\n]*"|'[^'\n]*'/g, "").includes("//")) return undefined;
  return text.replace(/\s*\n\s*/g, " ");
}

/** The line breaks of `text`, so a replacement keeps the lines after it in place. */
function newlines(text: string): string {
  return text.replace(/[^\n]/g, "");
}

/** `text` with everything but line breaks turned into spaces. */
function blank(text: string): string {
  return text.replace(/[^\n\r]/g, " ");
}

/** Applies edits, or returns undefined if two of them overlap. */
function apply(text: string, edits: Edit[]): string | undefined {
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const edit of edits) {
    if (edit.start < at) return undefined;
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
