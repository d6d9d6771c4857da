import { deepStrictEqual, match, rejects, strictEqual, throws } from "node:assert/strict";
import type { Context } from "../master/context.ts";
import { ConnectionError, RemoteError, TimeoutError } from "../errors.ts";
import {
  fanOut,
  fleetExitCode,
  type FleetHost,
  type HostResult,
  isSingleTarget,
  resolveTargets,
} from "./fanout.ts";
import { type FleetConsole, runFleet, summaryLines } from "../cli/fleet.ts";
import { parseInventory } from "../inventory/inventory.ts";
import type { Router } from "../master/router.ts";

const inventory = parseInventory(
  "[web]\nweb1 ansible_host=10.0.0.1 mitoctl_runtime=node\nweb2\n[db]\ndb1 ansible_user=pg\n[none]\n",
  "hosts.ini",
);

function host(label: string, target = label): FleetHost {
  return { label, target, options: {} };
}

/** A router whose contexts are plain objects: `open()` records targets, `close()` is counted. */
function fakeRouter(failConnect: string[] = []) {
  const opened: string[] = [];
  const closed: string[] = [];
  const router = {
    open(target: string) {
      opened.push(target);
      const ready = failConnect.includes(target)
        ? Promise.reject(new ConnectionError(`Cannot connect to "${target}": refused`))
        : Promise.resolve({});
      ready.catch(() => {});
      return {
        name: target,
        ready,
        close: () => {
          closed.push(target);
          return Promise.resolve();
        },
      } as unknown as Context;
    },
  } as unknown as Router;
  return { router, opened, closed };
}

function fakeConsole(live = false) {
  const out: string[] = [];
  let err = "";
  const console: FleetConsole = {
    out: (line) => void out.push(line),
    err: (text) => void (err += text),
    live,
  };
  return { console, out, err: () => err };
}

Deno.test("isSingleTarget() is true only for one plain target", () => {
  strictEqual(isSingleTarget(["web1"]), true);
  strictEqual(isSingleTarget(["bastion/web1/sudo"]), true);
  strictEqual(isSingleTarget(["web1,web2"]), false);
  strictEqual(isSingleTarget(["@web"]), false);
  strictEqual(isSingleTarget(["a", "b"]), false);
});

Deno.test("resolveTargets() splits comma lists and drops repeats", () => {
  const hosts = resolveTargets(["web1,bastion/web2,deploy@10.0.0.5:2222,web1,"], undefined, {
    timeout: 5,
  });
  deepStrictEqual(hosts, [
    { label: "web1", target: "web1", options: { timeout: 5 } },
    { label: "bastion/web2", target: "bastion/web2", options: { timeout: 5 } },
    { label: "deploy@10.0.0.5:2222", target: "deploy@10.0.0.5:2222", options: { timeout: 5 } },
  ]);
});

Deno.test("resolveTargets() expands @groups and looks up inventory hosts", () => {
  const hosts = resolveTargets(["@web,db1", "other"], inventory, { runtime: "deno" });
  deepStrictEqual(hosts, [
    { label: "web1", target: "10.0.0.1", options: { runtime: "node", name: "web1" } },
    { label: "web2", target: "web2", options: { runtime: "deno", name: "web2" } },
    { label: "db1", target: "pg@db1", options: { runtime: "deno", name: "db1" } },
    { label: "other", target: "other", options: { runtime: "deno" } },
  ]);
  deepStrictEqual(resolveTargets(["@all"], inventory).map((h) => h.label), ["web1", "web2", "db1"]);
});

Deno.test("resolveTargets() refuses bad specs before anything connects", () => {
  throws(() => resolveTargets(["@web"], undefined), {
    name: "UsageError",
    message: 'Target "@web" names an inventory group, but no inventory was given ' +
      "(pass -i FILE or set MITOCTL_INVENTORY)",
  });
  throws(() => resolveTargets(["@dbs"], inventory), {
    message: 'Unknown group "dbs" in inventory "hosts.ini"',
  });
  throws(() => resolveTargets(["@none"], inventory), {
    message: 'Group "none" in inventory "hosts.ini" has no hosts',
  });
  throws(() => resolveTargets([","], undefined), {
    message: 'Invalid target ",": it names no host',
  });
  throws(() => resolveTargets(["a,-oProxyCommand=x"], undefined), {
    name: "UsageError",
    message: 'Invalid target "-oProxyCommand=x": hop "-oProxyCommand=x" has a host that starts ' +
      'with "-"',
  });
  throws(() => resolveTargets(["a, b"], undefined), {
    message: /hop " b" has an invalid host name/,
  });
  throws(() => resolveTargets([""], undefined), { message: 'Invalid target "": it is empty' });
});

Deno.test("fleetExitCode() is 0 when all succeeded, else the highest failure code", () => {
  const ok: HostResult<unknown> = { host: host("a"), ok: true, value: 1, ms: 1 };
  const fail = (code: number): HostResult<unknown> => ({
    host: host("b"),
    ok: false,
    error: new Error("x"),
    exitCode: code,
    ms: 1,
  });
  strictEqual(fleetExitCode([ok, ok]), 0);
  strictEqual(fleetExitCode([ok, fail(1), fail(4), fail(3)]), 4);
  strictEqual(fleetExitCode([]), 0);
});

Deno.test("summaryLines() names failed hosts with a short reason", () => {
  const lines = summaryLines([
    { host: host("web1"), ok: true, value: 1, ms: 1234 },
    { host: host("db-primary"), ok: false, error: new Error(`boom\nstack`), exitCode: 1, ms: 5 },
  ], 2000);
  deepStrictEqual(lines, [
    "1 ok, 1 failed, 2 hosts in 2.0 s; failed: db-primary",
    "  ok      web1        1.2 s",
    "  failed  db-primary  boom",
  ]);
});

Deno.test("fanOut() keeps at most forks hosts in flight and closes each after its work", async () => {
  const { router, closed } = fakeRouter();
  let running = 0;
  let most = 0;
  const hosts = ["a", "b", "c", "d", "e", "f"].map((t) => host(t));
  const results: string[] = [];
  // "a" holds its slot until the five others have gone through the other one.
  const othersDone = Promise.withResolvers<void>();
  let others = 0;
  for await (
    const r of fanOut(router, hosts, async (ctx) => {
      running++;
      most = Math.max(most, running);
      if (ctx.name === "a") await othersDone.promise;
      else await Promise.resolve();
      running--;
      if (ctx.name !== "a" && ++others === 5) othersDone.resolve();
      return ctx.name;
    }, { forks: 2 })
  ) {
    results.push(r.host.label);
  }
  strictEqual(most, 2);
  strictEqual(results.length, 6);
  strictEqual(results.at(-1), "a");
  deepStrictEqual(closed.sort(), ["a", "b", "c", "d", "e", "f"]);
});

Deno.test("fanOut() keeps contexts other targets go through", async () => {
  const { router, closed } = fakeRouter();
  const hosts = [host("bastion"), host("bastion/web1"), host("ssh:bastion/web2")];
  for await (const _ of fanOut(router, hosts, () => Promise.resolve(1))) { /* drain */ }
  deepStrictEqual(closed.sort(), ["bastion/web1", "ssh:bastion/web2"]);
});

Deno.test("fanOut() reports failures with their exit codes and carries on", async () => {
  const { router } = fakeRouter();
  const errors: Record<string, Error> = {
    a: new RemoteError("a", new TypeError("bad")),
    b: new TimeoutError("slow"),
    c: new Error("plain"),
  };
  const codes: Record<string, number> = {};
  for await (
    const r of fanOut(router, [host("a"), host("b"), host("c"), host("d")], (ctx) => {
      const e = errors[ctx.name];
      return e ? Promise.reject(e) : Promise.resolve("fine");
    })
  ) {
    codes[r.host.label] = r.ok ? 0 : r.exitCode;
  }
  deepStrictEqual(codes, { a: 1, b: 4, c: 1, d: 0 });
});

Deno.test("fanOut() refuses forks below one", async () => {
  const { router } = fakeRouter();
  await rejects(
    fanOut(router, [host("a")], () => Promise.resolve(1), { forks: 0 }).next(),
    { name: "RangeError", message: 'Invalid forks "0": expected a whole number of 1 or more' },
  );
});

Deno.test("runFleet() prints one line per host, a summary, and returns the worst code", async () => {
  const { router } = fakeRouter(["down"]);
  const c = fakeConsole();
  const code = await runFleet(router, [host("up"), host("down")], async (ctx) => {
    await ctx.ready;
    return { n: 1 };
  }, { console: c.console });
  strictEqual(code, 3);
  deepStrictEqual(c.out.sort(), ['down: failed: Cannot connect to "down": refused', 'up: {"n":1}']);
  match(c.err(), /^1 ok, 1 failed, 2 hosts in \d+\.\d s; failed: down\n/);
  match(c.err(), /\n {2}failed {2}down {2}Cannot connect to "down": refused\n$/);
});

Deno.test("runFleet() with json prints one object per host", async () => {
  const { router } = fakeRouter(["down"]);
  const c = fakeConsole();
  await runFleet(router, [host("up"), host("down")], async (ctx) => {
    await ctx.ready;
    return 7n;
  }, { console: c.console, json: true, report: false });
  deepStrictEqual(c.out.map((l) => JSON.parse(l)).sort((a, b) => a.target < b.target ? -1 : 1), [
    { target: "down", ok: false, error: 'Cannot connect to "down": refused', exitCode: 3 },
    { target: "up", ok: true, value: { $bigint: "7" } },
  ]);
  strictEqual(c.err(), "");
});

Deno.test("runFleet() draws progress in place on a terminal and erases it", async () => {
  const { router } = fakeRouter();
  const c = fakeConsole(true);
  await runFleet(router, [host("a"), host("b")], async (ctx) => {
    await ctx.ready;
    return 1;
  }, { console: c.console, forks: 1 });
  const err = c.err();
  const erase = "\r\x1b[2K";
  strictEqual(err.startsWith(`${erase}connected 0 · done 0 · failed 0 · total 2`), true);
  strictEqual(err.includes(`${erase}connected 2 · done 1 · failed 0 · total 2`), true);
  strictEqual(err.includes(`${erase}2 ok, 0 failed, 2 hosts in`), true);
});
