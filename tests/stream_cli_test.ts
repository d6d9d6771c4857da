import { ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli, startCli } from "./_fixtures/cli.ts";
import { waitFor } from "./_fixtures/processes.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const ticks = new URL("./_fixtures/streams/ticks.ts", import.meta.url).pathname;

function exists(path: string): true | undefined {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return undefined;
  }
}

Deno.test("mitoctl stream prints a remote generator's items; Ctrl-C stops it there", async (t) => {
  await using sshd = await startSshd();
  const cfg = ["-F", sshd.sshConfig];
  for (const rt of runtimes) {
    const flags = [...cfg, "--runtime", rt.path];
    await t.step(`${rt.name}: items as a person reads them, as JSON lines, raw`, async () => {
      const r = await runCli(["stream", ...flags, "mito", `${ticks}#kinds`]);
      strictEqual(r.code, 0, r.stderr);
      strictEqual(
        r.stdout,
        '12n\nMap(1) {"a" => 1}\nUint8Array(3) [1,2,3]\nDate("2024-01-02T03:04:05.678Z")\n' +
          '"two\\nlines"\n',
      );
      const json = await runCli(["stream", ...flags, "--json", "mito", `${ticks}#kinds`]);
      strictEqual(json.code, 0, json.stderr);
      strictEqual(
        json.stdout,
        '{"$bigint":"12"}\n{"$map":[["a",1]]}\n{"$bytes":"AQID"}\n' +
          '{"$date":"2024-01-02T03:04:05.678Z"}\n"two\\nlines"\n',
      );
      const raw = await runCli(["stream", ...flags, "--raw", "mito", `${ticks}#kinds`]);
      strictEqual(raw.stdout.split("\n").slice(-3).join("\n"), "two\nlines\n");
    });

    await t.step(
      `${rt.name}: Ctrl-C runs the generator's finally on the remote, exit 130`,
      async () => {
        const dir = await Deno.makeTempDir({ prefix: "mitoctl-stream-" });
        await Deno.chmod(dir, 0o777);
        const marker = `${dir}/stopped`;
        try {
          const cli = startCli(["stream", ...flags, "mito", `${ticks}#ticks`, marker]);
          ok(await waitFor(() => exists(`${marker}.started`), 15_000), "the stream never started");
          cli.child.kill("SIGINT");
          const r = await cli.done;
          strictEqual(r.code, 130, r.stderr);
          strictEqual(r.stderr, "");
          ok(/^(\d+\n)*$/.test(r.stdout), r.stdout);
          strictEqual(Deno.readTextFileSync(marker), "stopped");
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    );
  }

  await t.step("usage errors exit 2 with a message", async () => {
    const r = await runCli(["stream", ...cfg, "mito,local", `${ticks}#ticks`]);
    strictEqual(r.code, ExitCode.usage);
    strictEqual(
      r.stderr,
      'mitoctl: Invalid target "mito,local": mitoctl stream takes one target\n',
    );
    const typo = await runCli(["straem", "mito"]);
    strictEqual(typo.code, ExitCode.usage);
    strictEqual(
      typo.stderr,
      'mitoctl: unknown command "straem"; did you mean "stream"?\nRun "mitoctl --help" for the list.\n',
    );
  });
});
