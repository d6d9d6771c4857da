import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { makeDirs, makeLinks, putFiles, removePaths, scan, setAttrs, tempPath } from "./remote.ts";

async function sandbox(): Promise<{ root: string; outside: string } & AsyncDisposable> {
  const base = await Deno.makeTempDir({ prefix: "mitoctl-remote-ops-" });
  await Deno.mkdir(`${base}/root/real`, { recursive: true });
  await Deno.mkdir(`${base}/outside`);
  await Deno.writeTextFile(`${base}/outside/f`, "mine");
  // A link that appeared in the destination after it was listed.
  await Deno.symlink(`${base}/outside`, `${base}/root/sneaky`);
  return {
    root: `${base}/root`,
    outside: `${base}/outside`,
    [Symbol.asyncDispose]: () => Deno.remove(base, { recursive: true }),
  };
}

const token = "0123456789abcdef";

Deno.test("writes below a root never go through a link in it", async () => {
  await using box = await sandbox();
  const within = { root: box.root };
  const via = `${box.root}/sneaky/f`;
  const refused = { message: `Cannot write "${via}": "${box.root}/sneaky" is a symbolic link` };
  throws(
    () =>
      putFiles([{ path: via, token, data: new Uint8Array(1), mode: 0o644, mtimeMs: 0 }], within),
    refused,
  );
  throws(() => makeLinks([{ path: via, token, target: "/etc/passwd", mtimeMs: 0 }], within), {
    message: /^Cannot create link ".*": ".*\/sneaky" is a symbolic link$/,
  });
  const link = (action: string) => ({
    message: new RegExp(`^Cannot ${action} ".*": ".*/sneaky" is a symbolic link$`),
  });
  throws(() => makeDirs([{ path: `${via}/d`, mode: 0o755 }], within), link("create directory"));
  throws(() => removePaths([via], within), link("remove"));
  throws(
    () => setAttrs([{ path: via, mode: 0o777, mtimeMs: 0 }], within),
    link("set the mode and time of"),
  );
  throws(
    () =>
      putFiles(
        [{ path: "/etc/x", token, data: new Uint8Array(1), mode: 0o644, mtimeMs: 0 }],
        within,
      ),
    {
      message: `Cannot write "/etc/x": it is not below "${box.root}"`,
    },
  );
  strictEqual(await Deno.readTextFile(`${box.outside}/f`), "mine");
  strictEqual((await Deno.stat(`${box.outside}/f`)).mode! & 0o777, 0o644);
  deepStrictEqual((await Array.fromAsync(Deno.readDir(box.outside))).map((e) => e.name), ["f"]);
  // The same writes below a real directory go through.
  putFiles([{
    path: `${box.root}/real/f`,
    token,
    data: new Uint8Array(1),
    mode: 0o600,
    mtimeMs: 0,
  }], within);
  strictEqual((await Deno.stat(`${box.root}/real/f`)).size, 1);
});

Deno.test("tempPath() names the writer and takes only a 16-hex-digit token", () => {
  const self = Deno.readTextFileSync("/proc/self/stat");
  const start = self.slice(self.lastIndexOf(")") + 2).split(" ")[19];
  const path = tempPath("/srv/app.conf", token);
  strictEqual(path.startsWith("/srv/.app.conf.mitoctl-"), true);
  strictEqual(path.endsWith(`-${Deno.pid}-${start}-${token}`), true, path);
  throws(() => tempPath("/srv/x", "../../etc"), {
    name: "TypeError",
    message: 'Invalid temporary file token "../../etc"',
  });
});

Deno.test("scan() lists a name that only looks temporary like any other file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-remote-ops-" });
  try {
    const names = [
      ".x.mitoctl-0123456789abcdef",
      `.x.mitoctl-ffffffffffffffff-1-1-${token}`,
      `.x.mitoctl-0000000000000000-${Deno.pid}-0-${token}`,
    ];
    for (const n of names) await Deno.writeTextFile(`${dir}/${n}`, "user data");
    const { entries, swept } = scan(dir, { sweep: true });
    deepStrictEqual(entries.map((e) => e.path).sort(), ["", ...names].sort());
    strictEqual(swept, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
