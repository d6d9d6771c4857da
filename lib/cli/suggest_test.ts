import { strictEqual } from "node:assert/strict";
import { suggest } from "./suggest.ts";

const COMMANDS = ["call", "run", "stream", "push", "pull", "ping", "status"];

Deno.test("suggest() names the closest command within two edits", () => {
  strictEqual(suggest("rnu", COMMANDS), "run");
  strictEqual(suggest("cal", COMMANDS), "call");
  strictEqual(suggest("pus", COMMANDS), "push");
  strictEqual(suggest("straem", COMMANDS), "stream");
  strictEqual(suggest("deploy", COMMANDS), undefined);
});
