/**
 * Where a remote error happened, as the CLI prints it under the error's message: the remote
 * stack's frames, with the `file:` URLs of modules the master served turned back into the
 * master's paths (modules keep their master URL and, types stripped, their lines). Frames inside
 * mitoctl's own remote stage and modules, and the runtime's, are left out unless asked for.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { frames, RemoteError } from "../errors.ts";
import { oneLine, remoteLines } from "./terminal_text.ts";

/** mitoctl's own modules (those it forwards, such as the process runner): not the user's code. */
const OWN_MODULES = new URL("../", import.meta.url).href;

/** Longest `data:` URL shown in a frame; the code that starts children is one of many kilobytes. */
const DATA_URL_SHOWN = 40;

/** The frames of `error`'s remote stack to print: the user's, or with `all` every one. */
export function remoteFrames(error: RemoteError, all: boolean): string[] {
  const out: string[] = [];
  for (const line of frames(error.remoteStack)) {
    const internal = !/file:\/\//.test(line) || line.includes(OWN_MODULES);
    if (internal && !all) continue;
    out.push(
      line
        .replace(/file:\/\/[^\s)]+?(?=(:\d+)*\)?$)/, (url) => toPath(url))
        .replace(/data:[^\s)]+/, (url) => `${url.slice(0, DATA_URL_SHOWN)}…`),
    );
  }
  return out;
}

function toPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/**
 * The lines main.ts prints for a failed command: the message (its further lines indented), then
 * where it happened; remote text with its controls escaped.
 */
export function failureLines(error: Error & { exitCode?: number }, verbose: boolean): string[] {
  const lines = [remoteLines("mitoctl: ", error.message, "  ")];
  if (error instanceof RemoteError) lines.push(...remoteFrames(error, verbose).map(oneLine));
  return lines;
}
