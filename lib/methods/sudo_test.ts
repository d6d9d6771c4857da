import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { LoginWatch } from "./login.ts";
import { retriesOnPty, shellQuote, type SpawnFacts } from "./method.ts";
import { su } from "./su.ts";
import { onPty, readyCommand, REQUIRETTY, sudo } from "./sudo.ts";

const facts = (pty = false): SpawnFacts => ({
  size: 1234,
  nonce: "n0nce",
  pty,
  self: ["/usr/bin/node", "-e", "js", "1234"],
  here: "/usr/bin/node",
  connectTimeout: 30_000,
});
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("shellQuote() keeps any text one word through sh", async () => {
  const texts = [`it's`, `'`, `a b`, `$HOME "x" \`id\``, `'js'${"\n"}'more'`];
  for (const text of texts) {
    const out = await new Deno.Command("sh", { args: ["-c", `printf %s ${shellQuote(text)}`] })
      .output();
    strictEqual(new TextDecoder().decode(out.stdout), text);
  }
});

Deno.test("sudo types the password at its own prompt and waits for the ready line", () => {
  const spec = sudo.spawn({ user: "pg", password: "pw" }, facts());
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
  // The runtime running here, unless one is named.
  ok(spec.argv[10]!.includes("'/usr/bin/node' '-e' 'js' '1234'"), spec.argv[10]);
  ok(sudo.spawn({ runtime: "deno" }, facts()).argv[10]!.includes("deno eval"));
  throws(() => sudo.spawn({ user: 7 }, facts()), {
    name: "TypeError",
    message: 'Option "user" must be a string',
  });
});

Deno.test("on a terminal, sudo and su run under script with a raw, silent terminal", () => {
  const onTerminal = sudo.spawn({}, facts(true));
  strictEqual(onTerminal.argv[0], "script");
  strictEqual(onTerminal.argv[1], "-qfec");
  strictEqual(onTerminal.argv[3], "/dev/null");
  ok(onTerminal.argv[2]!.includes("stty raw -echo;echo mitoctl-ready-n0nce;cat|"));
  const login = su.spawn({ user: "t1", password: "pw" }, facts());
  strictEqual(login.argv[0], "script");
  ok(login.argv[2]!.startsWith("'su' 't1' '-c' "), login.argv[2]);
  deepStrictEqual(login.env, { LC_ALL: "C" });
  strictEqual(login.prompting?.prompt, "Password:");
  deepStrictEqual(onPty(["a b", "c"]), ["script", "-qfec", "'a b' 'c'", "/dev/null"]);
});

Deno.test("readyCommand() gives the stage a session of its own off a terminal", () => {
  strictEqual(
    readyCommand("R", "node -e x 1", false),
    "echo R;command -v setsid>/dev/null&&exec setsid -w node -e x 1;exec node -e x 1",
  );
  ok(REQUIRETTY.test("sudo: sorry, you must have a tty to run sudo"));
  strictEqual(sudo.ptyRetry, REQUIRETTY);
});

Deno.test("retriesOnPty() tries sudo once more on a terminal after requiretty, and only then", () => {
  const refusal = "sudo: sorry, you must have a tty to run sudo";
  strictEqual(retriesOnPty(sudo, false, refusal), true);
  strictEqual(retriesOnPty(sudo, true, refusal), false);
  strictEqual(retriesOnPty(sudo, false, "sudo: a password is required"), false);
  strictEqual(retriesOnPty(sudo, false, undefined), false);
  strictEqual(retriesOnPty(su, false, refusal), false);
});

Deno.test("LoginWatch types once, fails on a second prompt, and hands over after the ready line", () => {
  const watch = new LoginWatch({ prompt: "P:", ready: "R", password: "pw" }, "sudo:root");
  deepStrictEqual(watch.stderr(enc("P:")), { do: "type", text: "pw\n" });
  deepStrictEqual(watch.stdout(enc("motd\n")), { do: "wait" });
  const ready = watch.stdout(enc("R\n\u0000frames"));
  strictEqual(ready.do, "ready");
  deepStrictEqual(ready.do === "ready" && new TextDecoder().decode(ready.rest), "\u0000frames");
  ok(watch.done);
  const twice = new LoginWatch({ prompt: "P:", ready: "R", password: "pw" }, "sudo:root");
  twice.stderr(enc("P:"));
  deepStrictEqual(twice.stderr(enc("P:")), {
    do: "fail",
    message: "sudo:root refused the password",
    auth: true,
  });
  const none = new LoginWatch({ prompt: "P:", ready: "R" }, "doas:pg");
  deepStrictEqual(none.stderr(enc("P:")), {
    do: "fail",
    message: "doas:pg asked for a password and none was given",
    auth: true,
  });
  const refused = new LoginWatch({ prompt: "P:", ready: "R", password: "x" }, "su:t1");
  deepStrictEqual(refused.stdout(enc("su: Authentication failure\r\n")), {
    do: "fail",
    message: "su:t1 refused the password",
    auth: true,
  });
  const noisy = new LoginWatch({ prompt: "P:", ready: "R" }, "su:t1");
  deepStrictEqual(noisy.stdout(new Uint8Array(70_000).fill(65)), {
    do: "fail",
    message: "su:t1 printed 70000 bytes before the remote stage started",
    auth: false,
  });
  strictEqual(refused.said, "su: Authentication failure");
});
