import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { tailLog } from "./component_log.ts";
import { supervisorArgs, type SupervisorSpec, type SupervisorState } from "./supervisor_program.ts";
import { testNode } from "../../tests/_fixtures/runtimes.ts";

/** Runs a supervisor in the foreground with `runtime` and returns its state once it is done. */
async function supervise(
  runtime: string,
  argv: string[],
  logLimit: number,
  whileRunning?: (stateDir: string, supervisor: Deno.ChildProcess) => Promise<void>,
): Promise<{ state: SupervisorState; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "mitoctl-supervisor-" });
  const spec: SupervisorSpec = {
    name: "unit",
    stateDir: dir,
    argv,
    cwd: dir,
    env: { PATH: "/usr/bin:/bin", MARK: "here" },
    logLimit,
    meta: { run: "r1" },
  };
  const deno = runtime === Deno.execPath();
  const child = new Deno.Command(runtime, {
    args: supervisorArgs(spec, deno),
    env: deno ? { DENO_DIR: "/dev/null" } : {},
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await whileRunning?.(dir, child);
  strictEqual((await child.status).code, 0);
  return { state: JSON.parse(await Deno.readTextFile(`${dir}/state.json`)), dir };
}

const RUNTIMES = [Deno.execPath(), (await testNode()).path];

for (const runtime of RUNTIMES) {
  const name = runtime === Deno.execPath() ? "Deno" : "Node";

  Deno.test(`supervise() on ${name} records the exit code and tagged, whole lines`, async () => {
    const { state, dir } = await supervise(
      runtime,
      ["/bin/sh", "-c", 'printf "a\\nb"; echo "$MARK" >&2; printf "c\\n"; exit 4'],
      64 * 1024,
    );
    try {
      strictEqual(state.code, 4);
      strictEqual(state.signal, null);
      deepStrictEqual(state.meta, { run: "r1" });
      ok(state.pid! > 0 && state.exitedAt! >= state.startedAt);
      const lines = tailLog(dir).trimEnd().split("\n").map((l) => l.replace(/^\S+ /, ""));
      strictEqual(lines[0]!.startsWith("sup started pid "), true);
      deepStrictEqual(lines.slice(1).filter((l) => l.startsWith("out ")), ["out a", "out bc"]);
      ok(lines.includes("err here"), lines.join("\n"));
      strictEqual(lines.at(-1), "sup exited with code 4");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`supervise() on ${name} keeps at most its log limit`, async () => {
    const script = "i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done";
    const { dir } = await supervise(runtime, ["/bin/sh", "-c", script], 2000);
    try {
      const sizes = ["log", "log.1"].map((f) => Deno.statSync(`${dir}/${f}`).size);
      ok(sizes[0]! + sizes[1]! <= 2000, `${sizes}`);
      const text = tailLog(dir);
      match(text, /out line-299\n\S+ sup exited with code 0\n$/);
      strictEqual(text.includes("out line-0\n"), false);
      strictEqual(tailLog(dir, 2).split("\n").length, 3);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`supervise() on ${name} passes SIGTERM to the component once`, async () => {
    const script = 'trap "echo term; exit 7" TERM; echo up; while :; do sleep 0.1; done';
    const { state, dir } = await supervise(
      runtime,
      ["/bin/sh", "-c", script],
      64 * 1024,
      async (stateDir, supervisor) => {
        // Signalled once the trap is set: the component says "up" after setting it.
        while (!tailLog(stateDir).includes(" out up\n")) {
          await new Promise((r) => setTimeout(r, 20));
        }
        supervisor.kill("SIGTERM");
      },
    );
    try {
      strictEqual(state.code, 7);
      match(tailLog(dir), /sup received SIGTERM\n.*out term\n.*sup exited with code 7\n$/s);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("supervise() records an executable that cannot start", async () => {
  const { state, dir } = await supervise(Deno.execPath(), ["/nonexistent/x"], 4096);
  try {
    strictEqual(state.pid, null);
    match(state.error!, /^Cannot start: .*ENOENT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
