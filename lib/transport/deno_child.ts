/**
 * A {@linkcode ChildTransport} on Deno's own process API, for the master: the child runs in a
 * session of its own, so Ctrl-C reaches the master alone, which then closes contexts in order.
 *
 * @module
 */

import type { ChildOptions, ChildTransport, TransportEvents } from "./transport.ts";

/** Starts `options.argv`; throws what `Deno.Command` throws when it cannot. */
export function spawnDenoChild(options: ChildOptions, events: TransportEvents): ChildTransport {
  const [cmd, ...args] = options.argv;
  const child = new Deno.Command(cmd!, {
    args,
    env: options.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const writer = child.stdin.getWriter();
  let closed = false;
  const pump = async (stream: ReadableStream<Uint8Array>, to: (chunk: Uint8Array) => void) => {
    try {
      for await (const chunk of stream) to(chunk);
    } catch (e) {
      events.error?.(e as Error);
    }
  };
  void pump(child.stderr, (chunk) => events.stderr?.(chunk));
  void pump(child.stdout, (chunk) => events.receive(chunk)).then(async () => {
    const status = await child.status;
    // Chunks read with the last one are handled before the end is.
    await new Promise((r) => setTimeout(r, 0));
    closed = true;
    // As Node reports it: a code, or the signal that ended the child.
    events.closed(status.signal ? null : status.code, status.signal);
  });
  return {
    pid: child.pid,
    send(bytes, written) {
      if (!closed) writer.write(bytes).then(written, () => {});
    },
    close() {
      writer.close().catch(() => {});
    },
    kill() {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    },
  };
}
