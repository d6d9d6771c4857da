/**
 * Checking a config's components and ordering their start: no I/O, so tests drive it with
 * plain values.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type ComponentSpec, DEFAULT_GRACE, DEFAULT_READY_TIMEOUT } from "./config.ts";

/** A component with its defaults filled in and its paths made absolute where they are local. */
export interface Component {
  name: string;
  host: string;
  executable: string;
  args: string[];
  env: Record<string, string>;
  /** Pairs of absolute local path and remote path (relative to the base directory). */
  files: [local: string, remote: string][];
  baseDir?: string;
  start: number;
  /** Source of the ready pattern. */
  ready?: string;
  readyTimeout: number;
  grace: number;
}

/** What a component name may look like (it names directories on the remote). */
export const COMPONENT_NAME: RegExp = /^[A-Za-z0-9][A-Za-z0-9._@:+-]*$/;

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === "string");
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
}

function duration(what: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`Invalid ${what}: expected milliseconds, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Joins `path` to directory `dir` unless it is absolute. */
function localPath(dir: string, path: string): string {
  if (path.startsWith("/")) return path;
  return new URL(path, `file://${dir.endsWith("/") ? dir : `${dir}/`}`).pathname;
}

/**
 * Checks `specs` (what a config returned) and fills in defaults; local `files` paths resolve
 * against `configDir`. Throws a UsageError naming the config and the component at fault.
 */
export function planComponents(
  specs: unknown,
  configDir: string,
  config: string,
): Component[] {
  if (!Array.isArray(specs)) {
    throw new UsageError(
      `Config "${config}" must give an array of components, got ${typeof specs}`,
    );
  }
  const seen = new Set<string>();
  return specs.map((spec: unknown, i) => {
    const bad = (why: string): never => {
      const name = (spec as { name?: unknown } | null)?.name;
      const which = typeof name === "string" ? `"${name}"` : `#${i}`;
      throw new UsageError(`Invalid component ${which} in config "${config}": ${why}`);
    };
    if (typeof spec !== "object" || spec === null) return bad("expected an object");
    const s = spec as Partial<Record<keyof ComponentSpec, unknown>>;
    if (typeof s.name !== "string" || !COMPONENT_NAME.test(s.name)) {
      return bad(
        `name must be letters, digits and "._@:+-", starting with a letter or digit`,
      );
    }
    if (seen.has(s.name)) return bad("another component has this name");
    seen.add(s.name);
    if (typeof s.host !== "string" || s.host === "") return bad("host must be a target");
    if (typeof s.executable !== "string" || s.executable === "") {
      return bad("executable must be a path");
    }
    if (s.args !== undefined && !isStrings(s.args)) return bad("args must be an array of strings");
    if (s.env !== undefined && !isStringRecord(s.env)) return bad("env values must be strings");
    if (s.files !== undefined && !isStringRecord(s.files)) {
      return bad("files must map local paths to remote paths");
    }
    if (s.baseDir !== undefined && (typeof s.baseDir !== "string" || s.baseDir === "")) {
      return bad("baseDir must be a path");
    }
    if (s.start !== undefined && (typeof s.start !== "number" || !Number.isFinite(s.start))) {
      return bad("start must be a number");
    }
    let ready: string | undefined;
    if (s.ready instanceof RegExp) ready = s.ready.source;
    else if (typeof s.ready === "string") {
      try {
        new RegExp(s.ready);
      } catch (e) {
        return bad(`ready is not a regular expression: ${(e as Error).message}`);
      }
      ready = s.ready;
    } else if (s.ready !== undefined) return bad("ready must be a RegExp or a string");
    let readyTimeout = DEFAULT_READY_TIMEOUT;
    let grace = DEFAULT_GRACE;
    try {
      readyTimeout = duration("readyTimeout", s.readyTimeout, DEFAULT_READY_TIMEOUT);
      grace = duration("grace", s.grace, DEFAULT_GRACE);
    } catch (e) {
      return bad((e as Error).message);
    }
    const component: Component = {
      name: s.name,
      host: s.host,
      executable: s.executable,
      args: s.args ?? [],
      env: s.env ?? {},
      files: Object.entries(s.files ?? {}).map(([from, to]) => [localPath(configDir, from), to]),
      start: s.start ?? 0,
      readyTimeout,
      grace,
    };
    if (s.baseDir !== undefined) component.baseDir = s.baseDir as string;
    if (ready !== undefined) component.ready = ready;
    return component;
  });
}

/** The components in start order: groups of equal start index, lowest index first. */
export function startWaves(components: readonly Component[]): Component[][] {
  const byIndex = new Map<number, Component[]>();
  for (const c of components) {
    const wave = byIndex.get(c.start);
    if (wave) wave.push(c);
    else byIndex.set(c.start, [c]);
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((k) => byIndex.get(k)!);
}

/** The components grouped by host, in first-seen order. */
export function byHost(components: readonly Component[]): Map<string, Component[]> {
  const hosts = new Map<string, Component[]>();
  for (const c of components) {
    const list = hosts.get(c.host);
    if (list) list.push(c);
    else hosts.set(c.host, [c]);
  }
  return hosts;
}

/** Reads `--set key=value` pairs; a later key wins. */
export function parseSets(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new UsageError(`Invalid --set "${pair}": expected key=value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}
