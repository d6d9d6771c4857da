import assert from "node:assert/strict";
import { megabytesPerSecond, oneWayShell } from "./transfer.ts";

Deno.test("megabytesPerSecond() counts 10⁶ bytes a megabyte", () => {
  assert.equal(megabytesPerSecond(2_000_000, 500), 4);
});

Deno.test("oneWayShell() answers each line with the bytes asked for, and only then", async () => {
  const child = new Deno.Command("sh", {
    args: ["-c", oneWayShell(1000)],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("\n\n"));
  await writer.close();
  const { stdout } = await child.output();
  assert.deepEqual(stdout, new Uint8Array(2000));
});
