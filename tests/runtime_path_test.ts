import { strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { denoPath } from "./_fixtures/runtimes.ts";

Deno.test("--runtime takes a path with @ (npm's); a hop behind it uses its own default", async () => {
  // Only root may enter the directory: the sudo hop would fail if it inherited the path.
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-rt-" });
  await Deno.chmod(dir, 0o700);
  const path = `${dir}/node_modules/@deno/linux-x64/deno`;
  await Deno.mkdir(`${dir}/node_modules/@deno/linux-x64`, { recursive: true });
  await Deno.symlink(denoPath(), path);
  try {
    const first = await runCli(["call", "--runtime", path, "local", "node:process#cwd"]);
    strictEqual(first.code, 0, first.stderr);
    const hop = await runCli([
      "call",
      "--runtime",
      path,
      "local/sudo:mitoctl-t1",
      "node:os#userInfo",
    ]);
    strictEqual(hop.code, 0, hop.stderr);
    strictEqual(JSON.parse(hop.stdout).username, "mitoctl-t1");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
