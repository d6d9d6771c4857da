import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { parseRshArgs, rshTarget } from "./rsh_args.ts";

Deno.test("parseRshArgs() reads what scp, rsync and git pass", () => {
  // scp -S in its SFTP mode.
  const scp = parseRshArgs([
    "-x",
    "-oPermitLocalCommand=no",
    "-oForwardAgent=no",
    "-l",
    "u",
    "-p",
    "2200",
    "-s",
    "--",
    "web1",
    "sftp",
  ]);
  deepStrictEqual(
    { ...scp, values: scp.values },
    {
      host: "web1",
      user: "u",
      port: 2200,
      values: { "ssh-option": ["ForwardX11=no", "PermitLocalCommand=no", "ForwardAgent=no"] },
      command: ["sftp"],
      subsystem: true,
      stdin: true,
      help: false,
    },
  );
  const rsync = parseRshArgs([
    "--via=bastion",
    "--then",
    "sudo",
    "--inventory",
    "inv.ini",
    "-l",
    "deploy",
    "web1",
    "rsync",
    "--server",
    "-logDtpre.iLsfxCIvu",
    ".",
    "/srv/site/",
  ]);
  strictEqual(rsync.via, "bastion");
  strictEqual(rsync.then, "sudo");
  deepStrictEqual(rsync.values, { inventory: "inv.ini" });
  deepStrictEqual(rsync.command, ["rsync", "--server", "-logDtpre.iLsfxCIvu", ".", "/srv/site/"]);
  // Words after the host are the command's, flags or not.
  deepStrictEqual(parseRshArgs(["-n", "web1", "ls", "-t"]).command, ["ls", "-t"]);
  strictEqual(parseRshArgs(["-n", "web1", "ls"]).stdin, false);
  deepStrictEqual(parseRshArgs(["-v", "-v", "w", "x"]).values.verbose, [true, true]);
});

Deno.test("parseRshArgs() refuses what ssh would do and mitoctl cannot", () => {
  const cases: [string[], RegExp][] = [
    [["-t", "web1", "top"], /^ssh flag "-t" is not supported/],
    [["-G", "web1"], /^ssh flag "-G" is not supported/],
    [["--nope", "web1", "x"], /^Unknown flag "--nope"$/],
    [["--via"], /^Flag "--via" needs a value$/],
    [["--help=1"], /^Flag "--help" takes no value$/],
    [["web1"], /^No command for "web1" \(rsh starts no interactive shell\); Usage: mitoctl rsh/],
    [[], /^No host and command; Usage: mitoctl rsh/],
    [["-s", "web1", "netconf"], /^Subsystem "netconf" is not supported \(only sftp\)$/],
  ];
  for (const [argv, message] of cases) {
    throws(() => parseRshArgs(argv), { name: "UsageError", message });
  }
});

Deno.test("rshTarget() puts --via and --then around the host and -l/-p on its ssh hop", () => {
  const call = parseRshArgs([
    "--via",
    "bastion",
    "--then",
    "sudo:postgres",
    "-l",
    "app",
    "-p",
    "22",
    "web1",
    "x",
  ]);
  strictEqual(rshTarget(call, "web1"), "bastion/app@web1:22/sudo:postgres");
  // An inventory host's own target: -l goes to its last ssh hop, which may not say otherwise.
  strictEqual(
    rshTarget(parseRshArgs(["-l", "app", "web1", "x"]), "jump/10.0.0.5/sudo"),
    "jump/app@10.0.0.5/sudo",
  );
  strictEqual(rshTarget(parseRshArgs(["-l", "app", "web1", "x"]), "app@web1"), "app@web1");
  throws(() => rshTarget(parseRshArgs(["-l", "app", "web1", "x"]), "root@web1"), {
    name: "UsageError",
    message: '"web1" sets its user to "root", and the command line to "app"',
  });
  throws(() => rshTarget(parseRshArgs(["-p", "2", "local", "x"]), "local"), {
    name: "UsageError",
    message: '"-l" and "-p" need an ssh hop, and "local" has none',
  });
  throws(() => rshTarget(parseRshArgs(["--then", "sudo:-x", "web1", "x"]), "web1"), {
    name: "UsageError",
    message: /has a user that starts with "-"/,
  });
});
