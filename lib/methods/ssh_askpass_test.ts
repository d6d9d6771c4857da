import { deepStrictEqual, doesNotMatch, match, ok, strictEqual, throws } from "node:assert/strict";
import { connect } from "node:net";
import { ASKPASS_ENV, askpassClientJs } from "./askpass_client.ts";
import { promptKind, promptVerdict } from "./askpass_prompt.ts";
import { PASSWORD_LOGIN, sshSpawn } from "./ssh.ts";
import { checkPassword, MAX_ASKPASS_REQUEST, SshAskpass } from "./ssh_askpass.ts";

Deno.test("promptKind() tells ssh's password prompt from every other question", () => {
  const cases: [string, string][] = [
    ["deploy@web1's password: ", "password"],
    ["mitoctl-t1@příbor's password: ", "password"],
    ["Enter deploy@web1's old password: ", "other"],
    ["(deploy@web1) Password: ", "keyboard-interactive"],
    ["(deploy@web1) deploy@web1's password: ", "keyboard-interactive"],
    [
      "The authenticity of host 'web1 (10.0.0.5)' can't be established.\n" +
      "ED25519 key fingerprint is SHA256:x.\nAre you sure you want to continue connecting " +
      "(yes/no/[fingerprint])? ",
      "host-key",
    ],
    ["Enter passphrase for key '/root/.ssh/id_ed25519': ", "passphrase"],
    ["Allow use of key? ", "other"],
  ];
  for (const [prompt, kind] of cases) strictEqual(promptKind(prompt), kind, prompt);
});

Deno.test("promptVerdict() answers the password once, for the ssh mitoctl started only", () => {
  const password = "deploy@web1's password: ";
  deepStrictEqual(promptVerdict({ prompt: password, fromOurSsh: true, answered: 0 }), {
    answer: true,
  });
  deepStrictEqual(promptVerdict({ prompt: password, fromOurSsh: true, answered: 1 }), {
    answer: false,
    end: { kind: "auth", why: "the password was refused" },
  });
  const jump = promptVerdict({ prompt: "ops@jump's password: ", fromOurSsh: false, answered: 0 });
  strictEqual(jump.answer, false);
  match(jump.end!.why, /another ssh \(a ProxyJump or ProxyCommand\) asked "ops@jump's password:"/);
  // A key's passphrase is declined quietly: ssh moves on to the password.
  deepStrictEqual(
    promptVerdict({ prompt: "Enter passphrase for key 'k': ", fromOurSsh: true, answered: 0 }),
    { answer: false },
  );
  const kbd = promptVerdict({ prompt: "(u@h) Code:\u001b[2J ", fromOurSsh: true, answered: 0 });
  deepStrictEqual(kbd.end, {
    kind: "auth",
    why: 'the server asked a keyboard-interactive question ("(u@h) Code: [2J"); mitoctl ' +
      "answers only ssh's own password prompt",
  });
  const hostKey = promptVerdict({
    prompt: "Are you sure you want to continue connecting (yes/no)? ",
    fromOurSsh: true,
    answered: 0,
  });
  strictEqual(hostKey.end?.kind, "connect");
  match(hostKey.end!.why, /does not answer host-key prompts: add the key to known_hosts first/);
  const long = promptVerdict({ prompt: "x".repeat(500), fromOurSsh: true, answered: 0 });
  ok(long.end!.why.length < 250, long.end!.why);
});

Deno.test("sshSpawn() keeps BatchMode for key-only hosts and sets up the askpass for a password", () => {
  const keyOnly = sshSpawn({ host: "web1" }, 100);
  ok(keyOnly.argv.includes("BatchMode=yes"));
  strictEqual(keyOnly.guard, undefined);
  const withPassword = sshSpawn({ host: "web1", password: "s3cret", sshOptions: ["A=b"] }, 100);
  ok(!withPassword.argv.includes("BatchMode=yes"));
  // The user's -o options first: ssh takes the first value, so theirs win.
  deepStrictEqual(withPassword.argv.slice(1, 3 + PASSWORD_LOGIN.length), [
    "-o",
    "A=b",
    ...PASSWORD_LOGIN,
  ]);
  for (const o of ["BatchMode=no", "NumberOfPasswordPrompts=1"]) ok(PASSWORD_LOGIN.includes(o));
  ok(withPassword.guard instanceof SshAskpass);
  for (const a of withPassword.argv) doesNotMatch(a, /s3cret/);
});

Deno.test("checkPassword() refuses passwords ssh's prompt cannot take", () => {
  strictEqual(checkPassword("p ä ß'\"$"), "p ä ß'\"$");
  for (const bad of ["a\nb", "a\rb", "a\0b"]) {
    throws(() => checkPassword(bad), {
      name: "TypeError",
      message: "A password with a line break or NUL cannot be typed at ssh's prompt",
    });
  }
});

Deno.test("askpassClientJs() holds no single quote, so sh can quote it", () => {
  for (const preload of [true, false]) doesNotMatch(askpassClientJs(preload), /'/);
});

/** Sends one askpass request to the server named in `env`, returns its reply. */
function ask(env: Record<string, string>, request: string): Promise<string> {
  const name = env[ASKPASS_ENV]!.split(" ")[0]!;
  return new Promise((resolve, reject) => {
    const socket = connect(`\0${name}`);
    let reply = "";
    socket.setEncoding("utf8");
    socket.on("connect", () => socket.write(request));
    socket.on("data", (d: string) => reply += d);
    socket.on("close", () => resolve(reply));
    socket.on("error", reject);
  });
}

Deno.test("SshAskpass answers only a holder of its token, and ends the login on a second ask", async () => {
  const guard = new SshAskpass("s3cret", "web1");
  const env = guard.prepare();
  try {
    const [name, token] = env[ASKPASS_ENV]!.split(" ") as [string, string];
    match(name, /^mitoctl-askpass-[0-9a-f]{16}$/);
    match(token, /^[0-9a-f]{32}$/);
    strictEqual(env.SSH_ASKPASS_REQUIRE, "force");
    for (const value of Object.values(env)) doesNotMatch(value, /s3cret/);
    const failures: [string, string][] = [];
    guard.started(4242, (message, kind) => failures.push([message, kind]));
    const prompt = "u@web1's password: ";
    const request = (t: string, ppid = 4242) => `${JSON.stringify({ token: t, ppid, prompt })}\n`;
    strictEqual(await ask(env, request("0".repeat(32))), "{}\n");
    strictEqual(await ask(env, request(token.slice(1))), "{}\n");
    strictEqual(await ask(env, "not json\n"), "{}\n");
    strictEqual(await ask(env, "x".repeat(MAX_ASKPASS_REQUEST + 10)), "");
    deepStrictEqual(failures, []);
    strictEqual(await ask(env, request(token, 1)), "{}\n");
    deepStrictEqual(failures.splice(0), [[
      'Cannot connect to "web1": another ssh (a ProxyJump or ProxyCommand) asked "u@web1\'s ' +
      'password:"; mitoctl answers only the ssh it started',
      "auth",
    ]]);
    strictEqual(await ask(env, request(token)), `{"answer":"s3cret"}\n`);
    strictEqual(await ask(env, request(token)), "{}\n");
    deepStrictEqual(failures, [['Cannot connect to "web1": the password was refused', "auth"]]);
    deepStrictEqual(guard.explain("u@web1: Permission denied (password)."), {
      message: 'Cannot connect to "web1": the password was refused',
      kind: "auth",
    });
  } finally {
    guard.close();
  }
});

Deno.test("SshAskpass.explain() names a server that offers no password authentication", () => {
  const guard = new SshAskpass("pw", "web1");
  deepStrictEqual(guard.explain("u@web1: Permission denied (publickey,keyboard-interactive)."), {
    message: 'Cannot connect to "web1": the server offers no password authentication (it ' +
      "offers publickey, keyboard-interactive)",
    kind: "auth",
  });
  strictEqual(guard.explain("ssh: connect to host web1 port 22: Connection refused"), undefined);
  strictEqual(guard.explain("u@web1: Permission denied (publickey,password)."), undefined);
});
