import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import { ExitCode, ProtocolError, RemoteError, Router, TimeoutError } from "../mod.ts";
import { encodeFrame } from "../lib/wire/frame.ts";
import { remoteLines } from "../lib/cli/terminal_text.ts";
import { MAX_PREAMBLE_NOISE } from "../lib/limits.ts";
import { type CliResult, runCli } from "./_fixtures/cli.ts";
import { FakeRuntimes, helloFrame, PREAMBLE_BYTES } from "./_fixtures/hostile.ts";
import { testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd, TEST_USERS, UNKNOWN_HOST } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();
const targets = new URL("./_fixtures/call_targets.js", import.meta.url);
const targetsPath = "tests/_fixtures/call_targets.js";
const encoder = new TextEncoder();

function u32(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n);
  return bytes;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(result: CliResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
}

/**
 * Asserts a CLI run failed with `code` and printed exactly `mitoctl: <message>` on stderr (with
 * controls escaped and further lines indented, as the CLI prints every message).
 */
function assertFailed(result: CliResult, code: number, message: string | RegExp): void {
  strictEqual(result.code, code, describe(result));
  strictEqual(result.stdout, "", describe(result));
  if (typeof message === "string") {
    strictEqual(result.stderr, `${remoteLines("mitoctl: ", message, "  ")}\n`);
  } else match(result.stderr, message);
}

Deno.test("the CLI refuses bad input with the documented exit codes", async (t) => {
  await using sshd = await startSshd();
  const cfg = ["-F", sshd.sshConfig];
  const full = TEST_USERS.full;

  await t.step("an unknown host fails with exit 3 quoting ssh", async () => {
    const result = await runCli(["call", ...cfg, "mito-unknown", "node:os#hostname"]);
    assertFailed(
      result,
      ExitCode.connection,
      new RegExp(
        `^mitoctl: Cannot connect to "mito-unknown": ssh exited with code 255: ` +
          `ssh: Could not resolve hostname ${UNKNOWN_HOST.replaceAll(".", "\\.")}: .+\n$`,
      ),
    );
  });

  await t.step("a refused key fails with exit 3 quoting ssh's Permission denied", async () => {
    const result = await runCli(["call", ...cfg, "mito-badkey", "node:os#hostname"]);
    assertFailed(
      result,
      ExitCode.connection,
      `Cannot connect to "mito-badkey": ssh exited with code 255: ` +
        `${full}@127.0.0.1: Permission denied (publickey).`,
    );
  });

  await t.step("no ssh client to run fails with exit 3 naming it", async () => {
    // The master itself is found by its absolute path; ssh is looked up on this PATH.
    const result = await runCli(["call", ...cfg, "mito", "node:os#hostname"], {
      env: { PATH: "/nonexistent" },
    });
    assertFailed(
      result,
      ExitCode.connection,
      `Cannot connect to "mito": "ssh" was not found`,
    );
    await using router = new Router();
    await rejects(
      router.ssh({ host: "mito", sshPath: "/nonexistent/ssh", sshConfig: sshd.sshConfig }),
      (e: Error) =>
        e.name === "ConnectionError" &&
        e.message === `Cannot connect to "mito": "/nonexistent/ssh" was not found`,
    );
    strictEqual(router.contexts.length, 0);
  });

  await t.step("a host without deno or node fails with exit 3", async () => {
    const result = await runCli(["call", ...cfg, "mito-bare", "node:os#hostname"]);
    assertFailed(
      result,
      ExitCode.connection,
      `Cannot start on "mito-bare": no deno or node found on its PATH ` +
        `(pass --runtime with the path of one)`,
    );
  });

  await t.step("a missing runtime path fails with exit 3 naming it", async () => {
    const node = await runCli([
      "call",
      ...cfg,
      "--runtime",
      "/nope/node",
      "mito",
      "node:os#hostname",
    ]);
    assertFailed(
      node,
      ExitCode.connection,
      `Cannot start on "mito": runtime "/nope/node" was not found: ` +
        `sh: 1: exec: /nope/node: not found`,
    );
    const deno = await runCli([
      "call",
      ...cfg,
      "--runtime",
      "/nope/deno",
      "mito",
      "node:os#hostname",
    ]);
    assertFailed(
      deno,
      ExitCode.connection,
      `Cannot start on "mito": runtime "/nope/deno" was not found: ` +
        `env: '/nope/deno': No such file or directory`,
    );
  });

  await t.step(
    "a host or user starting with '-' is refused with exit 2 and runs nothing",
    async () => {
      const cwd = await Deno.makeTempDir({ prefix: "mitoctl-inject-" });
      try {
        const inject = "-oProxyCommand=touch pwned";
        const cases: [string[], string][] = [
          [
            ["call", "--", inject, "node:os#hostname"],
            `hop "${inject}" has a host that starts with "-"`,
          ],
          [
            ["call", ...cfg, "--", `ssh:${inject}`, "node:os#hostname"],
            `hop "ssh:${inject}" has a host that starts with "-"`,
          ],
          [
            ["call", ...cfg, "--", `${inject}@mito`, "node:os#hostname"],
            `hop "${inject}@mito" has a user that starts with "-"`,
          ],
          [["ping", ...cfg, "--", inject], `hop "${inject}" has a host that starts with "-"`],
        ];
        for (const [args, why] of cases) {
          const target = args.at(-1)!.includes("#") ? args.at(-2)! : args.at(-1)!;
          const result = await runCli(args, { cwd });
          assertFailed(result, ExitCode.usage, `Invalid target "${target}": ${why}`);
          ok(!exists(`${cwd}/pwned`), `ssh ran the ProxyCommand of ${JSON.stringify(args)}`);
        }
      } finally {
        await Deno.remove(cwd, { recursive: true });
      }
    },
  );

  await t.step(
    "whitespace, quotes and shell syntax in a host are refused with exit 2",
    async () => {
      for (
        const host of ["mi to", "mi'to", 'mi"to', "mi\tto", "mito\n", "mito;id", "$(id)", "`id`"]
      ) {
        const result = await runCli(["call", "--", host, "node:os#hostname"]);
        assertFailed(
          result,
          ExitCode.usage,
          `Invalid target "${host}": hop "${host}" has an invalid host name "${host}"`,
        );
      }
    },
  );

  await t.step("an unknown module, export or a non-function export fails with exit 1", async () => {
    const cases: [string, string][] = [
      ["node:nope#x", `TypeError on "mito": No such built-in module: node:nope`],
      ["node:os#nope", `TypeError on "mito": Module "node:os" has no export named "nope"`],
      [
        "node:os#EOL",
        `TypeError on "mito": Export "EOL" of "node:os" is not a function (it is a string)`,
      ],
      [
        "node:os#constants",
        `TypeError on "mito": Export "constants" of "node:os" is not a function (it is an object)`,
      ],
    ];
    for (const [fn, message] of cases) {
      assertFailed(await runCli(["call", ...cfg, "mito", fn]), ExitCode.remote, message);
    }
  });

  await t.step("a remote throw fails with exit 1, plain and as JSON", async () => {
    const args = ["mito", "node:fs#readFileSync", "/nonexistent/file"];
    const message = `Error on "mito": ENOENT: no such file or directory, open '/nonexistent/file'`;
    assertFailed(await runCli(["call", ...cfg, ...args]), ExitCode.remote, message);
    const json = await runCli(["call", "--json", ...cfg, ...args]);
    strictEqual(json.code, ExitCode.remote, describe(json));
    deepStrictEqual(JSON.parse(json.stdout), {
      target: "mito",
      ok: false,
      error: message,
      exitCode: ExitCode.remote,
    });
  });

  await t.step("bad flags and arguments fail with exit 2", async () => {
    const cases: [string[], string][] = [
      [["call", "--bogus", "local", "node:os#hostname"], `Unknown option '--bogus'`],
      [
        ["call", "--timeout", "abc", "local", "node:os#hostname"],
        `Invalid --timeout "abc": expected a number of seconds`,
      ],
      [
        ["call", "--timeout", "0", "local", "node:os#hostname"],
        `Invalid --timeout "0": expected a number of seconds`,
      ],
      [
        ["call", "--timeout=-1", "local", "node:os#hostname"],
        `Invalid --timeout "-1": expected a number of seconds`,
      ],
      [
        ["call", "--connect-timeout", "soon", "local", "node:os#hostname"],
        `Invalid --connect-timeout "soon": expected a number of seconds`,
      ],
      [
        ["call", "--runtime", "a b", "local", "node:os#hostname"],
        `Invalid runtime "a b": use deno, node, auto or an absolute path`,
      ],
      [
        ["call", "--runtime", "rel/node", "local", "node:os#hostname"],
        `Invalid runtime "rel/node": use deno, node, auto or an absolute path`,
      ],
      [
        ["call", "--runtime", "/opt/my node/node", "local", "node:os#hostname"],
        `Invalid runtime "/opt/my node/node": " " cannot pass through a remote shell; a path may ` +
        `hold letters, digits and . _ / + @ -`,
      ],
      [["call", "local"], "Usage: mitoctl call [flags] <target> <module>#<export> [args…]"],
      [["call", "local", "node:os"], `Invalid function "node:os": expected <module>#<export>`],
      [["call", "local", "#x"], `Invalid function "#x": expected <module>#<export>`],
      [["call", "local", "node:os#"], `Invalid function "node:os#": expected <module>#<export>`],
      [["call", "", "node:os#hostname"], `Invalid target "": it is empty`],
      [
        ["call", "a/local", "node:os#hostname"],
        `Invalid target "a/local": "local" can only be the first hop`,
      ],
      [
        ["call", "local:x", "node:os#hostname"],
        `Invalid target "local:x": hop "local:x" takes nothing after local`,
      ],
      [
        ["call", "a/sudo:a b", "node:os#hostname"],
        `Invalid target "a/sudo:a b": hop "sudo:a b" has an invalid user name "a b"`,
      ],
      [["ping"], "Usage: mitoctl ping [flags] <target>…"],
      [["bootstrap", "mito"], "Usage: mitoctl bootstrap --print [flags] <target>"],
    ];
    for (const [args, message] of cases) {
      assertFailed(await runCli(args), ExitCode.usage, message);
    }
  });

  await t.step("a malformed ssh option fails with exit 2", async () => {
    assertFailed(
      await runCli(["call", "-o", "bogus", "mito", "node:os#hostname"]),
      ExitCode.usage,
      `Invalid ssh option "bogus": expected Key=Value`,
    );
  });

  await t.step("--timeout fails a call with exit 4", async () => {
    const result = await runCli([
      "call",
      ...cfg,
      "--timeout",
      "1",
      "mito",
      "node:timers/promises#setTimeout",
      "10000",
    ]);
    assertFailed(
      result,
      ExitCode.timeout,
      `Call node:timers/promises#setTimeout on "mito" timed out after 1 s`,
    );
    ok(result.ms < 5000, `exit after ${result.ms} ms`);
  });

  await t.step("--connect-timeout fails a context that never comes up with exit 4", async () => {
    await using fakes = await FakeRuntimes.create();
    const silent = await fakes.add("silent-node");
    const result = await runCli([
      "call",
      "--connect-timeout",
      "0.5",
      "--runtime",
      silent,
      "local",
      "node:os#hostname",
    ]);
    assertFailed(result, ExitCode.timeout, `Timed out after 0.5 s waiting for "local" to start`);
  });

  await t.step("--timeout stops the remote work: its marker file never appears", async () => {
    const dir = await Deno.makeTempDir({ prefix: "mitoctl-marker-" });
    try {
      await Promise.all(runtimes.map(async (rt) => {
        const marker = `${dir}/${rt.name}`;
        const started = Date.now();
        const result = await runCli([
          "call",
          "--runtime",
          rt.path,
          "--timeout",
          "0.5",
          "local",
          `${targetsPath}#writeLater`,
          JSON.stringify(marker),
          "2000",
        ]);
        assertFailed(
          result,
          ExitCode.timeout,
          `Call ${targets.href}#writeLater on "local" timed out after 0.5 s`,
        );
        await sleep(started + 3000 - Date.now());
        ok(!exists(marker), `${rt.name}: the call went on and wrote ${marker}`);
      }));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("calls fail with errors that name what cannot travel", async (t) => {
  await using router = new Router();
  const ctx = await router.local();

  await t.step("an unserialisable argument is a TypeError naming its path", async () => {
    await rejects(ctx.call("node:path", "join", () => 1), {
      name: "TypeError",
      message:
        `Cannot send the arguments of node:path#join on "local": value[0]: functions cannot be sent`,
    });
    await rejects(ctx.call("node:path", "join", "a", { x: [1, { f: Symbol("s") }] }), {
      name: "TypeError",
      message:
        `Cannot send the arguments of node:path#join on "local": value[1].x[1].f: symbols cannot be sent`,
    });
    class Point {
      x = 1;
    }
    await rejects(ctx.call("node:path", "join", new Map([["p", new Point()]])), {
      name: "TypeError",
      message: `Cannot send the arguments of node:path#join on "local": ` +
        `value[0].get("p"): a Point cannot be sent (only plain data)`,
    });
    strictEqual(await ctx.call("node:path", "join", "still", "works"), "still/works");
  });

  await t.step("a module that is not absolute and an empty export are TypeErrors", async () => {
    await rejects(ctx.call("./tasks.ts", "run"), {
      name: "TypeError",
      message:
        `Module "./tasks.ts" must be absolute: a URL (new URL("./tasks.ts", import.meta.url)), ` +
        `an absolute path or a "node:" builtin`,
    });
    await rejects(ctx.call("node:os", ""), {
      name: "TypeError",
      message: "Export name must be a string",
    });
  });

  for (const rt of runtimes) {
    await t.step(`${rt.name}: an unserialisable result is a RemoteError saying so`, async () => {
      await using remote = await router.local({ runtime: rt.path });
      const cases: [string, string][] = [
        ["returnFunction", "value: functions cannot be sent"],
        ["returnInstance", "value.list[1]: a Counter cannot be sent (only plain data)"],
      ];
      for (const [fn, why] of cases) {
        const error = await remote.call(targets, fn).then(() => undefined, (e: unknown) => e);
        ok(error instanceof RemoteError, `${error}`);
        strictEqual(
          error.message,
          `TypeError on "local": Cannot serialise the result of ${targets.href}#${fn}: ${why}`,
        );
        strictEqual(error.remoteName, "TypeError");
      }
      await rejects(remote.call(targets, "notCallable"), {
        name: "RemoteError",
        message:
          `TypeError on "local": Export "notCallable" of "${targets.href}" is not a function (it is a number)`,
      });
      deepStrictEqual(await remote.call(targets, "echo", 1), [1]);
    });

    await t.step(`${rt.name}: an error outside any call fails the calls held`, async () => {
      await using remote = await router.local({ runtime: rt.path });
      for (
        const [how, why] of [["throw", "thrown from a timer"], [
          "reject",
          "rejected and never caught",
        ]]
      ) {
        await rejects(remote.call(targets, "failLater", how), {
          name: "RemoteError",
          message: `Error on "local": Call stopped: the call worker failed: ${why}`,
        });
        deepStrictEqual(await remote.call(targets, "echo", how), [how]);
      }
    });
  }
});

Deno.test("a timed-out or aborted call stops its remote work and the context lives on", async (t) => {
  await using router = new Router();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-marker-" });
  try {
    await t.step("timeout, signal and the context's default timeout on every runtime", async () => {
      await Promise.all(runtimes.map(async (rt) => {
        const started = Date.now();
        const ctx = await router.local({ runtime: rt.path, timeout: 400 });
        const late = `${dir}/${rt.name}-timeout`;
        await rejects(ctx.callWith({ timeout: 300 }, targets, "writeLater", late, 1500), (e) => {
          ok(e instanceof TimeoutError, `${e}`);
          strictEqual(
            e.message,
            `Call ${targets.href}#writeLater on "local" timed out after 0.3 s`,
          );
          strictEqual(e.exitCode, ExitCode.timeout);
          return true;
        });
        const byDefault = `${dir}/${rt.name}-default`;
        await rejects(ctx.call(targets, "writeLater", byDefault, 1500), {
          name: "TimeoutError",
          message: `Call ${targets.href}#writeLater on "local" timed out after 0.4 s`,
        });
        const aborted = `${dir}/${rt.name}-abort`;
        const abort = new AbortController();
        const reason = new Error("changed my mind");
        const call = ctx.callWith({ signal: abort.signal }, targets, "writeLater", aborted, 1500);
        setTimeout(() => abort.abort(reason), 100);
        await rejects(call, (e) => e === reason);
        deepStrictEqual(await ctx.callWith({ timeout: 5000 }, targets, "echo", "alive"), ["alive"]);
        await sleep(started + 2500 - Date.now());
        for (const marker of [late, byDefault, aborted]) {
          ok(!exists(marker), `${rt.name}: a stopped call wrote ${marker}`);
        }
      }));
    });

    await t.step("a call that spins the CPU is stopped on every runtime", async () => {
      for (const rt of runtimes) {
        const ctx = await router.local({ runtime: rt.path });
        await rejects(ctx.callWith({ timeout: 200 }, targets, "spin", 60_000), {
          name: "TimeoutError",
          message: /timed out after 0.2 s$/,
        });
        // Long before the spin could end: the next call does not wait for it.
        strictEqual(await ctx.callWith({ timeout: 20_000 }, "node:path", "join", "a", "b"), "a/b");
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("targets that could reach ssh as options are refused", async () => {
  await using router = new Router();
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-inject-" });
  try {
    const marker = `${dir}/pwned`;
    for (const target of [`-oProxyCommand=touch ${marker}`, `-oProxyCommand=x@mito`, "mi to"]) {
      await rejects(router.connect(target), {
        name: "UsageError",
        message: new RegExp(`^Invalid target "${RegExp.escape(target)}": `),
      });
    }
    // Router.ssh() skips the target grammar: ssh itself must see a host after "--".
    await rejects(router.ssh({ host: `-oProxyCommand=touch ${marker}` }), {
      name: "ConnectionError",
      message: new RegExp(
        `^Cannot connect to "-oProxyCommand=touch ${RegExp.escape(marker)}": ssh exited with ` +
          "code 255: hostname contains invalid characters$",
      ),
    });
    await rejects(
      router.ssh({ host: "localhost", user: `-oProxyCommand=touch ${marker}` }),
      {
        name: "ConnectionError",
        message: new RegExp(
          `^Cannot connect to "-oProxyCommand=touch ${RegExp.escape(marker)}@localhost": ssh ` +
            "exited with code 255: remote username contains invalid characters$",
        ),
      },
    );
    ok(!exists(marker), "ssh ran an injected ProxyCommand");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("frames over the limit and broken remotes fail one context, not the router", async (t) => {
  await using fakes = await FakeRuntimes.create();
  await using router = new Router({ maxFrameSize: 1024 });
  const good = await router.local({ runtime: "node" });
  const stillGood = async () => {
    strictEqual(await good.call("node:path", "join", "good", "ctx"), "good/ctx");
    ok(!good.closed, "the good context was closed");
  };

  await t.step("an oversized argument is a RangeError and the context stays usable", async () => {
    await rejects(good.call("node:path", "join", "x".repeat(2048)), (e) => {
      ok(e instanceof RangeError, `${e}`);
      match(e.message, /^Message of \d+ bytes exceeds the frame limit of 1024 bytes$/);
      return true;
    });
    await stillGood();
  });

  await t.step("an oversized result fails its own call: the context knows the limit", async () => {
    const big = await router.local({ runtime: "node" });
    await rejects(big.call("node:crypto", "randomBytes", 4096), {
      name: "RemoteError",
      message:
        /^RangeError on "local": Message of \d+ bytes exceeds the frame limit of 1024 bytes$/,
    });
    ok(!big.closed, "the context was closed");
    ok(await big.call("node:os", "hostname"));
    await stillGood();
  });

  // The master takes frames only from the contexts behind a connection, so a fake addresses its
  // frames from the id the router gives its context, as a real stage does: good is 1, big 2, and
  // each fake below takes the next.
  let nextId = 3;
  const hostile: [string, string, (id: number) => Parameters<FakeRuntimes["add"]>[1], RegExp][] = [
    [
      "a length shorter than the header",
      "short",
      () => ({ output: [PREAMBLE_BYTES, u32(3), u32(0), u32(0)] }),
      /^Closed the connection to "local": it sent a bad frame \(Frame length 3 is shorter than its header\)$/,
    ],
    [
      "a body that is not msgpack",
      "garbage",
      (id) => ({
        output: [PREAMBLE_BYTES, encodeFrame(0, id, new Uint8Array([0xc1, 0xff, 0x00]))],
      }),
      /^Closed the connection to "local": it sent a bad frame \(Undecodable frame: Invalid msgpack type byte 0xc1 at offset 0\)$/,
    ],
    [
      "a body that is not a message",
      "number",
      (id) => ({ output: [PREAMBLE_BYTES, encodeFrame(0, id, new Uint8Array([0x2a]))] }),
      /^Closed the connection to "local": it sent a bad frame \(Frame does not hold a message\)$/,
    ],
    [
      "a length header of almost 4 GiB",
      "huge",
      () => ({ output: [PREAMBLE_BYTES, u32(0xfffffff0), u32(0), u32(1)] }),
      /^Closed the connection to "local": it sent a bad frame \(Frame of 4294967272 bytes exceeds the frame limit of 1024 bytes\)$/,
    ],
    [
      "a frame over the limit",
      "over",
      (id) => ({ output: [PREAMBLE_BYTES, encodeFrame(0, id, new Uint8Array(2000))] }),
      /^Closed the connection to "local": it sent a bad frame \(Frame of 2000 bytes exceeds the frame limit of 1024 bytes\)$/,
    ],
    [
      "a truncated frame and an exit",
      "truncated",
      () => ({
        output: [PREAMBLE_BYTES, encodeFrame(0, 1, new Uint8Array(100)).subarray(0, 30)],
        then: "exit",
      }),
      /^Closed the connection to "local": .*\b(truncated|middle of a frame|incomplete)\b/,
    ],
    [
      `${MAX_PREAMBLE_NOISE + 1} bytes of noise before the preamble`,
      "noisy",
      () => ({ output: [new Uint8Array(MAX_PREAMBLE_NOISE + 1).fill(0x41)] }),
      /^"local" printed \d+ bytes of output before the remote stage started; is a login script writing to stdout\?$/,
    ],
  ];
  for (const [what, name, options, message] of hostile) {
    await t.step(`a remote that sends ${what} fails with a ProtocolError`, async () => {
      const runtime = await fakes.add(`${name}-node`, options(nextId++));
      await rejects(router.local({ runtime, connectTimeout: 5000 }), (e) => {
        ok(e instanceof ProtocolError, `${e}`);
        match(e.message, message);
        strictEqual(e.exitCode, ExitCode.connection);
        return true;
      });
      await stillGood();
    });
  }

  await t.step("garbage after hello fails the pending call with a ProtocolError", async () => {
    const runtime = await fakes.add("late-garbage-node", {
      output: [PREAMBLE_BYTES, helloFrame(4242, nextId++)],
      pause: 0.5,
      more: [u32(1), u32(0), u32(0)],
    });
    const ctx = await router.local({ runtime });
    strictEqual(ctx.info?.pid, 4242);
    await rejects(ctx.call("node:os", "hostname"), {
      name: "ProtocolError",
      message:
        `Closed the connection to "local": it sent a bad frame (Frame length 1 is shorter than its header)`,
    });
    ok(ctx.closed, "the context is still open");
    await stillGood();
  });

  for (const kind of ["node", "deno"]) {
    await t.step(`a login banner before a real ${kind} is skipped`, async () => {
      const real = runtimes.find((rt) => rt.kind === kind)!.path;
      const runtime = await fakes.add(`banner-${kind}`, {
        output: [encoder.encode("Welcome!\n\0mitoctl almost\n")],
        then: real,
      });
      await using ctx = await router.local({ runtime });
      strictEqual(ctx.info?.runtime, kind);
      strictEqual(await ctx.call("node:path", "join", "a", "b"), "a/b");
      await stillGood();
    });
  }
});
