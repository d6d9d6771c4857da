import { ok, strictEqual } from "node:assert/strict";
import { type CliResult, runCli } from "./_fixtures/cli.ts";
import { startSshd } from "./_fixtures/sshd.ts";

/** A dry run of the tree a.txt, sub/b.txt named both files, counted them and wrote nothing. */
function dryRunListed(r: CliResult, dest: string): void {
  strictEqual(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  strictEqual(lines.slice(0, 2).sort().join("\n"), "mito: send a.txt\nmito: send sub/b.txt");
  ok(/^mito: 2 to send \(3 B\), 0 up to date, 0 to delete/.test(lines[2]!), r.stdout);
  strictEqual(lines.length, 3, r.stdout);
  ok(![...Deno.readDirSync(dest)].length, "a dry run wrote something");
}

Deno.test("push -n names the files it would send; pull's line names the target", async (t) => {
  await using sshd = await startSshd();
  const cfg = ["-F", sshd.sshConfig];
  const src = await Deno.makeTempDir({ prefix: "mitoctl-src-" });
  const dest = await Deno.makeTempDir({ prefix: "mitoctl-dest-" });
  await Deno.chmod(dest, 0o777);
  await Deno.chmod(src, 0o755);
  await Deno.mkdir(`${src}/sub`);
  await Deno.writeTextFile(`${src}/a.txt`, "a");
  await Deno.writeTextFile(`${src}/sub/b.txt`, "bb");
  try {
    await t.step("push -n lists each file, sends nothing", async () => {
      dryRunListed(await runCli(["push", ...cfg, "-n", "mito", src, `${dest}/tree`]), dest);
    });

    await t.step("pull -n lists each file, writes nothing", async () => {
      dryRunListed(await runCli(["pull", ...cfg, "-n", "mito", src, `${dest}/dry`]), dest);
    });

    await t.step("pull's summary line names the target it copied from", async () => {
      const r = await runCli(["pull", ...cfg, "mito", src, `${dest}/back`]);
      strictEqual(r.code, 0, r.stderr);
      ok(/^mito: 2 sent \(3 B\)/.test(r.stdout), r.stdout);
      strictEqual(await Deno.readTextFile(`${dest}/back/sub/b.txt`), "bb");
    });
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});
