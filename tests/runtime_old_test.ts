import { strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { oldRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const NEEDED = "Node 20.16 or later, or Deno 2.8 or later";

Deno.test("a runtime older than the remote stage needs is refused with exit 3 naming its version", async () => {
  await using sshd = await startSshd();
  for (const runtime of await oldRuntimes()) {
    const family = runtime.kind === "node" ? "Node" : "Deno";
    for (const target of ["local", "mito"]) {
      const result = await runCli([
        "call",
        "-F",
        sshd.sshConfig,
        "--runtime",
        runtime.path,
        target,
        "node:os#hostname",
      ]);
      strictEqual(result.code, ExitCode.connection, `${runtime.name} ${target}: ${result.stderr}`);
      strictEqual(result.stdout, "");
      strictEqual(
        result.stderr,
        `mitoctl: Cannot start on "${target}": its runtime is ${family} ${runtime.version}; ` +
          `mitoctl needs ${NEEDED}\n`,
      );
    }
  }
});
