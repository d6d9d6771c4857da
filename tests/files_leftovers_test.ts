/**
 * Temporary files of an interrupted push: a master killed mid-push leaves one behind, and the
 * next push to that directory removes it as soon as its writer (the remote stage, named in the
 * file's name) is gone; a user's file that merely looks like one travels like any other.
 */

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { Router } from "../mod.ts";
import { pull, push } from "../lib/files/mod.ts";
import { startCli } from "./_fixtures/cli.ts";
import { passwdEntry } from "./_fixtures/_test_users.ts";
import { waitFor, waitGone } from "./_fixtures/processes.ts";
import { startSshd } from "./_fixtures/sshd.ts";

/** Size of the file the push is killed in: large enough to be caught halfway. */
const BIG = 64 * 1024 * 1024;

/** Files of the user whose names look like temporary files (an older format, another boot). */
const LOOKALIKES = [
  ".big.mitoctl-0123456789abcdef",
  ".big.mitoctl-ffffffffffffffff-1-1-0123456789abcdef",
];

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("a push killed midway leaves a file the next push sweeps once its writer is gone", async (t) => {
  await using sshd = await startSshd();
  await using router = new Router();
  const local = await Deno.makeTempDir({ prefix: "mitoctl-leftovers-" });
  const remote = await Deno.makeTempDir({ prefix: "mitoctl-leftovers-remote-" });
  const owner = (await passwdEntry(sshd.users.full))!;
  await Deno.chown(remote, owner.uid, owner.gid);
  try {
    const src = `${local}/src`;
    await Deno.mkdir(src);
    await Deno.writeFile(`${src}/big`, new Uint8Array(BIG).fill(7));
    for (const name of LOOKALIKES) await Deno.writeTextFile(`${src}/${name}`, `user ${name}\n`);
    for (const runtime of ["deno", "node"]) {
      await t.step(`on ${runtime}`, async () => {
        const dest = `${remote}/${runtime}`;
        const cli = startCli([
          "push",
          "-F",
          sshd.sshConfig,
          "--runtime",
          runtime,
          "mito",
          src,
          dest,
        ]);
        const leftover = await waitFor(() => {
          try {
            return [...Deno.readDirSync(dest)].map((e) => e.name).find((n) =>
              n.startsWith(".big.mitoctl-") && !LOOKALIKES.includes(n)
            );
          } catch {
            return undefined; // Not made yet.
          }
        }, 20_000);
        cli.child.kill("SIGKILL");
        strictEqual((await cli.done).code, 137);
        ok(leftover, "the push never started writing the large file");
        // The push was caught midway: the large file never reached its final name.
        await rejects(Deno.lstat(`${dest}/big`), { name: "NotFound" });
        const writer = Number(leftover.split(".mitoctl-")[1]!.split("-")[1]);
        deepStrictEqual(await waitGone([writer], 10_000), [], `writer ${writer} still alive`);
        ok((await names(dest)).includes(leftover));

        await using ctx = await router.connect("mito", { sshConfig: sshd.sshConfig, runtime });
        const s = await push(ctx, src, dest);
        ok(s.sent >= 1, `${s.sent} sent`);
        deepStrictEqual(await names(dest), [...LOOKALIKES, "big"].sort());
        strictEqual((await Deno.stat(`${dest}/big`)).size, BIG);
        for (const name of LOOKALIKES) {
          strictEqual(await Deno.readTextFile(`${dest}/${name}`), `user ${name}\n`);
        }
        const back = `${local}/back-${runtime}`;
        await pull(ctx, dest, back);
        deepStrictEqual(await names(back), [...LOOKALIKES, "big"].sort());
      });
    }
  } finally {
    await Deno.remove(local, { recursive: true });
    await Deno.remove(remote, { recursive: true });
  }
});
