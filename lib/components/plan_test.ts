import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { DEFAULT_GRACE, DEFAULT_READY_TIMEOUT } from "./config.ts";
import { byHost, parseSets, planComponents, startWaves } from "./plan.ts";

Deno.test("planComponents() fills in defaults and resolves local files against the config", () => {
  const [c] = planComponents(
    [{
      name: "api@web1",
      host: "web1",
      executable: "bin/api",
      files: { "./dist": ".", "/etc/x": "x" },
    }],
    "/srv/deploy",
    "deploy.ts",
  );
  deepStrictEqual(c, {
    name: "api@web1",
    host: "web1",
    executable: "bin/api",
    args: [],
    env: {},
    files: [["/srv/deploy/dist", "."], ["/etc/x", "x"]],
    start: 0,
    readyTimeout: DEFAULT_READY_TIMEOUT,
    grace: DEFAULT_GRACE,
  });
});

Deno.test("planComponents() keeps a RegExp ready pattern as its source", () => {
  const [c] = planComponents(
    [{ name: "db", host: "db1", executable: "/usr/bin/pg", ready: /^ready to accept$/, grace: 0 }],
    "/",
    "c.ts",
  );
  strictEqual(c!.ready, "^ready to accept$");
  strictEqual(c!.grace, 0);
});

Deno.test("planComponents() names the component and config at fault", () => {
  const plan = (specs: unknown) => () => planComponents(specs, "/", "deploy.ts");
  throws(plan({}), /^UsageError: Config "deploy.ts" must give an array of components, got object$/);
  throws(plan([{ name: "a/b", host: "h", executable: "x" }]), {
    name: "UsageError",
    message: `Invalid component "a/b" in config "deploy.ts": name must be letters, digits and ` +
      `"._@:+-", starting with a letter or digit`,
  });
  throws(plan([{ host: "h", executable: "x" }]), /Invalid component #0 in config/);
  throws(
    plan([{ name: "a", host: "h", executable: "x" }, { name: "a", host: "g", executable: "y" }]),
    /Invalid component "a" in config "deploy.ts": another component has this name$/,
  );
  throws(plan([{ name: "a", host: "h", executable: "x", args: "-v" }]), /args must be an array/);
  throws(plan([{ name: "a", host: "h", executable: "x", env: { N: 1 } }]), /env values must be/);
  throws(plan([{ name: "a", host: "h", executable: "x", ready: "(" }]), /ready is not a regular/);
  throws(plan([{ name: "a", host: "h", executable: "x", grace: -1 }]), /Invalid grace/);
  throws(plan([{ name: "a", host: "", executable: "x" }]), {
    name: "UsageError",
    message: 'Invalid component "a" in config "deploy.ts": host must be a target',
  });
});

Deno.test("startWaves() groups equal start indices, lowest first, keeping config order", () => {
  const specs = [["c", 3], ["a", 1], ["b", 2], ["a2", 1], ["z", -1]].map(([name, start]) => ({
    name,
    host: "h",
    executable: "x",
    start,
  }));
  const waves = startWaves(planComponents(specs, "/", "c.ts"));
  deepStrictEqual(waves.map((w) => w.map((c) => c.name)), [["z"], ["a", "a2"], ["b"], ["c"]]);
});

Deno.test("byHost() groups components by host in first-seen order", () => {
  const specs = [["a", "web2"], ["b", "web1"], ["c", "web2"]].map(([name, host]) => ({
    name,
    host,
    executable: "x",
  }));
  const hosts = byHost(planComponents(specs, "/", "c.ts"));
  deepStrictEqual([...hosts].map(([h, cs]) => [h, cs.map((c) => c.name)]), [
    ["web2", ["a", "c"]],
    ["web1", ["b"]],
  ]);
});

Deno.test("parseSets() reads key=value pairs; values may hold '='", () => {
  deepStrictEqual(parseSets(["a=1", "b=x=y", "a=2", "c="]), { a: "2", b: "x=y", c: "" });
  throws(() => parseSets(["novalue"]), /^UsageError: Invalid --set "novalue": expected key=value$/);
  throws(() => parseSets(["=1"]), {
    name: "UsageError",
    message: 'Invalid --set "=1": expected key=value',
  });
});
