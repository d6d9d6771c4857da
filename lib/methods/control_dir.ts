/**
 * Where ssh keeps its control sockets when contexts share connections (`controlPersist`): a
 * private directory mitoctl creates, mode 0700, with a short path (a unix socket path is limited
 * to 108 bytes): `$XDG_RUNTIME_DIR/mitoctl`, else `/tmp/mitoctl-<uid>`. Its owner and mode are
 * checked before every use, so no other user can plant or reach a socket there. Runtime-neutral
 * (`node:` builtins), as the remote stage runs ssh too.
 *
 * @module
 */

import { ConnectionError } from "../errors.ts";

/** Mode of the control directory: its owner alone may enter it. */
export const CONTROL_DIR_MODE = 0o700;

/** Longest control directory path used: ssh adds `/` and `%C` (40) and, while it binds, a
 *  17-character suffix, within the 108-byte limit of a unix socket path. */
export const MAX_CONTROL_DIR_LENGTH = 48;

/** Characters a control directory path may hold: nothing ssh's option parser or `%` expansion
 *  would read. */
const PLAIN_PATH = /^\/[A-Za-z0-9._/-]+$/;

/** Where the control directory goes, given the environment and the user id. */
export function controlDirPath(env: Record<string, string | undefined>, uid: number): string {
  const runtime = env.XDG_RUNTIME_DIR?.replace(/\/+$/, "");
  if (runtime && PLAIN_PATH.test(runtime)) {
    const dir = `${runtime}/mitoctl`;
    if (dir.length <= MAX_CONTROL_DIR_LENGTH) return dir;
  }
  return `/tmp/mitoctl-${uid}`;
}

/**
 * Creates the control directory if needed and checks it is ours: a real directory, owned by this
 * user, closed to group and others. Returns its path; throws a ConnectionError naming what is
 * wrong.
 */
export function controlDirectory(
  env: Record<string, string | undefined> = process.env,
  uid: number = process.getuid?.() ?? 0,
): string {
  const fs = process.getBuiltinModule("node:fs");
  const dir = controlDirPath(env, uid);
  const refuse = (why: string) =>
    new ConnectionError(`Cannot keep ssh control sockets in "${dir}": ${why}`);
  try {
    fs.mkdirSync(dir, { mode: CONTROL_DIR_MODE });
  } catch (e) {
    if ((e as { code?: string }).code !== "EEXIST") throw refuse((e as Error).message);
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory()) throw refuse("it is not a directory");
  if (st.uid !== uid) throw refuse(`it belongs to uid ${st.uid}, not to uid ${uid}`);
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw refuse(
      `its mode is 0${mode.toString(8)}; group and others must have no access (0700)`,
    );
  }
  return dir;
}
