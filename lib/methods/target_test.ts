import assert from "node:assert/strict";
import { formatHop, parseTarget } from "./target.ts";

Deno.test("parseTarget() reads local, user@host:port, ssh: and IPv6 hops", () => {
  assert.deepEqual(parseTarget("local"), [{ method: "local" }]);
  assert.deepEqual(parseTarget("deploy@10.0.0.5:2222"), [
    { method: "ssh", host: "10.0.0.5", user: "deploy", port: 2222 },
  ]);
  assert.deepEqual(parseTarget("ssh:web1"), [{ method: "ssh", host: "web1" }]);
  assert.deepEqual(parseTarget("root@[::1]:22"), [
    { method: "ssh", host: "::1", user: "root", port: 22 },
  ]);
});

Deno.test("parseTarget() splits hops and reads sudo, su and doas", () => {
  assert.deepEqual(parseTarget("bastion/web1/sudo:postgres"), [
    { method: "ssh", host: "bastion" },
    { method: "ssh", host: "web1" },
    { method: "sudo", user: "postgres" },
  ]);
  assert.deepEqual(parseTarget("[fe80::1%eth0]/su"), [
    { method: "ssh", host: "fe80::1%eth0" },
    { method: "su" },
  ]);
});

Deno.test("parseTarget() refuses hosts and users that start with - or hold shell characters", () => {
  const cases: [string, string][] = [
    ["-oProxyCommand=x", 'hop "-oProxyCommand=x" has a host that starts with "-"'],
    ["-l@web1", 'hop "-l@web1" has a user that starts with "-"'],
    ["web 1", 'hop "web 1" has an invalid host name "web 1"'],
    ["we'b1", `hop "we'b1" has an invalid host name "we'b1"`],
    ['a"b@web1', `hop "a"b@web1" has an invalid user name "a"b"`],
    ["web1:99999", 'hop "web1:99999" has an invalid port "99999"'],
    ["bastion//web1", 'hop "" is empty'],
    ["web1/sudo:-u", 'hop "sudo:-u" has a user that starts with "-"'],
  ];
  for (const [target, why] of cases) {
    assert.throws(() => parseTarget(target), {
      name: "UsageError",
      message: `Invalid target "${target}": ${why}`,
    });
  }
});

Deno.test("formatHop() writes hops back in target syntax", () => {
  for (const t of ["local", "deploy@web1:2222", "[::1]:22", "sudo:postgres", "su"]) {
    assert.equal(parseTarget(t).map(formatHop).join("/"), t);
  }
});

Deno.test("parseTarget() takes host names in any script, still refusing shell characters", () => {
  assert.deepEqual(parseTarget("deploy@příbor/sudo"), [
    { method: "ssh", host: "příbor", user: "deploy" },
    { method: "sudo" },
  ]);
  assert.throws(() => parseTarget("příbor;x"), {
    name: "UsageError",
    message: 'Invalid target "příbor;x": hop "příbor;x" has an invalid host name "příbor;x"',
  });
});

Deno.test("parseTarget() reads container and namespace hops; formatHop() writes them back", () => {
  assert.deepEqual(parseTarget("web1/kubectl:shop:web-0:container=app:context=prod"), [
    { method: "ssh", host: "web1" },
    { method: "kubectl", namespace: "shop", object: "web-0", container: "app", context: "prod" },
  ]);
  assert.deepEqual(parseTarget("docker:pg@db"), [{ method: "docker", user: "pg", object: "db" }]);
  assert.deepEqual(parseTarget("lxc:remote1:c1"), [{ method: "lxc", object: "remote1:c1" }]);
  assert.deepEqual(parseTarget("setns:42/setns:netns=blue"), [
    { method: "setns", pid: 42 },
    { method: "setns", netns: "blue" },
  ]);
  for (
    const t of [
      "docker:pg@db:context=prod",
      "podman:app:connection=box",
      "kubectl:web-0",
      "kubectl:shop:web-0:container=app",
      "lxc:1000@remote1:c1",
      "incus:c1",
      "machinectl:pg@m1",
      "setns:42",
      "setns:netns=blue",
      "doas:pg",
      "ssh:docker",
    ]
  ) {
    assert.equal(parseTarget(t).map(formatHop).join("/"), t);
  }
});

Deno.test("parseTarget() refuses container hops that name nothing or hold options", () => {
  const cases: [string, string][] = [
    ["docker", 'hop "docker" names no container'],
    ["docker:-it", 'hop "docker:-it" has an invalid container "-it"'],
    [
      "docker:app:user=root",
      'hop "docker:app:user=root" has an unknown option "user" (it takes context)',
    ],
    ["kubectl:a:b:c", 'hop "kubectl:a:b:c" has more than "namespace:pod" in "a:b:c"'],
    ["kubectl:p:context=a:context=b", 'hop "kubectl:p:context=a:context=b" sets "context" twice'],
    ["incus:c1:x=1", 'hop "incus:c1:x=1" has an unknown option "x" (it takes none)'],
    ["setns:x", 'hop "setns:x" has "x": expected a process id or netns=<name>'],
    [
      "setns:netns=.x",
      `hop "setns:netns=.x" has "netns=.x": expected a process id or netns=<name>`,
    ],
  ];
  for (const [target, why] of cases) {
    assert.throws(() => parseTarget(target), {
      name: "UsageError",
      message: `Invalid target "${target}": ${why}`,
    });
  }
});
