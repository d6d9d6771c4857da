/**
 * Runs the module loader the way the remote stage does, on any runtime: the main thread serves
 * module requests from a scenario's "master", a worker installs the loader, adds the pushed
 * modules and imports each step in turn. Prints one JSON line on stdout, a {@linkcode Report}.
 *
 * Bundled to one file by the test, then run as `<runtime> harness.mjs scenario.json`.
 *
 * @module
 */

import type { ModuleEntry } from "../../lib/wire/protocol.ts";
import { installLoader, type Loader, serveModuleRequests } from "../../bootstrap/loader.ts";

/** What the harness is asked to do. */
export interface Scenario {
  /** Modules sent along with the first call. */
  pushed: ModuleEntry[];
  /** Modules the master sends when asked. */
  served: ModuleEntry[];
  /** URLs the master refuses, with its reason. */
  refused: Record<string, string>;
  /** Imports, in order; each call runs the module's `run` export when it has one. */
  steps: Step[];
}

/** One import in the worker. */
export interface Step {
  url: string;
  /** Import it `with { type: "json" }`. */
  json?: boolean;
  /** Import it this many times at once. */
  times?: number;
}

/** The outcome of one step. */
export interface Outcome {
  ok: boolean;
  /** The value `run()` returned, or the default export, or the export names. */
  value?: unknown;
  name?: string;
  message?: string;
  code?: string;
  stack?: string;
}

/** What the harness prints. */
export interface Report {
  outcomes: Outcome[];
  /** URLs the master was asked for, in order. */
  fetched: string[];
  /** `loader.has()` of each pushed module, after the steps. */
  held: boolean[];
  /** Milliseconds from starting the worker to the loader being installed in it. */
  readyMs: number;
  /** Milliseconds from starting the worker to the end of the first step. */
  firstCallMs: number;
  /** Milliseconds from starting the worker to the end of all steps. */
  allMs: number;
}

const threads = process.getBuiltinModule("node:worker_threads");

async function runStep(loader: Loader, step: Step): Promise<Outcome> {
  try {
    const options = step.json ? { with: { type: "json" } } : undefined;
    const mods = await Promise.all(
      Array.from({ length: step.times ?? 1 }, () => import(step.url, options)),
    );
    const mod = mods[0] as Record<string, unknown>;
    const value = typeof mod.run === "function"
      ? await mod.run()
      : "default" in mod
      ? mod.default
      : Object.keys(mod);
    return { ok: true, value: { value, same: mods.every((m) => m === mod) } };
  } catch (e) {
    loader.locate(e);
    const error = e as Error & { code?: string };
    return {
      ok: false,
      name: error.name,
      message: error.message,
      stack: error.stack ?? "",
      ...(error.code ? { code: error.code } : {}),
    };
  }
}

async function worker(): Promise<void> {
  const { port, scenario } = threads.workerData as { port: MessagePort; scenario: Scenario };
  const loader = installLoader(port as never);
  loader.add(scenario.pushed);
  threads.parentPort!.postMessage({ ready: true });
  const outcomes: Outcome[] = [];
  for (const step of scenario.steps) {
    outcomes.push(await runStep(loader, step));
    if (outcomes.length === 1) threads.parentPort!.postMessage({ first: true });
  }
  threads.parentPort!.postMessage({
    outcomes,
    held: scenario.pushed.map((m) => loader.has(m.url)),
  });
}

function main(): void {
  const fs = process.getBuiltinModule("node:fs");
  const scenario = JSON.parse(fs.readFileSync(process.argv.at(-1)!, "utf8")) as Scenario;
  const fetched: string[] = [];
  const { port1, port2 } = new threads.MessageChannel();
  serveModuleRequests(port1, async (url) => {
    fetched.push(url);
    // A round trip to the master takes a while: concurrent asks must share it.
    await new Promise((ok) => setTimeout(ok, 5));
    const reason = scenario.refused[url];
    if (reason !== undefined) throw new Error(reason);
    return scenario.served.find((m) => m.url === url);
  });
  const start = performance.now();
  let readyMs = 0;
  let firstCallMs = 0;
  const w = new threads.Worker(new URL(import.meta.url), {
    workerData: { port: port2, scenario },
    transferList: [port2],
  });
  w.on(
    "message",
    (m: { ready?: boolean; first?: boolean; outcomes: Outcome[]; held: boolean[] }) => {
      if (m.ready) {
        readyMs = performance.now() - start;
        return;
      }
      if (m.first) {
        firstCallMs = performance.now() - start;
        return;
      }
      const report: Report = {
        outcomes: m.outcomes,
        fetched,
        held: m.held,
        readyMs,
        firstCallMs,
        allMs: performance.now() - start,
      };
      process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
    },
  );
  w.on("error", (e: Error) => {
    process.stderr.write(`worker failed: ${e.stack}\n`);
    process.exit(1);
  });
}

if (threads.isMainThread) main();
else await worker();
