import assert from "node:assert/strict";
import { DEFAULT_MAX_STARTUPS } from "../tests/_fixtures/sshd.ts";
import { FULL_COUNTS, QUICK_COUNTS } from "./group.ts";

Deno.test("a fan-out fits in the connections the bench sshd authenticates at once", () => {
  assert.ok(FULL_COUNTS.fanout <= DEFAULT_MAX_STARTUPS);
  assert.ok(QUICK_COUNTS.fanout <= DEFAULT_MAX_STARTUPS);
});
