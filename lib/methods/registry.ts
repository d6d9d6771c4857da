/**
 * The one registry of connection methods: the built-in ones and any a program registers. The
 * target grammar, the router, the CLI's help and inventories all look methods up here; nothing
 * else names a method.
 *
 * @module
 */

import * as builtin from "./builtin.ts";
import type { Method } from "./method.ts";

/** The method of a hop that names none (`web1`). */
export const DEFAULT_METHOD = "ssh";

const NAME = /^[a-z][a-z0-9-]*$/;

const methods = new Map<string, Method>(Object.values(builtin).map((m) => [m.name, m]));

/**
 * Adds a connection method, usable in targets (`name:…`) as the first hop: a remote stage starts
 * later hops with its built-in methods only. Throws a TypeError for a bad, built-in or taken
 * name.
 *
 * @example
 * Not run by the doc tests: the README's "Connection methods" runs a whole one.
 * ```ts ignore
 * import { runuser } from "../../examples/runuser_method.ts";
 *
 * registerMethod(runuser);
 * ```
 */
export function registerMethod(method: Method): void {
  if (!NAME.test(method.name)) {
    throw new TypeError(
      `Invalid method name "${method.name}": lower-case letters, digits and "-", a letter first`,
    );
  }
  if (isBuiltIn(method.name)) {
    throw new TypeError(`"${method.name}" is a built-in connection method: choose another name`);
  }
  if (methods.has(method.name)) {
    throw new TypeError(`A connection method named "${method.name}" is already registered`);
  }
  methods.set(method.name, method);
}

/** The method called `name`, or undefined. */
export function methodNamed(name: string): Method | undefined {
  return methods.get(name);
}

/** Whether `name` is built in, so that a remote stage can start it too. */
export function isBuiltIn(name: string): boolean {
  return Object.values(builtin).some((m) => m.name === name);
}

/** Every registered method, built-in ones first. */
export function allMethods(): Method[] {
  return [...methods.values()];
}
