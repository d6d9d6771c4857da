/**
 * Functions that integration tests call in a context. Plain JavaScript with no imports, so every
 * runtime (Node 20 included) loads it straight from its `file:` URL on the same machine.
 *
 * @module
 */

/**
 * Returns its arguments as they arrived.
 *
 * @param {...unknown} args
 * @returns {unknown[]}
 */
export function echo(...args) {
  return args;
}

/**
 * Describes each argument as the remote sees it, so a test can tell a revived `Map` from an
 * object that merely looks like one.
 *
 * @param {...unknown} args
 * @returns {string[]}
 */
export function kinds(...args) {
  return args.map((value) => {
    if (value === null) return "null";
    if (typeof value !== "object") return typeof value;
    return Object.prototype.toString.call(value).slice(8, -1);
  });
}

/**
 * Throws a `RangeError` with a cause and an extra `code` property.
 *
 * @param {string} message
 * @returns {never}
 */
export function fail(message) {
  const error = new RangeError(message, { cause: new Error("the cause") });
  Object.assign(error, { code: "E_FIXTURE" });
  throw error;
}

/**
 * Throws a value that is not an Error.
 *
 * @returns {never}
 */
export function failWithString() {
  throw "a bare string";
}

/**
 * Returns a function, which cannot travel back.
 *
 * @returns {() => number}
 */
export function returnFunction() {
  return () => 1;
}

class Counter {
  count = 1;
}

/**
 * Returns a class instance nested in plain data, which cannot travel back.
 *
 * @returns {{ list: unknown[] }}
 */
export function returnInstance() {
  return { list: [1, new Counter()] };
}

/** Not a function: calling it must fail. */
export const notCallable = 42;

/**
 * Writes `path` after `ms` milliseconds of async sleep; a stopped call never writes it.
 *
 * @param {string} path
 * @param {number} ms
 * @returns {Promise<string>}
 */
export async function writeLater(path, ms) {
  await new Promise((resolve) => setTimeout(resolve, ms));
  const fs = process.getBuiltinModule("node:fs");
  fs.writeFileSync(path, "written\n");
  return path;
}

/**
 * Spins the CPU for `ms` milliseconds without yielding, then returns how long it spun.
 *
 * @param {number} ms
 * @returns {number}
 */
export function spin(ms) {
  const start = Date.now();
  while (Date.now() - start < ms) {
    // Busy on purpose: the thread never yields.
  }
  return Date.now() - start;
}

/**
 * The UTF-16 code units of `s` as the remote sees them.
 *
 * @param {string} s
 * @returns {number[]}
 */
export function codeUnits(s) {
  return [...Array(s.length).keys()].map((i) => s.charCodeAt(i));
}

/**
 * Throws `value`, whatever it is.
 *
 * @param {unknown} value
 * @returns {never}
 */
export function throwValue(value) {
  throw value;
}

/**
 * Fails outside any call: throws from a timer, or leaves a rejection unhandled, after it
 * returned a promise that never settles.
 *
 * @param {"throw" | "reject"} how
 * @returns {Promise<never>}
 */
export function failLater(how) {
  if (how === "throw") {
    setTimeout(() => {
      throw new Error("thrown from a timer");
    }, 0);
  } else Promise.reject(new Error("rejected and never caught"));
  return new Promise(() => {});
}

/**
 * Writes `text` straight to file descriptors 1 and 2, past `console` and `process.stdout`, then
 * has a child process that shares this one's stdout and stderr print it again, tagged.
 *
 * @param {string} text
 * @returns {string}
 */
export function writeFds(text) {
  const fs = process.getBuiltinModule("node:fs");
  fs.writeSync(1, `fd 1: ${text}\n`);
  fs.writeSync(2, `fd 2: ${text}\n`);
  process.getBuiltinModule("node:child_process").execFileSync(
    "sh",
    ["-c", 'echo "child 1: $0"; echo "child 2: $0" >&2', text],
    { stdio: "inherit" },
  );
  return "written";
}

/**
 * Starts a process that outlives this call (and the stage), with no stdio of ours.
 *
 * @param {number} seconds how long it sleeps
 * @returns {number} its pid
 */
export function leaveBehind(seconds) {
  const child = process.getBuiltinModule("node:child_process").spawn(
    "sleep",
    [`${seconds}`],
    { detached: true, stdio: "ignore" },
  );
  child.unref();
  return child.pid;
}
