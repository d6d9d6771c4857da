/**
 * `mitoctl rsh` as the ssh of real tools, behind the bastion and a sudo hop: rsync pushes and
 * pulls a tree byte for byte (into a directory only root may write), scp copies both ways in
 * its SFTP and its legacy mode, git clones; stdin and stdout pass byte for byte and the remote
 * exit code comes back.
 */

import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { capture } from "./_fixtures/_sshd_parts.ts";
import { mitoctlArgv, runCli } from "./_fixtures/cli.ts";
import { namespacesUnavailableReason, startTestNetwork } from "./_fixtures/netns.ts";
import { passwdEntry, TEST_USERS } from "./_fixtures/_test_users.ts";

// In CI a machine without namespaces fails these tests; elsewhere they are ignored, loudly.
const unavailable = await namespacesUnavailableReason();
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the mitoctl rsh tests: ${unavailable}`);

/** One file of a tree as compared: kind, mode, mtime, and the bytes or the link target. */
type Entry = [kind: string, mode: number, mtime: number, content: string];

/** Every entry under `dir`, by relative path. */
async function snapshot(dir: string, at = ""): Promise<Record<string, Entry>> {
  const out: Record<string, Entry> = {};
  for await (const e of Deno.readDir(`${dir}/${at}`)) {
    const rel = at ? `${at}/${e.name}` : e.name;
    const path = `${dir}/${rel}`;
    const info = await Deno.lstat(path);
    const mtime = Math.floor(info.mtime!.getTime() / 1000);
    if (e.isSymlink) out[rel] = ["link", 0, 0, await Deno.readLink(path)];
    else if (e.isDirectory) {
      out[rel] = ["dir", info.mode! & 0o7777, 0, ""];
      Object.assign(out, await snapshot(dir, rel));
    } else {
      const hash = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
      out[rel] = [
        "file",
        info.mode! & 0o7777,
        mtime,
        btoa(String.fromCharCode(...new Uint8Array(hash))),
      ];
    }
  }
  return out;
}

/** A tree with what trips copies up: binary data past 1 MiB, an empty file, a space, modes, a link. */
async function makeSite(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/css/deep`, { recursive: true });
  const big = new Uint8Array(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i += 65536) crypto.getRandomValues(big.subarray(i, i + 65536));
  await Deno.writeFile(`${dir}/blob.bin`, big);
  await Deno.writeTextFile(`${dir}/index.html`, "<h1>hello</h1>\n");
  await Deno.writeTextFile(`${dir}/css/deep/a b.css`, "body { color: red }\r\n\0tail");
  await Deno.writeFile(`${dir}/empty`, new Uint8Array());
  await Deno.writeTextFile(`${dir}/run.sh`, "#!/bin/sh\necho hi\n", { mode: 0o755 });
  await Deno.chmod(`${dir}/run.sh`, 0o755);
  await Deno.symlink("index.html", `${dir}/home.html`);
}

Deno.test({
  name: "mitoctl rsh carries rsync, scp and git behind the bastion and sudo",
  ignore,
  async fn(t) {
    await using net = await startTestNetwork();
    const work = await Deno.makeTempDir({ prefix: "mitoctl-rsh-" });
    await Deno.chmod(work, 0o755);
    const pw = `${work}/sudo-pw`;
    await Deno.writeTextFile(pw, `${net.sudoPassword}\n`, { mode: 0o600 });
    const mitoctl = mitoctlArgv();
    const rsh = [...mitoctl, "rsh", "-F", net.sshConfig, "--via", "bastion"];
    const asRoot = [...rsh, "--then", "sudo", "--sudo-password-file", pw];
    // scp takes a program, not a command line.
    const wrapper = `${work}/rsh-as-root`;
    await Deno.writeTextFile(wrapper, `#!/bin/sh\nexec ${asRoot.map(q).join(" ")} "$@"\n`, {
      mode: 0o755,
    });
    try {
      const site = `${work}/site`;
      await makeSite(site);
      // Only root may write here: what lands in it came through sudo.
      const dest = `${work}/dest`;
      await Deno.mkdir(dest, { mode: 0o700 });

      await t.step(
        "rsync -a pushes a tree byte for byte as root, and again after a change",
        async () => {
          const push = () =>
            capture("rsync", [
              "-a",
              "-e",
              asRoot.map(q).join(" "),
              `${site}/`,
              `web1:${dest}/site/`,
            ]);
          let r = await push();
          strictEqual(r.code, 0, r.stderr);
          deepStrictEqual(await snapshot(`${dest}/site`), await snapshot(site));
          strictEqual((await Deno.stat(`${dest}/site/index.html`)).uid, 0);
          await Deno.writeTextFile(`${site}/index.html`, "<h1>changed</h1>\n");
          r = await push();
          strictEqual(r.code, 0, r.stderr);
          deepStrictEqual(await snapshot(`${dest}/site`), await snapshot(site));
        },
      );

      await t.step("rsync reaches an inventory host as the inventory says", async () => {
        const inventory = `${work}/hosts.ini`;
        await Deno.writeTextFile(
          inventory,
          `web1 mitoctl_via=bastion ansible_become=yes ansible_become_password=${net.sudoPassword}\n`,
        );
        const e = [...mitoctl, "rsh", "-F", net.sshConfig].map(q).join(" ");
        const r = await capture("env", [
          `MITOCTL_INVENTORY=${inventory}`,
          "rsync",
          "-a",
          "-e",
          e,
          `${site}/`,
          `web1:${dest}/inv/`,
        ]);
        strictEqual(r.code, 0, r.stderr);
        deepStrictEqual(await snapshot(`${dest}/inv`), await snapshot(site));
        match(r.stderr, /holds passwords in plain text \(ansible_become_password of host "web1"\)/);
      });

      await t.step("rsync -a pulls it back", async () => {
        const r = await capture("rsync", [
          "-a",
          "-e",
          asRoot.map(q).join(" "),
          `web1:${dest}/site/`,
          `${work}/back/`,
        ]);
        strictEqual(r.code, 0, r.stderr);
        deepStrictEqual(await snapshot(`${work}/back`), await snapshot(site));
      });

      for (const mode of [[], ["-O"]]) {
        const name = mode.length ? "legacy scp" : "SFTP";
        await t.step(
          `scp${mode.map((m) => ` ${m}`).join("")} copies both ways (${name} protocol)`,
          async () => {
            const there = `${dest}/copy${mode.length}.bin`;
            let r = await capture("scp", [
              ...mode,
              "-q",
              "-S",
              wrapper,
              `${site}/blob.bin`,
              `web1:${there}`,
            ]);
            strictEqual(r.code, 0, r.stderr);
            deepStrictEqual(await Deno.readFile(there), await Deno.readFile(`${site}/blob.bin`));
            r = await capture("scp", [
              ...mode,
              "-q",
              "-S",
              wrapper,
              `web1:${there}`,
              `${work}/scp${mode.length}`,
            ]);
            strictEqual(r.code, 0, r.stderr);
            deepStrictEqual(
              await Deno.readFile(`${work}/scp${mode.length}`),
              await Deno.readFile(`${site}/blob.bin`),
            );
          },
        );
      }

      await t.step("git clones through GIT_SSH_COMMAND", async () => {
        const repo = `${work}/repo.git`;
        for (
          const args of [["init", "-q", "--bare", "-b", "main", repo], [
            "-C",
            repo,
            "config",
            "--bool",
            "core.sharedRepository",
            "true",
          ]]
        ) {
          strictEqual((await capture("git", args)).code, 0);
        }
        const seed = `${work}/seed`;
        for (
          const args of [["init", "-q", "-b", "main", seed], [
            "-C",
            seed,
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@x",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "first",
          ], ["-C", seed, "push", "-q", repo, "main"]]
        ) {
          const r = await capture("git", args);
          strictEqual(r.code, 0, r.stderr);
        }
        const user = (await passwdEntry(TEST_USERS.full))!;
        await capture("chown", ["-R", `${user.uid}:${user.gid}`, repo]);
        const r = await capture("env", [
          `GIT_SSH_COMMAND=${rsh.map(q).join(" ")}`,
          "git",
          "clone",
          "-q",
          `web1:${repo}`,
          `${work}/clone`,
        ]);
        strictEqual(r.code, 0, r.stderr);
        match(
          (await capture("git", ["-C", `${work}/clone`, "log", "--format=%s"])).stdout,
          /^first$/m,
        );
      });

      await t.step(
        "stdin and stdout pass byte for byte, stderr apart, and the exit code comes back",
        async () => {
          const bytes = await Deno.readFile(`${site}/blob.bin`);
          const child = new Deno.Command(rsh[0]!, {
            args: [...rsh.slice(1), "web1", "cat;", "echo", "on-stderr", ">&2;", "exit", "7"],
            stdin: "piped",
            stdout: "piped",
            stderr: "piped",
          }).spawn();
          const writer = child.stdin.getWriter();
          await writer.write(bytes);
          await writer.close();
          const out = await child.output();
          strictEqual(out.code, 7, new TextDecoder().decode(out.stderr));
          deepStrictEqual(out.stdout, bytes);
          strictEqual(new TextDecoder().decode(out.stderr), "on-stderr\n");
        },
      );

      await t.step(
        "the command runs as ssh runs it: words joined, sh -c, in the home directory",
        async () => {
          const r = await runCli([
            "rsh",
            "-F",
            net.sshConfig,
            "--via",
            "bastion",
            "web1",
            "echo",
            "'a  b'",
            "$HOME",
            "|",
            "tr",
            "a",
            "x;",
            "pwd",
          ]);
          strictEqual(r.code, 0, r.stderr);
          strictEqual(r.stdout, `x  b /home/${TEST_USERS.full}\n/home/${TEST_USERS.full}\n`);
          strictEqual(r.stderr, "");
        },
      );

      await t.step(
        "a hop that cannot be reached exits 255, as ssh does, saying why on stderr",
        async () => {
          const r = await runCli(["rsh", "-F", net.sshConfig, "web1", "true"]);
          strictEqual(r.code, 255);
          strictEqual(r.stdout, "");
          match(r.stderr, /^mitoctl: Cannot connect to "web1"/);
        },
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

/** Quotes one word for sh. */
function q(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
