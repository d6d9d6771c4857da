/**
 * What the container methods (docker, podman, kubectl, lxc, incus, machinectl) share: the hop
 * grammar `name:[user@]object[:key=value…]` (`,` separates targets and `/` hops, so options
 * follow a `:`; no name holds a `=`) and the process `<program> … sh -c <stage 1>`, which
 * `exec -i` runs inside a running container with its stdin and stdout as pipes.
 *
 * @module
 */

import {
  checkUser,
  type HopFields,
  type Method,
  type MethodOptions,
  type SpawnFacts,
  type SpawnSpec,
  stageCommand,
  stringOption,
} from "./method.ts";

/** A container, pod, namespace or context name: what the engines' CLIs take, never an option. */
const OBJECT = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** Checks a name from a hop or from options; `fail` says why it is bad. */
export function checkObject(what: string, value: string, fail: (why: string) => never): string {
  if (!OBJECT.test(value)) fail(`has an invalid ${what} "${value}"`);
  return value;
}

/** How a container method reads its hop. */
export interface ObjectHop {
  /** What the hop's object is called in messages: "container", "pod". */
  object: string;
  /** Whether `user@` may come first. */
  user: boolean;
  /** The `key=value` options it takes, each after a `:`. */
  keys: readonly string[];
}

/** `parse` and `format` for the hop grammar `[user@]object[:key=value…]`. */
export function objectHop(hop: ObjectHop): Pick<Method, "parse" | "format"> {
  return {
    parse(text, fail) {
      if (text === undefined || text === "") return fail(`names no ${hop.object}`);
      const parts = text.split(":");
      const first = parts.findIndex((p) => p.includes("="));
      const pairs = first < 0 ? [] : parts.slice(first);
      const fields: HopFields = {};
      let object = (first < 0 ? parts : parts.slice(0, first)).join(":");
      const at = object.lastIndexOf("@");
      if (at >= 0) {
        if (!hop.user) fail(`takes no user`);
        fields.user = checkUser(object.slice(0, at), fail);
        object = object.slice(at + 1);
      }
      fields.object = checkObject(hop.object, object, fail);
      for (const pair of pairs) {
        const eq = pair.indexOf("=");
        if (eq < 0) fail(`has "${pair}" after its options: expected key=value`);
        const key = eq < 0 ? pair : pair.slice(0, eq);
        if (!hop.keys.includes(key) || key === "object" || key === "user") {
          fail(`has an unknown option "${key}" (it takes ${hop.keys.join(", ") || "none"})`);
        }
        if (key in fields) fail(`sets "${key}" twice`);
        fields[key] = checkObject(key, pair.slice(eq + 1), fail);
      }
      return fields;
    },
    format(fields) {
      const user = fields.user === undefined ? "" : `${fields.user}@`;
      const pairs = hop.keys.filter((k) => fields[k] !== undefined).map((k) =>
        `:${k}=${fields[k]}`
      );
      return `${user}${fields.object}${pairs.join("")}`;
    },
  };
}

/** `options` of a container method: the hop's fields and the runtime. */
export function objectOptions(fields: HopFields, settings: { runtime?: string }): MethodOptions {
  const out: MethodOptions = { ...fields };
  if (settings.runtime !== undefined) out.runtime = settings.runtime;
  return out;
}

/** A name option checked again where the process starts (options may come over the wire). */
export function nameOption(options: MethodOptions, key: string): string | undefined {
  const value = stringOption(options, key);
  if (value === undefined) return undefined;
  return checkObject(key, value, (why) => {
    throw new TypeError(`Option "${key}" ${why.replace(/^has /, "is ")}`);
  });
}

/**
 * The process `argv` followed by `sh -c <stage 1>`: the runtime found on the container's PATH
 * unless one is named. `exits` says what the program's own exit codes mean.
 */
export function containerSpawn(
  argv: string[],
  label: string,
  options: MethodOptions,
  facts: SpawnFacts,
  exits?: Record<number, string>,
): SpawnSpec {
  const runtime = stringOption(options, "runtime") ?? "auto";
  const spec: SpawnSpec = {
    argv: [...argv, "sh", "-c", stageCommand(runtime, facts)],
    label,
    runtime,
  };
  if (exits) spec.exits = { program: argv[0]!, codes: exits };
  return spec;
}
