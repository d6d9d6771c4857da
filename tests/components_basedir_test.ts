import { match, strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { repoRoot } from "./_fixtures/runtimes.ts";
import { passwdEntry } from "./_fixtures/_test_users.ts";
import { startSshd } from "./_fixtures/sshd.ts";

Deno.test("a component's baseDir is its working directory, where its files go, and down keeps it", async () => {
  await using sshd = await startSshd();
  const home = (await passwdEntry(sshd.users.full))!.home;
  const flags = ["-F", sshd.sshConfig, "--hosts", "mito"];
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-basedir-" });
  // Relative to the remote user's home, as the config says it.
  const base = `mitoctl-basedir-${crypto.randomUUID().slice(0, 8)}`;
  const config = `${dir}/deploy.ts`;
  try {
    await Deno.writeTextFile(
      `${dir}/hello.sh`,
      '#!/bin/sh\necho "cwd $(pwd)"; echo ready; exec sleep 300\n',
      { mode: 0o755 },
    );
    await Deno.chmod(`${dir}/hello.sh`, 0o755);
    await Deno.writeTextFile(
      config,
      `import { defineComponents } from "${repoRoot()}/mod.ts";\n` +
        "export default defineComponents(({ hosts }) => [{\n" +
        '  name: "based",\n' +
        "  host: hosts()[0]!,\n" +
        '  executable: "bin/hello.sh",\n' +
        `  baseDir: "${base}",\n` +
        '  files: { "./hello.sh": "bin/hello.sh" },\n' +
        "  ready: /^ready$/,\n" +
        "}]);\n",
    );
    const up = await runCli(["up", config, ...flags]);
    strictEqual(up.code, 0, up.stderr);
    match(up.stdout, /^started "based" on "mito": pid \d+\n$/);
    const pushed = await Deno.stat(`${home}/${base}/bin/hello.sh`);
    strictEqual(pushed.mode! & 0o777, 0o755);
    const logs = await runCli(["logs", config, "based", ...flags]);
    strictEqual(logs.code, 0, logs.stderr);
    match(logs.stdout, new RegExp(`^\\S+ out cwd ${home}/${base}\\n`, "m"));
    const down = await runCli(["down", config, ...flags]);
    strictEqual(down.code, 0, down.stderr);
    match(down.stdout, /stopped "based" on "mito"/);
    // The directory was the config's to name, not mitoctl's to remove.
    strictEqual((await Deno.stat(`${home}/${base}/bin/hello.sh`)).isFile, true);
  } finally {
    await runCli(["down", config, ...flags]);
    await Deno.remove(`${home}/${base}`, { recursive: true }).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.remove(dir, { recursive: true });
  }
});
