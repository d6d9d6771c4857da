/**
 * setns hops: nsenter into a process started with `unshare` in its own pid, mount, UTS and
 * network namespaces, and into a named network namespace. Real namespaces, real nsenter.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode, Router } from "../mod.ts";
import { runCli } from "./_fixtures/cli.ts";

const unavailable = Deno.uid() !== 0 ? "they need root (unshare, nsenter, ip netns)" : undefined;
const ignore = unavailable !== undefined && !Deno.env.get("CI");
if (ignore) console.warn(`Ignoring the setns tests: ${unavailable}`);

const id = crypto.randomUUID().slice(0, 6);
const options = { ignore, sanitizeResources: false, sanitizeOps: false };

/** Addresses of `interfaces` (os.networkInterfaces()). */
function addresses(interfaces: Record<string, { address: string }[]>): string[] {
  return Object.values(interfaces).flat().map((a) => a.address).sort();
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

Deno.test(
  { name: "setns:<pid> sees that process's host name, network and pids", ...options },
  async () => {
    const hostname = `mito-setns-${id}`;
    // The process to enter: ready once its namespaces are set up.
    const box = new Deno.Command("unshare", {
      args: [
        "--pid",
        "--mount",
        "--uts",
        "--net",
        "--fork",
        "--mount-proc",
        "sh",
        "-c",
        `hostname ${hostname}; ip link set lo up; ip addr add 10.233.77.1/32 dev lo; echo ready; ` +
        "exec sleep 600",
      ],
      stdout: "piped",
    }).spawn();
    try {
      const reader = box.stdout.getReader();
      const { value } = await reader.read();
      strictEqual(new TextDecoder().decode(value).trim(), "ready");
      reader.releaseLock();
      // unshare forks: the process in the new pid namespace is its child.
      const pid = Number(
        (await Deno.readTextFile(`/proc/${box.pid}/task/${box.pid}/children`)).trim(),
      );
      ok(pid > 0, `no child of unshare ${box.pid}`);
      const result = await runCli(["call", `setns:${pid}`, "node:os#hostname"]);
      strictEqual(result.code, ExitCode.ok, result.stderr);
      strictEqual(JSON.parse(result.stdout), hostname);
      await using router = new Router();
      const ctx = await router.connect(`setns:${pid}`);
      deepStrictEqual(
        addresses(await ctx.call("node:os", "networkInterfaces")),
        ["10.233.77.1", "127.0.0.1", "::1"],
      );
      // Its own pid namespace: the sleeping process is 1 there, the stage a small number.
      ok(await ctx.eval(() => process.pid) < 100);
    } finally {
      box.kill("SIGKILL");
      await box.status;
    }
  },
);

Deno.test({ name: "setns:netns=<name> enters a named network namespace", ...options }, async () => {
  const netns = `mito-setns-${id}`;
  await ip("netns", "add", netns);
  try {
    await ip("-n", netns, "link", "set", "lo", "up");
    await ip("-n", netns, "addr", "add", "10.233.78.1/32", "dev", "lo");
    await using router = new Router();
    const ctx = await router.connect(`local/setns:netns=${netns}`);
    deepStrictEqual(
      addresses(await ctx.call("node:os", "networkInterfaces")),
      ["10.233.78.1", "127.0.0.1", "::1"],
    );
    // Only the network: the host name is this machine's.
    strictEqual(await ctx.call("node:os", "hostname"), Deno.hostname());
    const missing = await runCli(["call", "setns:netns=mito-nowhere", "node:os#hostname"]);
    strictEqual(missing.code, ExitCode.connection, missing.stderr);
    strictEqual(
      missing.stderr,
      'mitoctl: The remote stage on "setns:netns=mito-nowhere" exited with code 1 before it ' +
        "started: nsenter: cannot open /run/netns/mito-nowhere: No such file or directory\n",
    );
  } finally {
    await ip("netns", "del", netns);
  }
});
