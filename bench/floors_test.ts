import assert from "node:assert/strict";
import { STAGE1_JS, stage1Argv } from "../lib/stage/stage1.ts";
import { hostProgramLine, PingPong, scriptArgv, shellLine } from "./floors.ts";

Deno.test("scriptArgv() starts a runtime with stage 1's flags", () => {
  const stage1 = stage1Argv("deno", 1);
  const argv = scriptArgv("deno", "0");
  assert.deepEqual(argv, [...stage1.slice(0, -1).map((a) => a === STAGE1_JS ? "0" : a)]);
  assert.ok(argv.includes("DENO_DIR=/dev/null"));
  assert.deepEqual(scriptArgv("node", "0"), ["node", "-e", "0"]);
});

Deno.test("shellLine() quotes only arguments that need it", () => {
  assert.equal(shellLine(["node", "-e", "a(b)"]), "node -e 'a(b)'");
});

Deno.test("shellLine() refuses a single quote", () => {
  assert.throws(() => shellLine(["it's"]), {
    name: "TypeError",
    message: `Cannot quote "it's": it holds a single quote`,
  });
});

Deno.test("PingPong.readLine() reads what a process prints before it echoes", async () => {
  await using echo = new PingPong(["sh", "-c", "echo 4242; exec cat"]);
  assert.equal(await echo.readLine(), "4242");
  const samples = await echo.roundTrips(3, 5);
  assert.equal(samples.length, 3);
});

Deno.test("hostProgramLine() has Deno start a second Deno and exit once it has", async () => {
  const { code, stdout } = await new Deno.Command("sh", {
    args: ["-c", hostProgramLine(Deno.execPath())],
    stdout: "piped",
  }).output();
  assert.equal(code, 0);
  const pid = Number(new TextDecoder().decode(stdout).trim());
  assert.ok(Number.isInteger(pid) && pid > 0, `printed ${JSON.stringify(stdout)}`);
});
