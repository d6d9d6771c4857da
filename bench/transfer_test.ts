import assert from "node:assert/strict";
import { megabytesPerSecond, TRANSFER_BYTES } from "./transfer.ts";

Deno.test("megabytesPerSecond() counts 10⁶ bytes a megabyte", () => {
  assert.equal(megabytesPerSecond(2_000_000, 500), 4);
});

Deno.test("TRANSFER_BYTES is 32 MiB", () => {
  assert.equal(TRANSFER_BYTES, 33_554_432);
});
