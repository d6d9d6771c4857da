/**
 * A remote stage's own {@linkcode Transport}: frames come on stdin and leave on stdout. Anything
 * else that writes to stdout (a library, a stray console.log) goes to stderr instead, so only
 * frames travel there.
 *
 * @module
 */

import type { Transport, TransportEvents } from "./transport.ts";

/** Takes over this process's stdin and stdout. */
export function stageStdio(events: TransportEvents): Transport {
  const { stdin, stdout, stderr } = process;
  const write = stdout.write.bind(stdout);
  stdout.write = stderr.write.bind(stderr) as typeof stdout.write;
  stdin.on("data", events.receive);
  const end = () => events.closed(null, null);
  stdin.on("end", end);
  stdin.on("error", end);
  return {
    send: (bytes, written) => void write(bytes, written),
    close: () => stdout.end(),
  };
}
