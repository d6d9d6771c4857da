/**
 * The property `deno compile` relies on, checked where no `denort` is at hand: `main.ts` bundled
 * into one file works alone, from a directory holding nothing else, for a local context, an ssh
 * context and a call into the user's own TypeScript modules.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { repoRoot } from "./_fixtures/runtimes.ts";
import { startSshd, TEST_USERS } from "./_fixtures/sshd.ts";

const decoder = new TextDecoder();

Deno.test("main.ts bundled into one file runs alone: local, over ssh, and user modules", async () => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-bundle-" });
  try {
    const built = `${dir}/build/mitoctl.js`;
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "-o", built, "main.ts"],
      cwd: repoRoot(),
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(bundle.code, 0, decoder.decode(bundle.stderr));
    // Alone in a directory: no deno.json, node_modules or sources of this checkout beside it.
    const alone = `${dir}/alone`;
    await Deno.mkdir(alone);
    await Deno.copyFile(built, `${alone}/mitoctl.js`);
    deepStrictEqual(await Array.fromAsync(Deno.readDir(alone), (e) => e.name), ["mitoctl.js"]);
    // The user's modules: TypeScript importing TypeScript, elsewhere on disk.
    const user = `${dir}/user`;
    await Deno.mkdir(user);
    await Deno.writeTextFile(
      `${user}/tasks.ts`,
      'import { twice } from "./twice.ts";\n' +
        "export function area(w: number, h: number): number {\n  return twice(w * h) / 2;\n}\n",
    );
    await Deno.writeTextFile(
      `${user}/twice.ts`,
      "export const twice = (n: number): number => n * 2;\n",
    );

    const mitoctl = async (...args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-config", `${alone}/mitoctl.js`, ...args],
        cwd: alone,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = decoder.decode(out.stderr);
      strictEqual(out.code, 0, `mitoctl ${args.join(" ")}: ${stderr}`);
      strictEqual(stderr, "");
      return JSON.parse(decoder.decode(out.stdout));
    };
    const ssh = ["-F", sshd.sshConfig];
    strictEqual(await mitoctl("call", "local", "node:os#hostname"), Deno.hostname());
    strictEqual(
      (await mitoctl("call", ...ssh, "mito", "node:os#userInfo")).username,
      TEST_USERS.full,
    );
    strictEqual(await mitoctl("call", "local", `${user}/tasks.ts#area`, "3", "4"), 12);
    strictEqual(await mitoctl("call", ...ssh, "mito", `${user}/tasks.ts#area`, "5", "6"), 30);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
