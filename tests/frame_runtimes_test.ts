import assert from "node:assert/strict";
import { repoRoot, testRuntimes } from "./_fixtures/runtimes.ts";

// The remote stage reads frames with the same FrameReader on Node: check its ownership promise
// there too, from one bundle of the property (fast-check included).
Deno.test("FrameReader keeps held frames intact on every remote runtime", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-frame-" });
  try {
    const entry = `${dir}/entry.ts`;
    await Deno.writeTextFile(
      entry,
      `import { checkFrameOwnership } from ${
        JSON.stringify(`${repoRoot()}/lib/wire/_frame_property.ts`)
      };\nawait checkFrameOwnership(100);\nconsole.log("frames intact");\n`,
    );
    const bundle = `${dir}/property.mjs`;
    const built = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--format", "esm", "-o", bundle, entry],
      cwd: repoRoot(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(built.success, new TextDecoder().decode(built.stderr));
    for (const runtime of await testRuntimes()) {
      await t.step(runtime.name, async () => {
        const args = runtime.kind === "deno" ? ["run", "--no-config", bundle] : [bundle];
        const out = await new Deno.Command(runtime.path, { args, stdout: "piped", stderr: "piped" })
          .output();
        const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
        assert.equal(out.code, 0, text);
        assert.match(text, /frames intact/);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
