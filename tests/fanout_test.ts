import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { ExitCode, Router } from "../mod.ts";
import { type CliResult, runCli } from "./_fixtures/cli.ts";
import { startSshd, TEST_USERS } from "./_fixtures/sshd.ts";

/**
 * A call that says which process ran it, and when. It first holds until `together` hosts' calls are
 * in flight (or every one of `hosts` has started), so that many at once is an event, not a race;
 * then it sleeps `ms` so that more at once, had the limit failed, would overlap.
 */
const NAP = `import { readdir, rm, writeFile } from "node:fs/promises";
export async function nap(ms, dir, hosts, together) {
  const start = Date.now();
  await writeFile(\`\${dir}/started-\${process.pid}\`, "");
  await writeFile(\`\${dir}/live-\${process.pid}\`, "");
  for (;;) {
    const names = await readdir(dir);
    const live = names.filter((n) => n.startsWith("live-")).length;
    const started = names.filter((n) => n.startsWith("started-")).length;
    if (live >= together || started === hosts) break;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, ms));
  await rm(\`\${dir}/live-\${process.pid}\`);
  return { pid: process.pid, start, end: Date.now() };
}
`;

interface Nap {
  pid: number;
  start: number;
  end: number;
}

function describe(result: CliResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

function lines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "");
}

/** Most intervals open at one instant. */
function mostAtOnce(spans: Nap[]): number {
  const events = spans.flatMap((s) => [[s.start, 1], [s.end, -1]] as const)
    // Ends before starts at the same millisecond: touching is not overlapping.
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, delta] of events) most = Math.max(most, open += delta);
  return most;
}

Deno.test("the CLI fans a call out over many ssh targets", async (t) => {
  await using sshd = await startSshd();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-fanout-" });
  try {
    const cfg = ["-F", sshd.sshConfig];
    const nap = `${dir}/nap.js`;
    await Deno.writeTextFile(nap, NAP);
    const hostLine = (name: string) =>
      `${name} ansible_host=${sshd.host} ansible_port=${sshd.port} ansible_user=${TEST_USERS.full}`;
    await Deno.writeTextFile(
      `${dir}/hosts.ini`,
      ["[fleet]", ...["h1", "h2", "h3", "h4", "h5", "h6"].map(hostLine), ""].join("\n"),
    );
    await Deno.writeTextFile(
      `${dir}/hosts.yml`,
      [
        "all:",
        "  vars:",
        `    ansible_host: ${sshd.host}`,
        `    ansible_port: ${sshd.port}`,
        "  children:",
        "    app:",
        "      vars: { ansible_user: " + TEST_USERS.full + " }",
        "      children:",
        "        front:",
        "          hosts:",
        "            y1:",
        "        back:",
        "          hosts:",
        "            y2:",
        "",
      ].join("\n"),
    );

    await t.step("a comma list prints a line per host, a summary, and the worst code", async () => {
      const result = await runCli([
        "call",
        ...cfg,
        "mito,mito-bare,mito-unknown",
        "node:os#hostname",
      ]);
      strictEqual(result.code, ExitCode.connection, describe(result));
      const out = lines(result.stdout);
      strictEqual(out.length, 3, describe(result));
      const line = (host: string) => out.find((l) => l.startsWith(`${host}: `)) ?? "";
      match(line("mito"), /^mito: ".+"$/);
      match(line("mito-bare"), /^mito-bare: failed: Cannot start on "mito-bare": no deno or node/);
      match(
        line("mito-unknown"),
        /^mito-unknown: failed: Cannot connect to "mito-unknown": ssh exited with code 255/,
      );
      const summary = lines(result.stderr);
      match(summary[0]!, /^1 ok, 2 failed, 3 hosts in \d+\.\d s; failed: mito-bare, mito-unknown$/);
      match(summary[1]!, /^ {2}ok {6}mito {10}\d+\.\d s$/);
      match(summary[3]!, /^ {2}failed {2}mito-unknown {2}Cannot connect to "mito-unknown"/);
    });

    await t.step("--json prints one object per host that parses", async () => {
      const result = await runCli([
        "call",
        ...cfg,
        "mito,mito-unknown",
        "node:os#hostname",
        "--json",
      ]);
      strictEqual(result.code, ExitCode.connection, describe(result));
      const records = lines(result.stdout).map((l) => JSON.parse(l));
      records.sort((a, b) => a.target < b.target ? -1 : 1);
      strictEqual(records.length, 2);
      deepStrictEqual(Object.keys(records[0]), ["target", "ok", "value"]);
      strictEqual(records[0].target, "mito");
      strictEqual(records[0].ok, true);
      strictEqual(typeof records[0].value, "string");
      deepStrictEqual(
        { ...records[1], error: undefined },
        { target: "mito-unknown", ok: false, error: undefined, exitCode: ExitCode.connection },
      );
      match(records[1].error, /Could not resolve hostname/);
      match(result.stderr, /failed: mito-unknown\n/);
    });

    await t.step("--forks 2 keeps two of six inventory hosts in flight", async () => {
      // Where the remote user's calls meet: below the test's directory, removed with it.
      const barrier = `${dir}/naps`;
      await Deno.chmod(dir, 0o711);
      await Deno.mkdir(barrier);
      await Deno.chmod(barrier, 0o777);
      const result = await runCli([
        "call",
        ...cfg,
        "--identity",
        sshd.identity,
        "-i",
        `${dir}/hosts.ini`,
        "@fleet",
        `${nap}#nap`,
        "400",
        JSON.stringify(barrier),
        "6",
        "2",
        "--forks",
        "2",
        "--json",
      ], { killAfterMs: 30_000 });
      strictEqual(result.code, ExitCode.ok, describe(result));
      const records = lines(result.stdout).map((l) => JSON.parse(l));
      deepStrictEqual(records.map((r) => r.target).sort(), ["h1", "h2", "h3", "h4", "h5", "h6"]);
      const naps = records.map((r) => r.value as Nap);
      strictEqual(new Set(naps.map((n) => n.pid)).size, 6, "one remote process per host");
      strictEqual(mostAtOnce(naps), 2, JSON.stringify(naps));
      match(result.stderr, /^6 ok, 0 failed, 6 hosts in/);
    });

    await t.step("without --forks, 20 of 21 hosts are in flight at once", async () => {
      const barrier = `${dir}/naps-default`;
      await Deno.mkdir(barrier);
      const hosts = Array.from({ length: 21 }, (_, i) => `l${i + 1}`);
      const inventory = `${dir}/local.ini`;
      await Deno.writeTextFile(
        inventory,
        ["[local]", ...hosts.map((h) => `${h} ansible_connection=local`), ""].join("\n"),
      );
      const result = await runCli([
        "call",
        "--runtime",
        "node",
        "-i",
        inventory,
        "@local",
        `${nap}#nap`,
        "300",
        JSON.stringify(barrier),
        "21",
        "20",
        "--json",
      ], { killAfterMs: 60_000 });
      strictEqual(result.code, ExitCode.ok, describe(result));
      const naps = lines(result.stdout).map((l) => JSON.parse(l).value as Nap);
      strictEqual(new Set(naps.map((n) => n.pid)).size, 21, "one process per host");
      strictEqual(mostAtOnce(naps), 20, JSON.stringify(naps));
    });

    await t.step("ping reaches a YAML inventory group through its children", async () => {
      const result = await runCli([
        "ping",
        ...cfg,
        "--identity",
        sshd.identity,
        "--inventory",
        `${dir}/hosts.yml`,
        "@app",
      ]);
      strictEqual(result.code, ExitCode.ok, describe(result));
      const out = lines(result.stdout).sort();
      strictEqual(out.length, 2, describe(result));
      match(out[0]!, new RegExp(`^y1: ok, deno .+, ${TEST_USERS.full}@.+ pid \\d+, up in`));
      match(out[1]!, /^y2: ok, /);
      match(result.stderr, /^2 ok, 0 failed, 2 hosts in/);
    });

    await t.step("the inventory comes from $MITOCTL_INVENTORY when -i is not given", async () => {
      const result = await runCli(
        ["call", ...cfg, "--identity", sshd.identity, "h1,h2", "node:os#userInfo", "--json"],
        { env: { MITOCTL_INVENTORY: `${dir}/hosts.ini` } },
      );
      strictEqual(result.code, ExitCode.ok, describe(result));
      const users = lines(result.stdout).map((l) => JSON.parse(l).value.username);
      deepStrictEqual(users, [TEST_USERS.full, TEST_USERS.full]);
    });

    await t.step("an unknown group is a usage error naming it and the file", async () => {
      const result = await runCli(["call", "-i", `${dir}/hosts.ini`, "@nope", "node:os#hostname"]);
      strictEqual(result.code, ExitCode.usage, describe(result));
      strictEqual(result.stdout, "");
      strictEqual(result.stderr, `mitoctl: Unknown group "nope" in inventory "${dir}/hosts.ini"\n`);
    });

    await t.step("a single target prints as it always did", async () => {
      const result = await runCli(["call", ...cfg, "mito", "node:os#hostname"]);
      strictEqual(result.code, ExitCode.ok, describe(result));
      match(result.stdout, /^".+"\n$/);
      strictEqual(result.stderr, "");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("router.gather() yields results in the order they finish", async () => {
  await using router = new Router();
  const contexts = await Promise.all([0, 1, 2].map((i) => router.local({ name: `ctx${i}` })));
  const answer = (value: number, fail: boolean) => {
    if (fail) throw new Error(`failed with ${value}`);
    return value;
  };
  /** One gate per context, opened in `order`, each once the one before was yielded. */
  const gates = (order: number[]) => {
    const held = contexts.map(() => Promise.withResolvers<void>());
    const next = () => held[order.shift()!]?.resolve();
    next();
    return { wait: (ctx: typeof contexts[number]) => held[contexts.indexOf(ctx)]!.promise, next };
  };

  const first = gates([1, 2, 0]);
  const order: string[] = [];
  for await (
    const r of router.gather(contexts, async (ctx) => {
      await first.wait(ctx);
      return ctx.eval(answer, contexts.indexOf(ctx), ctx.name === "ctx2");
    })
  ) {
    order.push(`${r.ctx.name}:${r.ok ? r.value : r.error.message}`);
    first.next();
  }
  deepStrictEqual(order, ["ctx1:1", 'ctx2:Error on "ctx2": failed with 2', "ctx0:0"]);

  const second = gates([0, 2, 1]);
  const calls = new Map(
    contexts.map((c) => [c, second.wait(c).then(() => c.eval(answer, 0, false))]),
  );
  const names: string[] = [];
  for await (const r of router.gather(calls)) {
    ok(r.ok);
    names.push(r.ctx.name);
    second.next();
  }
  deepStrictEqual(names, ["ctx0", "ctx2", "ctx1"]);
});
