/**
 * Remote text on the master's terminal: the real CLI, real remotes (Deno and Node) that print
 * and throw escapes, and a hostile stage that puts them in its hello and log lines. Nothing the
 * remote sends reaches the terminal as a control character, and no line of it passes for a
 * line of another source; `run` into a pipe or with `--raw` keeps the bytes.
 */

import { ok, strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { writeHostileRuntime } from "./_fixtures/hostile_stage.ts";
import { HOSTILE_TEXT } from "./_fixtures/terminal/noisy.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";

const runtimes = (await testRuntimes()).filter((r) => r.name === "deno" || r.name === "node22");

const NOISY = new URL("./_fixtures/terminal/noisy.ts", import.meta.url).pathname;

/** What the escaped hostile text of `noisy.ts` reads like. */
const SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202egnp.exe\\x0dmitoctl: all good";

/** Characters a terminal acts on, besides the tab, newline and the pty's own carriage returns. */
// deno-lint-ignore no-control-regex
const ACTIVE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202e]/;

/** Asserts `text` holds no active character and no line that starts with `forged`. */
function assertTame(text: string, forged: string[] = ["[web9]", "mitoctl: all good"]): void {
  ok(!ACTIVE.test(text), `raw control character in ${JSON.stringify(text)}`);
  for (const line of text.split(/\r?\n/)) {
    for (const f of forged) ok(!line.startsWith(f), `forged line ${JSON.stringify(line)}`);
  }
}

for (const runtime of runtimes) {
  Deno.test(`remote text is shown escaped on the terminal (${runtime.name})`, async (t) => {
    const on = ["--runtime", runtime.path, "local"];

    await t.step("console lines and the JSON result", async () => {
      const r = await runCli(["call", ...on, `${NOISY}#shout`]);
      strictEqual(r.code, 0, r.stderr);
      assertTame(r.stdout);
      assertTame(r.stderr);
      strictEqual(JSON.parse(r.stdout), HOSTILE_TEXT);
      ok(r.stderr.includes(`[local] ${SHOWN}\n`), r.stderr);
      ok(r.stderr.includes("[local] first\n[local] [web9] forged line\n"), r.stderr);
      const raw = await runCli(["call", "--raw", ...on, `${NOISY}#shout`]);
      strictEqual(raw.code, 0, raw.stderr);
      strictEqual(raw.stdout, HOSTILE_TEXT);
    });

    await t.step("a remote error's message, over two lines", async () => {
      const r = await runCli(["call", ...on, `${NOISY}#fail`]);
      strictEqual(r.code, 1, r.stderr);
      assertTame(r.stderr);
      ok(
        r.stderr.startsWith(`mitoctl: Error on "local": ${SHOWN}\n  [web9] forged line\n`),
        r.stderr,
      );
    });

    await t.step("run output on a terminal, and with --raw", async () => {
      const argv = ["printf", "\\033]0;pwned\\007\\033[2J\\302\\233x\\342\\200\\256y\\n"];
      const shown = await runCli(["run", ...on, "--", ...argv], { terminal: true });
      strictEqual(shown.code, 0, shown.stdout);
      assertTame(shown.stdout);
      ok(shown.stdout.includes("\\x1b]0;pwned\\x07\\x1b[2J\\x9bx\\u202ey\r\n"), shown.stdout);
      const raw = await runCli(["run", "--raw", ...on, "--", ...argv], { terminal: true });
      strictEqual(raw.code, 0, raw.stdout);
      ok(raw.stdout.includes("\x1b]0;pwned\x07\x1b[2J\u009bx\u202ey\r\n"), raw.stdout);
    });

    await t.step("run output into a pipe keeps its bytes", async () => {
      const r = await runCli(["run", ...on, "--", "printf", "\\033[2J\\302\\233\\n"]);
      strictEqual(r.code, 0, r.stderr);
      strictEqual(r.stdout, "\x1b[2J\u009b\n");
    });
  });
}

Deno.test("a hostile stage's hello and log lines are shown escaped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-terminal-" });
  try {
    const runtime = await writeHostileRuntime(dir, {
      hello: { host: "box\x1b]0;pwned\x07", user: "\u009b2Jroot", version: "1\n[web9] forged" },
      replies: {
        hostname: {
          before: [
            { t: "log", level: "warn", msg: "careful\n[web9] forged line\x1b[2J" },
            { t: "log", level: "info", msg: "\x1b]0;x\x07\n", stream: "stdout" },
          ],
          value: "box",
        },
      },
    });
    const r = await runCli(["ping", "--runtime", runtime, "local"]);
    strictEqual(r.code, 0, r.stderr);
    assertTame(r.stdout);
    assertTame(r.stderr);
    ok(r.stdout.includes("\\x9b2Jroot@box\\x1b]0;pwned\\x07 pid"), r.stdout);
    ok(r.stderr.includes("[local] careful\n[local] [web9] forged line\\x1b[2J\n"), r.stderr);
    ok(r.stderr.includes("[local] \\x1b]0;x\\x07\n"), r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
