/**
 * An inventory's values stay values: a host variable with a "/" cannot add a hop (a sudo at
 * the end, a jump in front); the CLI refuses it before connecting anywhere, naming the host and
 * the variable, with exit code 2.
 */

import { strictEqual } from "node:assert/strict";
import { runCli } from "./_fixtures/cli.ts";

Deno.test("the CLI refuses an inventory variable that would add a hop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-inventory-hops-" });
  try {
    const inventory = `${dir}/hosts.ini`;
    await Deno.writeTextFile(
      inventory,
      "[web]\nweb1 ansible_host=10.0.0.5\nweb2 ansible_host=10.0.0.6/sudo ansible_user=deploy\n",
    );
    const r = await runCli(["call", "-i", inventory, "@web", "node:os#hostname"]);
    strictEqual(r.code, 2, r.stderr);
    strictEqual(r.stdout, "");
    strictEqual(
      r.stderr,
      `mitoctl: Invalid inventory "${inventory}": host "web2" has ansible_host "10.0.0.6/sudo" ` +
        'with a "/": a variable holds one value; only mitoctl_via names hops\n',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
