import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { mitoctlArgv } from "./_fixtures/cli.ts";
import { startSshd, TEST_USERS } from "./_fixtures/sshd.ts";

Deno.test("push opens each local file as often for two targets as for one", async () => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-read-once-" });
  try {
    await Deno.chmod(dir, 0o755);
    await Deno.mkdir(`${dir}/src`, { mode: 0o755 });
    await Deno.writeTextFile(`${dir}/src/small.txt`, "small");
    // Larger than a chunk: streamed in several.
    await Deno.writeFile(`${dir}/src/big.bin`, new Uint8Array(3 * 1024 * 1024 + 5).fill(7));
    // A second alias for the same account: two contexts, two pushes.
    const config = `${dir}/ssh_config`;
    await Deno.writeTextFile(
      config,
      [
        "Host mito2",
        "  HostName 127.0.0.1",
        `  Port ${sshd.port}`,
        `  User ${TEST_USERS.full}`,
        `  IdentityFile ${sshd.identity}`,
        "Host *",
        `  Include ${sshd.sshConfig}`,
        "",
      ].join("\n"),
    );
    /** How many times the master opened each source file pushing to `targets`. */
    const opens = async (targets: string, dest: string) => {
      await Deno.mkdir(`${dir}/${dest}`, { mode: 0o777 });
      await Deno.chmod(`${dir}/${dest}`, 0o777);
      const trace = `${dir}/${dest}.trace`;
      const argv = [...mitoctlArgv(), "push", "-F", config, "--always", targets];
      const push = await new Deno.Command("strace", {
        args: [
          "-f",
          "-qq",
          "-e",
          "trace=openat",
          "-o",
          trace,
          ...argv,
          `${dir}/src`,
          `${dir}/${dest}/t`,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      strictEqual(push.code, 0, new TextDecoder().decode(push.stderr));
      const lines = (await Deno.readTextFile(trace)).split("\n");
      const count = (name: string) =>
        lines.filter((l) => l.includes(`"${dir}/src/${name}"`)).length;
      strictEqual(await Deno.readTextFile(`${dir}/${dest}/t/small.txt`), "small");
      return { small: count("small.txt"), big: count("big.bin") };
    };
    const one = await opens("mito", "one");
    strictEqual(one.small, 1);
    deepStrictEqual(await opens("mito,mito2", "two"), one);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
