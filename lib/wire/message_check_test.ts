import { strictEqual } from "node:assert/strict";
import { malformed } from "./message_check.ts";
import type { Message } from "./protocol.ts";

const bad = (msg: Record<string, unknown>) => malformed(msg as unknown as Message);

Deno.test("malformed() passes what a real remote stage sends", () => {
  strictEqual(
    bad({ t: "hello", runtime: "node", version: "22.1.0", pid: 7, host: "h", user: "u" }),
    undefined,
  );
  strictEqual(
    bad({ t: "log", level: "info", msg: "x".repeat(1 << 20), stream: "stdout" }),
    undefined,
  );
  strictEqual(bad({ t: "ok", id: 3, value: new Uint8Array(1) }), undefined);
  strictEqual(bad({ t: "gone", id: 4, error: "ssh exited", kind: "auth" }), undefined);
  strictEqual(bad({ t: "gone", id: 4, error: "bad frame", kind: "protocol" }), undefined);
  strictEqual(bad({ t: "gone", id: 4, error: 'Cannot connect to "x": …', boot: true }), undefined);
  strictEqual(bad({ t: "chan", ch: 1, end: true }), undefined);
  strictEqual(bad({ t: "credit", id: "whatever" }), undefined, "kinds the master ignores pass");
});

Deno.test("malformed() names the field that does not fit", () => {
  strictEqual(
    bad({ t: "ok", id: "1", value: new Uint8Array(1) }),
    `a "ok" message whose field "id" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`,
  );
  strictEqual(
    bad({ t: "err", id: 1, error: "text" }),
    'a "err" message whose field "error" is not bytes',
  );
  strictEqual(
    bad({ t: "gone", id: 1, error: "x".repeat(70_000) }),
    'a "gone" message whose field "error" is not a string of at most 65536 characters, or absent',
  );
  strictEqual(
    bad({ t: "gone", id: 1, error: "x", boot: false }),
    'a "gone" message whose field "boot" is not one of true, or absent',
  );
  strictEqual(
    bad({ t: "mreq", id: 1, url: 5 }),
    'a "mreq" message whose field "url" is not a string of at most 65536 characters',
  );
  strictEqual(
    bad({ t: "log", level: "info", msg: "x", stream: "tty" }),
    'a "log" message whose field "stream" is not one of "stdout", "stderr", or absent',
  );
  strictEqual(
    bad({ t: "chan", ch: 1, end: 1 }),
    'a "chan" message whose field "end" is not one of true, or absent',
  );
});
