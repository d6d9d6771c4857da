import { match, ok, rejects, strictEqual } from "node:assert/strict";
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

Deno.test("push -n, --always, --fast and --delete from the CLI; pull's line names the target", async (t) => {
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

    await t.step(
      "push sends what differs; --always all, --fast trusts size and mtime",
      async () => {
        const push = async (...flags: string[]) => {
          const r = await runCli(["push", ...cfg, ...flags, "mito", src, `${dest}/real`]);
          strictEqual(r.code, 0, r.stderr);
          return r.stdout;
        };
        match(await push(), /^mito: 2 sent \(3 B\), 0 up to date/);
        match(await push(), /^mito: 0 sent \(0 B\), 2 up to date/);
        match(await push("--always"), /^mito: 2 sent \(3 B\), 0 up to date/);
        // Same size, same mtime, other bytes: only a hash tells them apart.
        const { mtime } = await Deno.stat(`${src}/a.txt`);
        await Deno.writeTextFile(`${src}/a.txt`, "A");
        await Deno.utime(`${src}/a.txt`, mtime!, mtime!);
        match(await push("--fast"), /^mito: 0 sent \(0 B\), 2 up to date/);
        strictEqual(await Deno.readTextFile(`${dest}/real/a.txt`), "a");
        match(await push(), /^mito: 1 sent \(1 B\), 1 up to date/);
        strictEqual(await Deno.readTextFile(`${dest}/real/a.txt`), "A");
      },
    );

    await t.step("push --delete removes what the source lacks; without it, it stays", async () => {
      await Deno.writeTextFile(`${dest}/real/sub/extra.txt`, "x");
      const keep = await runCli(["push", ...cfg, "mito", src, `${dest}/real`]);
      strictEqual(keep.code, 0, keep.stderr);
      strictEqual(await Deno.readTextFile(`${dest}/real/sub/extra.txt`), "x");
      const r = await runCli(["push", ...cfg, "--delete", "mito", src, `${dest}/real`]);
      strictEqual(r.code, 0, r.stderr);
      match(r.stdout, /^mito: 0 sent \(0 B\), 2 up to date, 1 deleted/);
      await rejects(Deno.lstat(`${dest}/real/sub/extra.txt`), { name: "NotFound" });
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
