import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { Inventory, parseInventory, readInventory } from "./inventory.ts";
import { expandHostPattern } from "./inventory_data.ts";
import { parseIniInventory, words } from "./inventory_ini.ts";

const fixtures = new URL("../../tests/_fixtures/inventory/", import.meta.url);

function ini(text: string): Inventory {
  return parseInventory(text, "hosts.ini");
}

function usage(fn: () => unknown, message: RegExp | string): void {
  throws(fn, (e: unknown) => {
    strictEqual((e as Error).constructor, UsageError, (e as Error).message);
    if (typeof message === "string") strictEqual((e as Error).message, message);
    else if (!message.test((e as Error).message)) throw new Error((e as Error).message);
    return true;
  });
}

for (const name of ["fleet.ini", "fleet.yml"]) {
  Deno.test(`readInventory() reads the sample fleet from ${name}`, async () => {
    const inv = await readInventory(new URL(name, fixtures).pathname);
    deepStrictEqual(inv.hosts.sort(), ["bastion", "db1", "db2", "me", "web1", "web2", "web3"]);
    deepStrictEqual(inv.groupHosts("servers").sort(), ["db1", "db2", "web1", "web2", "web3"]);
    deepStrictEqual(inv.groupHosts("web").sort(), ["web1", "web2", "web3"]);
    deepStrictEqual(inv.groupHosts("all").length, 7);
    const targets = Object.fromEntries(inv.hosts.map((h) => [h, inv.connection(h)]));
    deepStrictEqual(targets, {
      bastion: { target: "admin@jump.example.com", options: {} },
      web1: { target: "admin@jump.example.com/deploy@web1", options: { runtime: "deno" } },
      web2: { target: "admin@jump.example.com/deploy@web2", options: { runtime: "deno" } },
      web3: { target: "deploy@10.0.0.13:2222", options: { runtime: "deno" } },
      db1: { target: "deploy@10.0.1.1/sudo:postgres", options: { runtime: "deno" } },
      db2: { target: "deploy@10.0.1.2", options: { runtime: "node" } },
      me: { target: "local", options: {} },
    });
  });
}

Deno.test("Inventory.groupHosts() names the group and the file when it is unknown", () => {
  usage(
    () => ini("[web]\nweb1\n").groupHosts("dbs"),
    'Unknown group "dbs" in inventory "hosts.ini"',
  );
});

Deno.test("Inventory.groupHosts() lists ungrouped hosts", () => {
  deepStrictEqual(ini("a\nb\n[g]\nb\nc\n").groupHosts("ungrouped"), ["a"]);
});

Deno.test("Inventory.hostVars() merges all, parents, children, then the host", () => {
  const inv = ini(`
[leaf]
h1 x=host
h2
[mid:children]
leaf
[top:children]
mid
[all:vars]
x=all
y=all
z=all
[top:vars]
x=top
y=top
[mid:vars]
x=mid
[leaf:vars]
w=leaf
`);
  deepStrictEqual(inv.hostVars("h1"), { x: "host", y: "top", z: "all", w: "leaf" });
  deepStrictEqual(inv.hostVars("h2"), { x: "mid", y: "top", z: "all", w: "leaf" });
});

Deno.test("Inventory.hostVars() orders sibling groups by name", () => {
  const inv = ini("[b]\nh\n[a]\nh\n[a:vars]\nv=a\n[b:vars]\nv=b\n");
  strictEqual(inv.hostVars("h").v, "b");
});

Deno.test("Inventory refuses a group that contains itself", () => {
  usage(() => ini("[a:children]\nb\n[b:children]\na\n"), /group "a" contains itself \(a → b → a\)/);
});

Deno.test("Inventory.connection() reaches mitoctl_via hosts as the inventory says", () => {
  const inv = ini(`
jump ansible_host=1.2.3.4 ansible_port=2200 mitoctl_via=outer
outer ansible_user=ops
web mitoctl_via=jump/inner ansible_user=app
`);
  strictEqual(inv.connection("web").target, "ops@outer/1.2.3.4:2200/inner/app@web");
});

Deno.test("Inventory.connection() refuses bad host variables, naming the host and file", () => {
  usage(
    () => ini("h ansible_port=99999\n").connection("h"),
    'Invalid inventory "hosts.ini": host "h" has an invalid ansible_port "99999"',
  );
  usage(
    () => ini("h ansible_connection=winrm\n").connection("h"),
    /host "h" uses ansible_connection "winrm"; mitoctl reads ssh, local and community\.docker\.docker, /,
  );
  usage(
    () => ini("h mitoctl_runtime=python\n").connection("h"),
    /host "h" has an invalid mitoctl_runtime/,
  );
  usage(
    () => ini("h ansible_host=-oProxyCommand=x\n").connection("h"),
    'Invalid inventory "hosts.ini": host "h" has ansible_host "-oProxyCommand=x" that is not ' +
      "a host name",
  );
  usage(
    () => ini("a mitoctl_via=b\nb mitoctl_via=a\n").connection("a"),
    /mitoctl_via loops: a → b → a/,
  );
  usage(
    () => ini("h ansible_become=yes ansible_become_method=pbrun\n").connection("h"),
    /uses ansible_become_method "pbrun"; mitoctl becomes users with (\w+, )*sudo\b/,
  );
  strictEqual(
    ini("h ansible_become=yes ansible_become_method=su ansible_become_user=pg\n").connection("h")
      .target,
    "h/su:pg",
  );
});

Deno.test("Inventory.connection() lets no variable but mitoctl_via add a hop", () => {
  const slash = (key: string, value: string) =>
    `Invalid inventory "hosts.ini": host "h" has ${key} "${value}" with a "/": a variable ` +
    "holds one value; only mitoctl_via names hops";
  for (
    const [key, value] of <[string, string][]> [
      ["ansible_host", "evil/sudo"],
      ["ansible_ssh_host", "evil/local"],
      ["ansible_user", "root/sudo"],
      ["ansible_ssh_user", "a/b"],
      ["ansible_become_user", "root/sudo:x"],
    ]
  ) {
    const become = key === "ansible_become_user" ? " ansible_become=yes" : "";
    usage(() => ini(`h ${key}=${value}${become}\n`).connection("h"), slash(key, value));
  }
  usage(
    () => ini("h ansible_host=root@web1\n").connection("h"),
    'Invalid inventory "hosts.ini": host "h" has ansible_host "root@web1" that is not a host name',
  );
  usage(() => ini("h ansible_host=web1:2222\n").connection("h"), /"web1:2222" that is not a host/);
  usage(
    () => ini("h ansible_become=yes ansible_become_user=a:b\n").connection("h"),
    /has ansible_become_user "a:b" that is not a user name/,
  );
  // A host named like a method stays an ssh host.
  deepStrictEqual(ini("h ansible_host=sudo\n").connection("h").target, "ssh:sudo");
  deepStrictEqual(
    ini("h ansible_host=local ansible_port=22\n").connection("h").target,
    "ssh:local:22",
  );
  deepStrictEqual(ini("h ansible_host=::1 ansible_port=22\n").connection("h").target, "[::1]:22");
  deepStrictEqual(
    ini("h mitoctl_via=jump/sudo ansible_host=10.0.0.5\n").connection("h").target,
    "jump/sudo/10.0.0.5",
  );
});

Deno.test("Inventory.connection() maps the key file to identity", () => {
  deepStrictEqual(ini("h ansible_ssh_private_key_file=/k/id\n").connection("h"), {
    target: "h",
    options: { identity: "/k/id" },
  });
});

Deno.test("parseIniInventory() reports bad lines with their number", () => {
  usage(
    () => parseIniInventory("[web]\nweb1 novalue\n", "f.ini"),
    /^Invalid inventory "f.ini" line 2: expected key=value/,
  );
  usage(
    () => parseIniInventory("[web:hosts]\n", "f.ini"),
    /line 1: section "\[web:hosts\]" is not :vars or :children/,
  );
  usage(() => parseIniInventory("[g:vars]\nnovalue\n", "f.ini"), /line 2: expected key=value/);
  usage(
    () => parseIniInventory("[g]\nbad/name\n", "f.ini"),
    /line 2: invalid host name "bad\/name"/,
  );
  usage(
    () => parseIniInventory("[g:children]\nall\n", "f.ini"),
    /line 2: "all" cannot be a child group/,
  );
});

Deno.test("parseIniInventory() keeps quoted values and ignores comments", () => {
  const data = parseIniInventory(
    '; a comment\n# another\n[g]\nh a="x y" b=\'q\' # trailing\n[g:vars]\nk = "v w"\n',
    "f.ini",
  );
  deepStrictEqual(data.hosts.get("h"), { a: "x y", b: "q" });
  deepStrictEqual(data.groups.get("g")?.vars, { k: "v w" });
});

Deno.test("words() splits like a shell", () => {
  deepStrictEqual(words(`a "b c" d\\ e 'f"g' x#y # z`), ["a", "b c", "d e", 'f"g', "x#y"]);
  throws(() => words('"open'), /unclosed "/);
});

Deno.test("expandHostPattern() expands numeric and letter ranges", () => {
  deepStrictEqual(expandHostPattern("web[01:03]", "f"), ["web01", "web02", "web03"]);
  deepStrictEqual(expandHostPattern("n[0:10:5].x", "f"), ["n0.x", "n5.x", "n10.x"]);
  deepStrictEqual(expandHostPattern("db-[a:c]", "f"), ["db-a", "db-b", "db-c"]);
  deepStrictEqual(expandHostPattern("r[1:2]c[1:2]", "f"), ["r1c1", "r1c2", "r2c1", "r2c2"]);
  usage(() => expandHostPattern("w[3:1]", "f"), /host range "\[3:1\]" runs backwards/);
  usage(() => expandHostPattern("w[1:a]", "f"), /mixes numbers and letters/);
  usage(() => expandHostPattern("w[0:99999]", "f"), /more than 10000 hosts/);
  usage(() => expandHostPattern("w[1]", "f"), /bad host range in "w\[1\]"/);
});

Deno.test("parseInventory() reads JSON and sniffs YAML without an extension", () => {
  const json = parseInventory(
    '{"web": {"hosts": {"a": null, "b": {"ansible_port": 22}}}}',
    "i.json",
  );
  deepStrictEqual(json.groupHosts("web"), ["a", "b"]);
  const yaml = parseInventory("web:\n  hosts:\n    a:\n", "inventory");
  deepStrictEqual(yaml.groupHosts("web"), ["a"]);
  usage(() => parseInventory("{", "i.json"), /^Invalid inventory "i.json": /);
});

Deno.test("readInventory() says which file it cannot read", async () => {
  try {
    await readInventory("/nonexistent/hosts.ini");
    throw new Error("no error");
  } catch (e) {
    strictEqual((e as Error).constructor, UsageError);
    strictEqual(
      (e as Error).message.startsWith('Cannot read inventory "/nonexistent/hosts.ini": '),
      true,
    );
  }
});
