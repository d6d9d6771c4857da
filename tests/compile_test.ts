/**
 * The single binary: built with `deno compile`, which needs Deno's `denort` runtime. Where the
 * network cannot fetch it, `DENORT_BIN` names a local copy; without one this test is reported as
 * ignored (never as passed).
 */
import assert from "node:assert/strict";

const denort = Deno.env.get("DENORT_BIN");
const root = new URL("../", import.meta.url).pathname;

Deno.test({
  name: "deno compile builds a binary whose local context runs on the binary itself",
  ignore: !denort,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/mitoctl`;
      const build = await new Deno.Command(Deno.execPath(), {
        args: ["compile", "-A", "--output", out, `${root}main.ts`],
        env: { DENORT_BIN: denort! },
        cwd: root,
      }).output();
      assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(out, {
        args: ["call", "local", "node:os#hostname"],
        cwd: dir,
      }).output();
      assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
      assert.equal(new TextDecoder().decode(run.stdout).trim(), JSON.stringify(Deno.hostname()));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
