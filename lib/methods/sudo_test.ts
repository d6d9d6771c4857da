import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { suSpawn } from "./su.ts";
import { onPty, readyCommand, REQUIRETTY, shellQuote, sudoSpawn } from "./sudo.ts";

Deno.test("shellQuote() keeps any text one word through sh", async () => {
  const texts = [`it's`, `'`, `a b`, `$HOME "x" \`id\``, `'js'${"\n"}'more'`];
  for (const text of texts) {
    const out = await new Deno.Command("sh", { args: ["-c", `printf %s ${shellQuote(text)}`] })
      .output();
    strictEqual(new TextDecoder().decode(out.stdout), text);
  }
});

Deno.test("sudoSpawn() types the password at its own prompt and waits for the ready line", () => {
  const spec = sudoSpawn({ user: "pg", password: "pw" }, 1234, "n0nce", "/usr/bin/node");
  deepStrictEqual(spec.argv.slice(0, 9), [
    "sudo",
    "-S",
    "-p",
    "mitoctl-sudo-n0nce:",
    "-u",
    "pg",
    "-H",
    "--",
    "sh",
  ]);
  deepStrictEqual(spec.prompting, {
    prompt: "mitoctl-sudo-n0nce:",
    ready: "mitoctl-ready-n0nce",
    password: "pw",
  });
  ok(!spec.argv.join(" ").includes("pw "), "the password is never on the command line");
  strictEqual(spec.label, "sudo:pg");
});

Deno.test("on a terminal, sudo and su run under script with a raw, silent terminal", () => {
  const sudo = sudoSpawn({ pty: true }, 99, "n", "/usr/bin/node");
  strictEqual(sudo.argv[0], "script");
  strictEqual(sudo.argv[1], "-qfec");
  strictEqual(sudo.argv[3], "/dev/null");
  ok(sudo.argv[2]!.includes("stty raw -echo;echo mitoctl-ready-n;cat|"));
  const su = suSpawn({ user: "t1", password: "pw" }, 99, "n", "/usr/bin/node");
  strictEqual(su.argv[0], "script");
  ok(su.argv[2]!.startsWith("'su' 't1' '-c' "), su.argv[2]);
  deepStrictEqual(su.env, { LC_ALL: "C" });
  strictEqual(su.prompting.prompt, "Password:");
  deepStrictEqual(onPty(["a b", "c"]), ["script", "-qfec", "'a b' 'c'", "/dev/null"]);
});

Deno.test("readyCommand() gives the stage a session of its own off a terminal", () => {
  strictEqual(
    readyCommand("R", "node -e x 1", false),
    "echo R;command -v setsid>/dev/null&&exec setsid -w node -e x 1;exec node -e x 1",
  );
  ok(REQUIRETTY.test("sudo: sorry, you must have a tty to run sudo"));
});
