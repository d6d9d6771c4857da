import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";

Deno.test("bootstrap --print shows the first hop's argv and names the later hops", async () => {
  const one = await runCli(["bootstrap", "--print", "--json", "bastion"]);
  const many = await runCli(["bootstrap", "--print", "--json", "bastion/web1/sudo:postgres"]);
  strictEqual(many.code, 0, many.stderr);
  const first = JSON.parse(one.stdout);
  const printed = JSON.parse(many.stdout);
  // This machine runs the same process for the target as for its first hop.
  deepStrictEqual(printed.argv, first.argv);
  strictEqual(printed.argv.at(-2), "bastion");
  deepStrictEqual(printed.later, [
    { hop: "web1", method: "ssh", by: 1 },
    { hop: "sudo:postgres", method: "sudo", by: 2 },
  ]);
  const text = await runCli(["bootstrap", "--print", "bastion/web1/sudo:postgres"]);
  strictEqual(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split("\n");
  match(lines[0]!, /^argv: {4}\["ssh",.*"--","bastion","sh -c /);
  deepStrictEqual(lines.slice(3), [
    "hop 2:   web1: ssh, run by the stage on hop 1, not from here",
    "hop 3:   sudo:postgres: sudo, run by the stage on hop 2, not from here",
  ]);
});

Deno.test("bootstrap --print refuses targets no connect would take, with exit 2", async () => {
  for (
    const [target, message] of [
      ["web1/local", 'Invalid target "web1/local": "local" can only be the first hop'],
      ["-web1", 'Invalid target "-web1": hop "-web1" has a host that starts with "-"'],
      [
        "web1/sudo:-x",
        'Invalid target "web1/sudo:-x": hop "sudo:-x" has a user that starts with "-"',
      ],
    ]
  ) {
    const r = await runCli(["bootstrap", "--print", "--", target!]);
    strictEqual(r.code, 2, r.stderr);
    strictEqual(r.stdout, "");
    match(r.stderr, new RegExp(`^mitoctl: ${RegExp.escape(message!)}`));
  }
});
