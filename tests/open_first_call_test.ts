import { ok, strictEqual } from "node:assert/strict";
import { MARKER } from "./_fixtures/open/first_call.ts";

const script = new URL("./_fixtures/open/first_call.ts", import.meta.url).pathname;

/** Where, in the order strace saw them, the master wrote the first call and read the preamble. */
async function writesAndReads(how: "open" | "connect") {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-first-call-" });
  try {
    const trace = `${dir}/trace`;
    const run = await new Deno.Command("strace", {
      args: ["-f", "-qq", "-e", "trace=write,read", "-s", "4096", "-o", trace, Deno.execPath()]
        .concat(["run", "-A", script, how]),
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(run.code, 0, new TextDecoder().decode(run.stderr));
    strictEqual(new TextDecoder().decode(run.stdout), `${MARKER}\n`);
    const lines = (await Deno.readTextFile(trace)).split("\n");
    // A blocked read shows as "read(… <unfinished …>" and, once it returns, "<… read resumed>".
    const call = lines.findIndex((l) => / write\(\d+, /.test(l) && l.includes(MARKER));
    const preamble = lines.findIndex((l) =>
      /(?: read\(\d+, |<\.\.\. read resumed>)"\\0mitoctl\\1/.test(l)
    );
    ok(call >= 0 && preamble >= 0, `call at ${call}, preamble at ${preamble}`);
    return { call, preamble };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("open() writes the first call with the bootstrap, before the remote answers", async () => {
  const opened = await writesAndReads("open");
  ok(opened.call < opened.preamble, JSON.stringify(opened));
  // connect() waits for the remote stage: its call follows the preamble.
  const connected = await writesAndReads("connect");
  ok(connected.preamble < connected.call, JSON.stringify(connected));
});
