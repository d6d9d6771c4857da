import assert from "node:assert/strict";
import { DEFAULT_MAX_STARTUPS } from "../tests/_fixtures/sshd.ts";
import { checkFanout } from "./fanout.ts";
import { FULL_COUNTS, QUICK_COUNTS } from "./group.ts";

Deno.test("the run's fan-outs fit in the connections the bench sshd authenticates at once", () => {
  checkFanout(FULL_COUNTS.fanout);
  checkFanout(QUICK_COUNTS.fanout);
});

Deno.test("checkFanout() refuses a fan-out the bench sshd would cut short", () => {
  assert.throws(() => checkFanout([30, DEFAULT_MAX_STARTUPS + 1]), {
    name: "RangeError",
    message: `Invalid fan-out of ${DEFAULT_MAX_STARTUPS + 1}: use 1 to ${DEFAULT_MAX_STARTUPS}, ` +
      "the connections the bench sshd lets authenticate at once",
  });
  assert.throws(() => checkFanout([0]), { name: "RangeError", message: /fan-out of 0/ });
});
