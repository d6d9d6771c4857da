import assert from "node:assert/strict";
import { spawnFailure } from "./sealed_spawn.ts";

const spawnError = (code: string | undefined, message: string) =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

Deno.test("spawnFailure() says why a program did not start, in words", async () => {
  assert.equal(
    spawnFailure("podman", spawnError("ENOENT", "spawn podman ENOENT")),
    '"podman" was not found',
  );
  assert.equal(
    spawnFailure("/nonexistent/tool", spawnError("ENOENT", "spawn /nonexistent/tool ENOENT")),
    '"/nonexistent/tool" was not found',
  );
  assert.equal(
    spawnFailure("/etc/hostname", spawnError("EACCES", "spawn /etc/hostname EACCES")),
    '"/etc/hostname" may not be run (permission denied)',
  );
  assert.equal(spawnFailure("x", spawnError(undefined, "spawn E2BIG")), "spawn E2BIG");
  // A script that exists, whose #! interpreter does not: the kernel says ENOENT as well.
  const script = await Deno.makeTempFile();
  try {
    assert.equal(
      spawnFailure(script, spawnError("ENOENT", `spawn ${script} ENOENT`)),
      `the interpreter named on the first line of "${script}" was not found`,
    );
    // Relative to the directory it was started in.
    const [dir, name] = [
      script.slice(0, script.lastIndexOf("/")),
      script.slice(script.lastIndexOf("/") + 1),
    ];
    assert.equal(
      spawnFailure(`./${name}`, spawnError("ENOENT", `spawn ./${name} ENOENT`), dir),
      `the interpreter named on the first line of "./${name}" was not found`,
    );
    assert.equal(
      spawnFailure(`./${name}`, spawnError("ENOENT", `spawn ./${name} ENOENT`), "/"),
      `"./${name}" was not found`,
    );
  } finally {
    await Deno.remove(script);
  }
  // A working directory that is missing fails the spawn with ENOENT as well.
  assert.equal(
    spawnFailure("ls", spawnError("ENOENT", "spawn ls ENOENT"), "/nonexistent/dir"),
    'the working directory "/nonexistent/dir" was not found',
  );
});
