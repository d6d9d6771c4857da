/**
 * `mitoctl inventory` prints what mitoctl read in ansible-inventory's own text, and refuses
 * misuse with exit code 2 and a message.
 */

import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";
import { ansibleInventory, corpusDir } from "./_fixtures/ansible.ts";

Deno.test("mitoctl inventory --list and --graph print what ansible-inventory prints", async () => {
  const file = `${await corpusDir()}/ans_complex.ini`;
  const cwd = await Deno.makeTempDir({ prefix: "mitoctl-inventory-" });
  try {
    const ansible = await ansibleInventory(file, { graph: true, cwd });
    const list = await runCli(["inventory", "-i", file, "--list"]);
    strictEqual(list.code, 0, list.stderr);
    deepStrictEqual(JSON.parse(list.stdout), ansible.list);
    // Text for text, as Ansible prints it: keys sorted, four spaces.
    strictEqual(list.stdout, ansible.listText);
    const graph = await runCli(["inventory", "--graph", "--inventory", file]);
    strictEqual(graph.code, 0, graph.stderr);
    deepStrictEqual(graph.stdout.trimEnd().split("\n"), ansible.graph);
    const host = await runCli(["inventory", "-i", file, "--host", "test2"], {
      env: { MITOCTL_INVENTORY: "/nonexistent" },
    });
    strictEqual(host.code, 0, host.stderr);
    deepStrictEqual(JSON.parse(host.stdout), {
      ansible_connection: "local",
      myvar: "something2",
      othervar: "stuff",
    });
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }
});

Deno.test("mitoctl inventory refuses misuse with exit code 2 and says why", async () => {
  const dir = await corpusDir();
  const cases: [string[], RegExp][] = [
    [["inventory", "-i", `${dir}/ans_complex.ini`], /exactly one of the three/],
    [["inventory", "-i", `${dir}/ans_complex.ini`, "--list", "--graph"], /exactly one/],
    [["inventory", "--list"], /No inventory: pass -i FILE or set MITOCTL_INVENTORY/],
    [["inventory", "-i", `${dir}/ans_complex.ini`, "--host", "nope"], /Unknown host "nope"/],
    [["inventory", "-i", `${dir}/ans_complex.ini`, "--graph", "nope"], /Unknown group "nope"/],
    [
      ["inventory", "-i", `${dir}/ans_1_2_inventory.yml`, "--list"],
      /inventory plugins are not supported; export with `ansible-inventory --list` and pass that/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { env: { MITOCTL_INVENTORY: "" } });
    strictEqual(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    strictEqual(r.stdout, "");
    match(r.stderr, message);
  }
});
