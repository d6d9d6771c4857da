/**
 * What a components config module exports: its default export is made with
 * {@linkcode defineComponents} (or is a plain array), and an optional `transform` export rewrites
 * the list before it is used.
 *
 * @module
 */

/** One long-running process on one host, as a config describes it. */
export interface ComponentSpec {
  /** Unique within the config: letters, digits and `._@:+-`, starting with a letter or digit. */
  name: string;
  /** Where it runs: any mitoctl target (`web1`, `bastion/web1/sudo:app`) or inventory host. */
  host: string;
  /** Absolute, or relative to the base directory. */
  executable: string;
  /** Its argv after the executable, passed as they are (no shell). Default none. */
  args?: string[];
  /** Environment variables set over the remote's. Default none. */
  env?: Record<string, string>;
  /**
   * Files pushed before it starts: local path (relative to the config file's directory) to
   * remote path (relative to the base directory). A directory's tree is copied into the remote
   * path. Default none.
   */
  files?: Record<string, string>;
  /**
   * Working directory on the remote, where relative executables and files go: absolute, `~/…`
   * or relative to the remote user's home. Default: a fresh directory
   * `~/.mitoctl/components/<name>-<run id>`, removed by `down`.
   */
  baseDir?: string;
  /** Start index: lower indices start first; equal ones start together. Default 0. */
  start?: number;
  /**
   * A log line that means "started" (a RegExp or its source), instead of the process being
   * alive after `grace`.
   */
  ready?: string | RegExp;
  /** How long to wait for `ready`, in ms. Default {@linkcode DEFAULT_READY_TIMEOUT}. */
  readyTimeout?: number;
  /** How long it must stay alive to count as started, in ms. Default {@linkcode DEFAULT_GRACE}. */
  grace?: number;
}

/** Default of {@linkcode ComponentSpec.grace}: 300 ms. */
export const DEFAULT_GRACE = 300;

/** Default of {@linkcode ComponentSpec.readyTimeout}: 30 s. */
export const DEFAULT_READY_TIMEOUT = 30_000;

/** What a config function is given. */
export interface ConfigInput {
  /**
   * Host names: `hosts("@web")` lists an inventory group (`-i`, `$MITOCTL_INVENTORY`),
   * `hosts("web1,web2")` a comma list, `hosts()` the list given with `--hosts`.
   */
  hosts(spec?: string): string[];
  /** `--set key=value` pairs. */
  args: Record<string, string>;
}

/** A config function: returns the components, computed as code likes. */
export type ComponentsDefinition = (
  input: ConfigInput,
) => ComponentSpec[] | Promise<ComponentSpec[]>;

/** A config module's optional `transform` export: rewrites the list before it is used. */
export type ComponentsTransform = (
  components: ComponentSpec[],
) => ComponentSpec[] | Promise<ComponentSpec[]>;

/**
 * Declares a config's components; the config module exports the result as its default.
 *
 * @example
 * ```ts
 * import { defineComponents } from "../../mod.ts";
 *
 * export default defineComponents(({ hosts, args }) => [
 *   { name: "db", host: "db1", executable: "/usr/bin/postgres", args: ["-D", "/srv/pg"], start: 1 },
 *   ...hosts("web1,web2").map((h) => ({
 *     name: `api@${h}`,
 *     host: h,
 *     executable: "bin/api",
 *     args: ["--port", args.port ?? "8080"],
 *     files: { "./dist": "." },
 *     start: 2,
 *   })),
 * ]);
 * ```
 */
export function defineComponents(definition: ComponentsDefinition): ComponentsDefinition {
  if (typeof definition !== "function") {
    throw new TypeError("defineComponents() needs a function returning the components");
  }
  return definition;
}
