import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ConnectionError, type Context, RemoteError, Router, UsageError } from "../mod.ts";
import { pull, push, pushAll } from "../lib/files/mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { passwdEntry } from "./_fixtures/_test_users.ts";
import { waitGone } from "./_fixtures/processes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

const OLD = new Date("2021-03-04T05:06:07.123Z");

/** A source tree: files of several modes and mtimes, a link, an empty read-only directory. */
async function makeTree(root: string): Promise<void> {
  await Deno.mkdir(`${root}/sub/deep`, { recursive: true });
  await Deno.mkdir(`${root}/empty`);
  await Deno.writeTextFile(`${root}/hello.txt`, "hello\n");
  await Deno.chmod(`${root}/hello.txt`, 0o751);
  const big = new Uint8Array(2 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  await Deno.writeFile(`${root}/sub/big.bin`, big);
  await Deno.writeTextFile(`${root}/sub/deep/note`, "deep\n");
  await Deno.utime(`${root}/sub/deep/note`, OLD, OLD);
  await Deno.symlink("../hello.txt", `${root}/sub/link`);
  await Deno.chmod(`${root}/empty`, 0o555);
  await Deno.utime(`${root}/sub/deep`, OLD, OLD);
}

interface Seen {
  kind: string;
  mode: number;
  mtime: number;
  data?: string;
  target?: string;
}

/** Every entry below `root` with its kind, mode, mtime and contents or link target. */
async function snapshot(root: string): Promise<Record<string, Seen>> {
  const out: Record<string, Seen> = {};
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const full = `${root}/${path}`;
      const st = await Deno.lstat(full);
      const seen: Seen = {
        kind: e.isSymlink ? "link" : e.isDirectory ? "dir" : "file",
        mode: st.mode! & 0o7777,
        mtime: Math.floor(st.mtime!.getTime()),
      };
      if (e.isFile) seen.data = await hashOf(full);
      if (e.isSymlink) seen.target = await Deno.readLink(full);
      out[path] = seen;
      if (e.isDirectory) await walk(path);
    }
  };
  await walk("");
  // Link times are kept where the system allows; contents and targets are what matter.
  for (const s of Object.values(out)) if (s.kind === "link") s.mtime = 0;
  return out;
}

async function hashOf(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function temps(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of Deno.readDir(dir)) if (e.name.includes(".mitoctl-")) found.push(e.name);
  return found;
}

/** A directory the remote user owns. */
async function remoteDir(user: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-files-" });
  const entry = (await passwdEntry(user))!;
  await Deno.chown(dir, entry.uid, entry.gid);
  return dir;
}

Deno.test("push and pull over ssh", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  const local = await Deno.makeTempDir({ prefix: "mitoctl-files-src-" });
  const remote = await remoteDir(sshd.users.full);
  const src = `${local}/src`;
  const dest = `${remote}/app`;
  const options = { sshConfig: sshd.sshConfig };
  try {
    await makeTree(src);
    const ctx = await router.connect("mito", options);
    let firstBytes = 0;

    await t.step("a tree arrives with contents, modes, mtimes and links", async () => {
      const before = ctx.stats.bytesSent;
      const s = await push(ctx, src, dest);
      firstBytes = ctx.stats.bytesSent - before;
      strictEqual(s.files, 3);
      strictEqual(s.sent, 3);
      strictEqual(s.links, 1);
      deepStrictEqual(await snapshot(dest), await snapshot(src));
      strictEqual((await Deno.stat(dest)).uid, (await passwdEntry(sshd.users.full))!.uid);
      deepStrictEqual(await temps(`${dest}/sub`), []);
    });

    await t.step("an identical push moves under 1% of the first", async () => {
      const before = ctx.stats.bytesSent;
      const s = await push(ctx, src, dest);
      const bytes = ctx.stats.bytesSent - before;
      strictEqual(s.sent, 0);
      strictEqual(s.skipped, 3);
      ok(bytes < firstBytes / 100, `${bytes} bytes sent again, ${firstBytes} the first time`);
    });

    await t.step("a file changed with the same size and mtime travels alone", async () => {
      const note = `${src}/sub/deep/note`;
      await Deno.writeTextFile(note, "DEEP\n");
      await Deno.utime(note, OLD, OLD);
      const s = await push(ctx, src, dest);
      strictEqual(s.sent, 1);
      strictEqual(s.bytes, 5);
      strictEqual(await Deno.readTextFile(`${dest}/sub/deep/note`), "DEEP\n");
      deepStrictEqual(await snapshot(dest), await snapshot(src));
    });

    await t.step("--delete removes what the source lacks, and only then", async () => {
      await Deno.writeTextFile(`${dest}/stray`, "x");
      await Deno.mkdir(`${dest}/sub/old/deeper`, { recursive: true });
      const owner = (await passwdEntry(sshd.users.full))!;
      for (const p of ["stray", "sub/old", "sub/old/deeper"]) {
        await Deno.chown(`${dest}/${p}`, owner.uid, owner.gid);
      }
      await push(ctx, src, dest);
      ok((await Deno.lstat(`${dest}/stray`)).isFile);
      const s = await push(ctx, src, dest, { delete: true });
      strictEqual(s.deleted, 2);
      deepStrictEqual(await snapshot(dest), await snapshot(src));
    });

    await t.step("a single file goes inside a directory", async () => {
      const s = await push(ctx, `${src}/hello.txt`, `${remote}/`);
      strictEqual(s.path, `${remote}/hello.txt`);
      strictEqual(await Deno.readTextFile(`${remote}/hello.txt`), "hello\n");
      strictEqual((await Deno.stat(`${remote}/hello.txt`)).mode! & 0o7777, 0o751);
    });

    await t.step("pull brings the tree back the same", async () => {
      const back = `${local}/back`;
      const s = await pull(ctx, dest, back);
      strictEqual(s.sent, 3);
      deepStrictEqual(await snapshot(back), await snapshot(src));
      strictEqual((await pull(ctx, dest, back)).sent, 0);
    });

    await t.step("a missing local source is a UsageError naming it", async () => {
      await rejects(push(ctx, `${local}/nope`, dest), (e: Error) => {
        ok(e instanceof UsageError);
        ok(e.message.includes(`"${local}/nope"`), e.message);
        return true;
      });
    });

    await t.step("an unwritable directory is a RemoteError naming it", async () => {
      await rejects(push(ctx, src, "/root/mitoctl-forbidden/app"), (e: Error) => {
        ok(e instanceof RemoteError, `${e}`);
        ok(e.message.includes(`"/root/mitoctl-forbidden/app"`), e.message);
        ok(e.message.includes("permission denied"), e.message);
        return true;
      });
      await rejects(pull(ctx, `${remote}/missing`, `${local}/x`), /no such file or directory/);
    });

    await t.step("a host that fails leaves the others going", async () => {
      const bad = router.open("mito-badkey", options);
      const results = await pushAll([bad, ctx], src, `${remote}/two`);
      ok(results[0]!.error instanceof ConnectionError, `${results[0]!.error}`);
      strictEqual(results[1]!.error, undefined);
      deepStrictEqual(await snapshot(`${remote}/two`), await snapshot(src));
    });

    await t.step("an aborted push leaves no temporary file", async () => {
      const abort = new AbortController();
      await rejects(
        push(ctx, src, `${remote}/aborted`, {
          compare: "always",
          chunkSize: 64 * 1024,
          window: 2,
          signal: abort.signal,
          onProgress: (p) => p.bytesDone > 0 && abort.abort(new Error("stop")),
        }),
        /stop/,
      );
      // The push got as far as sending file data, so its directories exist: none may hold a
      // temporary file (a missing directory fails the walk rather than passing).
      const dirs = [`${remote}/aborted`, `${remote}/aborted/sub`, `${remote}/aborted/sub/deep`];
      for (const dir of dirs) deepStrictEqual(await temps(dir), [], dir);
    });

    await t.step("a closed context's leftovers are swept by a later push", async () => {
      const doomed = await router.connect("mito", options);
      const closing = push(doomed, src, `${remote}/lost`, {
        compare: "always",
        chunkSize: 64 * 1024,
        window: 2,
        onProgress: (p) => p.bytesDone > 256 * 1024 && void doomed.close(),
      });
      await rejects(closing, { name: "ConnectionError", message: 'Context "mito" was closed' });
      const left = await temps(`${remote}/lost/sub`);
      strictEqual(left.length, 1, `left: ${left}`);
      // Once its writer (the closed context's remote stage, named in it) has ended, the next
      // push removes it: no waiting for it to age.
      const writer = Number(left[0]!.split(".mitoctl-")[1]!.split("-")[1]);
      deepStrictEqual(await waitGone([writer], 10_000), [], `writer ${writer} still alive`);
      await push(ctx, src, `${remote}/lost`);
      deepStrictEqual(await temps(`${remote}/lost/sub`), []);
      deepStrictEqual(await snapshot(`${remote}/lost`), await snapshot(src));
    });

    await t.step("on Node the same push arrives the same", async () => {
      await using node: Context = await router.connect("mito", { ...options, runtime: "node" });
      await push(node, src, `${remote}/node`);
      deepStrictEqual(await snapshot(`${remote}/node`), await snapshot(src));
      strictEqual((await push(node, src, `${remote}/node`)).sent, 0);
    });

    await t.step("the CLI pushes to a comma list and says what happened", async () => {
      const direct = `${sshd.users.full}@${sshd.host}:${sshd.port}`;
      const r = await runCli(
        [
          "push",
          "-F",
          sshd.sshConfig,
          "--identity",
          sshd.identity,
          `mito,${direct}`,
          src,
          `${remote}/cli`,
        ],
      );
      strictEqual(r.code, 0, r.stderr);
      ok(/^mito: 3 sent/m.test(r.stdout), r.stdout);
      ok(r.stdout.includes(`\n${direct}: 3 sent`), r.stdout);
      const again = await runCli([
        "push",
        "-F",
        sshd.sshConfig,
        "--json",
        "mito",
        src,
        `${remote}/cli`,
      ]);
      strictEqual(again.code, 0, again.stderr);
      const line = JSON.parse(again.stdout);
      strictEqual(line.sent, 0);
      strictEqual(line.ok, true);
      const missing = await runCli(["push", "mito", `${local}/nope`, `${remote}/cli`]);
      strictEqual(missing.code, 2);
      ok(missing.stderr.includes(`"${local}/nope"`), missing.stderr);
      const pulled = await runCli([
        "pull",
        "-F",
        sshd.sshConfig,
        "mito",
        `${remote}/cli`,
        `${local}/cli`,
      ]);
      strictEqual(pulled.code, 0, pulled.stderr);
      deepStrictEqual(await snapshot(`${local}/cli`), await snapshot(src));
    });
  } finally {
    await Deno.chmod(`${remote}`, 0o755).catch(() => {});
    await new Deno.Command("chmod", { args: ["-R", "u+w", local, remote] }).output();
    await Deno.remove(local, { recursive: true });
    await Deno.remove(remote, { recursive: true });
  }
});
