import { ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";
import { startSshd } from "./_fixtures/sshd.ts";

Deno.test("--control-persist keeps its sockets in a private directory mitoctl creates", async (t) => {
  await using sshd = await startSshd();
  const base = await Deno.makeTempDir({ dir: "/tmp", prefix: "xdg-" });
  // A home with no ~/.ssh, where the old ~/.ssh/mitoctl-%C socket could not be bound.
  const home = await Deno.makeTempDir({ prefix: "mitoctl-home-" });
  const env = { HOME: home, XDG_RUNTIME_DIR: base };
  const dir = `${base}/mitoctl`;
  const args = [
    "call",
    "-F",
    sshd.sshConfig,
    "--control-persist",
    "60",
    "mito",
    "node:os#hostname",
  ];
  try {
    await t.step(
      "works where ~/.ssh does not exist; the directory is 0700 and holds the socket",
      async () => {
        const r = await runCli(args, { env });
        strictEqual(r.code, 0, r.stderr);
        strictEqual(r.stdout, `${JSON.stringify(Deno.hostname())}\n`);
        strictEqual(Deno.statSync(dir).mode! & 0o777, 0o700);
        const sockets = [...Deno.readDirSync(dir)].filter((e) => /^[0-9a-f]{40}$/.test(e.name));
        strictEqual(sockets.length, 1, `${[...Deno.readDirSync(dir)].map((e) => e.name)}`);
        const again = await runCli(args, { env });
        strictEqual(again.code, 0, again.stderr);
      },
    );

    await t.step("a directory others can enter is refused with exit 3, naming it", async () => {
      Deno.chmodSync(dir, 0o777);
      const r = await runCli(args, { env });
      strictEqual(r.code, ExitCode.connection, r.stderr);
      strictEqual(
        r.stderr,
        `mitoctl: Cannot keep ssh control sockets in "${dir}": its mode is 0777; group and ` +
          `others must have no access (0700)\n`,
      );
      Deno.chmodSync(dir, 0o700);
    });
  } finally {
    // Ends the shared connection the first step left running.
    const exit = await new Deno.Command("ssh", {
      args: ["-F", sshd.sshConfig, "-o", `ControlPath=${dir}/%C`, "-O", "exit", "mito"],
      stdout: "null",
      stderr: "piped",
    }).output();
    ok(exit.success, new TextDecoder().decode(exit.stderr));
    await Deno.remove(base, { recursive: true });
    await Deno.remove(home, { recursive: true });
  }
});
