import assert from "node:assert/strict";
import { explainExit, PreambleScanner } from "./boot.ts";
import { PREAMBLE } from "../wire/protocol.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** A child that never started: ssh exited 255 with nothing to say. */
const base = {
  label: "web1",
  exits: { program: "ssh", codes: { 255: "" } },
  runtime: "auto",
  started: false,
  noise: "",
  stderr: "",
  code: 255,
  signal: null,
};

Deno.test("PreambleScanner keeps banner noise and returns the bytes after the preamble", () => {
  const s = new PreambleScanner();
  assert.equal(s.push(enc("Welcome!\n\u0000mit"), "web1"), undefined);
  const rest = s.push(enc(`${PREAMBLE.slice(4)}AB`), "web1");
  assert.deepEqual([...rest!], [65, 66]);
  assert.equal(s.noise, "Welcome!\n");
  assert.ok(s.found);
});

Deno.test("PreambleScanner refuses endless output before the preamble", () => {
  const s = new PreambleScanner();
  assert.throws(() => s.push(new Uint8Array(70_000).fill(65), "web1"), {
    message: /^"web1" printed 70000 bytes of output before the remote stage started/,
  });
});

Deno.test("explainExit() names a runtime too old, quoting only a plain version", () => {
  const needs = "; mitoctl needs Node 20.16 or later, or Deno 2.8 or later";
  const cases: [Partial<typeof base>, string][] = [
    [{ code: 3, noise: "banner\nmitoctl:old-runtime 2.7.14\n" }, "Deno 2.7.14"],
    [{ code: 3, noise: "mitoctl:old-runtime v20.15.1\n" }, "Node 20.15.1"],
    [{ code: 3, noise: "mitoctl:old-runtime \u001b[31mevil\n" }, "an older one"],
    [{ code: 1, stderr: "TypeError: m is not a function\n\nNode.js v18.20.8\n" }, "Node 18.20.8"],
    [
      { code: 1, stderr: "error: Uncaught (in promise) TypeError: m is not a function\n" },
      "one without process.getBuiltinModule",
    ],
  ];
  for (const [facts, runtime] of cases) {
    assert.equal(
      explainExit({ ...base, ...facts }),
      `Cannot start on "web1": its runtime is ${runtime}${needs}`,
    );
  }
  assert.equal(
    explainExit({ ...base, code: 1, stderr: "Node.js v18.20.8\n" }),
    'The remote stage on "web1" exited with code 1 before it started: Node.js v18.20.8',
  );
});

Deno.test("explainExit() tells unreachable, missing runtime, crash and loss apart", () => {
  assert.equal(
    explainExit({ ...base, stderr: "x\nPermission denied (publickey).\n" }),
    'Cannot connect to "web1": ssh exited with code 255: x | Permission denied (publickey).',
  );
  assert.match(
    explainExit({ ...base, code: 0, noise: "mitoctl:no-runtime\n" }),
    /no deno or node found on its PATH/,
  );
  assert.equal(
    explainExit({ ...base, code: 1 }),
    'The remote stage on "web1" exited with code 1 before it started',
  );
  assert.equal(
    explainExit({ ...base, started: true, code: null, signal: "SIGKILL" }),
    'Lost "web1": the connection was killed by SIGKILL',
  );
});
