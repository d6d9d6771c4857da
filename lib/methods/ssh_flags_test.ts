import { deepStrictEqual, throws } from "node:assert/strict";
import { parseSshFlags } from "./ssh_flags.ts";

Deno.test("parseSshFlags() reads -o, -J and the switches into ssh options, in order", () => {
  const { flags } = parseSshFlags([
    "-o",
    "ProxyCommand=ssh -W %h:%p jump",
    "-oStrictHostKeyChecking=no",
    "-J",
    "admin@jump:2222",
    "-4C",
  ]);
  deepStrictEqual(flags.sshOptions, [
    "ProxyCommand=ssh -W %h:%p jump",
    "StrictHostKeyChecking=no",
    "ProxyJump=admin@jump:2222",
    "AddressFamily=inet",
    "Compression=yes",
  ]);
});

Deno.test("parseSshFlags() keeps the first user and port, from -l/-p or -o", () => {
  deepStrictEqual(
    parseSshFlags(["-o", "Port=2200", "-p2222", "-l", "ops", "-o", "user=root", "-i", "/k"])
      .flags,
    { sshOptions: [], port: 2200, user: "ops", identity: "/k" },
  );
  deepStrictEqual(parseSshFlags(["-F", "/cfg"]).flags, { sshOptions: [], sshConfig: "/cfg" });
});

Deno.test("parseSshFlags() hands back the caller's flags and the operands", () => {
  deepStrictEqual(
    parseSshFlags(["-x", "-s", "-l", "u", "--", "web1", "sftp"], {
      extra: { s: false },
      operands: true,
    }),
    {
      flags: { sshOptions: ["ForwardX11=no"], user: "u" },
      extra: [["-s", undefined]],
      rest: ["web1", "sftp"],
    },
  );
  deepStrictEqual(parseSshFlags(["web1", "-t"], { operands: true }).rest, ["web1", "-t"]);
});

Deno.test("parseSshFlags() refuses what it cannot honour, saying what", () => {
  const cases: [string[], string | RegExp][] = [
    [
      ["-t"],
      'ssh flag "-t" is not supported (mitoctl takes -o, -J, -p, -i, -F, -l, -4, -6, -A, -a, -C, -q, -T, -x)',
    ],
    [["-L", "80:x:80"], /^ssh flag "-L" is not supported/],
    [["-p"], 'ssh flag "-p" needs a value'],
    [["-p", "99999"], '"-p" has an invalid port "99999"'],
    [["-o", "Port=x"], '"-o Port=x" has an invalid port "x"'],
    [["-o", "-oProxyCommand=x"], 'Invalid ssh option "-oProxyCommand=x": expected Key=Value'],
    [["-J", "-oProxyCommand=x"], 'ssh flag "-J" has a bad jump "-oProxyCommand=x"'],
    [["-J", "a,u@-x"], 'ssh flag "-J" has a bad jump "a,u@-x"'],
    [["web1"], '"web1" is not an ssh flag'],
    [["-i", "/a", "-i", "/b"], 'two identity files ("/a", "/b"); mitoctl takes one'],
  ];
  for (const [words, message] of cases) {
    throws(() => parseSshFlags(words), { name: "UsageError", message });
  }
});
