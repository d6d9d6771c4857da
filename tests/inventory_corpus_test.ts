/**
 * Every inventory of the shared corpus (real files from Ansible's own tests and examples,
 * kubespray and small projects) read by mitoctl and by `ansible-inventory`, compared: hosts,
 * groups, merged variables (the connection variables mitoctl uses among them), and the group
 * graph for the files with the deepest trees. Where mitoctl differs on purpose, the table below
 * says why, file by file.
 */

import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { type HostConnection, type Inventory, parseInventory } from "../lib/inventory/inventory.ts";
import { inventoryGraph, inventoryList } from "../lib/inventory/inventory_view.ts";
import {
  ansibleInventory,
  type AnsibleReading,
  corpusDir,
  scriptPrinting,
} from "./_fixtures/ansible.ts";

/** Files mitoctl reads differently from Ansible on purpose. */
const DIFFERENCES: Record<string, { why: string; refused?: RegExp; ansibleAs?: "script" }> = {
  "ans_1_2_inventory.yml": {
    why: "an inventory plugin's configuration (constructed): Ansible runs the plugin, mitoctl " +
      "cannot, and says how to hand it the plugin's result instead",
    refused:
      /inventory plugins are not supported; export with `ansible-inventory --list` and pass that$/,
  },
  "ans_int_hostname.yml": {
    why: "a host named by a YAML integer: Ansible warns that the host must be a string and reads " +
      "nothing from the file; mitoctl refuses the file with the same reason",
    refused: /group "kids" has host 1234, which YAML reads as a number: quote it \("1234"\)/,
  },
  "ans_inventory_script.json": {
    why:
      "an inventory script's output: Ansible reads that JSON from a script it runs (handed the " +
      'static file, it falls back to its INI reader and finds one host named "{"), so Ansible ' +
      "is given the same JSON through a script",
    ansibleAs: "script",
  },
};

/** Hosts both read alike but mitoctl will not connect to, and why. */
const REFUSED_HOSTS: Record<string, Record<string, RegExp>> = {
  // ansible_user="deploy user": ssh would take it; mitoctl refuses users with spaces.
  "ans_docs_patterns.ini": {
    host1: /host "host1" has ansible_user "deploy user" that is not a user name$/,
    host2: /host "host2" has ansible_user "deploy user" that is not a user name$/,
  },
};

/** How mitoctl reaches some hosts: the connection variables it uses, end to end. */
const CONNECTIONS: Record<string, Record<string, HostConnection>> = {
  "anixops_hosts.yml": {
    "tokyo-web-01": {
      target: "ops-user@10.0.1.11",
      options: { sshOptions: ["ProxyCommand=ssh -W %h:%p -q user@192.168.1.10"] },
    },
    "jumphost-01": { target: "ops-user@192.168.1.10", options: {} },
  },
  "aether_onramp_hosts.ini": {
    node1: {
      target: "ios5gn@10.176.27.29",
      options: { password: "ios5gn", sudoPassword: "ios5gn" },
    },
  },
  "ans_docs_patterns.ini": {
    "badwolf.example.com": { target: "badwolf.example.com:5309", options: {} },
    jumper: { target: "192.0.2.50:5555", options: {} },
    become_me: { target: "become_me/sudo:postgres", options: {} },
    host3: { target: "local", options: {} },
    "other2.example.com": {
      target: "myotheruser@other2.example.com",
      options: { identity: "~/.ssh/id_other" },
    },
  },
  "ans_complex.ini": { hostinall: { target: "local", options: {} } },
  "ans_hosts_field.ini": { "42": { target: "local", options: {} } },
  "ans_unicode.yml": { "příbor": { target: "příbor", options: {} } },
  "anselm_bastion_hosts.yml": {
    "bastion-host": { target: "root@192.168.187.129:22", options: {} },
  },
  "ans_examples_hosts_uncommented.yaml": {
    "green.example.com": { target: "191.168.100.32", options: {} },
  },
};

/** Files whose `--graph` is compared too: the deepest trees. */
const GRAPHED = new Set([
  "ans_complex.ini",
  "ans_docs_patterns.ini",
  "ans_examples_hosts_uncommented.yaml",
  "anixops_hosts.yml",
  "kubespray_sample_inventory.ini",
  "ans_unicode.yml",
]);

/** Ansible runs at once; each costs about half a second of CPU. */
const ANSIBLE_CONCURRENCY = 3;

Deno.test("every corpus inventory reads as ansible-inventory reads it, or differs as documented", async (t) => {
  const dir = await corpusDir();
  const files = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isFile && e.name !== "SOURCES.md") files.push(e.name);
  }
  files.sort();
  ok(files.length >= 20, `only ${files.length} files in ${dir}`);
  await using scratch = await tempDir();
  const readings = new Map<string, AnsibleReading>();
  const queue = [...files];
  await Promise.all(Array.from({ length: ANSIBLE_CONCURRENCY }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const path = `${dir}/${file}`;
      const source = DIFFERENCES[file]?.ansibleAs === "script"
        ? await scriptPrinting(path, scratch.path)
        : path;
      readings.set(
        file,
        await ansibleInventory(source, { graph: GRAPHED.has(file), cwd: scratch.path }),
      );
    }
  }));
  let hosts = 0;
  for (const file of files) {
    await t.step(file, async () => {
      const text = await Deno.readTextFile(`${dir}/${file}`);
      const ansible = readings.get(file)!;
      const difference = DIFFERENCES[file];
      if (difference?.refused) {
        throws(() => parseInventory(text, file), {
          name: "UsageError",
          message: difference.refused,
        });
        // What Ansible made of it: no host at all.
        deepStrictEqual((ansible.list._meta as { hostvars: object }).hostvars, {}, difference.why);
        deepStrictEqual(ansible.list.all, { children: ["ungrouped"] }, difference.why);
        return;
      }
      const warnings: string[] = [];
      const inv = parseInventory(text, file, { onWarning: (w) => warnings.push(w) });
      deepStrictEqual(inventoryList(inv), ansible.list);
      if (ansible.graph) deepStrictEqual(inventoryGraph(inv), ansible.graph);
      hosts += inv.hosts.length;
      checkConnections(file, inv);
      if (file === "aether_onramp_hosts.ini") {
        deepStrictEqual(warnings.map((w) => /\((\w+) of host/.exec(w)?.[1]), [
          "ansible_password",
          "ansible_sudo_pass",
        ]);
        for (const w of warnings) match(w, /in plain text/);
      } else deepStrictEqual(warnings, []);
    });
  }
  ok(hosts > 100, `${hosts} hosts compared`);
});

/** Each host connects as {@linkcode CONNECTIONS} says, or is refused as {@linkcode REFUSED_HOSTS} says. */
function checkConnections(file: string, inv: Inventory): void {
  const refused = REFUSED_HOSTS[file] ?? {};
  for (const host of inv.hosts) {
    if (refused[host]) {
      throws(() => inv.connection(host), { name: "UsageError", message: refused[host] });
      continue;
    }
    const connection = inv.connection(host);
    const expected = CONNECTIONS[file]?.[host];
    if (expected) deepStrictEqual(connection, expected, `${file}: ${host}`);
  }
  for (const host of Object.keys(CONNECTIONS[file] ?? {})) {
    strictEqual(inv.hasHost(host), true, `${file} has no host "${host}"`);
  }
}

async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "mitoctl-ansible-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}
