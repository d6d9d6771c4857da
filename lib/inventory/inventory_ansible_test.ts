import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { type Inventory, parseInventory, withHostOptions } from "./inventory.ts";
import { ansibleJson, inventoryGraph, inventoryList } from "./inventory_view.ts";

function ini(text: string, onWarning?: (w: string) => void): Inventory {
  return parseInventory(text, "hosts.ini", onWarning ? { onWarning } : {});
}

Deno.test("parseInventory() reads JSON as inventory scripts print it", () => {
  const inv = parseInventory(
    JSON.stringify({
      web: { hosts: ["w1", "w2"], vars: { ansible_user: "deploy" }, children: ["edge"] },
      edge: ["e1"],
      single: { ansible_host: "10.0.0.9" },
      _meta: { hostvars: { w1: { ansible_port: 2222 }, stray: { ansible_host: "x" } } },
    }),
    "inv.json",
  );
  deepStrictEqual(inv.hosts, ["w1", "w2", "e1", "single"]);
  deepStrictEqual(inv.groupHosts("web"), ["w1", "w2", "e1"]);
  deepStrictEqual(inv.hostVars("w1"), { ansible_user: "deploy", ansible_port: 2222 });
  // A group with neither hosts, vars nor children is one host with those variables.
  strictEqual(inv.connection("single").target, "10.0.0.9");
  strictEqual(inv.hasHost("stray"), false);
});

Deno.test("parseInventory() reads back what inventoryList() prints", () => {
  const inv = ini("a x=1\n[g]\nb\n[p:children]\ng\n[p:vars]\ny=2\n");
  const again = parseInventory(ansibleJson(inventoryList(inv)), "again.json");
  deepStrictEqual(inventoryList(again), inventoryList(inv));
});

Deno.test("parseInventory() refuses JSON of the wrong shape, naming what", () => {
  const cases: [unknown, RegExp][] = [
    [{ web: { hosts: "w1", children: [] } }, /group "web" has hosts that is not a list/],
    [{ web: { hosts: [1] } }, /group "web" has hosts with 1, not a name/],
    [{ web: ["w1"], _meta: [] }, /"_meta" is not a mapping/],
    [{ web: ["w1"], _meta: { hostvars: { w1: 5 } } }, /hostvars" has variables of "w1"/],
    [{ web: { hosts: ["w1"], vars: [] } }, /group "web" has vars that is not a mapping/],
  ];
  for (const [doc, message] of cases) {
    throws(() => parseInventory(JSON.stringify(doc), "i.json"), { name: "UsageError", message });
  }
});

Deno.test("parseInventory() refuses inventory plugins and YAML hosts that are not strings", () => {
  throws(() => parseInventory("plugin: aws_ec2\nregions: [x]\n", "aws.yml"), {
    name: "UsageError",
    message: 'Invalid inventory "aws.yml": inventory plugins are not supported; export with ' +
      "`ansible-inventory --list` and pass that",
  });
  throws(() => parseInventory("all:\n  hosts:\n    1234:\n", "i.yml"), {
    name: "UsageError",
    message: 'Invalid inventory "i.yml": group "all" has host 1234, which YAML reads as a ' +
      'number: quote it ("1234"), as Ansible requires',
  });
  deepStrictEqual(parseInventory("all:\n  hosts:\n    '1234':\n", "i.yml").hosts, ["1234"]);
});

Deno.test("Inventory puts hosts listed only under all in ungrouped, as Ansible does", () => {
  const inv = ini("[all]\nlone\nboth\n[g]\nboth\n");
  deepStrictEqual(inv.groupHosts("ungrouped"), ["lone"]);
  deepStrictEqual(inv.directHosts("all"), []);
  deepStrictEqual(inv.childGroups("all"), ["ungrouped", "g"]);
  const yaml = parseInventory("all:\n  hosts:\n    příbor:\n", "u.yml");
  deepStrictEqual(yaml.groupHosts("ungrouped"), ["příbor"]);
  strictEqual(yaml.connection("příbor").target, "příbor");
});

Deno.test("INI values are read as Python literals, as Ansible reads them", () => {
  // Quotes go first, as a shell would take them: q is the number, r the string.
  const inv = ini(`[g]\nh p=22 q='22' r="'22'" b=True s=10.0.0.1 l=[1,2]\n[g:vars]\nv = a b # c\n`);
  deepStrictEqual(inv.hostVars("h"), {
    p: 22,
    q: 22,
    r: "22",
    b: true,
    s: "10.0.0.1",
    l: [1, 2],
    v: "a b # c",
  });
});

Deno.test("inventoryGraph() draws the group tree as ansible-inventory --graph does", () => {
  const inv = ini("top\n[web]\nw1\n[site:children]\nweb\n");
  deepStrictEqual(inventoryGraph(inv), [
    "@all:",
    "  |--@ungrouped:",
    "  |  |--top",
    "  |--@site:",
    "  |  |--@web:",
    "  |  |  |--w1",
  ]);
  deepStrictEqual(inventoryGraph(inv, "site"), ["@site:", "  |--@web:", "  |  |--w1"]);
  throws(() => inventoryGraph(inv, "nope"), {
    name: "UsageError",
    message: /Unknown group "nope"/,
  });
});

Deno.test("Inventory.connection() honours ssh argument variables", () => {
  const inv = ini(
    `web ansible_host=10.0.1.11 ansible_ssh_common_args='-o ProxyCommand="ssh -W %h:%p -q u@jump"' ` +
      `ansible_ssh_extra_args="-J ops@edge -p 2200 -l extra -o ServerAliveInterval=5"\n` +
      `pinned ansible_port=22 ansible_user=me ansible_ssh_extra_args="-p 2200 -l other -F /cfg"\n`,
  );
  deepStrictEqual(inv.connection("web"), {
    target: "extra@10.0.1.11:2200",
    options: {
      sshOptions: [
        "ProxyCommand=ssh -W %h:%p -q u@jump",
        "ProxyJump=ops@edge",
        "ServerAliveInterval=5",
      ],
    },
  });
  // ansible_port and ansible_user come first on Ansible's ssh command line: they win.
  deepStrictEqual(inv.connection("pinned"), {
    target: "me@pinned:22",
    options: { sshConfig: "/cfg" },
  });
});

Deno.test("Inventory.connection() refuses ssh arguments it cannot honour, naming host and variable", () => {
  const cases: [string, RegExp][] = [
    [
      `h ansible_ssh_extra_args="-R 80:x:80"`,
      /^Invalid inventory "hosts.ini": host "h" has ansible_ssh_extra_args "-R 80:x:80" that mitoctl cannot honour: ssh flag "-R" is not supported/,
    ],
    [
      `h ansible_ssh_common_args="web1"`,
      /host "h" has ansible_ssh_common_args "web1" that mitoctl cannot honour: "web1" is not an ssh flag/,
    ],
    [
      `h ansible_ssh_common_args="-o -oProxyCommand=x"`,
      /ansible_ssh_common_args .* Invalid ssh option "-oProxyCommand=x"/,
    ],
    [
      `h mitoctl_via=jump ansible_ssh_common_args="-o Compression=yes"`,
      /host "h" has ssh arguments and mitoctl_via; ssh arguments apply only to a host reached directly/,
    ],
    [
      `h ansible_ssh_private_key_file=/a ansible_ssh_common_args="-i /b"`,
      /host "h" has two identity files: "\/a" and "\/b" \(-i\)/,
    ],
  ];
  for (const [line, message] of cases) {
    throws(() => ini(`${line}\n`).connection("h"), { name: "UsageError", message });
  }
  // A local connection uses no ssh: ssh arguments set for all hosts do not stop it.
  strictEqual(
    ini(`h ansible_connection=local\n[all:vars]\nansible_ssh_common_args="-R 1:x:1"\n`)
      .connection("h").target,
    "local",
  );
});

Deno.test("Inventory.connection() uses password variables and warns once per variable", () => {
  const warnings: string[] = [];
  const inv = ini(
    "a ansible_password=pa ansible_become=yes ansible_become_pass=sa\n" +
      "b ansible_ssh_pass=pb ansible_password=ignored\nc ansible_password=pc\n",
    (w) => warnings.push(w),
  );
  deepStrictEqual(inv.connection("a"), {
    target: "a/sudo",
    options: { password: "pa", sudoPassword: "sa" },
  });
  // Where both are set, Ansible takes the later name in its list.
  deepStrictEqual(inv.connection("b").options, { password: "pb" });
  inv.connection("c");
  deepStrictEqual(warnings, [
    'Inventory "hosts.ini" holds passwords in plain text (ansible_password of host "a"): ' +
    "anyone who can read the file can read them; prefer --password-file, --ask-pass or " +
    "--sudo-password-file",
    'Inventory "hosts.ini" holds passwords in plain text (ansible_become_pass of host "a"): ' +
    "anyone who can read the file can read them; prefer --password-file, --ask-pass or " +
    "--sudo-password-file",
    'Inventory "hosts.ini" holds passwords in plain text (ansible_ssh_pass of host "b"): ' +
    "anyone who can read the file can read them; prefer --password-file, --ask-pass or " +
    "--sudo-password-file",
  ]);
});

Deno.test("Inventory.connection() takes ansible_ssh_host and ansible_ssh_user over the short names", () => {
  strictEqual(
    ini("h ansible_host=1.1.1.1 ansible_ssh_host=2.2.2.2 ansible_user=a ansible_ssh_user=b\n")
      .connection("h").target,
    "b@2.2.2.2",
  );
});

Deno.test("withHostOptions() lets the host win, adding -o options after the command's", () => {
  deepStrictEqual(
    withHostOptions(
      { identity: "/cmd", sshOptions: ["A=1"], runtime: "node" },
      { identity: "/host", sshOptions: ["B=2"] },
    ),
    { identity: "/host", sshOptions: ["A=1", "B=2"], runtime: "node" },
  );
});
