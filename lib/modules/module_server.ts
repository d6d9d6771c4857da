/**
 * The master's module server: reads the modules a call needs, turns TypeScript into JavaScript,
 * resolves imports (packages included) and caches the result, so the master can push a call's
 * whole static import graph to a context that has no copy of the code.
 *
 * @module
 */

import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init as initLexer } from "npm:es-module-lexer@3.0.5";
import { ModuleError } from "./module_error.ts";
import { dependencyOrder } from "./module_graph.ts";
import {
  nearestPackageJson,
  packageNameOf,
  resolvePackage,
  resolvePackageImport,
} from "./module_package.ts";
import { classifySpecifier, type ModuleImport, parseModule } from "./module_parse.ts";
import { matchesPattern } from "./module_pattern.ts";

export { ModuleError } from "./module_error.ts";

/** Largest module file served, in bytes: 8 MiB. */
export const MAX_MODULE_SIZE = 8 * 1024 * 1024;

/** Files read at once while loading a graph. */
export const MAX_CONCURRENT_READS = 32;

/**
 * How recently a file may have changed, in milliseconds, and still be re-hashed although its
 * mtime and size match the cache: timestamps are coarse, so a quick second write can keep both.
 */
const RACY_WINDOW = 2_000;

/** One module as the master serves it. */
export interface ModuleRecord {
  /** Master URL, e.g. "file:///home/me/tasks.ts": the module's identity everywhere. */
  readonly url: string;
  /** JavaScript source to evaluate (types stripped), or JSON text when `json` is true. */
  readonly source: string;
  /** True for a JSON module (imported `with { type: "json" }`); absent otherwise. */
  readonly json?: boolean;
  /** Resolved URLs of static imports and re-exports (`node:` builtins excluded). */
  readonly deps: readonly string[];
  /** Resolved URLs of dynamic imports with a literal specifier. */
  readonly lazy: readonly string[];
  /** URL patterns ("file:///home/me/plugins/*.ts") of dynamic imports with a template. */
  readonly patterns: readonly string[];
  /** Hex SHA-256 of `source`: lets contexts skip re-sending an unchanged module. */
  readonly hash: string;
  /** False when transforming TypeScript moved lines (an inline source map then maps them). */
  readonly lineStable: boolean;
}

/** Options for {@linkcode ModuleServer}. */
export interface ModuleServerOptions {
  /** Largest module file, in bytes; default {@linkcode MAX_MODULE_SIZE} (8 MiB). */
  maxModuleSize?: number;
}

interface CacheEntry {
  /** The file's path. */
  path: string;
  mtime: number;
  size: number;
  /** When the file was last read, by the wall clock. */
  checkedAt: number;
  /** Hex SHA-256 of the file's bytes. */
  contentHash: string;
  record: ModuleRecord;
}

/**
 * Loads modules by URL and computes what a call needs. Each instance keeps its own cache; a file
 * changed on disk is read again on the next load.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ModuleServer } from "./module_server.ts";
 * const server = new ModuleServer();
 * const graph = await server.closure(new URL("./module_graph.ts", import.meta.url));
 * assert.ok(graph.at(-1)?.url.endsWith("/module_graph.ts"));
 * ```
 */
export class ModuleServer {
  #maxModuleSize: number;
  #cache = new Map<string, CacheEntry>();
  /** The last closure computed from each root, dependencies first. */
  #closures = new Map<string, ModuleRecord[]>();
  #loading = new Map<string, Promise<ModuleRecord>>();
  #reading = 0;
  #waiting: (() => void)[] = [];

  /** A server with an empty cache. */
  constructor(options: ModuleServerOptions = {}) {
    const max = options.maxModuleSize ?? MAX_MODULE_SIZE;
    if (!Number.isInteger(max) || max <= 0) {
      throw new RangeError(`Module size limit must be a positive integer, got "${max}"`);
    }
    this.#maxModuleSize = max;
  }

  /**
   * One module, from the cache while its file keeps its mtime and size (or its bytes keep their
   * hash). Concurrent loads of one URL share the work. Throws a {@linkcode ModuleError} for a
   * missing file, a syntax error, an unresolvable import or a package that cannot be forwarded.
   */
  load(url: string | URL): Promise<ModuleRecord> {
    let href: string;
    try {
      href = toModuleUrl(url);
    } catch (error) {
      return Promise.reject(error);
    }
    let loading = this.#loading.get(href);
    if (!loading) {
      loading = this.#load(href).finally(() => this.#loading.delete(href));
      this.#loading.set(href, loading);
    }
    return loading;
  }

  /**
   * The static closure of `root`: every module it imports, directly or not, dependencies before
   * their dependents and `root` last. Modules load concurrently. Dynamic imports are not followed.
   */
  async closure(root: string | URL): Promise<ModuleRecord[]> {
    const rootUrl = toModuleUrl(root);
    const known = this.#closures.get(rootUrl);
    if (known && known.every((record) => this.#unchanged(record))) return known.slice();
    const records = await this.#walk([rootUrl], false);
    const closure = dependencyOrder(rootUrl, records).map((url) => records.get(url)!);
    this.#closures.set(rootUrl, closure);
    return closure.slice();
  }

  /**
   * Whether `record` is still what its file holds, by the rule {@linkcode ModuleServer.load}
   * keeps: same mtime and size, changed longer ago than the racy window. One synchronous stat: a
   * closure served again (each context's first call of a module does it) costs a few microseconds
   * this way, where an asynchronous stat per module handed the work to another thread and back.
   */
  #unchanged(record: ModuleRecord): boolean {
    const cached = this.#cache.get(record.url);
    if (cached?.record !== record) return false;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(cached.path);
    } catch {
      return false; // The full load says why.
    }
    return info.isFile && (info.mtime?.getTime() ?? 0) === cached.mtime &&
      info.size === cached.size && cached.mtime < cached.checkedAt - RACY_WINDOW;
  }

  /**
   * Whether a context may be served `url` on request, given the modules the master chose to call:
   * true for a root, a module reachable from a root through static or literal dynamic imports, or
   * a match of the template pattern of such a module. Anything else (`/etc/passwd`, a sibling
   * file no import names) is false. Modules that fail to load count as leaves; nothing throws.
   */
  async isAllowed(url: string, roots: Iterable<string>): Promise<boolean> {
    let target: string;
    try {
      target = new URL(url).href;
    } catch {
      return false;
    }
    if (!target.startsWith("file:///")) return false;
    const rootUrls: string[] = [];
    for (const root of roots) {
      try {
        rootUrls.push(toModuleUrl(root));
      } catch {
        // A root that cannot be a module allows nothing.
      }
    }
    if (rootUrls.includes(target)) return true;
    const records = await this.#walk(rootUrls, true);
    if (records.has(target)) return true;
    for (const record of records.values()) {
      if (record.lazy.includes(target) || record.deps.includes(target)) return true;
      if (record.patterns.some((pattern) => matchesPattern(target, pattern))) return true;
    }
    return false;
  }

  /**
   * Loads everything reachable from `roots`. With `lenient` false (a call's closure) the first
   * failure is thrown, naming the importer; with `lenient` true (access checks) failures are
   * skipped and literal dynamic imports are followed too.
   */
  async #walk(roots: string[], lenient: boolean): Promise<Map<string, ModuleRecord>> {
    const found = new Map<string, ModuleRecord>();
    const seen = new Set<string>();
    const tasks: Promise<void>[] = [];
    let failure: { error: unknown } | undefined;
    const visit = (url: string, importer?: string) => {
      if (seen.has(url) || failure) return;
      seen.add(url);
      tasks.push(
        this.load(url).then((record) => {
          found.set(url, record);
          for (const dep of record.deps) visit(dep, url);
          if (lenient) { for (const dep of record.lazy) visit(dep, url); }
        }, (error) => {
          if (!lenient && !failure) failure = { error: importedFrom(error, importer) };
        }),
      );
    };
    for (const root of roots) visit(root);
    // Loads add tasks as they finish; wait until a round adds none.
    for (let done = 0; done < tasks.length;) {
      const round = tasks.slice(done);
      done = tasks.length;
      await Promise.all(round);
    }
    if (failure) throw failure.error;
    return found;
  }

  async #load(url: string): Promise<ModuleRecord> {
    const path = fileURLToPath(url);
    const cached = this.#cache.get(url);
    const checkedAt = Date.now();
    const { bytes, stat } = await this.#read(path, cached);
    if (bytes === undefined) return cached!.record;
    const contentHash = await sha256(bytes);
    let record: ModuleRecord;
    if (cached && cached.contentHash === contentHash) {
      record = cached.record;
    } else {
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      } catch (error) {
        throw new ModuleError(`Cannot load "${path}": it is not valid UTF-8`, { cause: error });
      }
      await initLexer();
      record = await this.#build(url, path, text);
    }
    this.#cache.set(url, {
      path,
      mtime: stat.mtime,
      size: stat.size,
      checkedAt,
      contentHash,
      record,
    });
    return record;
  }

  /** Stats and, unless the cache entry still holds, reads the file; `bytes` undefined = cached. */
  async #read(
    path: string,
    cached: CacheEntry | undefined,
  ): Promise<{ bytes: Uint8Array | undefined; stat: { mtime: number; size: number } }> {
    await this.#slot();
    try {
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(path);
      } catch (error) {
        throw fileError(path, error);
      }
      if (!info.isFile) throw new ModuleError(`Cannot load "${path}": it is not a file`);
      const stat = { mtime: info.mtime?.getTime() ?? 0, size: info.size };
      if (
        cached && cached.mtime === stat.mtime && cached.size === stat.size &&
        stat.mtime < cached.checkedAt - RACY_WINDOW
      ) {
        return { bytes: undefined, stat };
      }
      if (stat.size > this.#maxModuleSize) throw this.#tooLarge(path, stat.size);
      let bytes: Uint8Array;
      try {
        bytes = await Deno.readFile(path);
      } catch (error) {
        throw fileError(path, error);
      }
      // The file may have grown between stat and read.
      if (bytes.length > this.#maxModuleSize) throw this.#tooLarge(path, bytes.length);
      return { bytes, stat: { mtime: stat.mtime, size: bytes.length } };
    } finally {
      this.#reading--;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for one of the {@linkcode MAX_CONCURRENT_READS} read slots. */
  async #slot(): Promise<void> {
    while (this.#reading >= MAX_CONCURRENT_READS) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#reading++;
  }

  #tooLarge(path: string, size: number): ModuleError {
    return new ModuleError(
      `Cannot load "${path}": it is ${size} bytes, more than the limit of ` +
        `${this.#maxModuleSize} bytes`,
    );
  }

  /** Parses, checks and resolves one module read from disk. */
  async #build(url: string, path: string, text: string): Promise<ModuleRecord> {
    const packageName = packageNameOf(path);
    if (packageName !== undefined && /\.c[jt]s$/i.test(path)) {
      throw commonJs(packageName, path);
    }
    const parsed = parseModule(url, text);
    if (parsed.json) return freeze({ url, source: text, json: true }, [], [], [], true);
    if (packageName !== undefined && path.endsWith(".js") && !parsed.moduleSyntax) {
      const manifest = await nearestPackageJson(dirname(path));
      if (manifest?.json.type !== "module") throw commonJs(packageName, path);
    }
    const deps: string[] = [];
    const lazy: string[] = [];
    const patterns: string[] = [];
    const edits: { start: number; end: number; text: string }[] = [];
    const resolved = await Promise.all(parsed.imports.map((i) => resolveImport(i, url)));
    parsed.imports.forEach((imported, index) => {
      const target = resolved[index];
      if (target === undefined) return;
      if (target.rewrite) {
        const quote = parsed.source[imported.start - 1] ?? '"';
        edits.push({
          start: imported.start,
          end: imported.end,
          text: target.url.replaceAll(quote, `\\${quote}`),
        });
      }
      const list = imported.kind === "static"
        ? deps
        : imported.kind === "dynamic"
        ? lazy
        : patterns;
      if (!list.includes(target.url)) list.push(target.url);
    });
    let source = parsed.source;
    for (const edit of edits.reverse()) {
      source = source.slice(0, edit.start) + edit.text + source.slice(edit.end);
    }
    return freeze({ url, source }, deps, lazy, patterns, parsed.lineStable);
  }
}

/**
 * The URL one import resolves to, and whether the importer's text must be rewritten to it (a
 * package specifier means nothing on a remote without the package). Undefined: not served
 * (builtins, computed patterns outside files, optional dynamic imports that do not resolve).
 */
async function resolveImport(
  imported: ModuleImport,
  importer: string,
): Promise<{ url: string; rewrite: boolean } | undefined> {
  const target = classifySpecifier(imported.specifier, importer);
  const strict = imported.kind === "static";
  switch (target.type) {
    case "builtin":
      return undefined;
    case "file":
      if (imported.kind === "pattern" && !target.url.startsWith("file:///")) return undefined;
      return { url: target.url, rewrite: false };
    case "remote":
      if (!strict) return undefined;
      throw new ModuleError(
        `Cannot resolve "${imported.specifier}" from "${fileURLToPath(importer)}": ` +
          `remote URL imports are not forwarded`,
      );
    case "package":
    case "imports":
      if (imported.kind === "pattern") return undefined;
      try {
        const url = target.type === "package"
          ? await resolvePackage(target.name, target.subpath, importer, imported.specifier)
          : await resolvePackageImport(target.specifier, importer);
        return { url, rewrite: true };
      } catch (error) {
        // `try { await import("optional") } catch {}` is common: let the remote fail as it would.
        if (strict) throw error;
        return undefined;
      }
  }
}

function freeze(
  base: { url: string; source: string; json?: boolean },
  deps: string[],
  lazy: string[],
  patterns: string[],
  lineStable: boolean,
): Promise<ModuleRecord> {
  return sha256(new TextEncoder().encode(base.source)).then((hash) =>
    Object.freeze({
      ...base,
      deps: Object.freeze(deps),
      lazy: Object.freeze(lazy),
      patterns: Object.freeze(patterns),
      hash,
      lineStable,
    })
  );
}

/** `url` as an absolute `file:` URL string; absolute paths are accepted too. */
function toModuleUrl(input: string | URL): string {
  let url: URL;
  if (input instanceof URL) {
    url = input;
  } else if (input.startsWith("/")) {
    url = pathToFileURL(input);
  } else {
    try {
      url = new URL(input);
    } catch {
      throw new TypeError(`Module "${input}" is neither an absolute URL nor an absolute path`);
    }
  }
  if (url.protocol !== "file:") {
    throw new ModuleError(
      `Cannot load "${url.href}": only file: URLs are served; remote URL imports are not forwarded`,
    );
  }
  return url.href;
}

function importedFrom(error: unknown, importer: string | undefined): unknown {
  if (importer === undefined || !(error instanceof ModuleError)) return error;
  return new ModuleError(`${error.message} (imported from "${fileURLToPath(importer)}")`, {
    cause: error,
  });
}

function fileError(path: string, error: unknown): ModuleError {
  const why = error instanceof Deno.errors.NotFound
    ? "file not found"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : (error as Error).message;
  return new ModuleError(`Cannot load "${path}": ${why}`, { cause: error });
}

function commonJs(name: string, path: string): ModuleError {
  return new ModuleError(
    `Cannot forward "${name}": it is CommonJS (${path}); ` +
      `only ES module packages can be served from memory`,
  );
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
