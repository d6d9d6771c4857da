import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";

Deno.test("ping tells the first call from the round trip", async () => {
  const r = await runCli(["ping", "local"]);
  strictEqual(r.code, 0, r.stderr);
  match(
    r.stdout,
    /^local: ok, deno [\d.]+, \S+@\S+ pid \d+, up in \d+ ms, first call [\d.]+ ms, round trip \d+ µs\n$/,
  );
  const json = JSON.parse((await runCli(["ping", "--json", "local"])).stdout);
  deepStrictEqual(Object.keys(json), [
    "target",
    "ok",
    "runtime",
    "version",
    "pid",
    "host",
    "user",
    "connectMs",
    "firstCallMs",
    "rttMs",
  ]);
});
