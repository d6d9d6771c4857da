/**
 * Finds the file a bare, `npm:` or `#` specifier names in the master's `node_modules`, so a pure
 * ES module package can be forwarded from memory like the user's own files.
 *
 * @module
 */

import { dirname, join, parse as parsePath, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ModuleError } from "./module_error.ts";
import { PACKAGE_CONDITIONS, resolveSubpath } from "./module_exports.ts";

/** A package.json and where it was found. */
export interface PackageJson {
  /** Absolute path of the package.json file. */
  path: string;
  /** Its parsed content. */
  json: Record<string, unknown>;
}

/**
 * The file URL of `name` + `subpath` (`"."` or `"./x"`), imported by the module at `importer`
 * with `specifier`: the nearest `node_modules/<name>` above the importer (symlinks followed),
 * then its `exports` field, or else `module`, `main`, `index.js` for the package root.
 */
export async function resolvePackage(
  name: string,
  subpath: string,
  importer: string,
  specifier: string,
): Promise<string> {
  const from = fileURLToPath(importer);
  const dir = await findPackageDir(name, dirname(from));
  if (dir === undefined) {
    const hint = specifier.startsWith("npm:")
      ? `; Deno's global npm cache is not searched: use a node_modules folder ` +
        `("nodeModulesDir" in deno.json) and install the package`
      : "";
    throw new ModuleError(
      `Cannot resolve "${specifier}" from "${from}": package "${name}" is not in any ` +
        `node_modules folder above it${hint}`,
    );
  }
  const manifest = await readPackageJson(join(dir, "package.json"));
  const json = manifest?.json ?? {};
  await refuseNativeAddons(name, dir, json);
  let file: string | undefined;
  if (json.exports !== undefined && json.exports !== null) {
    const target = resolveSubpath(json.exports, subpath, PACKAGE_CONDITIONS);
    if (target === undefined || !target.startsWith("./")) {
      throw new ModuleError(
        `Cannot resolve "${specifier}" from "${from}": package "${name}" does not export ` +
          `"${subpath}" (${join(dir, "package.json")})`,
      );
    }
    file = join(dir, target);
  } else if (subpath === ".") {
    file = await legacyEntry(dir, json);
  } else {
    file = join(dir, subpath);
  }
  if (file === undefined || !isInside(file, dir)) {
    throw new ModuleError(
      `Cannot resolve "${specifier}" from "${from}": package "${name}" has no entry file in "${dir}"`,
    );
  }
  if (file.endsWith(".node")) {
    throw new ModuleError(
      `Cannot forward "${name}": it has native addons (${file}); ` +
        `only ES module packages can be served from memory`,
    );
  }
  return pathToFileURL(file).href;
}

/**
 * The file URL of a `#name` specifier from the `imports` field of the package.json nearest to
 * `importer`. A target that is itself a package specifier is resolved as one.
 */
export async function resolvePackageImport(specifier: string, importer: string): Promise<string> {
  const from = fileURLToPath(importer);
  const manifest = await nearestPackageJson(dirname(from));
  const target = manifest ? resolveSubpath(manifest.json.imports, specifier) : undefined;
  if (manifest === undefined || target === undefined) {
    throw new ModuleError(
      `Cannot resolve "${specifier}" from "${from}": no "imports" entry for it in ` +
        `${manifest ? manifest.path : "any package.json above it"}`,
    );
  }
  if (target.startsWith("./")) return pathToFileURL(join(dirname(manifest.path), target)).href;
  const match = /^((?:@[^/]+\/)?[^/]+)(\/.*)?$/.exec(target);
  if (!match?.[1]) {
    throw new ModuleError(
      `Cannot resolve "${specifier}" from "${from}": invalid "imports" target "${target}"`,
    );
  }
  return await resolvePackage(match[1], `.${match[2] ?? ""}`, importer, target);
}

/** The package.json nearest above `dir` (inclusive), or undefined if there is none. */
export async function nearestPackageJson(dir: string): Promise<PackageJson | undefined> {
  for (let at = dir;; at = dirname(at)) {
    const found = await readPackageJson(join(at, "package.json"));
    if (found) return found;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The package a path inside `node_modules` belongs to (`"pkg"` or `"@scope/pkg"`), or undefined
 * for a path outside any `node_modules`.
 */
export function packageNameOf(path: string): string | undefined {
  const parts = path.split(sep);
  const at = parts.lastIndexOf("node_modules");
  if (at < 0) return undefined;
  const first = parts[at + 1];
  if (first === undefined) return undefined;
  return first.startsWith("@") && parts[at + 2] ? `${first}/${parts[at + 2]}` : first;
}

async function findPackageDir(name: string, from: string): Promise<string | undefined> {
  for (let at = from;; at = dirname(at)) {
    if (parsePath(at).base !== "node_modules") {
      const candidate = join(at, "node_modules", name);
      if (await isFile(join(candidate, "package.json"))) return await Deno.realPath(candidate);
    }
    if (dirname(at) === at) return undefined;
  }
}

async function readPackageJson(path: string): Promise<PackageJson | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw new ModuleError(`Cannot read "${path}": ${(error as Error).message}`, { cause: error });
  }
  try {
    const json = JSON.parse(text);
    return { path, json: typeof json === "object" && json !== null ? json : {} };
  } catch (error) {
    throw new ModuleError(`Cannot read "${path}": invalid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Node's entry of a package without `exports`: `module`, then `main` as Node tries it. */
async function legacyEntry(
  dir: string,
  json: Record<string, unknown>,
): Promise<string | undefined> {
  for (const field of [json.module, json.main]) {
    if (typeof field !== "string" || field === "") continue;
    const base = join(dir, field);
    for (const file of [base, `${base}.js`, `${base}.mjs`, join(base, "index.js")]) {
      if (await isFile(file)) return file;
    }
  }
  const index = join(dir, "index.js");
  return await isFile(index) ? index : undefined;
}

async function refuseNativeAddons(name: string, dir: string, json: Record<string, unknown>) {
  const gyp = join(dir, "binding.gyp");
  if (json.gypfile === true || await isFile(gyp)) {
    throw new ModuleError(
      `Cannot forward "${name}": it has native addons (${gyp}); ` +
        `only ES module packages can be served from memory`,
    );
  }
}

function isInside(file: string, dir: string): boolean {
  return file === dir || file.startsWith(dir + sep);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
