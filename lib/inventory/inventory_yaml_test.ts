import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseYaml, parseYamlInventory, plainScalar } from "./inventory_yaml.ts";

const yaml = (text: string) => parseYaml(text, "inv.yml");

function refused(text: string, message: RegExp): void {
  throws(() => yaml(text), (e: unknown) => {
    strictEqual((e as Error).constructor, UsageError);
    if (!message.test((e as Error).message)) throw new Error(`message: ${(e as Error).message}`);
    return true;
  });
}

Deno.test("parseYaml() reads nested block mappings", () => {
  deepStrictEqual(yaml("a:\n  b:\n    c: 1\n  d: x\ne:\n"), {
    a: { b: { c: 1 }, d: "x" },
    e: null,
  });
});

Deno.test("parseYaml() reads sequences, indented or at the key's level", () => {
  deepStrictEqual(yaml("a:\n  - 1\n  - two\nb:\n- x\n- y\n"), { a: [1, "two"], b: ["x", "y"] });
});

Deno.test("parseYaml() reads mappings inside sequence items", () => {
  deepStrictEqual(yaml("- name: a\n  port: 22\n- name: b\n-\n  name: c\n- - 1\n  - 2\n"), [
    { name: "a", port: 22 },
    { name: "b" },
    { name: "c" },
    [1, 2],
  ]);
});

Deno.test("parseYaml() drops comments but keeps # inside quotes and words", () => {
  deepStrictEqual(
    yaml("# head\na: 1 # one\nb: \"x # y\"\nc: a#b\nd: 'it''s' # q\n  # indented\n"),
    { a: 1, b: "x # y", c: "a#b", d: "it's" },
  );
});

Deno.test("parseYaml() reads one-line flow collections", () => {
  deepStrictEqual(yaml('a: { x: 1, y: [a, "b, c"], z }\nb: []\nc: {}\n'), {
    a: { x: 1, y: ["a", "b, c"], z: null },
    b: [],
    c: {},
  });
});

Deno.test("parseYaml() resolves plain scalars as YAML 1.1 does", () => {
  deepStrictEqual(
    ["~", "null", "yes", "Off", "42", "-7", "0x1f", "0o17", "1.5", "1e3", "v1.2", "2001:db8::1"]
      .map(
        plainScalar,
      ),
    [null, null, true, false, 42, -7, 31, 15, 1.5, 1000, "v1.2", "2001:db8::1"],
  );
});

Deno.test("parseYaml() reads double-quoted escapes and quoted keys", () => {
  deepStrictEqual(yaml('"a b": "tab\\there \\u00e9 \\"q\\""\n\'c:d\': 2\n'), {
    "a b": 'tab\there é "q"',
    "c:d": 2,
  });
});

Deno.test("parseYaml() skips --- and stops at ...", () => {
  deepStrictEqual(yaml("---\na: 1\n...\nignored: [\n"), { a: 1 });
  strictEqual(yaml(""), null);
  strictEqual(yaml("# only a comment\n"), null);
});

Deno.test("parseYaml() keeps a __proto__ key as data", () => {
  const value = yaml("__proto__: 1\n") as Record<string, unknown>;
  strictEqual(Object.getPrototypeOf(value), Object.prototype);
  deepStrictEqual(Object.keys(value), ["__proto__"]);
});

Deno.test("parseYaml() refuses what it does not support, naming the line", () => {
  refused("a: &x 1\nb: *x\n", /line 1: anchors and aliases are not supported/);
  refused("a: !!str 1\n", /line 1: tags are not supported/);
  refused("a: |\n  text\n", /line 1: block scalars/);
  refused("a: one\n  two\n", /line 2: multi-line scalars are not supported/);
  refused("a: 1\n---\nb: 2\n", /line 2: several documents are not supported/);
  refused("a:\n\tb: 1\n", /line 2: tabs cannot indent YAML/);
  refused("a: 1\na: 2\n", /line 2: duplicate key "a"/);
  refused('a: "open\n', /line 1: unclosed double quote/);
  refused("a: [1, 2\n", /line 1: expected "," or "\]"/);
  refused("a:\n    b: 1\n  c: 2\n", /line 3: bad indentation/);
  refused("a: 1\njust text\n", /line 2: expected "key: value", got "just text"/);
});

Deno.test("parseYamlInventory() reads the Ansible shape", () => {
  const data = parseYamlInventory(
    `all:
  hosts:
    solo:
  vars:
    ansible_user: deploy
  children:
    web:
      hosts:
        web[1:2]:
          ansible_port: 2222
      vars: { tier: front }
    db:
      hosts:
        db1: { ansible_host: 10.0.0.9 }
      children:
        replicas:
          hosts:
            db2:
`,
    "inv.yml",
  );
  deepStrictEqual([...data.hosts.keys()], ["solo", "web1", "web2", "db1", "db2"]);
  deepStrictEqual(data.hosts.get("web2"), { ansible_port: 2222 });
  deepStrictEqual(data.groups.get("all")?.vars, { ansible_user: "deploy" });
  deepStrictEqual([...data.groups.get("all")!.children], ["web", "db"]);
  deepStrictEqual([...data.groups.get("db")!.children], ["replicas"]);
  deepStrictEqual(data.groups.get("web")?.vars, { tier: "front" });
});

Deno.test("parseYamlInventory() refuses groups of the wrong shape", () => {
  throws(
    () => parseYamlInventory("all:\n  hosts: [a, b]\n", "inv.yml"),
    /Invalid inventory "inv.yml": group "all" has hosts that is not a mapping/,
  );
  throws(
    () => parseYamlInventory("web:\n  host:\n    a:\n", "inv.yml"),
    /group "web" has "host": expected hosts, children or vars/,
  );
  throws(() => parseYamlInventory("- a\n", "inv.yml"), /the top level must map group names/);
});
