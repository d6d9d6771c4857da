/**
 * A pull from a hostile remote: the stage answers the pull's listing, hashes and reads with
 * chosen values, and the master must refuse every entry that would write outside the
 * destination (or through a link in it) before it writes anything at all.
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { pull } from "../lib/files/mod.ts";
import type { FileEntry } from "../lib/files/remote.ts";
import { runCli } from "./_fixtures/cli.ts";
import { type HostileScript, writeHostileRuntime } from "./_fixtures/hostile_stage.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5);

/** A name in /tmp that no entry may create. */
const VICTIM = `/tmp/mitoctl-victim-${crypto.randomUUID()}`;

function root(): FileEntry {
  return { path: "", kind: "dir", size: 0, mtimeMs: NOW, mode: 0o755 };
}
function file(path: string, size = 3, mode = 0o644): FileEntry {
  return { path, kind: "file", size, mtimeMs: NOW, mode };
}
function dir(path: string): FileEntry {
  return { path, kind: "dir", size: 0, mtimeMs: NOW, mode: 0o755 };
}
function link(path: string, target: string): FileEntry {
  return { path, kind: "link", size: 0, mtimeMs: NOW, mode: 0o777, target };
}

/** A script whose listing is `entries` and whose files all hold "bad". */
function listing(entries: unknown[], extra: HostileScript["replies"] = {}): HostileScript {
  const count = entries.filter((e) => (e as FileEntry).kind === "file").length;
  return {
    replies: {
      scan: { value: { entries, swept: 0 } },
      readFiles: { value: Array.from({ length: count }, () => new TextEncoder().encode("bad")) },
      ...extra,
    },
  };
}

/** Every path below `dir` with its kind, mode and (for links) target, for before/after. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(rel ? `${dir}/${rel}` : dir)) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const st = await Deno.lstat(`${dir}/${path}`);
      out[path] = e.isSymlink
        ? `link ${await Deno.readLink(`${dir}/${path}`)}`
        : `${e.isDirectory ? "dir" : "file"} ${(st.mode! & 0o7777).toString(8)} ${st.size}`;
      if (e.isDirectory) await walk(path);
    }
  };
  await walk("");
  return out;
}

/** A sandbox: `base/outside` holds a file the hostile remote aims at; `base/dest` is pulled to. */
interface Sandbox extends AsyncDisposable {
  base: string;
  dest: string;
  /** What `base` held before the pull. */
  before: Record<string, string>;
}

async function sandbox(): Promise<Sandbox> {
  const base = await Deno.makeTempDir({ prefix: "mitoctl-hostile-pull-" });
  await Deno.mkdir(`${base}/outside`);
  await Deno.writeTextFile(`${base}/outside/keep`, "mine\n");
  return {
    base,
    dest: `${base}/dest`,
    before: await tree(base),
    async [Symbol.asyncDispose]() {
      await Deno.remove(base, { recursive: true });
      await Deno.remove(VICTIM).catch(() => {});
    },
  };
}

/** Asserts nothing outside `box.dest` changed and nothing was written inside it either. */
async function assertUntouched(box: Sandbox): Promise<void> {
  deepStrictEqual(await tree(box.base), box.before);
  await rejects(Deno.lstat(VICTIM), Deno.errors.NotFound);
}

async function hostile(dir: string, script: HostileScript, router: Router) {
  const runtime = await writeHostileRuntime(dir, script);
  return await router.local({ runtime, name: "evil-box" });
}

Deno.test("a pull refuses every hostile entry before writing anything", async (t) => {
  await using router = new Router();
  const work = await Deno.makeTempDir({ prefix: "mitoctl-hostile-stage-" });
  const refused = async (
    label: string,
    entries: unknown[],
    message: RegExp,
  ) => {
    await t.step(label, async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/${label.replaceAll(/\W/g, "_")}`);
      const ctx = await hostile(
        `${work}/${label.replaceAll(/\W/g, "_")}`,
        listing(entries),
        router,
      );
      await rejects(pull(ctx, "/srv/app", box.dest), { name: "RefusedValueError", message });
      await assertUntouched(box);
    });
  };
  try {
    const victim = `../../../../../../../..${VICTIM}`;
    await refused(
      "a .. segment",
      [root(), file("../x", 3, 0o4755)],
      /^Refused the listing of "\/srv\/app" from "evil-box": entry "\.\.\/x" has a "\.\." segment$/,
    );
    await refused(
      "a deep .. path",
      [root(), file(victim)],
      /entry ".*tmp\/mitoctl-victim-.*" has a "\.\." segment/,
    );
    await refused(
      "an absolute path",
      [root(), file("/etc/cron.d/x")],
      /entry "\/etc\/cron\.d\/x" is an absolute path/,
    );
    await refused(
      "an empty segment",
      [root(), dir("a"), file("a//b")],
      /entry "a\/\/b" has an empty segment/,
    );
    await refused("a . segment", [root(), file("./x")], /entry "\.\/x" has a "\." segment/);
    await refused("a NUL", [root(), file("a\0b")], /entry "a\\u0000b" has a NUL character/);
    await refused(
      "a missing parent",
      [root(), file("sub/x")],
      /entry "sub\/x" comes before its directory "sub"/,
    );
    await refused(
      "a file below a link",
      [root(), link("lnk", "outside"), file("lnk/x")],
      /entry "lnk\/x" is below "lnk", a link/,
    );
    await refused(
      "an entry listed twice",
      [root(), dir("a"), file("a")],
      /entry "a" is listed twice/,
    );
    await refused(
      "a root that is not first",
      [file("x"), root()],
      /its first entry "x" is not the root/,
    );
    await refused(
      "a link out of the destination",
      [root(), link("l", "../l")],
      /link "l" points outside the destination \("\.\.\/l"\); .*--allow-unsafe-links/,
    );
    await refused(
      "an absolute link",
      [root(), link("l", "/etc/passwd")],
      /link "l" points outside/,
    );
    await refused(
      "a link that climbs after a name",
      [root(), dir("d"), link("d/l", "x/../../..")],
      /link "d\/l" points outside the destination/,
    );
    await refused("a negative size", [root(), file("x", -1)], /entry "x" has an invalid size "-1"/);
    await refused(
      "an mtime that is not a number",
      [root(), { ...file("x"), mtimeMs: "yesterday" }],
      /entry "x" has an invalid mtime "yesterday"/,
    );
    await refused(
      "a mode out of range",
      [root(), file("x", 3, 0o177777)],
      /entry "x" has an invalid mode "65535"/,
    );
    await refused(
      "an unknown kind",
      [root(), { ...file("x"), kind: "fifo2" }],
      /entry "x" has an unknown kind "fifo2"/,
    );
    await refused("an entry that is no object", [root(), "x"], /entry 1 is not an object/);

    await t.step("a listing that is no list is refused", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/nolist`);
      const ctx = await hostile(`${work}/nolist`, { replies: { scan: { value: "nope" } } }, router);
      await rejects(pull(ctx, "/srv/app", box.dest), {
        name: "RefusedValueError",
        message:
          /^Refused the listing of "\/srv\/app" from "evil-box": it is not a list of entries$/,
      });
      await assertUntouched(box);
    });

    await t.step("hashes that are not SHA-256 values are refused", async () => {
      await using box = await sandbox();
      await Deno.mkdir(box.dest);
      await Deno.writeTextFile(`${box.dest}/x`, "old");
      await Deno.mkdir(`${work}/hashes`);
      const script = listing([root(), file("x")], { hashFiles: { value: ["../../etc"] } });
      const ctx = await hostile(`${work}/hashes`, script, router);
      await rejects(pull(ctx, "/srv/app", box.dest), {
        name: "RefusedValueError",
        message: /^Refused the file hashes from "evil-box": expected 1 SHA-256 values or nulls$/,
      });
      strictEqual(await Deno.readTextFile(`${box.dest}/x`), "old");
    });

    await t.step("contents that are not bytes are refused", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/contents`);
      const script = listing([root(), file("x")], { readFiles: { value: ["bad"] } });
      const ctx = await hostile(`${work}/contents`, script, router);
      await rejects(pull(ctx, "/srv/app", box.dest), {
        name: "RefusedValueError",
        message: /^Refused the file contents from "evil-box": expected 1 byte arrays$/,
      });
      await rejects(Deno.lstat(`${box.dest}/x`), Deno.errors.NotFound);
    });

    await t.step("a huge listed size costs nothing before its data is short", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/huge`);
      const script = listing([root(), file("big", Number.MAX_SAFE_INTEGER)], {
        readChunk: { value: new Uint8Array(10) },
      });
      const ctx = await hostile(`${work}/huge`, script, router);
      await rejects(pull(ctx, "/srv/app", box.dest), /it changed size while being copied/);
      deepStrictEqual(await Array.fromAsync(Deno.readDir(box.dest)), []);
    });

    await t.step("a setuid file arrives with its permission bits only", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/setuid`);
      const script = listing([root(), file("tool", 3, 0o4755), file("sticky", 3, 0o3775)]);
      const ctx = await hostile(`${work}/setuid`, script, router);
      const s = await pull(ctx, "/srv/app", box.dest);
      strictEqual(s.sent, 2);
      strictEqual((await Deno.stat(`${box.dest}/tool`)).mode! & 0o7777, 0o755);
      strictEqual((await Deno.stat(`${box.dest}/sticky`)).mode! & 0o7777, 0o775);
      await pull(ctx, "/srv/app", `${box.dest}2`, { keepSpecialModes: true });
      strictEqual((await Deno.stat(`${box.dest}2/tool`)).mode! & 0o7777, 0o4755);
    });

    await t.step("a link out of the destination is kept only when allowed", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/links`);
      const script = listing([root(), dir("d"), link("d/up", "../x"), link("out", "../outside")]);
      const ctx = await hostile(`${work}/links`, script, router);
      await rejects(pull(ctx, "/srv/app", box.dest), {
        name: "RefusedValueError",
        message: /"out"/,
      });
      await pull(ctx, "/srv/app", box.dest, { allowUnsafeLinks: true });
      strictEqual(await Deno.readLink(`${box.dest}/out`), "../outside");
      strictEqual(await Deno.readLink(`${box.dest}/d/up`), "../x");
      deepStrictEqual((await tree(box.base))["outside/keep"], box.before["outside/keep"]);
    });

    await t.step(
      "a link already in the destination is replaced, never written through",
      async () => {
        await using box = await sandbox();
        await Deno.mkdir(box.dest);
        await Deno.symlink(`${box.base}/outside`, `${box.dest}/sub`);
        await Deno.mkdir(`${work}/through`);
        const script = listing([root(), dir("sub"), file("sub/keep")]);
        const ctx = await hostile(`${work}/through`, script, router);
        await pull(ctx, "/srv/app", box.dest);
        strictEqual(await Deno.readTextFile(`${box.base}/outside/keep`), "mine\n");
        ok((await Deno.lstat(`${box.dest}/sub`)).isDirectory);
        strictEqual(await Deno.readTextFile(`${box.dest}/sub/keep`), "bad");
      },
    );

    await t.step("the CLI names the entry and the context and exits with 1", async () => {
      await using box = await sandbox();
      await Deno.mkdir(`${work}/cli`);
      const runtime = await writeHostileRuntime(
        `${work}/cli`,
        listing([root(), file("../x", 3, 0o4755), file(victim), link("l", "../l")]),
      );
      const r = await runCli(["pull", "--runtime", runtime, "local", "/srv/app", box.dest]);
      strictEqual(r.code, 1, r.stderr);
      strictEqual(
        r.stdout,
        'local: failed: Refused the listing of "/srv/app" from "local": entry "../x" has a ".." ' +
          "segment\n",
      );
      await assertUntouched(box);
    });
  } finally {
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("a pull from real remotes drops special bits and stops at links that leave", async (t) => {
  const runtimes = (await testRuntimes()).filter((r) => r.name === "deno" || r.name === "node22");
  await using router = new Router();
  const src = await Deno.makeTempDir({ prefix: "mitoctl-pull-src-" });
  try {
    await Deno.writeTextFile(`${src}/tool`, "#!/bin/sh\n");
    await Deno.chmod(`${src}/tool`, 0o4755);
    await Deno.mkdir(`${src}/d`);
    await Deno.symlink("../tool", `${src}/d/inside`);
    await Deno.symlink("../../etc/passwd", `${src}/d/outside`);
    for (const runtime of runtimes) {
      await t.step(runtime.name, async () => {
        await using box = await sandbox();
        const ctx = await router.local({ runtime: runtime.path });
        await rejects(pull(ctx, src, box.dest), {
          name: "RefusedValueError",
          message: `Refused the listing of ${JSON.stringify(src)} from "local": link ` +
            `"d/outside" points outside the destination ("../../etc/passwd"); links that ` +
            "leave it are refused unless allowed (--allow-unsafe-links)",
        });
        await assertUntouched(box);
        const r = await runCli([
          "pull",
          "--runtime",
          runtime.path,
          "--allow-unsafe-links",
          "local",
          src,
          box.dest,
        ]);
        strictEqual(r.code, 0, r.stderr);
        strictEqual((await Deno.stat(`${box.dest}/tool`)).mode! & 0o7777, 0o755);
        strictEqual(await Deno.readLink(`${box.dest}/d/outside`), "../../etc/passwd");
        const kept = await runCli([
          "pull",
          "--runtime",
          runtime.path,
          "--allow-unsafe-links",
          "--keep-special-modes",
          "local",
          src,
          `${box.dest}2`,
        ]);
        strictEqual(kept.code, 0, kept.stderr);
        strictEqual((await Deno.stat(`${box.dest}2/tool`)).mode! & 0o7777, 0o4755);
      });
    }
  } finally {
    await Deno.remove(src, { recursive: true });
  }
});

Deno.test("push takes no pull-only flag", async () => {
  const r = await runCli(["push", "--keep-special-modes", "local", "/etc/hostname", "/tmp/x"]);
  strictEqual(r.code, 2, r.stderr);
  ok(r.stderr.includes("--keep-special-modes"), r.stderr);
});
