import { strictEqual, throws } from "node:assert/strict";
import { controlDirectory, controlDirPath, MAX_CONTROL_DIR_LENGTH } from "./control_dir.ts";

const uid = Deno.uid()!;

Deno.test("controlDirPath() prefers $XDG_RUNTIME_DIR/mitoctl, else /tmp/mitoctl-<uid>", () => {
  strictEqual(
    controlDirPath({ XDG_RUNTIME_DIR: "/run/user/1000" }, 1000),
    "/run/user/1000/mitoctl",
  );
  strictEqual(controlDirPath({}, 1000), "/tmp/mitoctl-1000");
  // Too long for a socket path, or holding what ssh would read as a token or a separator.
  const long = `/${"d".repeat(MAX_CONTROL_DIR_LENGTH)}`;
  strictEqual(controlDirPath({ XDG_RUNTIME_DIR: long }, 7), "/tmp/mitoctl-7");
  strictEqual(controlDirPath({ XDG_RUNTIME_DIR: "/run/a b" }, 7), "/tmp/mitoctl-7");
  strictEqual(controlDirPath({ XDG_RUNTIME_DIR: "/run/%d" }, 7), "/tmp/mitoctl-7");
});

Deno.test("controlDirectory() creates a 0700 directory and accepts it again", async () => {
  const base = await Deno.makeTempDir({ dir: "/tmp", prefix: "xdg-" });
  try {
    const dir = controlDirectory({ XDG_RUNTIME_DIR: base }, uid);
    strictEqual(dir, `${base}/mitoctl`);
    strictEqual(Deno.statSync(dir).mode! & 0o777, 0o700);
    strictEqual(controlDirectory({ XDG_RUNTIME_DIR: base }, uid), dir);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("controlDirectory() refuses a directory others can enter, a link, another owner", async () => {
  const base = await Deno.makeTempDir({ dir: "/tmp", prefix: "xdg-" });
  const env = { XDG_RUNTIME_DIR: base };
  const dir = `${base}/mitoctl`;
  const refused = (why: RegExp) =>
    throws(() => controlDirectory(env, uid), {
      name: "ConnectionError",
      message: new RegExp(`^Cannot keep ssh control sockets in "${dir}": ${why.source}$`),
    });
  try {
    Deno.mkdirSync(dir);
    Deno.chmodSync(dir, 0o777);
    refused(/its mode is 0777; group and others must have no access \(0700\)/);
    Deno.chmodSync(dir, 0o750);
    refused(/its mode is 0750; group and others must have no access \(0700\)/);
    Deno.removeSync(dir);
    Deno.symlinkSync("/tmp", dir);
    refused(/it is not a directory/);
    Deno.removeSync(dir);
    Deno.mkdirSync(dir, { mode: 0o700 });
    Deno.chownSync(dir, uid + 4242, null);
    refused(new RegExp(`it belongs to uid ${uid + 4242}, not to uid ${uid}`));
    Deno.removeSync(dir);
    throws(() => controlDirectory({ XDG_RUNTIME_DIR: `${base}/missing` }, uid), {
      name: "ConnectionError",
      message: /^Cannot keep ssh control sockets in ".*\/missing\/mitoctl": ENOENT/,
    });
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
