import { match, notStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  type HostName,
  namespacesUnavailableReason,
  startTestNetwork,
  type TestNetwork,
} from "./_fixtures/netns.ts";
import { isAlive } from "./_fixtures/processes.ts";

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

// In CI a machine without namespaces fails these tests; elsewhere they are ignored, loudly.
const unavailable = await namespacesUnavailableReason();
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the namespace network tests: ${unavailable}`);

async function ssh(
  net: TestNetwork,
  args: string[],
  options: { stdin?: string } = {},
): Promise<Result> {
  const child = new Deno.Command("ssh", {
    args: ["-F", net.sshConfig, ...args],
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `command` on `host` by way of `ssh bastion ssh <host>`, as mitoctl will. */
function viaBastion(
  net: TestNetwork,
  host: HostName,
  command: string,
  options: { stdin?: string; sshOptions?: string[] } = {},
): Promise<Result> {
  const inner = ["ssh", ...options.sshOptions ?? [], host, quote(command)].join(" ");
  return ssh(net, [...options.sshOptions ?? [], "bastion", inner], options);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function logs(net: TestNetwork): Promise<string> {
  return (await Promise.all((["bastion", "web1", "web2"] as const).map(net.log))).join("\n");
}

/** The pid of a process named `name` in namespace `ns`. */
async function commandPid(ns: string, name: string): Promise<number | undefined> {
  const output = await new Deno.Command("ip", { args: ["netns", "pids", ns] }).output();
  for (const pid of new TextDecoder().decode(output.stdout).split("\n").filter(Boolean)) {
    const comm = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
    if (comm === `${name}\n`) return Number(pid);
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test({
  name: "the master reaches the bastion by ssh as the test user",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const result = await ssh(net, ["bastion", "id -un; hostname; command -v deno node"]);
    strictEqual(result.code, 0, `${result.stderr}\n${await logs(net)}`);
    const [user, hostname, deno, node] = result.stdout.trim().split("\n");
    strictEqual(user, net.user);
    strictEqual(hostname, "bastion");
    ok(deno?.endsWith("/deno") && node?.endsWith("/node"), result.stdout);
    strictEqual(result.stderr, "");
  },
});

Deno.test({
  name: "the master cannot connect to web1 or web2: it is refused, not timed out",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    for (const host of ["web1", "web2"]) {
      const result = await ssh(net, ["-o", "ConnectTimeout=2", host, "true"]);
      strictEqual(result.code, 255, `${host}: ${result.stdout}`);
      // A refusal, not the 2 s ConnectTimeout ("Connection timed out").
      match(result.stderr, /No route to host/);
    }
  },
});

Deno.test({
  name: "the bastion reaches web1 and web2 by name with its own ssh config",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    for (const host of ["web1", "web2"] as const) {
      const result = await viaBastion(net, host, "id -un; hostname");
      strictEqual(result.code, 0, `${result.stderr}\n${await logs(net)}`);
      strictEqual(result.stdout, `${net.user}\n${host}\n`);
    }
    // Nothing per network lives in the shared home directory.
    const home = await net.exec("bastion", ["ls", "-A", `/home/${net.user}`]);
    ok(!home.stdout.split("\n").includes(".ssh"), home.stdout);
  },
});

Deno.test({
  name: "on web1 the user becomes mitoctl-t2 with sudo, without password or tty",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const result = await viaBastion(net, "web1", `sudo -n -u ${net.sudoUser} id -un`);
    strictEqual(result.code, 0, result.stderr);
    strictEqual(result.stdout, `${net.sudoUser}\n`);
  },
});

Deno.test({
  name: "on web1 sudo to root takes the right password and refuses a wrong one fast",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const command = "sudo -S -p MITO-PROMPT: -u root id -u";
    const right = await viaBastion(net, "web1", command, { stdin: `${net.sudoPassword}\n` });
    strictEqual(right.code, 0, right.stderr);
    strictEqual(right.stdout, "0\n");
    strictEqual(right.stderr, "MITO-PROMPT:");

    const wrong = await viaBastion(net, "web1", command, { stdin: "not-the-password\n" });
    notStrictEqual(wrong.code, 0, wrong.stdout);
    match(wrong.stderr, /incorrect password/);

    const none = await viaBastion(net, "web1", "sudo -n -u root id -u");
    notStrictEqual(none.code, 0, none.stdout);
    match(none.stderr, /a password is required/);
  },
});

Deno.test({
  name: "sudo as mitoctl-t2 on web1 requires a tty",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const command = `sudo -n -u ${net.sudoUser} sudo -n -u ${net.user} id -un`;
    const noTty = await viaBastion(net, "web1", command);
    notStrictEqual(noTty.code, 0, noTty.stdout);
    match(noTty.stderr, /you must have a tty/);
    const tty = await viaBastion(net, "web1", command, { sshOptions: ["-tt"] });
    strictEqual(tty.code, 0, tty.stderr);
    strictEqual(tty.stdout.replaceAll("\r", ""), `${net.user}\n`);
  },
});

Deno.test({
  name: "the sudo rules hold on web1 only",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const command = `sudo -n -u ${net.sudoUser} true`;
    for (const host of ["bastion", "web2"] as const) {
      const result = host === "bastion"
        ? await ssh(net, ["bastion", command])
        : await viaBastion(net, host, command);
      notStrictEqual(result.code, 0, `${host} let the user sudo`);
    }
    const here = await new Deno.Command("su", {
      args: ["-s", "/bin/sh", net.user, "-c", command],
      stdin: "null",
    }).output();
    notStrictEqual(here.code, 0, "the machine itself let the user sudo");
  },
});

Deno.test({
  name: "exec() runs inside a host with its address, name and /etc files",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    const hostname = await net.exec("web1", ["hostname"]);
    strictEqual(hostname.stdout, "web1\n", hostname.stderr);
    const addresses = await net.exec("web1", ["ip", "-4", "-o", "addr", "show", "eth0"]);
    match(addresses.stdout, new RegExp(` ${net.hosts.web1.address.replaceAll(".", "\\.")}/24 `));
    const hosts = await net.exec("bastion", ["cat", "/etc/hosts"]);
    match(hosts.stdout, new RegExp(`^${net.hosts.web2.address.replaceAll(".", "\\.")} web2$`, "m"));
    const failing = await net.exec("web2", ["sh", "-c", "echo oops >&2; exit 3"]);
    strictEqual(failing.code, 3);
    strictEqual(failing.stderr, "oops\n");
  },
});

Deno.test({
  name: "cut() makes a host unreachable until restore()",
  ignore,
  fn: async () => {
    await using net = await startTestNetwork();
    await net.cut("bastion");
    const cut = await ssh(net, ["-o", "ConnectTimeout=1", "bastion", "true"]);
    strictEqual(cut.code, 255);
    match(cut.stderr, /timed out/);
    await net.restore("bastion");
    const restored = await ssh(net, ["bastion", "true"]);
    strictEqual(restored.code, 0, restored.stderr);

    await net.cut("web1");
    const inner = await ssh(net, ["bastion", "ssh -o ConnectTimeout=1 web1 true"]);
    strictEqual(inner.code, 255);
    match(inner.stderr, /timed out/);
    await net.restore("web1");
    const back = await viaBastion(net, "web1", "true");
    strictEqual(back.code, 0, back.stderr);
  },
});

Deno.test({
  name: "dispose kills sessions and removes namespaces, links, sudoers and files",
  ignore,
  fn: async () => {
    let net: TestNetwork | undefined;
    let session: Deno.ChildProcess | undefined;
    let sleeper: number | undefined;
    {
      await using started = await startTestNetwork();
      net = started;
      for (const host of ["bastion", "web1", "web2"] as const) {
        ok(await exists(`/proc/${net.hosts[host].sshdPid}`), `sshd of ${host}`);
      }
      ok(await exists(net.sudoers));
      session = new Deno.Command("ssh", {
        args: ["-F", net.sshConfig, "bastion", "ssh web1 'echo started; exec sleep 600'"],
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).spawn();
      // Wait until the command runs on web1, so dispose has a live nested session to end.
      const reader = session.stdout.getReader();
      const first = await reader.read();
      strictEqual(new TextDecoder().decode(first.value), "started\n");
      reader.releaseLock();
      await session.stdout.cancel();
      // "started" comes before the shell has exec'd sleep: look for it a little while.
      for (let i = 0; i < 100 && sleeper === undefined; i++) {
        sleeper = await commandPid(net.hosts.web1.ns, "sleep");
        if (sleeper === undefined) await new Promise((r) => setTimeout(r, 20));
      }
      ok(sleeper !== undefined, "the session runs sleep on web1");
    }
    // Killed, it may stay a zombie until init reaps it.
    ok(sleeper !== undefined && !isAlive(sleeper), `the session's sleep (${sleeper}) still runs`);
    strictEqual((await session.status).code, 255, "the ssh client saw its session end");
    const namespaces = await new Deno.Command("ip", { args: ["netns", "list"] }).output();
    const listed = new TextDecoder().decode(namespaces.stdout);
    ok(!listed.includes(`mito-${net.id}-`), listed);
    const link = await new Deno.Command("ip", {
      args: ["link", "show", `mito-${net.id}-m`],
      stderr: "null",
    }).output();
    notStrictEqual(link.code, 0, "the master's link is gone");
    const routes = new TextDecoder().decode(
      (await new Deno.Command("ip", { args: ["-4", "route", "show"] }).output()).stdout,
    );
    ok(!routes.includes(`mito-${net.id}-m`), routes);
    for (const host of ["bastion", "web1", "web2"] as const) {
      ok(!isAlive(net.hosts[host].sshdPid), `sshd of ${host} still runs`);
      ok(!await exists(`/etc/netns/${net.hosts[host].ns}`), `/etc/netns of ${host}`);
    }
    ok(!await exists(net.sudoers), `"${net.sudoers}" still exists`);
    ok(!await exists(net.dir), `"${net.dir}" still exists`);
  },
});

Deno.test({
  name: "networks started at once get distinct names and subnets, and stop() may run twice",
  ignore,
  fn: async () => {
    const nets = await Promise.all([startTestNetwork(), startTestNetwork()]);
    try {
      const [a, b] = nets as [TestNetwork, TestNetwork];
      notStrictEqual(a.id, b.id);
      notStrictEqual(a.masterAddress, b.masterAddress);
      notStrictEqual(a.hosts.web1.address, b.hosts.web1.address);
      const results = await Promise.all(nets.map((net) => viaBastion(net, "web1", "hostname")));
      for (const result of results) strictEqual(result.stdout, "web1\n", result.stderr);
    } finally {
      await Promise.all(nets.map((net) => net.stop()));
    }
    await nets[0]?.stop();
  },
});

Deno.test({
  name: "a network left by a killed test process is torn down by the next start",
  ignore,
  fn: async () => {
    const fixture = new URL("./_fixtures/netns.ts", import.meta.url).href;
    const script = `const { startTestNetwork } = await import(${JSON.stringify(fixture)});` +
      "const net = await startTestNetwork(); console.log(net.id);" +
      "await new Promise(() => {});";
    const orphan = new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = orphan.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const id = (await reader.read()).value?.trim() ?? "";
    reader.releaseLock();
    match(id, /^[0-9a-f]{6}$/);
    orphan.kill("SIGKILL");
    await orphan.status;
    await orphan.stdout.cancel().catch(() => {});
    ok(await exists(`/run/netns/mito-${id}-bastion`), "the orphan's network outlived it");

    await using _net = await startTestNetwork();
    for (const host of ["bastion", "web1", "web2"]) {
      ok(!await exists(`/run/netns/mito-${id}-${host}`), `the orphan's ${host} is left`);
    }
    ok(!await exists(`/etc/sudoers.d/mitoctl-${id}`), "the orphan's sudoers file is left");
  },
});
