import assert from "node:assert/strict";
import { explainExit, PreambleScanner } from "./link.ts";
import { PREAMBLE } from "./protocol.ts";

const enc = (s: string) => new TextEncoder().encode(s);

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

Deno.test("explainExit() tells unreachable, missing runtime, crash and loss apart", () => {
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
