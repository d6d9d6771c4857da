/**
 * `mitoctl rsh` on a local context: rsync through it, a non-blocking stdout read slowly (as
 * rsync hands one over), misuse and a hostile stage's process events, each ending with ssh's
 * exit code 255 and a message on stderr, stdout left empty.
 */

import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { capture } from "./_fixtures/_sshd_parts.ts";
import { mitoctlArgv, runCli } from "./_fixtures/cli.ts";
import {
  HOSTILE_PROCESS_SCENARIOS,
  type HostileProcessScenario,
  writeHostileProcessRuntime,
} from "./_fixtures/hostile_process.ts";

const mitoctl = mitoctlArgv;

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

Deno.test("mitoctl rsh serves rsync both ways on a local context", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-rsh-" });
  try {
    await Deno.mkdir(`${dir}/src/sub`, { recursive: true });
    const blob = crypto.getRandomValues(new Uint8Array(65536)).map((b, i) => b ^ i);
    for (let i = 0; i < 64; i++) {
      await Deno.writeFile(`${dir}/src/sub/${i}.bin`, blob.subarray(i * 1000));
    }
    const e = [...mitoctl(), "rsh"].join(" ");
    let r = await capture("rsync", ["-a", "-e", e, `${dir}/src/`, `local:${dir}/pushed/`]);
    strictEqual(r.code, 0, r.stderr);
    r = await capture("rsync", ["-a", "-e", e, `local:${dir}/pushed/`, `${dir}/pulled/`]);
    strictEqual(r.code, 0, r.stderr);
    for (let i = 0; i < 64; i++) {
      deepStrictEqual(await Deno.readFile(`${dir}/pulled/sub/${i}.bin`), blob.subarray(i * 1000));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mitoctl rsh writes every byte to a non-blocking stdout that is read slowly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-rsh-" });
  try {
    const bytes = crypto.getRandomValues(new Uint8Array(65536));
    const big = new Uint8Array(8 * 1024 * 1024).map((_, i) => bytes[i % 65536]! ^ (i >> 16));
    await Deno.writeFile(`${dir}/big`, big);
    // A non-blocking socket for stdout, as rsync gives its ssh, drained slower than it fills.
    const harness = [
      "import hashlib, socket, subprocess, sys, time",
      "a, b = socket.socketpair()",
      "b.setblocking(False)",
      "p = subprocess.Popen(sys.argv[1:], stdout=b, stdin=subprocess.DEVNULL)",
      "b.close()",
      "h, n = hashlib.sha256(), 0",
      "while True:",
      "    d = a.recv(65536)",
      "    if not d: break",
      "    h.update(d); n += len(d)",
      "    if n < 2 * 1024 * 1024: time.sleep(0.002)",
      "print(p.wait(), n, h.hexdigest())",
    ].join("\n");
    const r = await capture("python3", [
      "-c",
      harness,
      ...mitoctl(),
      "rsh",
      "local",
      "cat",
      `${dir}/big`,
    ]);
    strictEqual(r.code, 0, r.stderr);
    strictEqual(r.stdout.trim(), `0 ${big.length} ${await sha256(big)}`, r.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("mitoctl rsh refuses misuse with ssh's exit code 255, nothing on stdout", async () => {
  const cases: [string[], RegExp][] = [
    [["rsh", "local"], /^mitoctl: No command for "local" \(rsh starts no interactive shell\)/],
    [["rsh", "-t", "local", "top"], /^mitoctl: ssh flag "-t" is not supported/],
    [["rsh", "-L", "1:x:1", "local", "true"], /^mitoctl: ssh flag "-L" is not supported/],
    [
      ["rsh", "-p", "22", "local", "true"],
      /^mitoctl: "-l" and "-p" need an ssh hop, and "local" has none/,
    ],
    [
      ["rsh", "--then", "docker:app:user=x", "local", "true"],
      /hop "docker:app:user=x" has an unknown option "user" \(it takes context\)/,
    ],
    [
      ["rsh", "-s", "local", "netconf"],
      /^mitoctl: Subsystem "netconf" is not supported \(only sftp\)/,
    ],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    strictEqual(r.code, 255, `${args.join(" ")}: ${r.stderr}`);
    strictEqual(r.stdout, "");
    match(r.stderr, message);
  }
});

Deno.test("mitoctl rsh and run check a stage's process events before acting on them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-hostile-" });
  try {
    for (const scenario of Object.keys(HOSTILE_PROCESS_SCENARIOS) as HostileProcessScenario[]) {
      const runtime = await writeHostileProcessRuntime(dir, scenario);
      const rsh = await runCli(["rsh", "--runtime", runtime, "local", "true"]);
      strictEqual(rsh.code, 255, `${scenario}: ${rsh.stderr}`);
      strictEqual(rsh.stdout, "");
      match(rsh.stderr, /Context "local" sent a process event mitoctl cannot take: \{"t":/);
      const run = await runCli(["run", "--runtime", runtime, "local", "--", "true"]);
      strictEqual(run.code, 3, `${scenario}: ${run.stderr}`);
      strictEqual(run.stdout, "");
      match(run.stderr, /sent a process event mitoctl cannot take/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
