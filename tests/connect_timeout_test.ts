import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { allProcesses } from "./_fixtures/proc_scan.ts";
import { POLL_INTERVAL_MS } from "./_fixtures/processes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

/** How long the watchdog may take past the connect timeout to end what it guards, in ms. */
const GONE_WITHIN_MS = 5000;

/** Live processes whose command line holds `marker`, described for a message. */
async function holding(marker: string): Promise<string[]> {
  return (await allProcesses())
    .filter((p) => p.cmdline.includes(marker) && p.pid !== Deno.pid)
    .map((p) => `${p.pid} ${p.cmdline.replaceAll("\0", " ").slice(0, 160)}`);
}

Deno.test("after --connect-timeout against a runtime that never answers, nothing we started lives on", async (t) => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hung-runtime-" });
  await Deno.chmod(dir, 0o755);
  try {
    for (const kind of ["node", "deno"]) {
      await t.step(`a ${kind} that never reads its stdin nor answers`, async () => {
        // Named like the runtime it stands for, so it is started the same way; its sleep takes a
        // length no other process has, to be found by.
        const runtime = `${dir}/hung-${kind}`;
        const sleep = `sleep ${3_000_000 + Math.floor(Math.random() * 1_000_000)}`;
        await Deno.writeTextFile(runtime, `#!/bin/sh\n${sleep}\n`, { mode: 0o755 });
        const r = await runCli([
          "call",
          "-F",
          sshd.sshConfig,
          "--connect-timeout",
          "2",
          "--runtime",
          runtime,
          "mito",
          "node:os#hostname",
        ]);
        strictEqual(r.code, ExitCode.timeout, r.stderr);
        strictEqual(r.stderr, `mitoctl: Timed out after 2 s waiting for "mito" to start\n`);
        // ssh, the remote shells and the watchdog name the runtime's path; the sleep its length.
        const left = async () => [...await holding(dir), ...await holding(sleep)];
        const deadline = Date.now() + GONE_WITHIN_MS;
        while ((await left()).length && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
        }
        deepStrictEqual(await left(), [], "still running after the failed connect");
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
