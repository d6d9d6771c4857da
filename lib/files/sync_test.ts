import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { localEndpoint } from "./endpoint.ts";
import { type SyncOptions, syncTrees } from "./sync.ts";

async function tree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "mitoctl-sync-" });
  for (const [path, text] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, text);
  }
  return root;
}

async function sync(source: string, dest: string, options: SyncOptions = {}) {
  const [result] = await syncTrees(
    { endpoint: localEndpoint(), path: source },
    [{ endpoint: localEndpoint(), path: dest }],
    options,
  );
  if (result!.error) throw result!.error;
  return result!.summary;
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("syncTrees() puts a file inside a destination directory or one ending in /", async () => {
  const src = await tree({ "app.conf": "x=1\n" });
  const dest = await tree({ "keep": "" });
  try {
    strictEqual((await sync(`${src}/app.conf`, dest)).path, `${dest}/app.conf`);
    strictEqual((await sync(`${src}/app.conf`, `${dest}/new/`)).path, `${dest}/new/app.conf`);
    strictEqual(await Deno.readTextFile(`${dest}/new/app.conf`), "x=1\n");
    const s = await sync(`${src}/app.conf`, `${dest}/renamed.conf`);
    strictEqual(s.sent, 1);
    deepStrictEqual(await names(dest), ["app.conf", "keep", "new", "renamed.conf"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("syncTrees() replaces entries of another kind and refuses a file as the root", async () => {
  const src = await tree({ "x": "file now", "y/inner": "dir now" });
  const dest = await tree({ "x/old": "was a dir", "y": "was a file", "z": "" });
  try {
    const s = await sync(src, dest);
    strictEqual(s.sent, 2);
    strictEqual(await Deno.readTextFile(`${dest}/x`), "file now");
    strictEqual(await Deno.readTextFile(`${dest}/y/inner`), "dir now");
    await rejects(sync(src, `${dest}/z`), /Cannot copy a directory to ".*\/z" on "local"/);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("syncTrees() with dryRun reports and changes nothing", async () => {
  const src = await tree({ "a": "1", "b": "22" });
  const dest = await tree({ "a": "1", "stray": "" });
  try {
    const s = await sync(src, dest, { dryRun: true, delete: true });
    strictEqual(s.sent, 1);
    strictEqual(s.bytes, 2);
    strictEqual(s.deleted, 1);
    deepStrictEqual(await names(dest), ["a", "stray"]);
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("syncTrees() sweeps temporary files of ended writers and keeps live ones out of --delete", async () => {
  const boot = (await Deno.readTextFile("/proc/sys/kernel/random/boot_id")).replaceAll("-", "")
    .slice(0, 16);
  const ended = new Deno.Command("true").spawn();
  await ended.status;
  const self = await Deno.readTextFile("/proc/self/stat");
  const start = self.slice(self.lastIndexOf(")") + 2).split(" ")[19];
  const gone = `.a.mitoctl-${boot}-${ended.pid}-1-0123456789abcdef`;
  const live = `.b.mitoctl-${boot}-${Deno.pid}-${start}-fedcba9876543210`;
  const lookalike = ".c.mitoctl-0123456789abcdef";
  const src = await tree({ "a": "1", [lookalike]: "mine" });
  const dest = await tree({ [gone]: "old", [live]: "fresh" });
  try {
    await sync(src, dest, { delete: true });
    deepStrictEqual(await names(dest), [live, lookalike, "a"]);
    strictEqual(await Deno.readTextFile(`${dest}/${lookalike}`), "mine");
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("syncTrees() streams a large file in chunks and reports progress", async () => {
  const src = await Deno.makeTempDir({ prefix: "mitoctl-sync-" });
  const data = new Uint8Array(300_000).map((_, i) => i % 251);
  await Deno.writeFile(`${src}/big`, data);
  const dest = await Deno.makeTempDir({ prefix: "mitoctl-sync-" });
  try {
    let last = { bytesDone: 0, bytesTotal: 0, filesDone: 0, filesTotal: 0 };
    const s = await sync(src, `${dest}/copy`, {
      chunkSize: 65536,
      window: 2,
      onProgress: (p) => (last = p),
    });
    strictEqual(s.bytes, data.length);
    deepStrictEqual(last, { bytesDone: 300_000, bytesTotal: 300_000, filesDone: 1, filesTotal: 1 });
    deepStrictEqual(await Deno.readFile(`${dest}/copy/big`), data);
    ok(!(await names(`${dest}/copy`)).some((n) => n.includes(".mitoctl-")));
  } finally {
    await Deno.remove(src, { recursive: true });
    await Deno.remove(dest, { recursive: true });
  }
});
