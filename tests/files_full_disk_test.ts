import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { basename, dirname } from "node:path";
import { type Context, RemoteError, Router } from "../mod.ts";
import { push, pushAll } from "../lib/files/mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { ensureUsers, passwdEntry, TEST_USERS } from "./_fixtures/_test_users.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const MIB = 1024 * 1024;

/** Size of the full file system: smaller than every source pushed to it. */
const SMALL_FS = "1m";

async function run(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr).trim();
    throw new Error(`Cannot run "${cmd} ${args.join(" ")}": ${err || `exit ${out.code}`}`);
  }
  return text;
}

function randomBytes(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  return data;
}

/**
 * Sources bigger than the small file system: `big.bin` (3 MiB, sent in chunks), `tree` (two
 * small files beside a 3 MiB one) and `many` (24 files of 100 KiB, sent in whole batches).
 */
async function makeSources(src: string): Promise<void> {
  await Deno.mkdir(`${src}/tree/sub`, { recursive: true });
  await Deno.mkdir(`${src}/many`);
  await Deno.writeFile(`${src}/big.bin`, randomBytes(3 * MIB));
  await Deno.writeTextFile(`${src}/tree/a.txt`, "alpha\n");
  await Deno.writeTextFile(`${src}/tree/sub/b.txt`, "beta\n");
  await Deno.writeFile(`${src}/tree/sub/big.bin`, randomBytes(3 * MIB));
  for (let i = 0; i < 24; i++) {
    await Deno.writeFile(`${src}/many/f${String(i).padStart(2, "0")}`, randomBytes(100 * 1024));
  }
}

/** Every path below `root` (files with a hash of their contents), for comparing trees. */
async function listing(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) {
        out[path] = "dir";
        await walk(path);
      } else {
        const data = await Deno.readFile(`${root}/${path}`);
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
        out[path] = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
      }
    }
  };
  await walk("");
  return out;
}

/** Temporary files of interrupted writes anywhere below `root`. */
async function temps(root: string): Promise<string[]> {
  return Object.keys(await listing(root)).filter((p) => basename(p).includes(".mitoctl-"));
}

/** Bytes in use on the file system holding `path`. */
async function usedBytes(path: string): Promise<number> {
  const out = await run("df", ["-B1", "--output=used", path]);
  return Number(out.trim().split("\n").at(-1));
}

/** Checks `message` ends by saying the disk is full at `dir`/`name`, the file being pushed. */
function saysDiskFull(message: string, dir: string, name: string | RegExp): void {
  const named = message.match(/"([^"]*)": no space left on device \(ENOSPC\)$/)?.[1];
  ok(named !== undefined, `no full disk in: ${message}`);
  strictEqual(dirname(named), dir, message);
  if (typeof name === "string") strictEqual(basename(named), name, message);
  else ok(name.test(basename(named)), message);
}

/** Checks `e` is a RemoteError from "mito" saying the disk is full (see saysDiskFull). */
function isDiskFull(e: unknown, dir: string, name: string | RegExp): true {
  ok(e instanceof RemoteError, `not a RemoteError: ${e}`);
  strictEqual(e.context, "mito");
  saysDiskFull(e.message, dir, name);
  return true;
}

/**
 * The pushes, against `small` (a file system too small for the sources, owned by the remote user) and `link` (a name in
 * that user's home pointing at it); `healthy` is where the same relative name is a plain
 * directory for a local context. Contexts are all closed on return, so `small` can be unmounted.
 */
async function pushToFullDisk(
  t: Deno.TestContext,
  paths: { src: string; small: string; link: string; healthy: string },
): Promise<void> {
  const { src, small, link, healthy } = paths;
  await using sshd = await startSshd();
  await using router = new Router();
  const options = { sshConfig: sshd.sshConfig };
  const full = await router.connect("mito", options);
  // A local context keeps the working directory it was started in, which is where a relative
  // destination lands; the ssh one starts in the remote user's home, where `link` is.
  const cwd = Deno.cwd();
  let local: Context;
  Deno.chdir(healthy);
  try {
    local = await router.connect("local");
  } finally {
    Deno.chdir(cwd);
  }
  const idle = await usedBytes(small);

  await t.step("a 3 MiB file fails naming it, leaves nothing and frees the space", async () => {
    await rejects(
      push(full, `${src}/big.bin`, `${small}/dest`),
      (e) => isDiskFull(e, small, "dest"),
    );
    deepStrictEqual(await listing(small), {});
    strictEqual(await usedBytes(small), idle);
  });

  await t.step(
    "a tree with a large file fails the same way and leaves no temporary file",
    async () => {
      await rejects(
        push(full, `${src}/tree`, `${small}/dest`),
        (e) => isDiskFull(e, `${small}/dest/sub`, "big.bin"),
      );
      deepStrictEqual(await temps(small), []);
      ok(!Object.keys(await listing(small)).includes("dest/sub/big.bin"));
    },
  );

  await t.step("a tree of small files fails on the file that did not fit", async () => {
    await rejects(
      push(full, `${src}/many`, `${small}/many`),
      (e) => isDiskFull(e, `${small}/many`, /^f\d+$/),
    );
    deepStrictEqual(await temps(small), []);
  });

  await t.step("pushAll() completes the healthy context while the full one fails", async () => {
    const dest = `${basename(link)}/all`;
    const results = await pushAll([full, local], `${src}/tree`, dest);
    const [bad, good] = results;
    isDiskFull(bad!.error, `${dest}/sub`, "big.bin");
    strictEqual(good!.error, undefined, `${good!.error}`);
    strictEqual(good!.summary.target, "local");
    strictEqual(good!.summary.sent, 3);
    deepStrictEqual(await listing(`${healthy}/${dest}`), await listing(`${src}/tree`));
    deepStrictEqual(await temps(small), []);
  });

  await t.step("the CLI exits 1 and names the host that failed", async () => {
    const dest = `${basename(link)}/cli`;
    const r = await runCli(["push", "-F", sshd.sshConfig, "mito,local", `${src}/tree`, dest], {
      cwd: healthy,
    });
    strictEqual(r.code, 1, `${r.stdout}\n${r.stderr}`);
    const lines = r.stdout.trimEnd().split("\n");
    const failed = lines.find((l) => l.startsWith("mito: failed: "));
    ok(failed !== undefined, r.stdout);
    saysDiskFull(failed, `${dest}/sub`, "big.bin");
    ok(lines.some((l) => l.startsWith("local: 3 sent")), r.stdout);
    deepStrictEqual(await listing(`${healthy}/${dest}`), await listing(`${src}/tree`));
    deepStrictEqual(await temps(small), []);
  });
}

Deno.test({
  name: "a push to a full disk fails clearly, removes its partial file and spares other hosts",
  ignore: Deno.uid() !== 0,
  fn: async (t) => {
    const base = await Deno.makeTempDir({ prefix: "mitoctl-full-disk-" });
    await Deno.chmod(base, 0o755);
    const small = `${base}/small`;
    const healthy = `${base}/healthy`;
    const src = `${base}/src`;
    await ensureUsers();
    const user = (await passwdEntry(TEST_USERS.full))!;
    const link = `${user.home}/${basename(base)}`;
    let mounted = false;
    try {
      await Deno.mkdir(small);
      await run("mount", ["-t", "tmpfs", "-o", `size=${SMALL_FS},mode=0755`, "tmpfs", small]);
      mounted = true;
      await Deno.chown(small, user.uid, user.gid);
      await Deno.symlink(small, link);
      await Deno.mkdir(`${healthy}/${basename(base)}`, { recursive: true });
      await makeSources(src);
      await pushToFullDisk(t, { src, small, link, healthy });
    } finally {
      await Deno.remove(link).catch(() => {});
      // A lazy unmount as a fallback, so a busy mount never outlives the test.
      if (mounted) await run("umount", [small]).catch(() => run("umount", ["-l", small]));
      await Deno.remove(base, { recursive: true });
    }
  },
});
