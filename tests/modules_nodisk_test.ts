import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { type Context, Router } from "../mod.ts";
import { ModuleServer } from "../lib/modules/module_server.ts";
import { copyModGraph } from "./_fixtures/modgraph/_copy.ts";
import {
  diskWrites,
  readTrace,
  type Syscall,
  tracedRuntime,
  waitExit,
} from "./_fixtures/disk_trace.ts";
import { type Runtime, testRuntimes } from "./_fixtures/runtimes.ts";
import { startSshd, TEST_USERS } from "./_fixtures/sshd.ts";

const runtimes = await testRuntimes();

/** Where a traced run happens and what it does. */
interface TracedRun {
  rt: Runtime;
  /** Directory of the wrapper scripts and logs (readable by every user). */
  tools: string;
  /** Name of the run's log folder. */
  label: string;
  /** Owner of the log folder: whoever runs the remote stage. */
  uid: number;
  open(runtime: string): Promise<Context>;
  work(ctx: Context): Promise<void>;
}

/** Runs `run.work` in a context whose runtime is traced and returns the trace. */
async function traced(run: TracedRun): Promise<Syscall[]> {
  const logs = `${run.tools}/${run.label}`;
  await Deno.mkdir(logs);
  await Deno.chown(logs, run.uid, null);
  const ctx = await run.open(await tracedRuntime(run.tools, run.rt, logs));
  const pid = ctx.info!.pid;
  try {
    await run.work(ctx);
  } finally {
    await ctx.close();
  }
  await waitExit(logs, pid);
  const calls = await readTrace(logs);
  ok(calls.some((c) => c.tid === pid && c.name === "openat"), "the trace is empty");
  return calls;
}

Deno.test("a remote stage writes nothing to disk while it runs a module graph", async (t) => {
  await using sshd = await startSshd();
  await using graph = await copyModGraph();
  const tools = await Deno.makeTempDir({ prefix: "mitoctl-strace-" });
  const tasks = graph.url("tasks.ts");
  const work = async (ctx: Context) => {
    strictEqual((await ctx.call<{ url: string }>(tasks, "describe")).url, tasks.href);
    strictEqual(
      await ctx.call(tasks, "plugin", "alpha"),
      `alpha at ${graph.url("plugins/alpha.ts").href}`,
    );
    strictEqual(
      (await ctx.call<{ shouted: string }>(graph.url("npm_user.ts"), "run", "x")).shouted,
      "XX",
    );
    strictEqual(await ctx.eval((a: number) => a + 1, 1), 2);
  };
  const remoteUid = uidOf(TEST_USERS.full);
  try {
    await Deno.chmod(tools, 0o755);
    await using router = new Router();
    for (const rt of runtimes) {
      await t.step(`${rt.name} over ssh`, async () => {
        const calls = await traced({
          rt,
          tools,
          label: `${rt.name}-ssh`,
          uid: remoteUid,
          open: (runtime) => router.connect("mito", { sshConfig: sshd.sshConfig, runtime }),
          work,
        });
        deepStrictEqual(diskWrites(calls), [], `${rt.name} wrote to disk`);
        // Nothing at the modules' paths was read from the remote's disk either. Deno tries (it
        // opens the files that `import()` names) but is denied here; Node does not even try.
        const looked = calls.filter((c) => c.paths.some((p) => p.startsWith(graph.dir)));
        deepStrictEqual(looked.filter((c) => !c.failed).map((c) => c.line), []);
        if (rt.kind === "node") deepStrictEqual(looked.map((c) => c.line), []);
      });

      await t.step(`${rt.name} locally, where the module files are readable`, async () => {
        const calls = await traced({
          rt,
          tools,
          label: `${rt.name}-local`,
          uid: Deno.uid() ?? 0,
          open: (runtime) => router.local({ runtime }),
          work,
        });
        deepStrictEqual(diskWrites(calls), [], `${rt.name} wrote to disk`);
        // Deno, which reads the files here before the hooks serve them, does not even try to
        // cache what it transpiles (each failed try cost the call 150 ms of sleeps).
        deepStrictEqual(emitCacheTries(calls), [], `${rt.name} tried to cache an emit`);
      });
    }

    await t.step("the check sees a file that user code writes", async () => {
      const probe = `${tools}/probe/probe.txt`;
      const calls = await traced({
        rt: runtimes[0]!,
        tools,
        label: "probe",
        uid: remoteUid,
        open: (runtime) => router.connect("mito", { sshConfig: sshd.sshConfig, runtime }),
        work: async (ctx) => {
          await ctx.eval(async (path: string) => {
            const fs = await import("node:fs");
            fs.writeFileSync(path, "written");
          }, probe);
        },
      });
      const found = diskWrites(calls);
      ok(found.some((line) => line.includes(`"${probe}"`)), JSON.stringify(found));
    });
  } finally {
    await Deno.remove(tools, { recursive: true });
  }
});

Deno.test("a different file at a module's path on the remote's disk is never run", async (t) => {
  await using graph = await copyModGraph();
  const modules = new ModuleServer();
  await using router = new Router({ modules });
  for (const rt of runtimes) {
    await t.step(rt.name, async () => {
      // Same size, same mtime: the master keeps serving the version it read first, while the
      // file on this machine (the remote's disk, for a local context) now says otherwise.
      const rel = `shadowed_${rt.name}.ts`;
      const version = (n: number) => `export function version(): number {\n  return ${n};\n}\n`;
      const old = new Date(Date.now() - 3_600_000);
      await graph.write(rel, version(1));
      await Deno.utime(graph.path(rel), old, old);
      await modules.load(graph.url(rel));
      await graph.write(rel, version(2));
      await Deno.utime(graph.path(rel), old, old);
      strictEqual((await modules.load(graph.url(rel))).source.includes("return 1"), true);

      await using ctx = await router.local({ runtime: rt.path });
      strictEqual(await ctx.call(graph.url(rel), "version"), 1);
    });
  }
});

/** The system calls that reach into Deno's cache of transpiled modules (under its `DENO_DIR`). */
function emitCacheTries(calls: Syscall[]): string[] {
  return calls.filter((c) => c.paths.some((p) => p.startsWith("/dev/null/gen/"))).map((c) =>
    c.line
  );
}

/** The uid of `user`, from the passwd database. */
function uidOf(user: string): number {
  const out = new Deno.Command("id", { args: ["-u", user] }).outputSync();
  return Number(new TextDecoder().decode(out.stdout).trim());
}
