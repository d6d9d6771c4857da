import { deepStrictEqual, notStrictEqual, strictEqual } from "node:assert/strict";
import { spawnNodeChild } from "./node_child.ts";

/** Starts `argv` and collects what it reports until it has exited. */
function run(
  argv: string[],
  env: Record<string, string> = {},
  detached = false,
) {
  const out: number[] = [];
  const err: number[] = [];
  const errors: Error[] = [];
  const exit = Promise.withResolvers<[number | null, string | null]>();
  let ends = 0;
  const child = spawnNodeChild({ argv, env, detached }, {
    receive: (chunk) => out.push(...chunk),
    stderr: (chunk) => err.push(...chunk),
    error: (e) => errors.push(e),
    closed: (code, signal) => (ends++, exit.resolve([code, signal])),
  });
  const text = (bytes: number[]) => new TextDecoder().decode(new Uint8Array(bytes));
  return {
    child,
    exit: exit.promise,
    out: () => text(out),
    err: () => text(err),
    errors,
    ends: () => ends,
  };
}

Deno.test("spawnNodeChild() carries bytes both ways in order, then reports the exit", async () => {
  const r = run(["sh", "-c", 'cat; echo "$GREETING" >&2; exit 3'], { GREETING: "bye" });
  for (const part of ["one ", "two ", "three"]) r.child.send(new TextEncoder().encode(part));
  r.child.close();
  deepStrictEqual(await r.exit, [3, null]);
  strictEqual(r.out(), "one two three");
  strictEqual(r.err(), "bye\n");
  deepStrictEqual(r.errors, []);
});

Deno.test("spawnNodeChild() hands on megabytes of output whole and in order", async () => {
  // Many reads, each a chunk of the child's stdout: they add up to exactly what it wrote.
  const chunks: Uint8Array[] = [];
  const exit = Promise.withResolvers<void>();
  spawnNodeChild({ argv: ["seq", "1", "400000"], env: {} }, {
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

Deno.test("spawnNodeChild() kills a child that does not end", async () => {
  const r = run(["sleep", "30"]);
  r.child.kill();
  deepStrictEqual(await r.exit, [null, "SIGKILL"]);
});

/** The session id of process `pid`, from /proc. */
const sessionOf = (pid: number): string =>
  Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ")[3]!;

Deno.test("spawnNodeChild() starts a detached child in a session of its own", async () => {
  const own = run(["sh", "-c", "cut -d' ' -f6 /proc/$$/stat"], {}, true);
  const shared = run(["sh", "-c", "cut -d' ' -f6 /proc/$$/stat"]);
  await Promise.all([own.exit, shared.exit]);
  const mine = sessionOf(Deno.pid);
  strictEqual(shared.out().trim(), mine);
  notStrictEqual(own.out().trim(), mine);
  strictEqual(own.out().trim(), String(own.child.pid));
});

Deno.test("spawnNodeChild() reports a program that does not exist as an error", async () => {
  const r = run(["/nonexistent/mitoctl-none"]);
  await r.exit;
  strictEqual(r.errors.length, 1);
  strictEqual((r.errors[0] as NodeJS.ErrnoException).code, "ENOENT");
  await new Promise((resolve) => setTimeout(resolve, 50));
  strictEqual(r.ends(), 1);
});

Deno.test("spawnNodeChild() reports the exit though a process left behind holds the pipes above stderr", async () => {
  // The grandchild keeps fds 3 and 4 (the sealed pipes) open after the child exited.
  const r = run(["sh", "-c", "sleep 3 0<&- 1>&- 2>&- & echo started"]);
  deepStrictEqual(await r.exit, [0, null]);
  strictEqual(r.out(), "started\n");
  strictEqual(r.ends(), 1);
});
