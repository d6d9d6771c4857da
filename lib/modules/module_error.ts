/**
 * The error users see when the master cannot serve a module: a missing file, a syntax error, an
 * import that cannot be resolved, or a package that cannot be forwarded from memory.
 *
 * @module
 */

import { ExitCode, MitoctlError } from "../errors.ts";

/**
 * A module of the call graph could not be read, compiled, resolved or forwarded. The message names
 * the master's file path (with `line:column` for syntax errors) and the import that led there.
 */
export class ModuleError extends MitoctlError {
  /** Bad input from the user's own code or tree, so the CLI exits as for a usage error. */
  override readonly exitCode: number = ExitCode.usage;
}
