import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { spawnDenoChild } from "./deno_child.ts";
import { spawnNodeChild } from "./node_child.ts";
import type { ChildOptions, ChildTransport, TransportEvents } from "./transport.ts";

type Spawn = (options: ChildOptions, events: TransportEvents) => ChildTransport;

/** Starts `argv` and collects what it reports until it has exited. */
function run(spawn: Spawn, argv: string[], env: Record<string, string> = {}) {
  const out: number[] = [];
  const err: number[] = [];
  const errors: Error[] = [];
  const exit = Promise.withResolvers<[number | null, string | null]>();
  const child = spawn({ argv, env }, {
    receive: (chunk) => out.push(...chunk),
    stderr: (chunk) => err.push(...chunk),
    error: (e) => errors.push(e),
    closed: (code, signal) => exit.resolve([code, signal]),
  });
  const text = (bytes: number[]) => new TextDecoder().decode(new Uint8Array(bytes));
  return { child, exit: exit.promise, out: () => text(out), err: () => text(err), errors };
}

for (
  const [name, spawn] of [["spawnDenoChild", spawnDenoChild], [
    "spawnNodeChild",
    spawnNodeChild,
  ]] as const
) {
  Deno.test(`${name}() carries bytes both ways in order, then reports the exit`, async () => {
    const r = run(spawn, ["sh", "-c", 'cat; echo "$GREETING" >&2; exit 3'], { GREETING: "bye" });
    for (const part of ["one ", "two ", "three"]) r.child.send(new TextEncoder().encode(part));
    r.child.close();
    deepStrictEqual(await r.exit, [3, null]);
    strictEqual(r.out(), "one two three");
    strictEqual(r.err(), "bye\n");
    deepStrictEqual(r.errors, []);
  });

  Deno.test(`${name}() hands on megabytes of output whole and in order`, async () => {
    // Many reads, each a chunk of the child's stdout: they add up to exactly what it wrote.
    const chunks: Uint8Array[] = [];
    const exit = Promise.withResolvers<void>();
    spawn({ argv: ["seq", "1", "400000"], env: {} }, {
      receive: (chunk) => chunks.push(chunk.slice()),
      closed: () => exit.resolve(),
    });
    await exit.promise;
    const got = new TextDecoder().decode(
      chunks.reduce((all, c) => {
        const next = new Uint8Array(all.length + c.length);
        next.set(all);
        next.set(c, all.length);
        return next;
      }, new Uint8Array(0)),
    );
    strictEqual(got, Array.from({ length: 400000 }, (_, i) => `${i + 1}\n`).join(""));
  });

  Deno.test(`${name}() kills a child that does not end`, async () => {
    const r = run(spawn, ["sleep", "30"]);
    r.child.kill();
    deepStrictEqual(await r.exit, [null, "SIGKILL"]);
  });
}

Deno.test("spawnDenoChild() throws NotFound for a program that does not exist", () => {
  throws(() => run(spawnDenoChild, ["/nonexistent/mitoctl-none"]), { name: "NotFound" });
});

Deno.test("spawnNodeChild() reports a program that does not exist as an error", async () => {
  const r = run(spawnNodeChild, ["/nonexistent/mitoctl-none"]);
  await r.exit;
  strictEqual(r.errors.length, 1);
  strictEqual((r.errors[0] as NodeJS.ErrnoException).code, "ENOENT");
});
