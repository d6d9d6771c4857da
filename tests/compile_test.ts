/**
 * The single binary: built with `deno compile`, which needs Deno's `denort` runtime. Where the
 * network cannot fetch it, `DENORT_BIN` names a local copy; without one this test is reported as
 * ignored (never as passed).
 */
import assert from "node:assert/strict";

const denort = Deno.env.get("DENORT_BIN");
const root = new URL("../", import.meta.url).pathname;

Deno.test({
  name: "deno compile builds a binary whose local context, call host included, runs on the binary",
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
      const call = async (...args: string[]) => {
        const run = await new Deno.Command(out, { args: ["call", ...args], cwd: dir }).output();
        assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
        return new TextDecoder().decode(run.stdout).trim();
      };
      // A fact, answered by the stage's router.
      assert.equal(await call("local", "node:os#hostname"), JSON.stringify(Deno.hostname()));
      // Calls into user code, which run in Deno's call host: the binary started again.
      assert.equal(await call("local", "node:path#basename", "/a/b"), '"b"');
      const tasks = `${root}tests/_fixtures/modgraph/tasks.ts`;
      assert.equal(await call("local", `${tasks}#add`, "2", "3"), "5");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
