import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  escapeControls,
  oneLine,
  remoteLines,
  terminalJson,
  TerminalStream,
} from "./terminal_text.ts";

Deno.test("escapeControls() escapes every control but tab and newline", () => {
  strictEqual(escapeControls("a\tb\nc"), "a\tb\nc");
  strictEqual(escapeControls("\x1b]0;t\x07\r\x00\x7f"), "\\x1b]0;t\\x07\\x0d\\x00\\x7f");
  strictEqual(escapeControls("\u009b2J\x85"), "\\x9b2J\\x85");
  strictEqual(
    escapeControls("\u202eevil\u2066\u200f\u061c\u2028"),
    "\\u202eevil\\u2066\\u200f\\u061c\\u2028",
  );
  strictEqual(escapeControls("héllo ✓ 日本 \u00a0"), "héllo ✓ 日本 \u00a0");
});

Deno.test("oneLine() escapes newlines too", () => {
  strictEqual(oneLine("a\n[web2] b\x1b"), "a\\n[web2] b\\x1b");
});

Deno.test("remoteLines() starts every line of remote text with a prefix", () => {
  strictEqual(remoteLines("[web1] ", "a\n[web2] b"), "[web1] a\n[web1] [web2] b");
  strictEqual(
    remoteLines("mitoctl: ", "x\x1b\nmitoctl: ok", "  "),
    "mitoctl: x\\x1b\n  mitoctl: ok",
  );
});

Deno.test("terminalJson() keeps the JSON value and escapes what a terminal acts on", () => {
  const value = { s: "\x1b[2J\u009b\u202e\x7fok\u2029" };
  const json = terminalJson(JSON.stringify(value));
  deepStrictEqual(JSON.parse(json), value);
  // deno-lint-ignore no-control-regex
  strictEqual(/[\x00-\x1f\x7f-\x9f\u202e\u2029]/.test(json), false, json);
});

Deno.test("TerminalStream keeps characters whole across chunks", () => {
  const bytes = new TextEncoder().encode("a\u009bb✓\x1b");
  const t = new TerminalStream();
  const parts = [...bytes].map((b) => t.push(new Uint8Array([b])));
  parts.push(t.push());
  const text = new TextDecoder().decode(new Uint8Array(parts.flatMap((p) => [...p])));
  strictEqual(text, "a\\x9bb✓\\x1b");
  strictEqual(
    new TextDecoder().decode(new TerminalStream().push(new Uint8Array([0x9b]))),
    "\ufffd",
  );
});
